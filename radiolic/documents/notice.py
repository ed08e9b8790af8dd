"""Render official written instruments (notices, decisions, commitment letters) on A4."""
from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    Flowable,
    HRFlowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus import paragraph as rl_paragraph

from .chinese_text import chinese_date, kinsoku_breaks
from .flate_canvas import FlateCanvas
from .fonts import cjk_font
from .qr import draw_qr
from .seal_mark import draw_draft_mark, draw_seal

PAGE_WIDTH, PAGE_HEIGHT = A4
# Close to GB/T 9704 type area (156 mm wide) while leaving room for long tables.
LEFT_MARGIN = 28 * mm
RIGHT_MARGIN = 26 * mm
TOP_MARGIN = 30 * mm
BOTTOM_MARGIN = 28 * mm
BODY_SIZE = 14.0
TABLE_SIZE = 10.5
SEAL_RADIUS = 21 * mm  # official seals are 40-42 mm across
QR_SIZE = 22 * mm
GREY = colors.Color(0.45, 0.45, 0.45)


# kw_only: keeps the field order of the spec while `dated` stays required (no
# silent date.today(), which would also break byte-identical re-rendering).
@dataclass(kw_only=True)
class Notice:
    """Content of one written instrument; see render_notice for the layout."""

    title: str
    office: str
    doc_number: str
    addressee: str
    paragraphs: list[str]
    # Tuples are read as (label, value) pairs; lists as a header row followed by data rows.
    table: Sequence[tuple[str, str]] | Sequence[list[str]] = ()
    dated: date
    footer_lines: Sequence[str] = ()
    qr_url: str | None = None
    qr_caption: str = ""
    signature_block: bool = False
    font_path: str | None = None
    # Delivered online: the office's round red seal is drawn in the seal place (seal_label, e.g. 演示印章, under it).
    sealed: bool = False
    seal_label: str = ""
    # A preview of an instrument not yet issued: marked 样稿 on every page.
    draft: bool = False
    # Paragraphs printed after the table (e.g. 特此通知 closes a notice whose list comes first).
    closing_paragraphs: Sequence[str] = ()


class _HeadingLine(Flowable):
    """One line of heading text, fake-bold, shrunk to fit if it is wider than the frame."""

    def __init__(self, text: str, font: str, size: float, align: str = "centre",
                 bold: bool = True, space_after: float = 0.0):
        super().__init__()
        self.text, self.font, self.size = text, font, size
        self.align, self.bold, self.space_after = align, bold, space_after

    def wrap(self, available_width, available_height):
        self.width = available_width
        natural = stringWidth(self.text, self.font, self.size)
        if natural > available_width:
            self.size *= available_width / natural
        self.height = self.size * 1.3 + self.space_after
        return self.width, self.height

    def draw(self):
        canvas = self.canv
        text_width = stringWidth(self.text, self.font, self.size)
        x = {"centre": (self.width - text_width) / 2,
             "right": self.width - text_width}.get(self.align, 0.0)
        # Render mode is graphics state: confine it so body text stays regular weight.
        canvas.saveState()
        obj = canvas.beginText(x, self.space_after + self.size * 0.3)
        obj.setFont(self.font, self.size)
        if self.bold:
            # The Song face has no bold weight: fill+stroke (mode 2) thickens strokes.
            obj.setTextRenderMode(2)
            canvas.setLineWidth(self.size * 0.03)
        obj.textOut(self.text)
        canvas.drawText(obj)
        canvas.restoreState()


