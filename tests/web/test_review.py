"""The review pages: the queue against the two clocks, and the review actions on the case page."""
import re
import shutil
import subprocess
from datetime import date

import pytest
from sqlalchemy import func, select

from radiolic.extensions import db
from radiolic.models import Application, ClockStop, Decision, Event, ExtensionRequest, Station, User
from radiolic.workflow import review

from ..conftest import TODAY
from tests.redirects import redirects_to


def _case(app, number) -> Application:
    with app.app_context():
        case = db.session.scalar(select(Application).where(Application.number == number))
        db.session.expunge(case)
        return case


def _count(app, model, **where) -> int:
    with app.app_context():
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return db.session.scalar(query)


def _events(app, number) -> list[str]:
    with app.app_context():
        case = db.session.scalar(select(Application).where(Application.number == number))
        return list(db.session.scalars(select(Event.action).where(Event.application_id == case.id).order_by(Event.id)))


def _text(response) -> str:
    return response.get_data(as_text=True)


def decide_via_check(client, number: str, data: dict):
    """Submit the decision form, check the "check your answers" page, then confirm what it shows."""
    check = client.post(f"/cases/{number}/decide", data=data)
    body = _text(check)
    assert check.status_code == 200 and 'id="decide-check"' in body, body[:2000]
    seen = re.search(r'name="decide-stations_seen" value="([^"]*)"', body).group(1)
    return client.post(f"/cases/{number}/decide", data={**data, "decide-confirm": "1", "decide-stations_seen": seen})


def _rows(body: str) -> list[tuple[str, str]]:
    return re.findall(r'<tr data-number="([^"]+)" data-urgency="([^"]+)"', body)


# --- queue -------------------------------------------------------------------------------------------------

@pytest.fixture
def queue_cases(app, make_case, reviewer):
    """Four cases: overdue, due soon, relaxed, and paused for expert review."""
    # Accepted Mon 09-02: working days to 09-23 are 09-03..06 (4), 09-09..13 (5), Sat 09-14 (make-up),
    # 09-18..20 (3) and 09-23 = 14; promised 1 -> 13 over, statutory 20 -> 6 left.
    overdue = make_case("FP-NEW", "accepted", on=date(2024, 9, 2))
    soon = make_case("ST-NEW", "accepted")
    relaxed = make_case("ST-NEW", "under_review", reviewer=reviewer)
    paused = make_case("ST-NEW", "under_review", on=date(2024, 9, 20))
    with app.app_context():
        db.session.scalar(select(Application).where(Application.number == relaxed)).promised_days = 5
        case = db.session.scalar(select(Application).where(Application.number == paused))
        review.pause(case, kind="expert_review", reason="电磁兼容需专家论证", expected_days=5,
                     by=db.session.get(User, case.reviewer_id), on=TODAY)
        db.session.commit()
    return {"overdue": overdue, "soon": soon, "relaxed": relaxed, "paused": paused}


def test_queue_orders_by_the_nearer_deadline_and_colours_urgency(as_reviewer, queue_cases):
    body = _text(as_reviewer.get("/review/queue"))
    rows = _rows(body)
    # Paused on 09-23 after one working day (09-23) since Fri 09-20: promised 1 - 1 = 0 left -> amber.
    assert rows == [(queue_cases["overdue"], "overdue"), (queue_cases["paused"], "soon"),
                    (queue_cases["soon"], "soon"), (queue_cases["relaxed"], "ok")]
    row = body.split(f'data-number="{queue_cases["overdue"]}"')[1].split("</tr>")[0]
    assert "table-danger" in row and "逾期 13 个工作日" in row and "剩 6 个工作日" in row and "14 个工作日" in row
    paused = body.split(f'data-number="{queue_cases["paused"]}"')[1].split("</tr>")[0]
    assert 'data-paused="expert_review"' in paused and "专家评审" in paused and "电磁兼容需专家论证" in paused


def test_queue_filters(app, as_reviewer, reviewer, queue_cases):
    def numbers(query):
        return [n for n, _ in _rows(_text(as_reviewer.get("/review/queue" + query)))]
    assert numbers("?item=FP-NEW") == [queue_cases["overdue"]]
    assert set(numbers("?state=under_review")) == {queue_cases["paused"], queue_cases["relaxed"]}
    assert numbers("?mine=1") == [queue_cases["relaxed"]]
    other = _case(app, queue_cases["paused"]).reviewer_id
    assert numbers(f"?reviewer={other}") == [queue_cases["paused"]]
    assert len(numbers("?state=bogus")) == 4      # an unknown state filter is ignored
    for bad in ("abc", "²", "9" * 20):            # a reviewer id that is no integer: 400 naming it, not a 500
        response = as_reviewer.get(f"/review/queue?reviewer={bad}")
        assert response.status_code == 400 and 'data-field="reviewer"' in response.get_data(as_text=True)


