"""Render station licence and frequency permit faces (A4, low-level canvas for speed)."""
from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from .chinese_text import chinese_date, wrap_lines
from .flate_canvas import FlateCanvas
from .fonts import cjk_font
from .qr import draw_qr
from .seal_mark import draw_draft_mark, draw_seal

TITLES = {
    "station_licence": "中华人民共和国无线电台执照",
    "frequency_permit": "无线电频率使用许可证",
}
HOLDER_LABELS = {
    "station_licence": "持照单位/个人",
    "frequency_permit": "持证单位/个人",
}
# Explicit break: the label column fits eight characters and "证/件" split badly.
HOLDER_CODE_LABEL = "统一社会信用代码/\n证件号码"
VALIDITY_LABEL = "有效期限"

# Hex digests and base64 are read character by character when checked by hand:
# a monospaced standard font keeps 0/O and l/1 distinct and needs no embedding.
MONO = "Courier"

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 56.0
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
TABLE_TOP = PAGE_HEIGHT - 128
LABEL_WIDTH = 112.0
CELL_PAD_X = 6.0
CELL_PAD_Y = 5.0
# Shrink the field table through these sizes before spilling onto extra pages.
TABLE_FONT_SIZES = (10.5, 9.5, 8.5, 7.5)
QR_SIZE = 92.0
QR_X = MARGIN - 4
CAPTION_SIZE = 8.5
# A caption wider than the QR starts under its first column of modules and may run this
# far right (the issuer block on the right starts ~150 pt further on); wider, it shrinks.
CAPTION_MAX_WIDTH = 2 * QR_SIZE
SEAL_RADIUS = 56.0
RED = (0.78, 0.08, 0.08)


@dataclass
class LicenceFace:
    """Everything printed on one licence or permit face."""

    kind: str
    number: str
    holder: str
    holder_code: str
    fields: list[tuple[str, str]]
    valid_from: date
    valid_until: date
    issued_on: date
    office: str
    verify_url: str
    verify_code: str
    electronic: bool
    content_hash: str = ""
    signature: str = ""
    font_path: str | None = None
    seal_label: str = ""       # under the drawn seal of an electronic licence (演示印章 with the demo certificate)
    draft: bool = False        # a preview, not an issued licence: marked 样稿


@dataclass
class _Row:
    """A table row already broken into lines at a given font size."""

    label: list[str]
    value: list[str]
    height: float


def _fake_bold_text(canvas: Canvas, x: float, y: float, text: str, font: str,
                    size: float, centred: bool = False) -> None:
    """Draw text filled and stroked so a single-weight CJK face reads as bold."""
    if centred:
        x -= stringWidth(text, font, size) / 2
    # The render mode is graphics state and outlives the text object: without
    # saveState/restoreState every later string on the page would be bolded too.
    canvas.saveState()
    obj = canvas.beginText(x, y)
    obj.setFont(font, size)
    # Render mode 2 = fill then stroke; the thin stroke thickens the strokes evenly.
    obj.setTextRenderMode(2)
    canvas.setLineWidth(size * 0.03)
    obj.textOut(text)
    canvas.drawText(obj)
    canvas.restoreState()


def _layout_rows(pairs: list[tuple[str, str]], font: str, size: float) -> list[_Row]:
    """Break labels and values into lines and compute each row's height."""
    leading = size * 1.35
    rows = []
    for label, value in pairs:
        label_lines = wrap_lines(label, font, size, LABEL_WIDTH - 2 * CELL_PAD_X)
        value_lines = wrap_lines(value or "—", font, size,
                                 CONTENT_WIDTH - LABEL_WIDTH - 2 * CELL_PAD_X)
        lines = max(len(label_lines), len(value_lines))
        rows.append(_Row(label_lines, value_lines, lines * leading + 2 * CELL_PAD_Y))
    return rows


def _draw_rows(canvas: Canvas, rows: list[_Row], top: float, font: str, size: float) -> float:
    """Draw a bordered two-column table from top downwards; return its bottom y."""
    leading = size * 1.35
    left, right = MARGIN, MARGIN + CONTENT_WIDTH
    divider = left + LABEL_WIDTH
    bottom = top - sum(row.height for row in rows)
    canvas.setFillColorRGB(0.94, 0.94, 0.94)
    canvas.rect(left, bottom, LABEL_WIDTH, top - bottom, stroke=0, fill=1)
    canvas.setFillColorRGB(0, 0, 0)
    canvas.setLineWidth(0.6)
    y = top
    for row in rows:
        # Vertically centre the shorter column so one-line labels sit beside the value.
        for lines, x in ((row.label, left + CELL_PAD_X), (row.value, divider + CELL_PAD_X)):
            block = len(lines) * leading
            baseline = y - (row.height - block) / 2 - leading + (leading - size) / 2 + size * 0.12
            text = canvas.beginText(x, baseline)
            text.setFont(font, size, leading)
            text.textLines(lines)
            canvas.drawText(text)
        y -= row.height
        if y > bottom + 0.01:
            canvas.line(left, y, right, y)
    canvas.setLineWidth(1.0)
    canvas.rect(left, bottom, CONTENT_WIDTH, top - bottom, stroke=1, fill=0)
    canvas.setLineWidth(0.6)
    canvas.line(divider, bottom, divider, top)
    return bottom