class _ClosingBlock(Flowable):
    """Seal circle, office and date at the right; signature lines and QR at the left."""

    # Line pitch of the two signature lines.
    SIGNATURE_PITCH = BODY_SIZE * 1.8

    def __init__(self, office: str, dated: date, font: str, qr_url: str | None = None,
                 qr_caption: str = "", signature: bool = False, sealed: bool = False, seal_label: str = ""):
        super().__init__()
        self.office, self.dated, self.font = office, chinese_date(dated), font
        self.qr_url, self.qr_caption, self.signature = qr_url, qr_caption, signature
        self.sealed, self.seal_label = sealed, seal_label

    def wrap(self, available_width, available_height):
        self.width = available_width
        # The left column sits beside the seal rather than above it, which keeps the
        # closing short enough to stay on the page with the end of the body text.
        qr = QR_SIZE + (12 if self.qr_caption else 0) if self.qr_url else 0.0
        left = qr + (2 * self.SIGNATURE_PITCH + 8 if self.signature else 0.0)
        self.height = max(2 * SEAL_RADIUS + 8, left)
        return self.width, self.height

    def draw(self):
        canvas = self.canv
        widest = max(stringWidth(self.office, self.font, BODY_SIZE),
                     stringWidth(self.dated, self.font, BODY_SIZE))
        # Right edge indented by two characters, as on printed official documents.
        centre_x = self.width - 2 * BODY_SIZE - widest / 2
        centre_y = self.height - SEAL_RADIUS - 4
        if self.sealed:
            draw_seal(canvas, centre_x, centre_y, SEAL_RADIUS, self.office, self.font, self.seal_label)
        else:
            canvas.saveState()
            canvas.setStrokeColor(GREY)
            canvas.setDash(3, 3)
            canvas.circle(centre_x, centre_y, SEAL_RADIUS, stroke=1, fill=0)
            canvas.setDash()
            canvas.setFillColor(GREY)
            canvas.setFont(self.font, 9)
            canvas.drawCentredString(centre_x, centre_y + SEAL_RADIUS - 16, "（盖章）")
            canvas.restoreState()
        canvas.setFont(self.font, BODY_SIZE)
        canvas.drawCentredString(centre_x, centre_y + 4, self.office)
        canvas.drawCentredString(centre_x, centre_y - BODY_SIZE - 6, self.dated)
        if self.signature:
            # the rules end a character before the seal or the office/date text, whichever reaches further left
            self._draw_signature_lines(min(centre_x - SEAL_RADIUS, centre_x - widest / 2) - BODY_SIZE)
        if self.qr_url:
            caption_room = 12 if self.qr_caption else 0
            draw_qr(canvas, self.qr_url, 0, caption_room, QR_SIZE)
            if self.qr_caption:
                canvas.saveState()
                canvas.setFillColor(GREY)
                canvas.setFont(self.font, 8)
                canvas.drawCentredString(QR_SIZE / 2, 2, self.qr_caption)
                canvas.restoreState()

    def _draw_signature_lines(self, right: float) -> None:
        """承诺人（签字） and 日期 labels, each followed by a rule to write on."""
        canvas = self.canv
        canvas.setFont(self.font, BODY_SIZE)
        canvas.setLineWidth(0.6)
        # Both rules start at the same x so the two lines read as one form block.
        start = stringWidth("承诺人（签字）：", self.font, BODY_SIZE)
        y = self.height - BODY_SIZE - 6
        for label in ("承诺人（签字）：", "日期："):
            canvas.drawRightString(start, y, label)
            canvas.line(start, y - 3, right, y - 3)
            y -= self.SIGNATURE_PITCH


