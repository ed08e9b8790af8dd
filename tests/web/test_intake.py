"""Intake pages: applicants, the intake form, the four outcomes and their notices."""
import re

import pytest
from sqlalchemy import func, select

from radiolic.extensions import db
from radiolic.models import Applicant, Application, CorrectionNotice, Event, Upload
from radiolic.workflow.intake import query_code_matches
from tests.conftest import TODAY, item

ORG = "91441800123456788U"
from tests.redirects import redirects_to


@pytest.fixture
def clerk(app, make_user, login):
    user = make_user("clerk", display_name="陈窗口")
    client = app.test_client()
    login(client, user)
    return client


def snapshot(app) -> dict:
    """Row counts and states that a refused request must leave untouched."""
    with app.app_context():
        return {"cases": db.session.scalar(select(func.count(Application.id))),
                "applicants": db.session.scalar(select(func.count(Applicant.id))),
                "events": db.session.scalar(select(func.count(Event.id))),
                "corrections": db.session.scalar(select(func.count(CorrectionNotice.id))),
                "states": sorted(db.session.execute(select(Application.number, Application.state)).all())}


def case_of(app, number):
    with app.app_context():
        case = db.session.scalar(select(Application).where(Application.number == number))
        return {"state": case.state, "materials": {m.code: (m.status, m.due_on) for m in case.materials},
                "commitments": [(c.signed_by, c.status) for c in case.commitments],
                "corrections": case.correction_count, "channel": case.channel, "visits": case.visits,
                "applicant": case.applicant.name, "doc": case.acceptance_doc_number, "outcome": case.outcome_doc_number}


def intake_form(item_code="ST-NEW", missing=(), **extra):
    with_item = item(item_code)
    data = {"service_item": item_code, "kind": "organisation", "id_code": ORG, "name": "清远北江通信有限公司",
            "contact": "李工", "phone": "13800138000", "channel": "window", "single_window": "y", "visits": "1",
            "format": "electronic", "agent_name": "王五"}
    for m in with_item.materials:
        data[f"m-{item_code}-{m.code}"] = "missing" if m.code in missing else "received"
    data.update(extra)
    return data


def log_case(app, client, missing=(), **extra) -> tuple[str, str, str]:
    with app.app_context():
        data = intake_form(missing=missing, **extra)
    data.setdefault("confirm_duplicate", "y")       # tests log several cases of one applicant on one day
    response = client.post("/intake/new", data=data, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:2000]
    number = re.search(r'id="case-number">([^<]+)<', html).group(1)
    code = re.search(r'id="query-code">([^<]+)<', html).group(1)
    return number, code, html


# --- the intake form -------------------------------------------------------------------------------------

def test_intake_form_lists_each_items_checklist(app, clerk):
    html = clerk.get("/intake/new").get_data(as_text=True)
    assert "窗口收件" in html and 'data-item="ST-NEW"' in html and 'data-item="FP-NEW"' in html
    assert 'name="m-ST-NEW-type_approval"' in html and "可容缺 10 个工作日" in html
    assert 'src="/static/intake.js"' in html and "<script>" not in html


def test_logging_registers_the_applicant_and_shows_the_code_once(app, clerk):
    number, code, html = log_case(app, clerk, missing=("site_proof",))
    assert number.startswith("SQ2024") and len(code) == 10
    assert "查询码只在本次接待中显示" in html and 'id="accept-form"' in html
    with app.app_context():
        case = db.session.scalar(select(Application).where(Application.number == number))
        assert query_code_matches(case, code) and code not in case.query_hash
        assert case.applicant.name == "清远北江通信有限公司" and case.agent_name == "王五" and case.single_window
        assert {m.code: m.status for m in case.materials}["site_proof"] == "missing"
    # the case page never shows the code again
    assert code not in clerk.get(f"/cases/{number}").get_data(as_text=True)


def test_a_returning_applicant_is_picked_not_registered_again(app, clerk, make_applicant):
    applicant_id = make_applicant(name="清远出租车公司", id_code=ORG)
    page = clerk.get(f"/intake/new?applicant={applicant_id}").get_data(as_text=True)
    assert 'value="清远出租车公司"' in page
    found = clerk.get("/intake/applicants/search.json?q=出租").get_json()["applicants"]
    assert [a["id_code"] for a in found] == [ORG]
    number, _code, _ = log_case(app, clerk, phone="13900139000")
    with app.app_context():
        assert db.session.scalar(select(func.count(Applicant.id))) == 1
        a = db.session.get(Applicant, applicant_id)
        assert a.phone == "13900139000"
    assert case_of(app, number)["applicant"] == "清远出租车公司"


