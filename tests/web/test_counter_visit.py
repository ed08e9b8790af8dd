"""The counter visit: post/redirect/get, one case per intake form, the query code kept for the visit only,
the print bundle and the SMS, the same-day warning, the error summary and the code/phone checks."""
import re
from datetime import timedelta

from sqlalchemy import func, select

from radiolic.extensions import db
from radiolic.models import Application, CounterVisit, OutboxMessage
from tests.web.test_intake import clerk, intake_form, snapshot  # noqa: F401  (the clerk fixture)
from tests.redirects import redirects_to


def _form_key(client) -> str:
    html = client.get("/intake/new").get_data(as_text=True)
    return re.search(r'name="form_key" type="hidden" value="([^"]+)"', html).group(1)


def _post_new(app, client, **extra):
    with app.app_context():
        data = intake_form(**extra)
    data.setdefault("form_key", _form_key(client))
    return client.post("/intake/new", data=data), data


def _count(app, model=Application) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_save_redirects_and_the_code_stays_for_the_visit(app, clerk):
    response, data = _post_new(app, clerk)
    assert response.status_code == 303 and response.headers["Location"].endswith("/intake")
    page = clerk.get(response.headers["Location"]).get_data(as_text=True)
    number = re.search(r'id="case-number">([^<]+)<', page).group(1)
    code = re.search(r'id="query-code">([^<]+)<', page).group(1)
    assert len(code) == 10 and 'id="print-bundle"' in page
    # a reload of the decide page still shows it (the visit lasts)
    assert code in clerk.get(f"/cases/{number}/intake").get_data(as_text=True)
    # the same form posted again (reload after Save, a double click) creates nothing new
    again = clerk.post("/intake/new", data=data)
    assert again.status_code == 303 and again.headers["Location"].endswith(f"/cases/{number}/intake")
    assert _count(app) == 1
    # the SMS with number and code is in the outbox
    with app.app_context():
        sms = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "intake_receipt")).all()
        assert [m.recipient for m in sms] == ["13800138000"]
        assert number in sms[0].body and code in sms[0].body
    # accept: post/redirect/get to the print page, which still has the code and the bundle
    accepted = clerk.post(f"/cases/{number}/accept", data={})
    assert accepted.status_code == 303 and accepted.headers["Location"].endswith(f"/cases/{number}/done")
    done = clerk.get(accepted.headers["Location"]).get_data(as_text=True)
    assert code in done and 'id="print-bundle"' in done
    bundle = clerk.get(f"/cases/{number}/bundle.pdf")
    assert bundle.mimetype == "application/pdf" and bundle.data.startswith(b"%PDF")
    assert bundle.headers["Cache-Control"] == "no-store"


def test_bundle_holds_receipt_acceptance_and_commitment_with_the_code(app, clerk, tmp_path):
    import shutil
    import subprocess
    response, _data = _post_new(app, clerk, missing=("site_proof",))
    number = response.headers["Location"].split("/")[-2]
    page = clerk.get(response.headers["Location"]).get_data(as_text=True)
    code = re.search(r'id="query-code">([^<]+)<', page).group(1)
    clerk.post(f"/cases/{number}/accept", data={"deferred": ["site_proof"], "signed_by": "李工"})
    pdf = clerk.get(f"/cases/{number}/bundle.pdf").data
    if shutil.which("pdftotext"):
        (tmp_path / "b.pdf").write_bytes(pdf)
        text = subprocess.run(["pdftotext", str(tmp_path / "b.pdf"), "-"], capture_output=True, text=True).stdout
        pages = text.split("\f")
        assert "收件凭证" in pages[0] and code in pages[0]
        joined = text.replace(" ", "")
        assert "受理通知书" in joined and "申请容缺受理承诺书" in joined and joined.count(code) >= 2


def test_the_code_is_gone_after_the_next_case_or_thirty_minutes(app, clerk):
    first, _ = _post_new(app, clerk)
    number = first.headers["Location"].split("/")[-2]
    assert 'id="query-code"' in clerk.get(f"/cases/{number}/intake").get_data(as_text=True)
    with app.app_context():
        visit = db.session.scalar(select(CounterVisit))
        visit.created_at -= timedelta(minutes=31)
        db.session.commit()
    assert 'id="query-code"' not in clerk.get(f"/cases/{number}/intake").get_data(as_text=True)
    redirects_to(clerk.get(f"/cases/{number}/done"), f"/cases/{number}")        # the visit is over
    # the next case purges the expired row for good
    _post_new(app, clerk, id_code="914418000000001070", name="清远第二通信有限公司")
    with app.app_context():
        old = db.session.scalar(select(Application.id).where(Application.number == number))
        assert [v.application_id != old for v in db.session.scalars(select(CounterVisit))] == [True]
    assert 'id="query-code"' not in clerk.get(f"/cases/{number}/intake").get_data(as_text=True)