def _page_numbering_canvas(font: str, draft: bool = False):
    """Canvas class that prints 第n页 共N页 once the total page count is known."""

    class PageNumberingCanvas(FlateCanvas):
        """Defers page output until save() so each page can show the total."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._held_pages: list[dict] = []

        def showPage(self):
            self._held_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._held_pages)
            for state in self._held_pages:
                self.__dict__.update(state)
                if draft:
                    draw_draft_mark(self, PAGE_WIDTH, A4[1], font)
                # A one-page instrument conventionally carries no page number.
                if total > 1:
                    self.setFont(font, 9)
                    self.setFillColor(GREY)
                    self.drawCentredString(PAGE_WIDTH / 2, BOTTOM_MARGIN / 2,
                                           f"第{self._pageNumber}页 共{total}页")
                super().showPage()
            super().save()

    return PageNumberingCanvas


def _frag_text(frag) -> str:
    return frag.text if hasattr(frag, "text") else "".join(getattr(frag, "words", []))


class _KinsokuParagraph(Paragraph):
    """Paragraph whose CJK line breaking keeps closing punctuation off line starts.

    ReportLab's CJK splitting lets a line start with ，；：？！” and end with “（; this one
    takes ReportLab's own measurements and line objects and only chooses the break points
    (chinese_text.kinsoku_breaks). Anything unusual (bullets, images, end dots, a page
    split in progress) and any ReportLab whose internals differ get the stock code.
    """

    def breakLinesCJK(self, maxWidths):
        frags = self.frags
        style = self.style
        if (not _kinsoku_ready(style.fontName, style.fontSize) or not frags or self.bulletText
                or style.endDots or any(hasattr(frag, "cbDefn") for frag in frags)
                or (hasattr(self, "blPara") and getattr(self, "_splitpara", 0))):
            return super().breakLinesCJK(maxWidths)
        return _kinsoku_lines(self, maxWidths)


def _kinsoku_lines(paragraph: Paragraph, max_widths):
    """Line objects as Paragraph.breakLinesCJK builds them, with kinsoku break points."""
    if not isinstance(max_widths, (list, tuple)):
        max_widths = [max_widths]
    paragraph.height = 0
    frags = paragraph.frags
    lines = []
    start = 0
    if len(frags) == 1:
        frag = frags[0]
        text = _frag_text(frag)
        widths = [stringWidth(char, frag.fontName, frag.fontSize) for char in text]
        for index, end in enumerate(kinsoku_breaks(text, widths, max_widths)):
            limit = max_widths[min(index, len(max_widths) - 1)]
            lines.append((limit - sum(widths[start:end]), [text[start:end].strip()]))
            start = end
        return frag.clone(kind=0, lines=lines, ascent=frag.fontSize, descent=-0.2 * frag.fontSize)
    units = []
    for frag in frags:
        text = _frag_text(frag)
        units += ([rl_paragraph.cjkU(char, frag, "utf8") for char in text] if text
                  else [rl_paragraph.cjkU(text, frag, "utf8")])
    widths = [unit.width for unit in units]
    forced = [hasattr(unit.frag, "lineBreak") for unit in units]
    auto_leading = getattr(paragraph, "autoLeading", getattr(paragraph.style, "autoLeading", ""))
    calc_bounds = auto_leading not in ("", "off")
    for index, end in enumerate(kinsoku_breaks([str(unit) for unit in units], widths,
                                               max_widths, forced)):
        limit = max_widths[min(index, len(max_widths) - 1)]
        used = sum(widths[start:end])
        lines.append(rl_paragraph.makeCJKParaLine(units[start:end], limit, used, limit - used,
                                                  forced[end - 1], calc_bounds))
        start = end
    return rl_paragraph.ParaLines(kind=1, lines=lines)


def _line_texts(para_lines) -> list[str]:
    """The text of each line of a breakLinesCJK result, whichever kind it is."""
    if para_lines.kind == 0:
        return ["".join(words) for _space, words in para_lines.lines]
    return ["".join(word.text for word in line.words) for line in para_lines.lines]


@functools.lru_cache(maxsize=None)
def _kinsoku_ready(font: str, size: float) -> bool:
    """Whether our break points reproduce ReportLab's where no kinsoku rule applies."""
    # Plain CJK text (no punctuation, no Latin) must break exactly where ReportLab breaks it,
    # in both of its code paths (one text fragment; several, here split by <br/>).
    text = "无线电管理机构依法对无线电台站实施监督检查" * 3
    style = ParagraphStyle("probe", fontName=font, fontSize=size, leading=size * 1.5,
                           wordWrap="CJK")
    try:
        for markup in (text, text + "<br/>" + text[:17]):
            stock = Paragraph(markup, style)
            ours = Paragraph(markup, style)
            if _line_texts(stock.breakLinesCJK([size * 9.5])) != _line_texts(
                    _kinsoku_lines(ours, [size * 9.5])):
                return False
    except Exception:  # noqa: BLE001 - any incompatibility means: keep the stock path
        return False
    return True


def _styles(font: str) -> dict[str, ParagraphStyle]:
    """Paragraph styles; all use CJK line breaking so lines break between characters."""
    body = ParagraphStyle("body", fontName=font, fontSize=BODY_SIZE, leading=BODY_SIZE * 1.75,
                          firstLineIndent=2 * BODY_SIZE, alignment=TA_LEFT,
                          wordWrap="CJK", spaceAfter=2)
    return {
        "body": body,
        "addressee": ParagraphStyle("addressee", parent=body, firstLineIndent=0,
                                    spaceBefore=6, spaceAfter=4),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=TABLE_SIZE,
                               leading=TABLE_SIZE * 1.4, wordWrap="CJK"),
        "footer": ParagraphStyle("footer", fontName=font, fontSize=9.5, leading=14,
                                 textColor=GREY, wordWrap="CJK"),
    }


def _para(text: str, style: ParagraphStyle) -> Paragraph:
    """Paragraph from plain text: escape markup characters and keep line breaks."""
    return _KinsokuParagraph(escape(str(text)).replace("\n", "<br/>"), style)


def _column_widths(rows: list[list[str]], font: str, available: float) -> list[float]:
    """Share the width by each column's longest text, with a floor so none collapses."""
    count = max(len(row) for row in rows)
    natural = [0.0] * count
    for row in rows:
        for index, cell in enumerate(row):
            natural[index] = max(natural[index],
                                 stringWidth(str(cell), font, TABLE_SIZE) + 12)
    floor = min(4 * TABLE_SIZE + 12, available / count)
    if sum(natural) <= available:
        # Everything fits on one line: give the slack to the widest column.
        widest = natural.index(max(natural))
        natural[widest] += available - sum(natural)
        return natural
    widths = [max(floor, width) for width in natural]
    scale = (available - floor * count) / max(sum(widths) - floor * count, 1e-6)
    return [floor + (width - floor) * scale for width in widths]


