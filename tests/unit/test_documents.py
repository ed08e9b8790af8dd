"""Tests for the PDF/signing layer: fonts, notices, licence faces and Ed25519 signing."""
from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from datetime import date, datetime
from decimal import Decimal

import pytest

from radiolic.documents import (
    LicenceFace,
    Notice,
    canonical_content,
    cjk_font,
    content_hash,
    load_or_create_key,
    public_key_pem,
    render_licence,
    render_licences,
    render_notice,
    sign,
    verify,
)
from radiolic.documents.chinese_text import (
    NO_LINE_END,
    NO_LINE_START,
    chinese_date,
    kinsoku_breaks,
    wrap_lines,
)

HOLDER = "清远市北江通信工程有限公司"
VERIFY_URL = "https://radio.example.gov.cn/verify/QY7K2M9P"
# As issuance.sealing.new_verify_codes issues them: 26 base32 characters.
LONG_CODE = "ZUCKI5KETDQG3NNBHRPTOHY7AT"
# The licence face's inner frame line (x = 34 pt, 0.6 pt wide).
INNER_FRAME_X = 34.3


def _page_count(pdf: bytes) -> int:
    """Count page objects without a PDF parser (ReportLab writes /Type /Page per page)."""
    return len(re.findall(rb"/Type\s*/Page\b", pdf))


def _face(**overrides) -> LicenceFace:
    values = dict(
        kind="station_licence",
        number="441800-2024-00127",
        holder=HOLDER,
        holder_code="91441800MA4UJ8XX2K",
        fields=[
            ("台站名称", "北江一号基站"),
            ("台址", "广东省清远市清城区东城街道人民一路128号通信铁塔（楼顶）"),
            ("发射频率", "1885-1915 MHz"),
            ("发射功率", "40 W"),
            ("使用条件", "不得对其他合法无线电台（站）产生有害干扰。"),
        ],
        valid_from=date(2024, 9, 27),
        valid_until=date(2029, 9, 26),
        issued_on=date(2024, 9, 27),
        office="清远市无线电管理局",
        verify_url=VERIFY_URL,
        verify_code="QY7K2M9P",
        electronic=True,
        content_hash="a" * 64,
        signature="c2lnbmF0dXJl" * 7,
    )
    values.update(overrides)
    return LicenceFace(**values)


def _notice(**overrides) -> Notice:
    values = dict(
        title="受理通知书",
        office="清远市无线电管理局",
        doc_number="清无受〔2024〕12号",
        addressee=f"{HOLDER}：",
        paragraphs=["你单位提交的无线电台（站）设置使用许可申请收悉，经审查，决定予以受理。",
                    "特此通知。"],
        table=[("申请编号", "QY-2024-000123"), ("申请事项", "无线电台执照核发")],
        dated=date(2024, 9, 27),
        footer_lines=["联系电话：0763-3388888"],
        qr_url="https://radio.example.gov.cn/status/QY-2024-000123",
        qr_caption="扫码查询进度",
    )
    values.update(overrides)
    return Notice(**values)


def _pdftotext(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"],
                            capture_output=True, check=True)
    return result.stdout.decode("utf-8")


# --- fonts -----------------------------------------------------------------------

def test_font_is_embedded_truetype():
    info = cjk_font()
    if not info.embedded:
        pytest.skip("no CJK TrueType font installed; CID fallback is in use")
    pdf = render_licence(_face())
    # An embedded TrueType subset appears as a FontFile2 stream and a tagged subset name.
    assert b"/FontFile2" in pdf
    assert re.search(rb"/BaseFont\s*/[A-Z]{6}\+", pdf)
    assert b"STSong-Light" not in pdf


def test_missing_configured_font_falls_back_to_system_font():
    assert cjk_font("/nonexistent/font.ttf") == cjk_font()


# --- notice ----------------------------------------------------------------------

def test_notice_is_deterministic():
    assert render_notice(_notice()) == render_notice(_notice())


def test_notice_with_long_table_spans_pages():
    rows = [["序号", "材料名称", "份数"]] + [[str(i), f"材料{i}：设备型号核准证复印件", "1"]
                                        for i in range(1, 121)]
    pdf = render_notice(_notice(table=rows, signature_block=True))
    assert pdf.startswith(b"%PDF")
    assert _page_count(pdf) > 1


def test_notice_escapes_markup_characters():
    pdf = render_notice(_notice(paragraphs=["A & B <b>not bold</b> 5 < 6"], table=()))
    assert pdf.startswith(b"%PDF")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext not installed")
def test_notice_text_is_real_unicode(tmp_path):
    text = _pdftotext(render_notice(_notice()), tmp_path)
    for expected in ("受理通知书", "清远市无线电管理局", "2024年9月27日", "（盖章）"):
        assert expected in text