def test_queue_is_for_reviewers_and_supervisors(app, make_user, login):
    for role, status in (("clerk", 403), ("admin", 403), ("supervisor", 200), ("reviewer", 200)):
        client = app.test_client()
        login(client, make_user(role))
        assert client.get("/review/queue").status_code == status, role


# --- case page: start, pause, resume, decide ----------------------------------------------------------------

def test_start_review_from_the_case_page(app, as_reviewer, make_case, reviewer):
    number = make_case("FP-NEW", "accepted")
    page = _text(as_reviewer.get(f"/cases/{number}"))
    assert 'id="start-review"' in page and 'id="deadlines"' in page
    response = as_reviewer.post(f"/cases/{number}/start-review")
    assert response.headers["Location"].endswith(f"/cases/{number}")
    case = _case(app, number)
    assert (case.state, case.reviewer_id) == ("under_review", reviewer.id)
    assert "已开始审查" in _text(as_reviewer.get(f"/cases/{number}"))


def test_pause_without_a_reason_changes_nothing(app, as_reviewer, make_case, reviewer):
    number = make_case("ST-NEW", "under_review", reviewer=reviewer)
    before = _events(app, number)
    response = as_reviewer.post(f"/cases/{number}/pause", data={"pause-kind": "testing", "pause-reason": "",
                                                                "pause-expected_days": "5"})
    assert response.status_code == 422 and "请写明理由" in _text(response)
    assert _count(app, ClockStop) == 0 and _events(app, number) == before


def test_pause_resume_and_the_stop_notice(app, as_reviewer, make_case, reviewer):
    number = make_case("ST-NEW", "under_review", reviewer=reviewer)
    response = as_reviewer.post(f"/cases/{number}/pause", data={
        "pause-kind": "expert_review", "pause-reason": "组织专家评审电磁兼容", "pause-expected_days": "5"})
    redirects_to(response, f"/cases/{number}")
    page = _text(as_reviewer.get(f"/cases/{number}"))
    assert 'data-stop="expert_review"' in page and 'id="resume-form"' in page and 'id="decide-form"' not in page
    stop_id = re.search(r'/stops/(\d+)\.pdf', page).group(1)
    pdf = as_reviewer.get(f"/cases/{number}/stops/{stop_id}.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    # A second pause while paused is refused with the reason, and nothing changes.
    again = as_reviewer.post(f"/cases/{number}/pause", data={
        "pause-kind": "hearing", "pause-reason": "听证", "pause-expected_days": "3"})
    assert again.status_code == 422 and "请先恢复计时" in _text(again) and _count(app, ClockStop) == 1
    redirects_to(as_reviewer.post(f"/cases/{number}/resume", data={"resume-note": "专家意见已收到"}), f"/cases/{number}")
    assert _events(app, number)[-2:] == ["pause", "resume"]
    assert 'id="decide-form"' in _text(as_reviewer.get(f"/cases/{number}"))


def test_reject_without_legal_basis_is_refused_and_changes_nothing(app, as_reviewer, make_case, reviewer):
    number = make_case("FP-NEW", "under_review", reviewer=reviewer)
    response = as_reviewer.post(f"/cases/{number}/decide", data={
        "decide-outcome": "reject", "decide-reason": "频率已被占用", "decide-legal_basis": ""})
    assert response.status_code == 422 and "不予许可须写明法律依据" in _text(response)
    assert "频率已被占用" in _text(response)       # the form keeps what was typed
    assert _case(app, number).state == "under_review" and _count(app, Decision) == 0


def test_reject_and_the_refusal_document(app, as_reviewer, make_case, reviewer, tmp_path):
    number = make_case("FP-NEW", "under_review", reviewer=reviewer)
    response = decide_via_check(as_reviewer, number, {
        "decide-outcome": "reject", "decide-reason": "拟用频率与已有台站存在有害干扰",
        "decide-legal_basis": "《中华人民共和国无线电管理条例》第二十七条"})
    redirects_to(response, f"/cases/{number}")
    case = _case(app, number)
    assert (case.state, case.completed_on) == ("rejected", TODAY)
    page = _text(as_reviewer.get(f"/cases/{number}"))
    assert 'data-outcome="reject"' in page and "不予行政许可决定书" in page and "第二十七条" in page
    pdf = as_reviewer.get(f"/cases/{number}/decision.pdf")
    assert pdf.mimetype == "application/pdf"
    if shutil.which("pdftotext"):
        path = tmp_path / "d.pdf"
        path.write_bytes(pdf.data)
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                              check=True).stdout.decode()
        compact = re.sub(r"\s+", "", text)
        assert "不予行政许可决定书" in compact and "行政复议" in compact and "六个月内" in compact


