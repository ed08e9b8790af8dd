"""Instruments archived as issued, PAdES-signed, and checked offline (verify-pdf, the verify page's upload)."""
import hashlib
import io
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import select, update

from radiolic import archive, instruments, seal_service
from radiolic.extensions import db
from radiolic.models import ArchivedDocument, ClockStop, Licence, User
from radiolic.documents import render_licence, render_notice
from radiolic.workflow import issuance
from tests.conftest import TODAY
from tests.issuance_cases import approved_with_stations, get_case


@pytest.fixture
def staff(app, make_user, login):
    reviewer = make_user("reviewer")
    client = app.test_client()
    login(client, reviewer)
    return reviewer, client


@pytest.fixture
def licences(app, make_case, make_user, make_applicant, staff):
    """An electronic and a paper licence issued through the issuing page (so archived right after the act)."""
    reviewer, client = staff
    number = approved_with_stations(app, make_case, make_user, 2, applicant_id=make_applicant(), reviewer=reviewer)
    with app.app_context():
        issuance.set_format_override(get_case(number), 2, "paper", by=db.session.get(User, reviewer.id), on=TODAY)
        db.session.commit()
    response = client.post(f"/cases/{number}/issue", data={"format": "electronic"})
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    return {"case": number, "electronic": "441800-2024-S-000001", "paper": "441800-2024-S-000002"}