def _bad_line_edges(text: str) -> list[str]:
    """Lines that start with closing or end with opening punctuation."""
    return [line for line in text.splitlines()
            if line and (line[0] in NO_LINE_START or line[-1] in NO_LINE_END)]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext not installed")
def test_notice_lines_follow_kinsoku_rules(tmp_path):
    # The comma (and the brackets and quotes) land at every position around the line end:
    # ReportLab's own CJK breaking started one of these lines with "，".
    paragraphs = ["甲" * k + "，乙" + "丙" * 20 + "（丁）" + "戊" * 24 + "“己”。"
                  for k in range(24, 36)]
    table = [("申请事项", "无线电台执照核发（新设台站，含基站、直放站、微波站等，共计二十个台站）。" * 2)]
    text = _pdftotext(render_notice(_notice(paragraphs=paragraphs, table=table)), tmp_path)
    assert _bad_line_edges(text) == []
    # Every character is still there, in order.
    flat = "".join(text.split())
    for paragraph in paragraphs:
        assert paragraph in flat


def test_kinsoku_breaks_move_punctuation_and_keep_words():
    def lines(text, per_line, forced=()):
        ends = kinsoku_breaks(text, [1.0] * len(text), [float(per_line)], forced)
        return [text[start:end] for start, end in zip([0] + ends, ends)]

    # Greedy would start the second line with "，": one character moves down with it.
    assert lines("甲乙丙丁，戊己", 4) == ["甲乙丙", "丁，戊己"]
    # Greedy would end the first line with "（": it moves down.
    assert lines("甲乙丙（丁）戊", 4) == ["甲乙丙", "（丁）戊"]
    # Two closing marks in a row both stay off the line start.
    assert lines("甲乙丙丁”。戊", 4) == ["甲乙丙", "丁”。戊"]
    # A number is not cut when it fits on the next line.
    assert lines("甲乙2024年", 4) == ["甲乙", "2024", "年"]
    # Nothing to satisfy the rules within the line: the greedy break stands (progress).
    assert lines("，，，，，，", 4) == ["，，，，", "，，"]
    # A forced break (<br/>) ends the line where it is.
    assert lines("甲乙丙丁戊", 4, [False, True, False, False, False]) == ["甲乙", "丙丁戊"]


def test_notice_keeps_stock_breaks_without_punctuation():
    from reportlab.platypus import Paragraph

    from radiolic.documents import notice

    font = cjk_font().name
    style = notice._styles(font)["body"]
    text = "无线电管理机构依法对无线电台站实施监督检查" * 4
    ours = notice._para(text, style)
    ours.wrap(300, 1000)
    stock = Paragraph(text, style)
    stock.wrap(300, 1000)
    assert notice._line_texts(ours.blPara) == notice._line_texts(stock.blPara)


# --- licence ---------------------------------------------------------------------

def test_licence_is_deterministic():
    assert render_licence(_face()) == render_licence(_face())


def test_licence_qr_depends_on_url():
    other = render_licence(_face(verify_url="https://radio.example.gov.cn/verify/ZZZZ0000"))
    assert render_licence(_face()) != other


def test_render_licences_yields_one_pdf_per_face():
    faces = [_face(number=f"N-{i}") for i in range(3)]
    pdfs = list(render_licences(faces))
    assert len(pdfs) == 3
    assert pdfs[0] == render_licence(faces[0])
    assert len(set(pdfs)) == 3


def test_licence_with_many_fields_still_renders():
    fields = [(f"附加条件{i}", "按照国家无线电管理规定使用频率，" * 4) for i in range(40)]
    pdf = render_licence(_face(fields=fields))
    assert _page_count(pdf) >= 2


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext not installed")
def test_electronic_licence_text(tmp_path):
    text = _pdftotext(render_licence(_face()), tmp_path)
    for expected in (HOLDER, "无线电台执照", "电子证照", "SHA-256", "a" * 64, "Ed25519",
                     "2029年9月26日", "清远市无线电管理局"):
        assert expected in text


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext not installed")
def test_paper_permit_has_no_signature_block(tmp_path):
    face = _face(kind="frequency_permit", electronic=False, content_hash="", signature="")
    text = _pdftotext(render_licence(face), tmp_path)
    assert "无线电频率使用许可证" in text
    assert "纸质证照" in text
    assert "SHA-256" not in text
    assert "Ed25519" not in text


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext not installed")
def test_long_verify_code_caption_stays_inside_the_frame(tmp_path):
    path = tmp_path / "face.pdf"
    path.write_bytes(render_licence(_face(verify_code=LONG_CODE,
                                          verify_url=f"https://radio.example.gov.cn/verify/{LONG_CODE}")))
    result = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, check=True)
    words = re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"[^>]*>([^<]*)</word>',
                       result.stdout.decode("utf-8"))
    caption = [(float(x0), float(x1)) for x0, x1, text in words if text.startswith("核验码：")]
    assert caption, "caption under the QR not found"
    x0, x1 = caption[0]
    assert x0 > INNER_FRAME_X + 10
    # ...and well clear of the issuing office block on the right half of the page.
    assert x1 < 300