def _draw_frame(canvas: Canvas) -> None:
    """Double border that marks the face as a formal certificate."""
    canvas.setStrokeColorRGB(*RED)
    canvas.setLineWidth(2.2)
    canvas.rect(28, 28, PAGE_WIDTH - 56, PAGE_HEIGHT - 56, stroke=1, fill=0)
    canvas.setLineWidth(0.6)
    canvas.rect(34, 34, PAGE_WIDTH - 68, PAGE_HEIGHT - 68, stroke=1, fill=0)
    canvas.setStrokeColorRGB(0, 0, 0)


def _draw_mark(canvas: Canvas, font: str, electronic: bool) -> None:
    """Boxed 电子证照/纸质证照 mark in the top-right corner."""
    label = "电子证照" if electronic else "纸质证照"
    size = 12.0
    width = stringWidth(label, font, size) + 14
    x = PAGE_WIDTH - MARGIN - width
    y = PAGE_HEIGHT - 74
    colour = RED if electronic else (0.35, 0.35, 0.35)
    canvas.setStrokeColorRGB(*colour)
    canvas.setFillColorRGB(*colour)
    canvas.setLineWidth(1.2)
    canvas.roundRect(x, y, width, size + 10, 3, stroke=1, fill=0)
    canvas.setFont(font, size)
    canvas.drawString(x + 7, y + 6.5, label)
    canvas.setStrokeColorRGB(0, 0, 0)
    canvas.setFillColorRGB(0, 0, 0)


def _draw_header(canvas: Canvas, face: LicenceFace, font: str, page: int, pages: int) -> None:
    """Frame, title, copy mark and number line common to every page of a face."""
    _draw_frame(canvas)
    _draw_mark(canvas, font, face.electronic)
    title = TITLES.get(face.kind, face.kind)
    _fake_bold_text(canvas, PAGE_WIDTH / 2, PAGE_HEIGHT - 100, title, font, 22, centred=True)
    canvas.setFont(font, 10.5)
    number = f"编号：{face.number}"
    if pages > 1:
        number += f"（第{page}页/共{pages}页）"
    canvas.drawRightString(MARGIN + CONTENT_WIDTH, TABLE_TOP + 8, number)


def _draw_code_caption(canvas: Canvas, text: str, font: str, left: float, y: float) -> None:
    """One caption line under the QR that never reaches the frame on the left."""
    width = stringWidth(text, font, CAPTION_SIZE)
    if width <= QR_SIZE:
        canvas.drawCentredString(QR_X + QR_SIZE / 2, y, text)
        return
    # Centred, a 26-character verification code ran ~20 pt past the left frame: a long
    # caption starts where the printed modules start instead, and shrinks if still too wide.
    size = CAPTION_SIZE * min(1.0, CAPTION_MAX_WIDTH / width)
    canvas.setFont(font, size)
    canvas.drawString(left, y, text)
    canvas.setFont(font, CAPTION_SIZE)


def _draw_issuer(canvas: Canvas, face: LicenceFace, font: str, top: float) -> None:
    """QR with caption on the left; issuing office, date and seal area on the right."""
    qr_y = top - QR_SIZE
    inset = draw_qr(canvas, face.verify_url, QR_X, qr_y, QR_SIZE)
    canvas.setFont(font, CAPTION_SIZE)
    canvas.drawCentredString(QR_X + QR_SIZE / 2, qr_y - 6, "扫码核验")
    _draw_code_caption(canvas, f"核验码：{face.verify_code}", font, QR_X + inset, qr_y - 17)

    right = MARGIN + CONTENT_WIDTH - 10
    centre_x = right - 80
    centre_y = top - 52
    if not face.electronic:
        # Paper copies are stamped by hand: leave a dashed seal-sized circle.
        canvas.setStrokeColorRGB(0.6, 0.6, 0.6)
        canvas.setDash(3, 3)
        canvas.circle(centre_x, centre_y, SEAL_RADIUS, stroke=1, fill=0)
        canvas.setDash()
        canvas.setStrokeColorRGB(0, 0, 0)
        canvas.setFillColorRGB(0.6, 0.6, 0.6)
        canvas.setFont(font, 9)
        canvas.drawCentredString(centre_x, centre_y + SEAL_RADIUS - 16, "（盖章）")
        canvas.setFillColorRGB(0, 0, 0)
    else:
        draw_seal(canvas, centre_x, centre_y, SEAL_RADIUS, face.office, font, face.seal_label)
    canvas.setFont(font, 12)
    canvas.drawCentredString(centre_x, centre_y - 4, f"发证机关：{face.office}")
    canvas.drawCentredString(centre_x, centre_y - 24, f"发证日期：{chinese_date(face.issued_on)}")