def test_same_applicant_item_and_day_warns_before_a_second_case(app, clerk):
    _post_new(app, clerk)
    before = snapshot(app)
    response, data = _post_new(app, clerk)
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and 'id="duplicate-warning"' in html and "今天已就同一事项收件" in html
    assert snapshot(app) == before
    data["confirm_duplicate"] = "y"
    redirects_to(clerk.post("/intake/new", data=data), "/cases/*/intake", status=303)
    assert _count(app) == 2


def test_empty_submit_shows_an_error_summary_linking_to_the_fields(app, clerk):
    before = snapshot(app)
    response = clerk.post("/intake/new", data={"form_key": "k"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="error-summary"' in html
    assert 'href="#service_item"' in html
    assert snapshot(app) == before


def test_wrong_check_digit_is_flagged_on_the_code_field(app, clerk):
    response, _ = _post_new(app, clerk, id_code="91441800123456788A")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    field = re.search(r'<input[^>]*id="id_code"[^>]*>', html).group(0)
    assert "is-invalid" in field


def test_phone_abc_is_refused(app, clerk):
    before = snapshot(app)
    for name in ("phone", "agent_phone"):
        response, _ = _post_new(app, clerk, **{name: "abc"})
        html = response.get_data(as_text=True)
        assert response.status_code == 422 and "联系电话格式有误" in html, name
    assert snapshot(app) == before


def test_navbar_search_finds_part_of_a_number_or_an_applicant_name(app, clerk):
    first, _ = _post_new(app, clerk)
    number = first.headers["Location"].split("/")[-2]
    _post_new(app, clerk, id_code="914418000000001070", name="清远第二通信有限公司")
    exact = clerk.get(f"/cases?number={number.lower()}")
    assert exact.status_code == 302 and exact.headers["Location"].endswith(f"/cases/{number}")
    both = clerk.get(f"/cases?number={number[:8]}")
    html = both.get_data(as_text=True)
    assert both.status_code == 200 and 'id="search-results"' in html and html.count("/cases/SQ") == 2
    one = clerk.get("/cases?number=第二通信")
    redirects_to(one, "/cases/SQ*")
    none = clerk.get("/cases?number=没有这家")
    assert none.status_code == 404 and "没有编号或申请人名称包含" in none.get_data(as_text=True)
    assert clerk.get("/cases?number=%25").status_code == 404          # a LIKE wildcard is searched literally


def _pdf_text(tmp_path, data: bytes) -> str:
    import shutil
    import subprocess
    import pytest
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    (tmp_path / "doc.pdf").write_bytes(data)
    return subprocess.run(["pdftotext", str(tmp_path / "doc.pdf"), "-"], capture_output=True, text=True).stdout


def test_correction_notice_closes_with_te_ci_tong_zhi_after_its_table(app, clerk, tmp_path):
    response, _ = _post_new(app, clerk, missing=("site_proof",))
    number = response.headers["Location"].split("/")[-2]
    clerk.post(f"/cases/{number}/request-correction", data={"c-site_proof": "on", "p-site_proof": "租赁合同未盖章"})
    text = _pdf_text(tmp_path, clerk.get(f"/cases/{number}/notices/correction.pdf").data).replace(" ", "")
    assert text.index("租赁合同未盖章") < text.index("特此通知")


def test_upload_times_are_shown_in_china_time(app, clerk, make_case):
    from datetime import datetime
    from radiolic.models import Upload
    number = make_case("ST-NEW", "submitted", channel="online")
    with app.app_context():
        case = db.session.scalar(select(Application).where(Application.number == number))
        db.session.add(Upload(application_id=case.id, material_code="site_proof", filename="合同.pdf",
                              stored_name="x1", mime="application/pdf", size=1024, sha256="0" * 64,
                              uploaded_at=datetime(2024, 9, 23, 17, 30)))
        db.session.commit()
    page = clerk.get(f"/cases/{number}").get_data(as_text=True)
    assert "2024-09-24 01:30" in page and "2024-09-23 17:30" not in page


def test_refusal_messages_are_shown_in_english_on_english_pages(app, clerk):
    response, _ = _post_new(app, clerk, missing=("site_proof",))
    number = response.headers["Location"].split("/")[-2]
    clerk.get("/lang/en")
    refused = clerk.post(f"/cases/{number}/accept", data={"deferred": ["site_proof"], "signed_by": ""})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Acceptance with deferral needs the commitment letter signed by the applicant" in html
    assert "请填写签署人" not in html