def test_licence_pdf_structure_after_speedups():
    import zlib

    pdf = render_licence(_face(verify_code=LONG_CODE))
    # Page streams are deflated only (no ASCII85 layer), and every stream inflates.
    assert b"/ASCII85Decode" not in pdf
    streams = re.findall(rb"<<(.*?)>>\s*stream\n(.*?)endstream", pdf, re.S)
    assert streams
    for header, body in streams:
        if b"/FlateDecode" in header:
            raw = zlib.decompressobj().decompress(body)
            length1 = re.search(rb"/Length1 (\d+)", header)
            if length1:
                # An embedded TrueType program: as long as declared, with the TrueType tag.
                assert len(raw) == int(length1.group(1))
                assert raw[:4] == b"\x00\x01\x00\x00"


def test_licence_bytes_do_not_depend_on_caches():
    from radiolic.documents import chinese_text, fonts

    face = _face(verify_code=LONG_CODE)
    warm = render_licence(face)
    fonts._font_program.cache_clear()
    fonts._subset_font_parts.cache_clear()
    chinese_text._wrap.cache_clear()
    chinese_text._measured.cache_clear()
    assert render_licence(face) == warm


def test_font_speedups_active_and_fall_back_when_they_differ(monkeypatch):
    import zlib

    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    from radiolic.documents import fonts

    info = cjk_font()
    if not info.embedded:
        pytest.skip("no CJK TrueType font installed")
    font = pdfmetrics.getFont(info.name)
    assert isinstance(font, fonts._FastFont) and font.cache_objects
    assert isinstance(font.face, fonts._FastFace) and font.face.cache_subsets
    assert font.face.zlib_level == fonts.FONT_ZLIB_LEVEL

    # A ReportLab on which the cached objects come out different keeps the stock code.
    def broken(self, doc):
        if self.cache_objects:
            raise AttributeError("internals changed")
        return TTFont.addObjects(self, doc)

    monkeypatch.setattr(fonts._FastFont, "addObjects", broken)
    index = fonts._pick_face(info.path)[0]

    def fresh_font(name: str) -> TTFont:
        font = TTFont(name, info.path, subfontIndex=index)
        # ReportLab aliases a second registration of the same face to the first font.
        font.face.name = name.encode("ascii")
        pdfmetrics.registerFont(font)
        return font

    other = fresh_font("radiolic-test-fallback")
    fonts._speed_up_subsetting(other)
    assert type(other) is TTFont
    assert isinstance(other.face, fonts._FastFace) and other.face.cache_subsets
    def other_level(face, subset, level):
        raw = face.makeSubset(list(subset))
        return zlib.compress(raw, 9), len(raw)

    monkeypatch.setattr(fonts, "_font_program", other_level)
    third = fresh_font("radiolic-test-fallback-2")
    fonts._speed_up_subsetting(third)
    # Cached subsets would now write different bytes than stock: switched off, level untouched.
    assert not getattr(third.face, "cache_subsets", False)
    assert getattr(third.face, "zlib_level", -1) == -1


# --- text helpers ----------------------------------------------------------------

def test_chinese_date():
    assert chinese_date(date(2024, 9, 7)) == "2024年9月7日"


def test_wrap_lines_fits_width_and_keeps_text():
    font = cjk_font().name
    text = "广东省清远市清城区东城街道人民一路128号通信铁塔（楼顶），海拔约120米。"
    lines = wrap_lines(text, font, 10, 120)
    assert "".join(lines) == text
    assert len(lines) > 1
    # Closing punctuation never starts a line.
    assert not any(line[:1] in "，。）" for line in lines)


# --- signing ---------------------------------------------------------------------

def test_canonical_content_is_stable():
    record = {"b": date(2024, 9, 27), "a": "清远", "c": Decimal("12.50"),
              "d": datetime(2024, 9, 27, 8, 30)}
    assert canonical_content(record) == (
        '{"a":"清远","b":"2024-09-27","c":"12.50","d":"2024-09-27T08:30:00"}'.encode("utf-8"))
    reordered = dict(reversed(list(record.items())))
    assert content_hash(reordered) == content_hash(record)
    assert re.fullmatch(r"[0-9a-f]{64}", content_hash(record))