def _download(client, number):
    response = client.get(f"/licences/{number}/pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    return response.data


def _verify_pdf(app, data: bytes, tmp_path) -> tuple[int, str]:
    target = tmp_path / "check.pdf"
    target.write_bytes(data)
    result = app.test_cli_runner().invoke(args=["verify-pdf", str(target)])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def _upload(client, data: bytes) -> str:
    response = client.post("/verify/pdf", data={"file": (io.BytesIO(data), "licence.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_licences_are_archived_when_issued_and_served_as_archived(app, staff, licences):
    _reviewer, client = staff
    with app.app_context():
        docs = {d.ref: d for d in db.session.scalars(select(ArchivedDocument).where(ArchivedDocument.kind == "licence"))}
        assert set(docs) == {licences["electronic"], licences["paper"]}
        path = archive.path_of(docs[licences["electronic"]].sha256)
        assert path.exists() and path.stat().st_mode & 0o777 == 0o600
        stored = path.read_bytes()
    first = _download(client, licences["electronic"])
    assert first == stored and hashlib.sha256(first).hexdigest() == path.stem
    assert _download(client, licences["electronic"]) == first


def test_pyhanko_validator_accepts_a_signed_licence_against_the_demo_ca(app, staff, licences):
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext
    data = _download(staff[1], licences["electronic"])
    with app.app_context():
        ca = load_cert_from_pemder(seal_service.ca_path())
    [signature] = PdfFileReader(io.BytesIO(data)).embedded_signatures
    # pyHanko's synchronous validator calls asyncio.run(): give it a thread of its own, as this test process may
    # already run Playwright's event loop (a browser test ran before it on the same worker).
    with ThreadPoolExecutor(1) as own_thread:
        status = own_thread.submit(validate_pdf_signature, signature,
                                   ValidationContext(trust_roots=[ca], allow_fetching=False)).result()
    assert status.bottom_line and status.trusted and status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.md_algorithm == "sha256"
    assert "/ETSI.CAdES.detached" in str(signature.sig_object["/SubFilter"])


def test_genuine_licence_passes_verify_pdf_and_the_upload(app, staff, licences, tmp_path):
    data = _download(staff[1], licences["electronic"])
    code, output = _verify_pdf(app, data, tmp_path)
    assert code == 0 and "校验通过" in output and "证书链可信" in output and licences["electronic"] in output
    body = _upload(app.test_client(), data)
    assert 'data-check="ok"' in body and "核验通过" in body


def test_changed_pdf_bytes_are_caught(app, staff, licences, tmp_path):
    data = bytearray(_download(staff[1], licences["electronic"]))
    at = data.index(b"/Title")                 # inside the signed range
    data[at + 8] = ord("X") if data[at + 8] != ord("X") else ord("Y")
    code, output = _verify_pdf(app, bytes(data), tmp_path)
    assert code == 1 and "签名与文件内容不符" in output and "存档的文书不一致" in output
    assert 'data-check="failed"' in _upload(app.test_client(), bytes(data))
    appended = _download(staff[1], licences["electronic"]) + b"\n% appended\n"
    code, output = _verify_pdf(app, appended, tmp_path)
    assert code == 1 and "存档的文书不一致" in output


def test_pdf_resigned_with_another_key_is_caught(app, staff, licences, tmp_path):
    """A forger renders the same face and signs it with a certificate of their own CA."""
    from radiolic.licence_face import face_of
    with app.app_context():
        lic = db.session.scalar(select(Licence).where(Licence.number == licences["electronic"]))
        face = face_of(lic, lic.station)
        app.config["SEAL_FOLDER"] = str(tmp_path / "forger")
        seal_service.create_demo_seal(lic.office)
        forged = seal_service.service().sign_pdf(render_licence(face))
    app.config["SEAL_FOLDER"] = _original_seal_folder()
    code, output = _verify_pdf(app, forged, tmp_path)
    assert code == 1 and "证书链不可信" in output and "不是由受信任的发证机关 CA 签发" in output
    assert 'data-check="failed"' in _upload(app.test_client(), forged)


def _original_seal_folder() -> str:
    from tests.conftest import seal_folder
    return seal_folder()


def test_revoked_licence_pdf_fails_and_tampered_record_fails(app, staff, licences, make_user, tmp_path):
    data = _download(staff[1], licences["electronic"])
    with app.app_context():
        lic = db.session.scalar(select(Licence).where(Licence.number == licences["electronic"]))
        issuance.revoke_licence(lic, reason="擅自改变台址", by=db.session.get(User, staff[0].id), on=TODAY)
        db.session.commit()
    code, output = _verify_pdf(app, data, tmp_path)
    assert code == 1 and "当前状态：已撤销" in output
    with app.app_context():
        db.session.execute(update(Licence).where(Licence.number == licences["electronic"]).values(status="valid"))
        db.session.commit()
    code, output = _verify_pdf(app, data, tmp_path)
    assert code == 1 and "记录校验失败" in output
    assert "记录校验失败" in _upload(app.test_client(), data)


def test_tampered_archive_file_is_caught(app, staff, licences, tmp_path):
    data = _download(staff[1], licences["paper"])
    with app.app_context():
        doc = archive.current("licence", licences["paper"])
        path = archive.path_of(doc.sha256)
    path.write_bytes(data.replace(b"%%EOF", b"%%EOF\n%x"))
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "存档文件与登记的 SHA-256 不一致" in result.output
    assert staff[1].get(f"/licences/{licences['paper']}/pdf").status_code == 409
    code, output = _verify_pdf(app, data, tmp_path)
    assert code == 1 and "存档文件与登记的 SHA-256 不一致" in output


def test_zip_streams_the_archived_files(app, staff, licences):
    import zipfile
    response = staff[1].get(f"/cases/{licences['case']}/licences.zip")
    with zipfile.ZipFile(io.BytesIO(response.data)) as z:
        assert z.read(f"{licences['electronic']}.pdf") == _download(staff[1], licences["electronic"])


def test_notice_archived_at_the_act_and_unchanged_after_a_clock_stop(app, staff, make_case):
    reviewer, client = staff
    number = make_case("ST-NEW", "under_review", reviewer=reviewer)
    before = client.get(f"/cases/{number}/notices/acceptance.pdf")
    assert before.status_code == 200
    response = client.post(f"/cases/{number}/pause", data={
        "pause-kind": "expert_review", "pause-reason": "组织专家评审电磁兼容", "pause-expected_days": "5"})
    assert response.status_code == 302
    with app.app_context():
        stop = db.session.scalar(select(ClockStop))
        stop_id = stop.id
        # archived by the pause request itself, before anyone downloads it
        stored = archive.fetch("notice", f"{number}/stop/{stop_id}")
        assert stored is not None
    after = client.get(f"/cases/{number}/notices/acceptance.pdf")
    assert after.data == before.data
    assert client.get(f"/cases/{number}/stops/{stop_id}.pdf").data == stored
    # resuming changes the case, not the stop notice already issued
    assert client.post(f"/cases/{number}/resume", data={"resume-note": "专家意见已收到"}).status_code == 302
    assert client.get(f"/cases/{number}/stops/{stop_id}.pdf").data == stored


def test_reissue_supersedes_never_overwrites(app):
    with app.app_context():
        first = archive.store("notice", "TEST/decision", b"%PDF-1 first", on=TODAY)
        second = archive.store("notice", "TEST/decision", b"%PDF-1 second", on=TODAY)
        db.session.commit()
        assert first.superseded_by_id == second.id and archive.fetch("notice", "TEST/decision") == b"%PDF-1 second"
        assert archive.path_of(first.sha256).read_bytes() == b"%PDF-1 first"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_previews_say_draft_and_demo_seal_is_labelled(app, staff, make_case, licences, tmp_path):
    reviewer, client = staff
    number = make_case("ST-NEW", "submitted", missing=["site_proof"])
    draft = client.get(f"/cases/{number}/notices/commitment.pdf?material=site_proof")
    assert draft.status_code == 200
    (tmp_path / "draft.pdf").write_bytes(draft.data)
    text = subprocess.run(["pdftotext", str(tmp_path / "draft.pdf"), "-"], capture_output=True, text=True).stdout
    assert "样稿" in text
    (tmp_path / "lic.pdf").write_bytes(_download(client, licences["electronic"]))
    text = subprocess.run(["pdftotext", str(tmp_path / "lic.pdf"), "-"], capture_output=True, text=True).stdout
    assert "演示印章" in text and "样稿" not in text


def test_batch_archive_reports_progress_and_is_idempotent(app, make_case, make_user, make_applicant):
    reviewer = make_user("reviewer")
    number = approved_with_stations(app, make_case, make_user, 5, applicant_id=make_applicant(), reviewer=reviewer)
    with app.app_context():
        issuance.issue(get_case(number), format="electronic", by=db.session.get(User, reviewer.id), on=TODAY)
        db.session.commit()
        seen = []
        run = instruments.archive_licences(on=TODAY, progress=lambda done, total: seen.append((done, total)),
                                           chunk=2)
        assert run.total == 5 and seen == [(2, 5), (4, 5), (5, 5)]
        assert instruments.archive_licences(on=TODAY).total == 0
        assert db.session.scalar(select(ArchivedDocument.id).where(ArchivedDocument.kind == "licence").limit(1))


def test_demo_seal_files_are_private_and_rotation_keeps_old_certificates(app, tmp_path):
    with app.app_context():
        app.config["SEAL_FOLDER"] = str(tmp_path / "seal")
        assert seal_service.create_demo_seal("测试无线电管理局")
        p12 = Path(seal_service.pkcs12_path())
        assert p12.stat().st_mode & 0o777 == 0o600
        assert (p12.parent / "demo-ca.key").stat().st_mode & 0o777 == 0o600
        old = seal_service.service()
        signed = old.sign_pdf(render_notice(_sample_notice()))
        kept = seal_service.rotate_demo_seal("测试无线电管理局")
        assert (p12.parent / "old_certs" / kept).exists()
        new = seal_service.service()
        assert new.describe()["fingerprint_sha256"] != old.describe()["fingerprint_sha256"]
        assert new.demo and new.label == "演示印章"
        [check] = new.check_pdf(signed)            # signed with the old key: still verifies (same CA)
        assert check.ok
        app.config["SEAL_FOLDER"] = _original_seal_folder()


def _sample_notice():
    from radiolic.documents import Notice
    return Notice(title="测试通知书", office="测试无线电管理局", doc_number="测〔2024〕1号", addressee="某公司：",
                  paragraphs=["正文。"], dated=TODAY)
