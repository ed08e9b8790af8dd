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
from radiolic.documents.chinese_text import chinese_date, wrap_lines

HOLDER = "清远市北江通信工程有限公司"
VERIFY_URL = "https://radio.example.gov.cn/verify/QY7K2M9P"


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
