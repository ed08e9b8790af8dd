"""The public status lookup: POST only, alike for unknown number and wrong code, limited, masked, then supply."""
import io
import statistics
import time

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from radiolic.extensions import db
from radiolic.models import Application, Attempt, Event, Licence, Upload, User
from radiolic.workflow import intake
from radiolic.workflow.intake import QUERY_HASH_METHOD
from tests.conftest import TODAY
from tests.redirects import redirects_to

CODE = "ABCDE23456"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def with_code(app, number: str, code: str = CODE) -> str:
    """Give a case a known query code (tests only: the real one is shown once and never stored)."""
    with app.app_context():
        case = db.session.scalar(select(Application).where(Application.number == number))
        case.query_hash = generate_password_hash(code, QUERY_HASH_METHOD)
        db.session.commit()
    return number


def lookup(client, number: str, code: str = CODE, **extra):
    return client.post("/status", data={"number": number, "query_code": code}, **extra)


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def known(app, make_case):
    """make_known(state, **options) -> case number with query code CODE."""
    return lambda state="accepted", **kw: with_code(app, make_case("ST-NEW", state, **kw))


def test_lookup_keeps_the_code_out_of_urls_and_shows_the_case_masked(app, client, known):
    number = known("accepted")
    response = lookup(client, number)
    assert response.status_code == 302 and response.headers["Location"] == f"/status/case/{number}"
    assert CODE not in response.headers["Location"]
    with client.session_transaction() as s:
        assert number in s["applicant_cases"] and CODE not in str(dict(s))
    page = client.get(f"/status/case/{number}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert 'data-step="accepted" data-status="current"' in body and 'data-step="issued" data-status="pending"' in body
    assert "审核人员即将开始审查" in body and 'id="days-used">0' in body
    with app.app_context():
        case = db.session.scalar(select(Application).where(Application.number == number))
        full_id, phone = case.applicant.id_code, case.applicant.phone
    assert full_id not in body and phone not in body and "138****8000" in body
    assert CODE not in body


def test_get_with_the_code_in_the_query_string_does_nothing(client, known):
    number = known()
    response = client.get(f"/status?number={number}&query_code={CODE}")
    assert response.status_code == 200 and "applicant_cases" not in _session(client)


def _session(client) -> dict:
    with client.session_transaction() as s:
        return dict(s)


def test_unknown_number_and_wrong_code_answer_alike(app, client, known, monkeypatch):
    number = known()
    import radiolic.lookup.gate as gate
    calls = []
    real = gate.check_password_hash
    monkeypatch.setattr(gate, "check_password_hash", lambda h, c: calls.append(h) or real(h, c))
    unknown = lookup(client, "SQ2024999999", "WRONGCODE2")
    wrong = lookup(client, number, "WRONGCODE2")
    assert unknown.status_code == wrong.status_code == 200
    assert unknown.get_data() == wrong.get_data()
    assert "申请编号或查询码不正确" in wrong.get_data(as_text=True)
    assert len(calls) == 2      # the unknown number was hashed too (against a dummy)


def test_unknown_number_and_wrong_code_take_the_same_time(app, known):
    number = known()
    timings = {"unknown": [], "wrong": []}
    for i in range(6):
        for kind, n in (("unknown", f"SQ20249{i:05d}"), ("wrong", number)):
            client = app.test_client()
            started = time.perf_counter()
            lookup(client, n, "WRONGCODE2", environ_base={"REMOTE_ADDR": f"10.0.{i}.{len(kind)}"})
            timings[kind].append(time.perf_counter() - started)
    a, b = statistics.median(timings["unknown"]), statistics.median(timings["wrong"])
    assert 0.5 < a / b < 2.0, timings


def _age_attempts(app, seconds: int) -> None:
    """Move every recorded try `seconds` into the past (the delays count from the latest failure)."""
    from datetime import timedelta
    with app.app_context():
        for attempt in db.session.scalars(select(Attempt)):
            attempt.at -= timedelta(seconds=seconds)
        db.session.commit()


def test_failed_lookups_slow_a_case_down_without_locking_its_owner_out(app, known):
    number, other = known(), known()
    owner = {"REMOTE_ADDR": "10.1.9.9"}
    # the owner's address
    redirects_to(lookup(app.test_client(), number, CODE, environ_base=owner), f"/status/case/{number}")
    free = app.config["THROTTLE_KEY_FREE_FAILURES"]
    for i in range(free):
        response = lookup(app.test_client(), number, "WRONGCODE2", environ_base={"REMOTE_ADDR": f"10.1.0.{i}"})
        assert response.status_code == 200
    refused = lookup(app.test_client(), number, CODE, environ_base={"REMOTE_ADDR": "10.1.1.1"})
    assert refused.status_code == 429 and "查询失败次数过多，请 2 秒后再试" in refused.get_data(as_text=True)
    # never locked out
    redirects_to(lookup(app.test_client(), number, CODE, environ_base=owner), f"/status/case/{number}")
    redirects_to(lookup(app.test_client(), other, CODE, environ_base={"REMOTE_ADDR": "10.1.1.2"}),
                 f"/status/case/{other}")
    # growing delays, not a wall: each further failure doubles the wait, and after it the right code works
    _age_attempts(app, 3)
    assert lookup(app.test_client(), number, "WRONGCODE2", environ_base={"REMOTE_ADDR": "10.1.0.99"}).status_code == 200
    refused = lookup(app.test_client(), number, CODE, environ_base={"REMOTE_ADDR": "10.1.1.1"})
    assert "请 4 秒后再试" in refused.get_data(as_text=True)
    _age_attempts(app, 5)
    redirects_to(lookup(app.test_client(), number, CODE, environ_base={"REMOTE_ADDR": "10.1.1.1"}),
                 f"/status/case/{number}")
    assert count(app, Attempt, Attempt.scope == "lookup", Attempt.key == number, Attempt.ok.is_(False)) == free + 1


def test_the_per_address_limit_holds_across_numbers(make_app, make_case):
    app = make_app(THROTTLE_ADDRESS_FREE_FAILURES=3)
    number = with_code(app, make_case("ST-NEW", "accepted"))
    client = app.test_client()
    for i in range(3):
        assert lookup(client, f"SQ20248{i:05d}", "WRONGCODE2").status_code == 200
    assert lookup(client, number, CODE).status_code == 429
    redirects_to(lookup(app.test_client(), number, CODE, environ_base={"REMOTE_ADDR": "10.9.9.9"}),
                 f"/status/case/{number}")


def test_case_pages_need_a_lookup_in_this_session(app, client, known):
    number = known()
    response = client.get(f"/status/case/{number}")
    assert response.status_code == 302 and response.headers["Location"] == "/status"
    lookup(client, number)
    assert client.get(f"/status/case/{number}").status_code == 200
    redirects_to(client.post("/status/forget"), "/status")
    redirects_to(client.get(f"/status/case/{number}"), "/status")


def test_a_person_applicants_name_is_masked(app, client, make_applicant, make_case):
    applicant = make_applicant(kind="person", name="欧阳娜娜", id_code="441802199001010017")
    number = with_code(app, make_case("ST-NEW", "accepted", applicant_id=applicant))
    lookup(client, number)
    body = client.get(f"/status/case/{number}").get_data(as_text=True)
    assert "欧阳**" in body and "欧阳娜娜" not in body and "441802199001010017" not in body
    assert "4418**********0017" in body


def test_applicant_supplies_a_deferred_material_by_upload(app, client, known):
    number = known("accepted", deferred=["site_proof"])
    lookup(client, number)
    body = client.get(f"/status/case/{number}").get_data(as_text=True)
    assert 'data-material="site_proof"' in body and "请于" in body
    response = client.post(f"/status/case/{number}/supply", data={
        "material": "site_proof", "file": (io.BytesIO(PDF), "台址证明.pdf")}, content_type="multipart/form-data")
    redirects_to(response, f"/status/case/{number}")
    with app.app_context():
        case = db.session.scalar(select(Application).where(Application.number == number))
        m = next(m for m in case.materials if m.code == "site_proof")
        # Received, not yet checked: still owed until a clerk accepts it.
        assert (m.status, m.supplied_on, m.supplied_by_id) == ("unchecked", TODAY, None)
        assert case.commitments[0].status == "open" and [x.code for x in case.outstanding_deferred] == ["site_proof"]
        upload = db.session.scalar(select(Upload).where(Upload.application_id == case.id))
        assert (upload.material_code, upload.filename, upload.mime) == ("site_proof", "台址证明.pdf", "application/pdf")
        event = db.session.scalars(select(Event).where(Event.application_id == case.id)
                                   .order_by(Event.id.desc())).first()
        assert (event.action, event.actor) == ("supply", "申请人")
    assert 'data-checking="site_proof"' in client.get(f"/status/case/{number}").get_data(as_text=True)
    own = client.get(f"/status/case/{number}/uploads/{upload.id}")
    assert own.status_code == 200 and own.data == PDF
    assert app.test_client().get(f"/status/case/{number}/uploads/{upload.id}").status_code == 404


def test_supplying_something_not_outstanding_changes_nothing(app, client, known):
    number = known("accepted", deferred=["site_proof"])
    lookup(client, number)
    before = count(app, Event)
    response = client.post(f"/status/case/{number}/supply", data={
        "material": "application_form", "file": (io.BytesIO(PDF), "a.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 422 and "无需补交" in response.get_data(as_text=True)
    assert (count(app, Upload), count(app, Event)) == (0, before)


@pytest.fixture
def awaiting_correction(app, make_case, make_user):
    clerk = make_user("clerk")
    number = with_code(app, make_case("ST-NEW", "submitted", missing=["site_proof"], clerk=clerk))
    with app.app_context():
        case = db.session.scalar(select(Application).where(Application.number == number))
        intake.request_correction(case, items=[{"material": "site_proof", "problem": "缺台址证明"},
                                               {"material": "technical_data", "problem": "功率填写有误"}],
                                  by=db.session.get(User, clerk.id), on=TODAY)
        db.session.commit()
    return number


def test_applicant_uploads_every_correction_at_once(app, client, awaiting_correction):
    number = awaiting_correction
    lookup(client, number)
    body = client.get(f"/status/case/{number}").get_data(as_text=True)
    assert "功率填写有误" in body and 'id="corrections"' in body
    partial = client.post(f"/status/case/{number}/correct", data={
        "material_site_proof": (io.BytesIO(PDF), "a.pdf")}, content_type="multipart/form-data")
    assert partial.status_code == 422 and "请上传" in partial.get_data(as_text=True)
    assert count(app, Upload) == 0
    response = client.post(f"/status/case/{number}/correct", data={
        "material_site_proof": (io.BytesIO(PDF), "a.pdf"), "material_technical_data": (io.BytesIO(PNG), "b.png")},
        content_type="multipart/form-data")
    redirects_to(response, f"/status/case/{number}")
    with app.app_context():
        case = db.session.scalar(select(Application).where(Application.number == number))
        assert case.state == "submitted"
        assert {m.code: m.status for m in case.materials}["technical_data"] == "received"
    assert count(app, Upload) == 2


def test_electronic_licences_are_listed_and_downloadable_by_the_applicant(app, client, make_case, make_user):
    reviewer = make_user("reviewer")
    number = with_code(app, make_case("FP-NEW", "approved", reviewer=reviewer))
    from radiolic.workflow import issuance
    with app.app_context():
        case = db.session.scalar(select(Application).where(Application.number == number))
        issuance.issue(case, format="electronic", by=db.session.get(User, reviewer.id), on=TODAY,
                       permit={"frequencies": "460.125", "use": "对讲调度", "area": "清远市", "usage_rate": "≥30%",
                               "term_years": 5})
        db.session.commit()
        licence_number, verify_code = db.session.execute(select(Licence.number, Licence.verify_code)).one()
    lookup(client, number)
    body = client.get(f"/status/case/{number}").get_data(as_text=True)
    assert licence_number in body and f"/verify/{verify_code}" in body
    pdf_url = f"/status/case/{number}/licences/{licence_number}.pdf"
    assert pdf_url in body
    pdf = client.get(pdf_url)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF") and pdf.mimetype == "application/pdf"
    assert app.test_client().get(pdf_url).status_code == 404           # not without the lookup
    data = app.test_client().post("/api/v1/public/status", json={"number": number, "query_code": CODE}).get_json()
    assert data["licences"]["total"] == 1 and data["licences"]["shown"][0]["pdf_url"] is None
    assert data["steps"][-1] == {"step": "issued", "label": "发证", "on": TODAY.isoformat(), "status": "done"}


def test_staff_download_uploads_and_the_case_page_lists_them(app, client, known, make_user, login):
    number = known("accepted", deferred=["site_proof"])
    lookup(client, number)
    client.post(f"/status/case/{number}/supply", data={"material": "site_proof", "file": (io.BytesIO(PNG), "x.png")},
                content_type="multipart/form-data")
    with app.app_context():
        upload_id = db.session.scalar(select(Upload.id))
    staff = app.test_client()
    login(staff, make_user("clerk"))
    page = staff.get(f"/cases/{number}").get_data(as_text=True)
    assert 'id="case-uploads"' in page and f"/uploads/{upload_id}" in page
    download = staff.get(f"/uploads/{upload_id}")
    assert download.status_code == 200 and download.data == PNG and download.mimetype == "image/png"
    assert "attachment" in download.headers["Content-Disposition"]
    redirects_to(app.test_client().get(f"/uploads/{upload_id}"), "/auth/login")      # anonymous: to the login page


def test_public_forms_need_the_csrf_token(make_app, make_case):
    app = make_app(WTF_CSRF_ENABLED=True)
    number = with_code(app, make_case("ST-NEW", "accepted"))
    client = app.test_client()
    for path, data in [("/status", {"number": number, "query_code": CODE}), ("/rate", {"number": number,
                                                                                       "query_code": CODE}),
                       ("/window/pair", {"code": "X"}), ("/apply/ST-NEW", {"name": "x"})]:
        assert client.post(path, data=data).status_code == 400, path
    assert count(app, Attempt) == 0 and "applicant_cases" not in _session(client)


def test_the_applicant_sees_refused_stations_with_their_reasons(app, client, make_case, make_user):
    from tests.issuance_cases import approved_with_stations
    number = with_code(app, approved_with_stations(app, make_case, make_user, 4,
                                                   refuse=("清远基站00002", "清远基站00004")))
    lookup(client, number)
    body = client.get(f"/status/case/{number}").get_data(as_text=True)
    assert 'data-approved="2" data-refused="2"' in body and 'id="refused-stations"' in body
    assert "<td>2</td><td>清远基站00002</td><td>频率干扰</td>" in body and "清远基站00003" not in body
    data = app.test_client().post("/api/v1/public/status", json={"number": number, "query_code": CODE}).get_json()
    assert data["decision"]["stations"] == {"approved": 2, "refused": 2, "refused_shown": [
        {"seq": 2, "name": "清远基站00002", "reason": "频率干扰"}, {"seq": 4, "name": "清远基站00004", "reason": "频率干扰"}]}