def test_approve_with_refused_stations_marked_on_the_station_page(app, as_reviewer, make_case, reviewer):
    number = make_case("ST-NEW", "under_review", reviewer=reviewer)
    with app.app_context():
        case = db.session.scalar(select(Application).where(Application.number == number))
        for seq, name in enumerate(["一号基站", "二号基站", "三号基站"], start=1):
            db.session.add(Station(application_id=case.id, seq=seq, station_name=name, station_type="repeater",
                                   address="清远市清城区", longitude=113.05, latitude=23.68, tx_mhz="460.125",
                                   bandwidth_khz=12.5, power_w=5, equipment_model="GP328"))
        db.session.commit()
    page = _text(as_reviewer.get(f"/cases/{number}"))
    assert 'name="decide-refused_stations"' not in page and f"/cases/{number}/stations" in page
    bad = as_reviewer.post(f"/cases/{number}/stations/refuse", data={"seq": ["2"], "scope": "checked", "reason": ""})
    assert bad.status_code == 422 and "请写明不予许可的理由" in _text(bad)
    redirects_to(as_reviewer.post(f"/cases/{number}/stations/refuse", data={
        "seq": ["2"], "scope": "checked", "reason": "台址位于机场净空保护区"}), f"/cases/{number}/stations")
    redirects_to(as_reviewer.post(f"/cases/{number}/stations/refuse", data={
        "seq": ["3"], "scope": "checked", "reason": "发射功率超出规定"}), f"/cases/{number}/stations")
    response = decide_via_check(as_reviewer, number, {"decide-outcome": "approve", "decide-reason": "符合设台条件"})
    redirects_to(response, f"/cases/{number}")
    with app.app_context():
        rows = db.session.execute(select(Station.station_name, Station.outcome, Station.refused_reason)).all()
    assert sorted(rows) == [("一号基站", "approved", None), ("三号基站", "refused", "发射功率超出规定"),
                            ("二号基站", "refused", "台址位于机场净空保护区")]
    page = _text(as_reviewer.get(f"/cases/{number}"))
    assert 'id="refused-stations"' in page and "准予 1 个，不予 2 个" in page
    assert 'id="due-issue"' in page or 'data-deadline="issue"' in page


def test_two_person_rule_on_the_page(app, make_case, make_user, login):
    both = make_user("reviewer")
    number = make_case("FP-NEW", "under_review", clerk=both, reviewer=both)
    client = app.test_client()
    login(client, both)
    page = _text(client.get(f"/cases/{number}"))
    assert "双人原则" in page and 'id="decide-form"' not in page
    response = client.post(f"/cases/{number}/decide", data={"decide-outcome": "approve"})
    assert response.status_code == 422 and "双人原则" in _text(response)
    assert _case(app, number).state == "under_review"


def test_issue_deadline_is_shown_after_approval(app, as_reviewer, make_case):
    number = make_case("FP-NEW", "approved")
    page = _text(as_reviewer.get(f"/cases/{number}"))
    # Approved Mon 09-23: 09-24..09-27 (4), Sun 09-29, 09-30 (6), 10-08, 10-09, 10-10, 10-11 -> 10-11.
    assert 'data-deadline="issue"' in page and "2024-10-11" in page and "剩 10 个工作日" in page
    queue = _text(as_reviewer.get("/review/queue"))
    assert 'id="awaiting-issue"' in queue and number in queue


def test_clerk_sees_the_case_but_no_review_actions(app, make_case, make_user, login):
    number = make_case("FP-NEW", "under_review")
    client = app.test_client()
    login(client, make_user("clerk"))
    page = _text(client.get(f"/cases/{number}"))
    assert 'id="deadlines"' in page and 'id="review-actions"' not in page
    assert client.post(f"/cases/{number}/decide", data={"decide-outcome": "approve"}).status_code == 403
    assert _case(app, number).state == "under_review"


