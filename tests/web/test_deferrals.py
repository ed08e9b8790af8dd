"""The deferred materials board, supply, termination, credit repair and the daily check command."""
from datetime import date

import pytest
from sqlalchemy import func, select

from radiolic.extensions import db
from radiolic.models import Applicant, Application, CreditMark, Event, OutboxMessage
from tests.redirects import redirects_to


def client_for(app, make_user, login, role):
    client = app.test_client()
    login(client, make_user(role))
    return client


def case_row(app, number):
    with app.app_context():
        case = db.session.scalar(select(Application).where(Application.number == number))
        return case.state, {m.code: (m.status, m.supplied_on, m.supplied_from) for m in case.materials}


def counts(app):
    with app.app_context():
        return (db.session.scalar(select(func.count(Event.id))), db.session.scalar(select(func.count(CreditMark.id))),
                sorted(db.session.execute(select(Application.number, Application.state)).all()))


def test_empty_board(app, make_user, login):
    clerk = client_for(app, make_user, login, "clerk")
    assert "没有待补齐的容缺材料" in clerk.get("/deferrals").get_data(as_text=True)


@pytest.fixture
def deferred_case(make_case):
    return make_case("ST-NEW", "accepted", deferred=["site_proof", "agent_authorisation"])


def test_board_and_case_page(app, make_user, login, make_case, deferred_case):
    late = make_case("FP-NEW", "accepted", deferred=["equipment_info"], on=date(2024, 9, 2))
    clerk = client_for(app, make_user, login, "clerk")
    html = clerk.get("/deferrals").get_data(as_text=True)
    rows = [line for line in html.split("<tr ") if "data-case=" in line]
    assert late in rows[0] and 'class="table-danger"' in rows[0] and "逾期" in rows[0]
    assert [r.count(deferred_case) > 0 for r in rows] == [False, True, True]
    assert "剩 " in rows[1]
    page = clerk.get(f"/cases/{deferred_case}").get_data(as_text=True)
    assert 'id="deferral-section"' in page and 'id="supply-actions"' in page and "李工" in page