def _table(rows: Sequence, styles: dict, font: str, available: float) -> Table:
    """Key/value table for tuples, header-plus-rows table (header repeated) for lists."""
    cell = styles["cell"]
    key_value = all(isinstance(row, tuple) and len(row) == 2 for row in rows)
    data = [[_para(value, cell) for value in row] for row in rows]
    grid = [("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]
    if key_value:
        label_width = min(max(stringWidth(str(row[0]), font, TABLE_SIZE) for row in rows) + 14,
                          available * 0.4)
        style = grid + [("BACKGROUND", (0, 0), (0, -1), colors.Color(0.94, 0.94, 0.94))]
        return Table(data, colWidths=[label_width, available - label_width],
                     style=TableStyle(style), hAlign="CENTER")
    texts = [[str(value) for value in row] for row in rows]
    width = max(len(row) for row in rows)
    # Ragged rows would break the grid; pad them with empty cells.
    data = [row + [""] * (width - len(row)) for row in data]
    style = grid + [("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.9, 0.9, 0.9))]
    return Table(data, colWidths=_column_widths(texts, font, available), repeatRows=1,
                 style=TableStyle(style), hAlign="CENTER")


def render_notice(doc: Notice) -> bytes:
    """Lay out a written instrument on A4 pages and return the PDF bytes."""
    return render_bundle([doc])


def render_bundle(docs: Sequence[Notice]) -> bytes:
    """Lay out one or more instruments in one PDF, each starting on a new page (the counter's print bundle).
    A single instrument carries 第n页 共N页 when it runs over a page; a bundle numbers no pages (each of its
    instruments is a separate paper)."""
    first = docs[0]
    font = cjk_font(first.font_path).name
    styles = _styles(font)
    buffer = io.BytesIO()
    title = f"{first.title} {first.doc_number}".strip() if len(docs) == 1 else "、".join(d.title for d in docs)
    template = SimpleDocTemplate(
        buffer, pagesize=A4,
        leftMargin=LEFT_MARGIN, rightMargin=RIGHT_MARGIN,
        topMargin=TOP_MARGIN, bottomMargin=BOTTOM_MARGIN,
        title=title, author=first.office,
        subject=first.title, creator="radiolic", lang="zh-CN",
        # invariant=1 pins creation date and document ID: same input, same bytes.
        invariant=1, pageCompression=1,
    )
    available = template.width
    story: list[Flowable] = []
    for n, doc in enumerate(docs):
        if n:
            story.append(PageBreak())
        story += _story(doc, styles, font, available)
    if len(docs) == 1:
        template.build(story, canvasmaker=_page_numbering_canvas(font, first.draft))
    else:
        template.build(story, canvasmaker=FlateCanvas)
    return buffer.getvalue()


def _story(doc: Notice, styles: dict, font: str, available: float) -> list[Flowable]:
    story: list[Flowable] = [
        _HeadingLine(doc.office, font, 18, space_after=6),
        _HeadingLine(doc.title, font, 24, space_after=10),
    ]
    if doc.doc_number:
        story.append(_HeadingLine(doc.doc_number, font, 12, align="right", bold=False,
                                  space_after=10))
    if doc.addressee:
        story.append(_para(doc.addressee, styles["addressee"]))
    body = [_para(text, styles["body"]) for text in doc.paragraphs]
    if doc.table:
        body += [Spacer(1, 8), _table(list(doc.table), styles, font, available), Spacer(1, 8)]
    body += [_para(text, styles["body"]) for text in doc.closing_paragraphs]
    # The seal never stands alone on a page: the last piece of the body goes with it.
    last = 3 if doc.table and not doc.closing_paragraphs else 1
    story += body[:-last]
    closing: list[Flowable] = [*body[-last:],
        Spacer(1, 8),
        _ClosingBlock(doc.office, doc.dated, font, doc.qr_url, doc.qr_caption,
                      doc.signature_block, doc.sealed, doc.seal_label),
    ]
    if doc.footer_lines:
        closing.append(HRFlowable(width="100%", thickness=0.4, color=GREY,
                                  spaceBefore=8, spaceAfter=3))
        closing += [_para(line, styles["footer"]) for line in doc.footer_lines]
    # One block: a page break never separates the seal and date from the contact
    # footer (a footer alone on the last page looks like a stray sheet).
    story.append(KeepTogether(closing))
    return story