def test_unknown_case_is_404(as_reviewer):
    assert as_reviewer.post("/cases/SQ0000/start-review").status_code == 404
    assert as_reviewer.get("/cases/SQ0000/decision.pdf").status_code == 404


# --- extension: the reviewer asks, a supervisor approves ----------------------------------------------------

def test_extension_request_and_supervisor_approval(app, as_reviewer, make_case, make_user, login, reviewer):
    number = make_case("ST-NEW", "under_review", reviewer=reviewer)
    supervisor = make_user("supervisor", display_name="李主管")
    too_long = as_reviewer.post(f"/cases/{number}/extension-request", data={"extension-days": "11",
                                                                      "extension-reason": "复杂"})
    assert too_long.status_code == 422 and "1–10" in _text(too_long)
    redirects_to(as_reviewer.post(f"/cases/{number}/extension-request", data={
        "extension-days": "10", "extension-reason": "台站数量多，需现场核查"}), f"/cases/{number}")
    assert _count(app, ClockStop) == 0          # nothing moves before the supervisor approves
    boss = app.test_client()
    login(boss, supervisor)
    assert "台站数量多" in _text(boss.get("/review/queue"))
    page = _text(boss.get(f"/cases/{number}"))
    assert 'id="approve-extension"' in page
    request_id = re.search(r"/extension-request/(\d+)/decide", page).group(1)
    declined = boss.post(f"/cases/{number}/extension-request/{request_id}/decide", data={"extension_decision-decline": "1"})
    assert declined.status_code == 422 and "须写明理由" in _text(declined)
    response = boss.post(f"/cases/{number}/extension-request/{request_id}/decide", data={"extension_decision-approve": "1"})
    redirects_to(response, f"/cases/{number}")
    with app.app_context():
        assert _count(app, ClockStop) == 0       # an extension is not a stop
        req = db.session.scalar(select(ExtensionRequest))
        assert (req.status, req.days, req.decided_by_id) == ("approved", 10, supervisor.id)
    assert _events(app, number)[-2:] == ["request_extension", "extension_approved"]
    page = _text(as_reviewer.get(f"/cases/{number}"))
    assert 'id="extension-form"' not in page and 'id="extension-pdf"' in page and 'id="extended-badge"' in page
    assert "2024-11-21" in page and "2024-11-07" in page
    pdf = as_reviewer.get(f"/cases/{number}/extension.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    # Only a supervisor decides a request.
    assert as_reviewer.post(f"/cases/{number}/extension-request/{request_id}/decide",
                            data={"extension_decision-approve": "1"}).status_code == 403


def test_review_forms_need_a_csrf_token(make_app, make_user, make_case, login):
    app = make_app(WTF_CSRF_ENABLED=True)
    reviewer = make_user("reviewer")
    number = make_case("FP-NEW", "accepted")
    client = app.test_client()
    page = _text(client.get("/auth/login"))
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page)
    client.post("/auth/login", data={"username": reviewer.username, "password": "correct horse battery",
                                     "csrf_token": token.group(1)})
    assert client.post(f"/cases/{number}/start-review").status_code == 400
    page = _text(client.get(f"/cases/{number}"))
    token = re.search(r'name="start-csrf_token"[^>]*value="([^"]+)"', page).group(1)
    redirects_to(client.post(f"/cases/{number}/start-review", data={"start-csrf_token": token}), f"/cases/{number}")
    assert _case(app, number).state == "under_review"


def test_clocks_command_restates_a_paused_case(app, make_case):
    number = make_case("ST-NEW", "under_review")
    with app.app_context():
        case = db.session.scalar(select(Application).where(Application.number == number))
        review.pause(case, kind="testing", reason="设备送检", expected_days=5,
                     by=db.session.get(User, case.reviewer_id), on=TODAY)
        db.session.commit()
        # 30 working days after Mon 09-23: 09-24..27, Sun 09-29, 09-30, 10-08..12, then five-day weeks -> 11-07.
        assert case.due_statutory == date(2024, 11, 7)
    result = app.test_cli_runner().invoke(args=["review", "clocks", "--date", "2024-09-27"])
    assert result.exit_code == 0 and "重算 1 件" in result.output and "1 件的届满日有变化" in result.output
    # Still paused on 09-27: 09-24..09-27 (4 working days) are stopped -> 34th working day: 11-13.
    assert _case(app, number).due_statutory == date(2024, 11, 13)