def test_supply_from_the_board(app, make_user, login, deferred_case):
    clerk = client_for(app, make_user, login, "clerk")
    response = clerk.post(f"/cases/{deferred_case}/materials/site_proof/supply",
                          data={"received_on": "2024-09-23", "supplied_from": "王五", "next": "/deferrals"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/deferrals")
    state, materials = case_row(app, deferred_case)
    assert materials["site_proof"] == ("supplied", date(2024, 9, 23), "王五")
    html = clerk.get("/deferrals").get_data(as_text=True)
    assert "尚有 1 项容缺材料未补齐" in html
    board = html.split('id="deferral-board"')[1]
    assert "授权委托书及经办人身份证明" in board and "台址使用证明" not in board


@pytest.mark.parametrize("data, message", [
    ({"received_on": "2024-09-24"}, "收到日期不能晚于今天"),
    ({"received_on": ""}, "请填写收到日期"),
    ({"received_on": "2024-09-23", "next": "//evil.example"}, None),
])
def test_supply_refusals(app, make_user, login, deferred_case, data, message):
    clerk = client_for(app, make_user, login, "clerk")
    before = counts(app)
    response = clerk.post(f"/cases/{deferred_case}/materials/site_proof/supply", data=data)
    if message is None:      # an off-site `next` is ignored
        assert response.status_code == 302 and response.headers["Location"].endswith(f"/cases/{deferred_case}")
        return
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert counts(app) == before


def test_supply_twice_is_refused(app, make_user, login, deferred_case):
    clerk = client_for(app, make_user, login, "clerk")
    url = f"/cases/{deferred_case}/materials/site_proof/supply"
    clerk.post(url, data={"received_on": "2024-09-23"})
    before = counts(app)
    response = clerk.post(url, data={"received_on": "2024-09-23"})
    assert response.status_code == 422 and "已齐备，无需补交" in response.get_data(as_text=True)
    assert counts(app) == before


def test_supervisor_terminates_an_overdue_case(app, make_user, login, make_case):
    number = make_case("FP-NEW", "accepted", deferred=["equipment_info"], on=date(2024, 9, 2))
    fresh = make_case("ST-NEW", "accepted", deferred=["site_proof"])
    supervisor = client_for(app, make_user, login, "supervisor")
    page = supervisor.get(f"/cases/{number}").get_data(as_text=True)
    assert 'id="terminate-actions"' in page and "拟使用无线电设备的说明材料" in page
    assert 'id="terminate-actions"' not in supervisor.get(f"/cases/{fresh}").get_data(as_text=True)
    before = counts(app)
    response = supervisor.post(f"/cases/{fresh}/terminate", data={"reason": "逾期"})
    assert response.status_code == 422 and "逾期未补齐的案件才能终止" in response.get_data(as_text=True)
    response = supervisor.post(f"/cases/{number}/terminate", data={"reason": ""})
    assert response.status_code == 422 and counts(app) == before
    response = supervisor.post(f"/cases/{number}/terminate", data={"reason": "承诺期限届满未补齐材料"})
    redirects_to(response, f"/cases/{number}")
    assert case_row(app, number)[0] == "terminated"
    with app.app_context():
        mark = db.session.scalar(select(CreditMark))
        assert mark.kind == "broken_commitment" and number in mark.reason
    pdf = supervisor.get(f"/cases/{number}/notices/termination.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    # a clerk cannot terminate
    clerk = client_for(app, make_user, login, "clerk")
    assert clerk.post(f"/cases/{fresh}/terminate", data={"reason": "x"}).status_code == 403


def test_admin_records_a_credit_repair(app, make_user, login, make_case):
    number = make_case("FP-NEW", "accepted", deferred=["equipment_info"], on=date(2024, 9, 2))
    supervisor = client_for(app, make_user, login, "supervisor")
    supervisor.post(f"/cases/{number}/terminate", data={"reason": "逾期"})
    with app.app_context():
        applicant_id = db.session.scalar(select(Applicant.id).join(Application).where(Application.number == number))
    admin = client_for(app, make_user, login, "admin")
    page = admin.get(f"/intake/applicants/{applicant_id}").get_data(as_text=True)
    assert 'id="credit-ban"' in page and 'id="repair-form"' in page
    credit = admin.get("/intake/credit").get_data(as_text=True)
    assert number in credit and "暂停" in credit
    response = admin.post(f"/intake/applicants/{applicant_id}/repair", data={"reason": ""})
    assert response.status_code == 422
    response = admin.post(f"/intake/applicants/{applicant_id}/repair", data={"reason": "已补齐材料并作出书面说明"})
    redirects_to(response, f"/intake/applicants/{applicant_id}")
    assert 'id="credit-ok"' in admin.get(f"/intake/applicants/{applicant_id}").get_data(as_text=True)
    response = admin.post(f"/intake/applicants/{applicant_id}/repair", data={"reason": "再来一次"})
    assert response.status_code == 422 and "没有待修复的失信记录" in response.get_data(as_text=True)
    assert supervisor.post(f"/intake/applicants/{applicant_id}/repair", data={"reason": "x"}).status_code == 403


def test_deferrals_check_command(app, make_case):
    number = make_case("ST-NEW", "accepted", deferred=["site_proof"])     # due 2024-10-11
    runner = app.test_cli_runner()
    result = runner.invoke(args=["deferrals", "check", "--date", "2024-10-09"])
    assert result.exit_code == 0 and "排队提醒 1 条" in result.output
    result = runner.invoke(args=["deferrals", "check", "--date", "2024-10-14", "--send"])
    assert result.exit_code == 0 and "新标记逾期 1 项" in result.output and "已发送 2 条" in result.output
    with app.app_context():
        sms = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert [m.kind for m in sms] == ["deferral_reminder", "deferral_overdue"]
        assert all(m.sent_at is not None and m.recipient == "13800138000" for m in sms)
        assert db.session.scalar(select(Event.action).order_by(Event.id.desc()).limit(1)) == "overdue"
    result = runner.invoke(args=["deferrals", "check", "--date", "2024-13-01"])
    assert result.exit_code != 0 and "%Y-%m-%d" in result.output and "--date" in result.output


# (clerk's check, reason) -> material status after, commitment after, SMS to the applicant
CHECKS = [("accept", "", "supplied", "fulfilled", 0), ("return", "扫描件不清晰", "deferred", "open", 1),
          ("return", "", "unchecked", "open", 0)]


@pytest.mark.parametrize("decision, reason, status, commitment, sms", CHECKS)
def test_an_online_upload_is_received_not_checked_until_a_clerk_decides(app, make_user, login, make_case, decision,
                                                                        reason, status, commitment, sms):
    from radiolic.models import Application, OutboxMessage
    from radiolic.workflow import intake
    number = make_case("ST-NEW", "accepted", deferred=["site_proof"])
    with app.app_context():
        case = db.session.scalar(select(Application).where(Application.number == number))
        intake.supply(case, "site_proof", by=None, on=date(2024, 9, 23), note="网上上传")
        db.session.commit()
    clerk = client_for(app, make_user, login, "clerk")
    assert 'data-unchecked="site_proof"' in clerk.get(f"/cases/{number}").get_data(as_text=True)
    response = clerk.post(f"/cases/{number}/materials/site_proof/check",
                          data={"decision": decision, "reason": reason})
    assert response.status_code == (422 if status == "unchecked" else 302)
    with app.app_context():
        case = db.session.scalar(select(Application).where(Application.number == number))
        m = next(m for m in case.materials if m.code == "site_proof")
        assert (m.status, case.commitments[0].status) == (status, commitment)
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.kind == "material_returned")) == sms
        if sms:
            assert m.note == "扫描件不清晰"