def _draw_verification(canvas: Canvas, face: LicenceFace, font: str) -> None:
    """Small print at the bottom: digest and signature (electronic) and where to verify."""
    size = 7.0
    leading = 9.0
    y = 46.0
    lines: list[tuple[str, str]] = []
    if face.electronic:
        lines.append(("内容摘要 SHA-256：", face.content_hash or "—"))
        if face.signature:
            lines.append(("签名 Ed25519：", face.signature))
    # Lay out bottom-up so the block always ends just above the inner frame.
    blocks: list[tuple[str, list[str], float]] = []
    for label, value in lines:
        label_width = stringWidth(label, font, size)
        wrapped = wrap_lines(value, MONO, size, CONTENT_WIDTH - label_width)
        blocks.append((label, wrapped, label_width))
    verify_line = f"扫码或访问 {face.verify_url} 核验（核验码 {face.verify_code}）"
    verify_lines = wrap_lines(verify_line, font, size, CONTENT_WIDTH)
    total = sum(len(block[1]) for block in blocks) + len(verify_lines)
    y += (total - 1) * leading
    canvas.setFillColorRGB(0.25, 0.25, 0.25)
    for label, wrapped, label_width in blocks:
        canvas.setFont(font, size)
        canvas.drawString(MARGIN, y, label)
        canvas.setFont(MONO, size)
        for line in wrapped:
            canvas.drawString(MARGIN + label_width, y, line)
            y -= leading
    canvas.setFont(font, size)
    for line in verify_lines:
        canvas.drawString(MARGIN, y, line)
        y -= leading
    canvas.setFillColorRGB(0, 0, 0)
    canvas.setStrokeColorRGB(0.6, 0.6, 0.6)
    canvas.setLineWidth(0.4)
    top = 46.0 + (total - 1) * leading + size + 4
    canvas.line(MARGIN, top, MARGIN + CONTENT_WIDTH, top)
    canvas.setStrokeColorRGB(0, 0, 0)


def _paginate(rows: list[_Row], first_room: float, last_room: float) -> list[list[_Row]]:
    """Split rows into pages; the last page must also leave room for the issuer block."""
    pages: list[list[_Row]] = []
    current: list[_Row] = []
    used = 0.0
    for row in rows:
        if current and used + row.height > first_room:
            pages.append(current)
            current, used = [], 0.0
        current.append(row)
        used += row.height
    if used > last_room:
        # The rows fit a page but not alongside the QR/issuer block: give that its own page.
        pages.append(current)
        current = []
    pages.append(current)
    return pages


def _render(face: LicenceFace, font: str) -> bytes:
    """Draw one face with an already registered font."""
    buffer = io.BytesIO()
    # invariant=1 fixes the creation date and document ID: identical input, identical bytes.
    canvas = FlateCanvas(buffer, pagesize=A4, invariant=1, pageCompression=1)
    canvas.setTitle(f"{TITLES.get(face.kind, face.kind)} {face.number}")
    canvas.setAuthor(face.office)
    canvas.setSubject(face.holder)
    canvas.setCreator("radiolic")

    pairs = [(HOLDER_LABELS.get(face.kind, "持有人"), face.holder),
             (HOLDER_CODE_LABEL, face.holder_code)]
    pairs += [(str(label), str(value)) for label, value in face.fields]
    pairs.append((VALIDITY_LABEL,
                   f"{chinese_date(face.valid_from)} 至 {chinese_date(face.valid_until)}"))

    footer_reserve = 96.0 if face.electronic else 72.0
    issuer_height = QR_SIZE + 30
    bottom_limit = 36 + footer_reserve
    full_room = TABLE_TOP - bottom_limit
    last_room = full_room - issuer_height - 14

    for size in TABLE_FONT_SIZES:
        rows = _layout_rows(pairs, font, size)
        if sum(row.height for row in rows) <= last_room:
            break
    pages = _paginate(rows, full_room, last_room)

    for index, page_rows in enumerate(pages, start=1):
        _draw_header(canvas, face, font, index, len(pages))
        bottom = _draw_rows(canvas, page_rows, TABLE_TOP, font, size) if page_rows else TABLE_TOP
        if index == len(pages):
            _draw_issuer(canvas, face, font, bottom - 16)
        _draw_verification(canvas, face, font)
        if face.draft:
            draw_draft_mark(canvas, A4[0], A4[1], font)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def render_licences(faces: Iterable[LicenceFace]) -> Iterator[bytes]:
    """Render each face to its own PDF, resolving fonts once per distinct font path."""
    fonts: dict[str | None, str] = {}
    for face in faces:
        if face.font_path not in fonts:
            fonts[face.font_path] = cjk_font(face.font_path).name
        yield _render(face, fonts[face.font_path])


def render_licence(face: LicenceFace) -> bytes:
    """Render a single licence or permit face to PDF bytes."""
    return next(render_licences([face]))