@pytest.mark.parametrize("field, value, message", [
    ("id_code", "9144180012345678", "统一社会信用代码应为18位，实际为16位"),
    ("id_code", "91441800I23456788U", "第9位"),
    ("phone", "call me", "联系电话格式有误"),
])
def test_intake_refusals_name_the_field_and_change_nothing(app, clerk, field, value, message):
    before = snapshot(app)
    with app.app_context():
        data = intake_form(**{field: value})
    response = clerk.post("/intake/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html and "is-invalid" in html
    assert snapshot(app) == before


def test_wrong_check_character_needs_a_recorded_reason(app, clerk):
    before = snapshot(app)
    with app.app_context():
        data = intake_form(id_code="91441800123456788A")
    response = clerk.post("/intake/new", data=data)
    assert response.status_code == 422 and "校验位应为 U" in response.get_data(as_text=True)
    assert snapshot(app) == before
    data["code_override_reason"] = "早期试点代码，已核对原件"
    response = clerk.post("/intake/new", data=data)
    redirects_to(response, "/cases/*/intake", status=303)
    with app.app_context():
        a = db.session.scalar(select(Applicant))
        assert a.id_code == "91441800123456788A" and a.code_override_reason == "早期试点代码，已核对原件"


def test_new_applicant_page(app, clerk):
    response = clerk.post("/intake/applicants/new", data={"kind": "person", "id_code": "441802199001010018",
                                                         "name": "张三"})
    assert response.status_code == 422 and "身份证号码校验位应为 7" in response.get_data(as_text=True)
    response = clerk.post("/intake/applicants/new", data={"kind": "person", "id_code": "441802199001010017",
                                                         "name": "张三", "phone": "13800138000"})
    redirects_to(response, "/intake/applicants/*")
    listing = clerk.get("/intake/applicants?q=4418021990").get_data(as_text=True)
    assert "张三" in listing


# --- the four outcomes -----------------------------------------------------------------------------------

def test_accept(app, clerk):
    number, code, _ = log_case(app, clerk)
    response = clerk.post(f"/cases/{number}/accept", data={"query_code": code}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "打印交付申请人的文书" in html and f'value="{code}"' in html
    state = case_of(app, number)
    assert state["state"] == "accepted" and state["doc"].startswith("清无受")
    # once the clerk serves the next applicant, the first case's code is no longer in hand: the case page
    number2, _c, _ = log_case(app, clerk)
    number3, _c, _ = log_case(app, clerk)
    response = clerk.post(f"/cases/{number2}/accept", data={})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/cases/{number2}")


def test_accept_with_deferral(app, clerk):
    number, code, html = log_case(app, clerk, missing=("site_proof", "agent_authorisation"))
    assert 'id="defer-site_proof"' in html and "默认补齐期限 2024-10-11" in html
    response = clerk.post(f"/cases/{number}/accept", data={
        "deferred": ["site_proof", "agent_authorisation"], "signed_by": "李工", "method": "窗口递交", "query_code": code})
    redirects_to(response, f"/cases/{number}/done", status=303)
    state = case_of(app, number)
    assert state["state"] == "accepted" and state["commitments"] == [("李工", "open")]
    assert state["materials"]["site_proof"][0] == "deferred" and str(state["materials"]["site_proof"][1]) == "2024-10-11"
    page = clerk.get(f"/cases/{number}").get_data(as_text=True)
    assert 'id="deferral-section"' in page and "容缺材料补齐前不予发证" in page and "申请容缺受理承诺书" in page


@pytest.mark.parametrize("missing, data, message", [
    (("type_approval",), {"deferred": ["type_approval"], "signed_by": "李工"}, "核心材料不能容缺：无线电发射设备型号核准证明"),
    (("site_proof",), {"deferred": ["site_proof"], "signed_by": ""}, "请填写签署人"),
    (("site_proof",), {"deferred": ["site_proof"], "signed_by": "李工", "due_on": "2024-12-31"}, "晚于法定办理期限届满日"),
    (("site_proof",), {}, "以下材料尚未齐备，不能受理：台址使用证明"),
])
def test_accept_refusals_explain_themselves_and_change_nothing(app, clerk, missing, data, message):
    number, code, _ = log_case(app, clerk, missing=missing)
    before = snapshot(app)
    response = clerk.post(f"/cases/{number}/accept", data={**data, "query_code": code})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert snapshot(app) == before


def test_broken_commitment_refuses_deferral_on_the_page(app, clerk, make_case, make_user, login):
    number, code, _ = log_case(app, clerk, missing=("site_proof",))
    with app.app_context():
        from radiolic.models import CreditMark
        a = db.session.scalar(select(Applicant))
        db.session.add(CreditMark(applicant_id=a.id, kind="broken_commitment", on=TODAY, reason="SQ2024000099 逾期"))
        db.session.commit()
    page = clerk.get(f"/cases/{number}/intake").get_data(as_text=True)
    assert 'id="credit-warning"' in page and "SQ2024000099" in page
    before = snapshot(app)
    response = clerk.post(f"/cases/{number}/accept", data={"deferred": ["site_proof"], "signed_by": "李工"})
    assert response.status_code == 422 and "容缺承诺未履行" in response.get_data(as_text=True)
    assert snapshot(app) == before


def test_request_correction_then_resubmit_then_second_correction(app, clerk):
    number, code, _ = log_case(app, clerk, missing=("type_approval", "site_proof"))
    response = clerk.post(f"/cases/{number}/request-correction", data={
        "c-type_approval": "on", "p-type_approval": "未提交", "c-site_proof": "on", "p-site_proof": "未提交",
        "query_code": code}, follow_redirects=True)
    assert response.status_code == 200 and 'data-doc="correction"' in response.get_data(as_text=True)
    assert case_of(app, number)["state"] == "awaiting_correction"
    response = clerk.post(f"/cases/{number}/resubmit", data={"received": ["type_approval", "site_proof"],
                                                                   "visit": "y"})
    redirects_to(response, f"/cases/{number}/intake")       # back to the decision at the counter
    assert case_of(app, number)["visits"] == 2
    before = snapshot(app)
    response = clerk.post(f"/cases/{number}/request-correction", data={"c-site_proof": "on", "p-site_proof": "合同已过期"})
    assert response.status_code == 422 and "再次要求补正须写明理由" in response.get_data(as_text=True)
    assert snapshot(app) == before
    response = clerk.post(f"/cases/{number}/request-correction", data={
        "c-site_proof": "on", "p-site_proof": "合同已过期", "reason": "补交的租赁合同已过期"})
    assert response.status_code in (302, 303) and case_of(app, number)["corrections"] == 2
    listing = clerk.get("/intake/corrections").get_data(as_text=True)
    assert number in listing and "补交的租赁合同已过期" in listing


def test_correction_must_list_everything(app, clerk):
    number, code, _ = log_case(app, clerk, missing=("type_approval", "site_proof"))
    before = snapshot(app)
    response = clerk.post(f"/cases/{number}/request-correction", data={"c-type_approval": "on", "p-type_approval": "未提交"})
    assert response.status_code == 422 and "以下材料未列入：台址使用证明" in response.get_data(as_text=True)
    assert snapshot(app) == before


def test_refuse(app, clerk):
    number, code, _ = log_case(app, clerk)
    before = snapshot(app)
    response = clerk.post(f"/cases/{number}/refuse", data={"reason": ""})
    assert response.status_code == 422 and "请写明不予受理的理由" in response.get_data(as_text=True)
    assert snapshot(app) == before
    reason = "申请事项不属于本机关职权范围"
    # first step: a confirmation page naming the case, the applicant, the reason and the instrument; nothing changes
    check = clerk.post(f"/cases/{number}/refuse", data={"reason": reason})
    page = check.get_data(as_text=True)
    assert check.status_code == 200 and 'id="refuse-check"' in page
    assert number in page and reason in page and "不予受理决定书" in page and 'id="refuse-confirm"' in page
    with app.app_context():
        applicant = db.session.scalar(select(Application).where(Application.number == number)).applicant.name
    assert applicant in page
    assert snapshot(app) == before
    # the 样稿: a PDF, still nothing changed
    draft = clerk.post(f"/cases/{number}/refuse/preview", data={"reason": reason})
    assert draft.mimetype == "application/pdf" and draft.data.startswith(b"%PDF")
    assert snapshot(app) == before
    # the confirming POST makes the refusal
    response = clerk.post(f"/cases/{number}/refuse", data={"reason": reason, "confirm": "1"})
    assert response.status_code == 303
    state = case_of(app, number)
    assert state["state"] == "not_accepted" and state["outcome"].startswith("清无不受")
    pdf = clerk.get(f"/cases/{number}/notices/refusal.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")


def test_outcome_on_a_decided_case_is_a_conflict(app, clerk):
    number, code, _ = log_case(app, clerk)
    clerk.post(f"/cases/{number}/accept", data={})
    before = snapshot(app)
    for data in ({"reason": "x"}, {"reason": "x", "confirm": "1"}):     # refused at the check and at the confirm
        response = clerk.post(f"/cases/{number}/refuse", data=data)
        assert response.status_code == 422 and "当前状态为“已受理”" in response.get_data(as_text=True)
        assert snapshot(app) == before
    assert clerk.post(f"/cases/{number}/refuse/preview", data={"reason": "x"}).status_code == 409


def test_withdraw_from_the_case_page(app, clerk):
    number, _code, _ = log_case(app, clerk)
    assert clerk.post(f"/cases/{number}/withdraw", data={"reason": ""}).status_code == 422
    redirects_to(clerk.post(f"/cases/{number}/withdraw", data={"reason": "申请人主动撤回"}), f"/cases/{number}")
    assert case_of(app, number)["state"] == "withdrawn"


# --- queue and online pre-check --------------------------------------------------------------------------

def test_queue_lists_online_submissions_with_their_uploads(app, clerk, make_case):
    online = make_case("ST-NEW", "submitted", channel="online")
    window = make_case("FP-NEW", "submitted")
    accepted = make_case("ST-NEW", "accepted")
    with app.app_context():
        case = db.session.scalar(select(Application).where(Application.number == online))
        db.session.add(Upload(application_id=case.id, material_code="site_proof", filename="租赁合同.pdf",
                              stored_name="abc123", mime="application/pdf", size=2048, sha256="0" * 64))
        db.session.commit()
    html = clerk.get("/intake/queue").get_data(as_text=True)
    assert online in html and window in html and accepted not in html
    assert "预审 / 受理决定" in html
    decide = clerk.get(f"/cases/{online}/intake").get_data(as_text=True)
    assert "网上申请预审" in decide and "租赁合同.pdf" in decide


# --- notices ---------------------------------------------------------------------------------------------

def test_every_notice_renders_with_an_embedded_font(app, clerk):
    number, code, _ = log_case(app, clerk, missing=("site_proof",))
    receipt = clerk.post(f"/cases/{number}/notices/receipt.pdf", data={"query_code": code})
    assert receipt.data.startswith(b"%PDF") and b"FontFile2" in receipt.data
    draft = clerk.get(f"/cases/{number}/notices/commitment.pdf?material=site_proof")
    assert draft.data.startswith(b"%PDF")
    clerk.post(f"/cases/{number}/accept", data={"deferred": ["site_proof"], "signed_by": "李工"})
    for kind in ("acceptance", "commitment", "deferral"):
        response = clerk.get(f"/cases/{number}/notices/{kind}.pdf")
        assert response.status_code == 200 and response.data.startswith(b"%PDF"), kind
        assert "inline" in response.headers["Content-Disposition"]
    assert clerk.get(f"/cases/{number}/notices/refusal.pdf").status_code == 404
    assert clerk.get(f"/cases/{number}/notices/nonsense.pdf").status_code == 404


def test_reviewer_may_print_but_not_decide(app, make_user, login, make_case):
    number = make_case("ST-NEW", "submitted")
    reviewer = app.test_client()
    login(reviewer, make_user("reviewer"))
    assert reviewer.get(f"/cases/{number}/notices/receipt.pdf").status_code == 200
    assert reviewer.post(f"/cases/{number}/accept", data={}).status_code == 403
    assert case_of(app, number)["state"] == "submitted"
