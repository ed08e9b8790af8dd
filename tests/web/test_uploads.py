"""Uploads: type from content, size limit, random stored names; a refused file writes nothing."""
import io
import os
from pathlib import Path

import pytest
from sqlalchemy import func, select

from radiolic import uploads
from radiolic.extensions import db
from radiolic.models import Application, Event, Upload
from tests.web.test_lookup import PDF, PNG, count, lookup, with_code

JPG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
from tests.redirects import redirects_to


def _files(folder: str) -> list[str]:
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


@pytest.fixture
def deferred_case(app, make_case):
    client = app.test_client()
    number = with_code(app, make_case("ST-NEW", "accepted", deferred=["site_proof"]))
    lookup(client, number)
    return client, number


def supply(client, number, data: bytes, name: str):
    return client.post(f"/status/case/{number}/supply", content_type="multipart/form-data",
                       data={"material": "site_proof", "file": (io.BytesIO(data), name)})


def _state(app, number):
    with app.app_context():
        case = db.session.scalar(select(Application).where(Application.number == number))
        return ({m.code: m.status for m in case.materials}["site_proof"],
                db.session.scalar(select(func.count()).select_from(Event)))


@pytest.mark.parametrize("data, name, message", [
    (b"MZ\x90\x00" + b"\x00" * 64, "scan.pdf", "文件类型不支持"),                # an executable named .pdf
    (b"<html><script>alert(1)</script>", "scan.png", "文件类型不支持"),
    (b"PK\x03\x04" + b"\x00" * 64, "scan.pdf", "文件类型不支持"),                  # a zip is not a material
    (b"", "scan.pdf", "文件为空"),
])
def test_wrong_types_are_refused_and_write_nothing(app, deferred_case, data, name, message):
    client, number = deferred_case
    before = _state(app, number)
    response = supply(client, number, data, name)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert _state(app, number) == before and count(app, Upload) == 0
    assert _files(app.config["UPLOAD_FOLDER"]) == []


def test_oversize_files_are_refused_and_write_nothing(make_app, make_case):
    app = make_app(UPLOAD_MAX_BYTES=1024)
    client = app.test_client()
    number = with_code(app, make_case("ST-NEW", "accepted", deferred=["site_proof"]))
    lookup(client, number)
    before = _state(app, number)
    response = supply(client, number, PDF + b"0" * 1024, "big.pdf")
    assert response.status_code == 422 and "文件超过大小上限" in response.get_data(as_text=True)
    assert _state(app, number) == before and count(app, Upload) == 0 and _files(app.config["UPLOAD_FOLDER"]) == []
    redirects_to(supply(client, number, PDF, "small.pdf"), f"/status/case/{number}")    # at the limit it passes


@pytest.mark.parametrize("name", ["../../../../evil.pdf", "..\\..\\evil.pdf", "/etc/cron.d/evil.pdf",
                                  "evil.pdf\x00.png", "....//evil.pdf"])
def test_path_tricks_in_the_file_name_never_reach_the_disk(app, deferred_case, tmp_path, name):
    client, number = deferred_case
    redirects_to(supply(client, number, PDF, name), f"/status/case/{number}")
    with app.app_context():
        upload = db.session.scalar(select(Upload))
        stored, shown = upload.stored_name, upload.filename
    assert uploads.STORED_NAME.match(stored) and stored.endswith(".pdf")
    assert "/" not in shown and "\\" not in shown and "\x00" not in shown and "evil" in shown
    assert _files(app.config["UPLOAD_FOLDER"]) == [stored]
    assert not any(p.name.startswith("evil") for p in Path(tmp_path).rglob("*"))


def test_content_decides_the_type_not_the_name(app, deferred_case):
    client, number = deferred_case
    redirects_to(supply(client, number, JPG, "photo.pdf"), f"/status/case/{number}")
    with app.app_context():
        upload = db.session.scalar(select(Upload))
        assert (upload.mime, upload.stored_name[-4:], upload.size) == ("image/jpeg", ".jpg", len(JPG))


def test_a_stored_name_that_is_not_ours_is_never_served(app, deferred_case, make_user, login):
    client, number = deferred_case
    supply(client, number, PNG, "a.png")
    with app.app_context():
        upload = db.session.scalar(select(Upload))
        upload.stored_name = "../../radiolic.sqlite"
        db.session.commit()
        upload_id = upload.id
    staff = app.test_client()
    login(staff, make_user("reviewer"))
    assert staff.get(f"/uploads/{upload_id}").status_code == 404
    assert client.get(f"/status/case/{number}/uploads/{upload_id}").status_code == 404


def test_uploads_are_served_only_with_the_lookup_or_a_staff_login(app, deferred_case, make_case, make_user, login):
    client, number = deferred_case
    supply(client, number, PNG, "a.png")
    with app.app_context():
        upload_id = db.session.scalar(select(Upload.id))
    other_number = with_code(app, make_case("ST-NEW", "accepted"))
    other = app.test_client()
    lookup(other, other_number)
    # Another applicant, even authorised for their own case, cannot reach this file by either path.
    assert other.get(f"/status/case/{other_number}/uploads/{upload_id}").status_code == 404
    assert other.get(f"/status/case/{number}/uploads/{upload_id}").status_code == 404
    redirects_to(other.get(f"/uploads/{upload_id}"), "/auth/login")
    admin = app.test_client()
    login(admin, make_user("admin"))
    assert admin.get(f"/uploads/{upload_id}").status_code == 403


@pytest.mark.parametrize("raw, shown", [("申请表.pdf", "申请表.pdf"), ("C:\\Users\\李\\扫描件.PDF", "扫描件.PDF"),
                                        ("../..", "file.pdf"), ("", "file.pdf"), ("a<b>.pdf", "ab.pdf")])
def test_display_names(raw, shown):
    assert uploads.display_name(raw, "pdf") == shown