def test_key_created_once_with_private_mode(tmp_path):
    path = tmp_path / "keys" / "nested" / "signing.pem"
    key = load_or_create_key(str(path))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert b"BEGIN PRIVATE KEY" in path.read_bytes()
    again = load_or_create_key(str(path))
    assert public_key_pem(again) == public_key_pem(key)
    assert not [name for name in os.listdir(path.parent) if name.startswith(".key-")]


def test_sign_verify_round_trip(tmp_path):
    key = load_or_create_key(str(tmp_path / "k.pem"))
    digest = content_hash({"number": "441800-2024-00127", "holder": HOLDER})
    signature = sign(key, digest)
    public = public_key_pem(key)
    assert verify(public, digest, signature)
    assert verify(public.encode("ascii"), digest, signature)


def test_tampered_digest_fails(tmp_path):
    key = load_or_create_key(str(tmp_path / "k.pem"))
    digest = content_hash({"number": "1"})
    signature = sign(key, digest)
    tampered = content_hash({"number": "2"})
    assert not verify(public_key_pem(key), tampered, signature)


def test_other_key_fails(tmp_path):
    key = load_or_create_key(str(tmp_path / "a.pem"))
    other = load_or_create_key(str(tmp_path / "b.pem"))
    digest = content_hash({"number": "1"})
    assert not verify(public_key_pem(other), digest, sign(key, digest))


@pytest.mark.parametrize("public, digest, signature", [
    (None, "0" * 64, "AAAA"),
    ("not a pem", "0" * 64, "AAAA"),
    ("VALID", "0" * 64, "!!!not base64!!!"),
    ("VALID", "0" * 64, ""),
    ("VALID", "0" * 64, "AAAA"),
    ("VALID", "xyz", "AAAA"),
    ("VALID", None, None),
])
def test_garbage_never_raises(tmp_path, public, digest, signature):
    if public == "VALID":
        public = public_key_pem(load_or_create_key(str(tmp_path / "k.pem")))
    assert verify(public, digest, signature) is False


def test_sign_rejects_non_digest(tmp_path):
    key = load_or_create_key(str(tmp_path / "k.pem"))
    with pytest.raises(ValueError):
        sign(key, "not-a-digest")


def test_cid_fallback_when_no_truetype_font(monkeypatch):
    from radiolic.documents import fonts, licence

    monkeypatch.setattr(fonts, "SYSTEM_CANDIDATES", ())
    info = fonts.cjk_font.__wrapped__("/nonexistent/font.ttf")
    assert info.name == "STSong-Light" and info.embedded is False
    monkeypatch.setattr(licence, "cjk_font", lambda path=None: info)
    pdf = render_licence(_face())
    assert b"/FontFile2" not in pdf
    assert b"STSong-Light" in pdf


@pytest.mark.skipif(shutil.which("pdftoppm") is None or shutil.which("zbarimg") is None,
                    reason="pdftoppm/zbarimg (poppler-utils, zbar-tools) not installed")
def test_licence_qr_decodes_to_verify_url(tmp_path):
    (tmp_path / "face.pdf").write_bytes(render_licence(_face()))
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-singlefile", str(tmp_path / "face.pdf"),
                    str(tmp_path / "face")], check=True)
    result = subprocess.run(["zbarimg", "-q", "--raw", str(tmp_path / "face.png")],
                            capture_output=True)
    assert VERIFY_URL in result.stdout.decode("utf-8")


def test_documents_package_imports_no_flask_or_database():
    import ast
    import pathlib

    import radiolic.documents as package

    forbidden = {"flask", "flask_sqlalchemy", "sqlalchemy", "psycopg"}
    for path in pathlib.Path(package.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                roots = {(node.module or "").split(".")[0]}
            else:
                continue
            assert not roots & forbidden, f"{path.name} imports {roots & forbidden}"
        # Relative imports must stay inside this package (no radiolic.models etc.).
        assert "from .." not in path.read_text(encoding="utf-8"), path.name


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext not installed")
@pytest.mark.parametrize("with_table", [False, True])
def test_the_seal_never_stands_alone_on_a_page(tmp_path, with_table):
    # Grow the body one paragraph at a time across the page break: whenever the closing (seal, date) lands
    # on the last page, a body paragraph or the table comes with it.
    seen_two_pages = False
    for n in range(8, 30):
        paragraphs = [f"第{i}段：本机关依法审查申请材料，现将有关事项告知如下，请予配合。" * 2 for i in range(1, n + 1)]
        pdf = render_notice(_notice(paragraphs=paragraphs, table=_notice().table if with_table else ()))
        pages = _pdftotext(pdf, tmp_path).split("\f")
        pages = [p for p in pages if p.strip()]
        if len(pages) < 2:
            continue
        seen_two_pages = True
        last = pages[-1]
        assert "（盖章）" in last
        assert ("申请编号" in last) if with_table else (f"第{n}段" in last), n
    assert seen_two_pages
