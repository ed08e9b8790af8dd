"""Review rules through the verbs: clock stops, the extension rule, the two-person rule, per-station refusal,
and the exact events each step leaves."""
from datetime import date

import pytest
from sqlalchemy import func, select

from radiolic.extensions import db
from radiolic.models import Application, ClockStop, Decision, Event, ExtensionRequest, OutboxMessage, Station, User
from radiolic.review import notices
from radiolic.workflow import WorkflowError, clock
from radiolic.workflow import review

ON = date(2024, 9, 23)


def _load(number: str) -> Application:
    return db.session.scalar(select(Application).where(Application.number == number))


def _user(u) -> User:
    return db.session.get(User, u.id)


def _actions(case) -> list[str]:
    return list(db.session.scalars(select(Event.action).where(Event.application_id == case.id).order_by(Event.id)))


def add_stations(case, names):
    for seq, name in enumerate(names, start=1):
        db.session.add(Station(application_id=case.id, seq=seq, station_name=name, station_type="walkie_talkie",
                               address=f"清远市清城区{name}", longitude=113.05, latitude=23.68, tx_mhz="460.125",
                               bandwidth_khz=12.5, power_w=5, equipment_model="GP328"))
    db.session.flush()


@pytest.fixture
def reviewing(ctx, make_case, make_user):
    """A case under review by `reviewer` (accepted by another clerk); also a supervisor and a second reviewer.

    Every account and case is made before the test writes: a second session would wait on SQLite's lock.
    """
    reviewer, supervisor, other = make_user("reviewer"), make_user("supervisor"), make_user("reviewer")
    number = make_case("ST-NEW", "under_review", reviewer=reviewer)
    staff["supervisor"], staff["other"] = supervisor, other
    return _load(number), _user(reviewer)


staff: dict = {}


def _supervisor() -> User:
    return _user(staff["supervisor"])


def test_start_review_assigns_the_reviewer(ctx, make_case, make_user):
    reviewer = make_user("reviewer")
    case = _load(make_case("FP-NEW", "accepted"))
    review.start_review(case, by=_user(reviewer), on=ON)
    assert (case.state, case.reviewer_id, case.review_started_on) == ("under_review", reviewer.id, ON)
    assert _actions(case)[-1] == "start_review"


def test_pause_and_resume_each_record_one_event_and_move_the_deadline(reviewing):
    case, reviewer = reviewing
    before = clock.compute(case, ON).due_statutory
    stop = review.pause(case, kind="expert_review", reason="需组织专家评审电磁兼容", expected_days=5, by=reviewer,
                        on=date(2024, 9, 24))
    assert case.open_stop is stop and stop.doc_number.startswith("清无特〔2024〕")
    review.resume(case, by=reviewer, on=date(2024, 9, 27))
    assert stop.resumed_on == date(2024, 9, 27)
    assert _actions(case)[-2:] == ["pause", "resume"]
    # (09-24, 09-27] stops 09-25, 09-26, 09-27: the statutory due date moves three working days.
    c = clock.compute(case, date(2024, 9, 27))
    assert c.stopped == 3 and clock.load_calendar().count(before, c.due_statutory) == 3
    assert case.due_statutory == c.due_statutory     # stored for the statistics by refresh()
    # The applicant is told (the written notice is the PDF; the SMS says it is coming).
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.kind == "clock_stop")) == 1


@pytest.mark.parametrize("kwargs,field", [
    ({"kind": "nap", "reason": "x", "expected_days": 5}, "kind"),
    ({"kind": "testing", "reason": "  ", "expected_days": 5}, "reason"),
    ({"kind": "testing", "reason": "检测", "expected_days": 0}, "expected_days"),
    ({"kind": "testing", "reason": "检测", "expected_days": "5"}, "expected_days"),
])
def test_pause_needs_a_kind_a_reason_and_a_length(reviewing, kwargs, field):
    case, reviewer = reviewing
    with pytest.raises(WorkflowError) as err:
        review.pause(case, by=reviewer, on=ON, **kwargs)
    assert err.value.field == field and case.clock_stops == []


def test_no_second_pause_and_no_resume_without_a_pause(reviewing):
    case, reviewer = reviewing
    with pytest.raises(WorkflowError, match="没有暂停"):
        review.resume(case, by=reviewer, on=ON)
    review.pause(case, kind="testing", reason="送检", expected_days=3, by=reviewer, on=ON)
    with pytest.raises(WorkflowError, match="请先恢复") as err:
        review.pause(case, kind="hearing", reason="听证", expected_days=3, by=reviewer, on=ON)
    assert err.value.code == "conflict"


def test_an_extension_is_not_a_clock_stop(reviewing):
    case, reviewer = reviewing
    with pytest.raises(WorkflowError, match="不是暂停计时") as err:
        review.pause(case, kind="extension", reason="情况复杂", expected_days=5, by=reviewer, on=ON)
    assert err.value.field == "kind" and case.clock_stops == []


def test_extension_request_then_supervisor_approval(reviewing):
    case, reviewer = reviewing
    supervisor = _supervisor()
    req = review.request_extension(case, days=10, reason="台站数量多，需现场核查", by=reviewer, on=ON)
    assert req.status == "requested" and case.clock_stops == [] and case.extension_days == 0
    approved = review.approve_extension(req, by=supervisor, on=date(2024, 9, 24))
    assert approved is req and case.clock_stops == []        # the clock keeps running
    assert (req.status, req.decided_by_id, req.decided_on, case.extension_days) == \
        ("approved", supervisor.id, date(2024, 9, 24), 10)
    assert req.doc_number.startswith("清无延〔2024〕")
    assert _actions(case)[-2:] == ["request_extension", "extension_approved"]
    approval = db.session.scalars(select(Event).where(Event.application_id == case.id)
                                  .order_by(Event.id.desc())).first()
    assert approval.actor_id == supervisor.id and approval.role == "supervisor"
    assert "2024-11-07" in approval.note and "2024-11-21" in approval.note


@pytest.mark.parametrize("days", [0, 11, -1])
def test_extension_is_at_most_ten_working_days(reviewing, days):
    case, reviewer = reviewing
    with pytest.raises(WorkflowError, match="1–10") as err:
        review.request_extension(case, days=days, reason="复杂", by=reviewer, on=ON)
    assert err.value.field == "days"


def test_extension_only_once(reviewing):
    case, reviewer = reviewing
    supervisor = _supervisor()
    review.approve_extension(review.request_extension(case, days=3, reason="复杂", by=reviewer, on=ON),
                             by=supervisor, on=ON)
    with pytest.raises(WorkflowError, match="只能一次"):
        review.request_extension(case, days=2, reason="再延", by=reviewer, on=date(2024, 9, 27))


def test_only_a_supervisor_approves_and_a_decline_needs_a_reason(reviewing):
    case, reviewer = reviewing
    other_reviewer = _user(staff["other"])
    supervisor = _supervisor()
    req = review.request_extension(case, days=5, reason="复杂", by=reviewer, on=ON)
    with pytest.raises(WorkflowError, match="只有主管"):
        review.approve_extension(req, by=other_reviewer, on=ON)
    with pytest.raises(WorkflowError, match="已有待主管批准"):
        review.request_extension(case, days=5, reason="复杂", by=reviewer, on=ON)
    with pytest.raises(WorkflowError, match="理由"):
        review.decline_extension(req, by=supervisor, on=ON, note=" ")
    review.decline_extension(req, by=supervisor, on=ON, note="材料已齐，应按期办结")
    assert req.status == "declined" and case.clock_stops == [] and case.extension_days == 0
    with pytest.raises(WorkflowError, match="已处理"):
        review.approve_extension(req, by=supervisor, on=ON)
    # A declined request does not use up the one extension.
    assert review.request_extension(case, days=4, reason="新情况", by=reviewer, on=ON).status == "requested"


def test_two_person_rule(ctx, make_user, make_case):
    # A reviewer who also accepted the case (e.g. covering the window) may not decide it.
    both, other = make_user("reviewer"), make_user("reviewer")
    case = _load(make_case("FP-NEW", "under_review", clerk=both, reviewer=both))
    with pytest.raises(WorkflowError, match="双人原则") as err:
        review.decide(case, outcome="approve", by=_user(both), on=ON)
    assert err.value.code == "forbidden" and case.state == "under_review" and case.decision is None
    review.decide(case, outcome="approve", reason="符合条件", by=_user(other), on=ON)
    assert case.state == "approved"


def test_two_person_rule_is_a_setting(ctx, make_user, make_case):
    ctx.config["TWO_PERSON_RULE"] = False
    both = make_user("reviewer")
    case = _load(make_case("FP-NEW", "under_review", clerk=both, reviewer=both))
    review.decide(case, outcome="approve", by=_user(both), on=ON)
    assert case.state == "approved"


def test_no_decision_while_paused(reviewing):
    case, reviewer = reviewing
    review.pause(case, kind="coordination", reason="与广州协调", expected_days=10, by=reviewer, on=ON)
    with pytest.raises(WorkflowError, match="计时暂停中"):
        review.decide(case, outcome="approve", by=reviewer, on=ON)


@pytest.mark.parametrize("reason,basis,field", [("", "第十六条", "reason"), ("不符合", "", "legal_basis")])
def test_rejection_needs_reasons_and_legal_basis(reviewing, reason, basis, field):
    case, reviewer = reviewing
    with pytest.raises(WorkflowError) as err:
        review.decide(case, outcome="reject", reason=reason, legal_basis=basis, by=reviewer, on=ON)
    assert err.value.field == field and case.state == "under_review"


@pytest.mark.parametrize("steps,expected", [
    ([], ["submit", "accept", "start_review", "approve"]),
    (["pause", "resume"], ["submit", "accept", "start_review", "pause", "resume", "approve"]),
])
def test_an_approval_leaves_exactly_the_expected_events(reviewing, steps, expected):
    case, reviewer = reviewing
    add_stations(case, ["一号基站"])           # entered directly: no event of its own
    if steps:
        review.pause(case, kind="hearing", reason="听证", expected_days=5, by=reviewer, on=ON)
        review.resume(case, by=reviewer, on=date(2024, 9, 25))
    decision = review.decide(case, outcome="approve", reason="材料齐全，符合条件", by=reviewer, on=date(2024, 9, 26))
    assert _actions(case) == expected
    last = db.session.scalars(select(Event).where(Event.application_id == case.id).order_by(Event.id.desc())).first()
    assert (last.from_state, last.to_state, last.actor_id, last.on) == ("under_review", "approved", reviewer.id,
                                                                         date(2024, 9, 26))
    assert decision.doc_number.startswith("清无准〔2024〕") and case.completed_on is None
    # Art. 44: issue within 10 working days of 09-26: 09-27, 09-29, 09-30, 10-08..10-12 (8), 10-14, 10-15.
    assert case.due_issue == date(2024, 10, 15)


def test_a_rejection_leaves_exactly_the_expected_events(reviewing):
    case, reviewer = reviewing
    decision = review.decide(case, outcome="reject", reason="拟用频率与已有台站存在有害干扰",
                             legal_basis="《中华人民共和国无线电管理条例》第二十七条", by=reviewer, on=ON)
    assert _actions(case) == ["submit", "accept", "start_review", "reject"]
    assert (case.state, case.completed_on, decision.doc_number) == ("rejected", ON, "清无不准〔2024〕1号")
    assert case.due_issue is None and case.workdays_used == 0


def test_per_station_refusal_approves_the_rest(reviewing):
    case, reviewer = reviewing
    add_stations(case, ["一号基站", "二号基站", "三号基站"])
    review.decide(case, outcome="approve", reason="符合条件", by=reviewer, on=ON,
                  refused_stations=[{"station": "二号基站", "reason": "台址位于机场净空保护区"},
                                    {"station": 3, "reason": "发射功率超出规定"}])
    refused = {s.station_name: s.refused_reason for s in db.session.scalars(
        select(Station).where(Station.application_id == case.id))}
    assert refused == {"一号基站": None, "二号基站": "台址位于机场净空保护区", "三号基站": "发射功率超出规定"}
    assert case.state == "approved"
    marked, event = db.session.scalars(select(Event).where(Event.application_id == case.id)
                                       .order_by(Event.id.desc()).limit(2)).all()[::-1]
    assert event.action == "approve" and "准予台站 1 个，不予许可台站 2 个" in event.note
    assert marked.action == "refuse_stations" and "二号基站（台址位于机场净空保护区）" in marked.note
    assert {s.outcome_event_id for s in db.session.scalars(select(Station).where(Station.outcome == "refused"))} \
        == {marked.id}
    # The decision document lists both the approved and the refused stations, and the rights to appeal.
    doc = notices.decision_notice(case)
    assert doc.title == "准予行政许可决定书"
    assert [row[3] for row in doc.table[1:]] == ["准予许可", "不予许可", "不予许可"]
    text = "".join(doc.paragraphs)
    assert "准予设置、使用无线电台（站）1个" in text and "不予许可2个" in text
    assert "六十日内" in text and "六个月内" in text


@pytest.mark.parametrize("refused,message", [
    ([{"station": "九号基站", "reason": "x"}], "没有名称或序号"),
    ([{"station": "一号基站", "reason": " "}], "理由"),
    ([{"station": "一号基站", "reason": "a"}, {"station": "1", "reason": "b"}], "重复"),
    ([{"station": "一号基站", "reason": "a"}, {"station": "二号基站", "reason": "b"}], "所有台站"),
])
def test_per_station_refusal_errors_change_nothing(reviewing, refused, message):
    case, reviewer = reviewing
    add_stations(case, ["一号基站", "二号基站"])
    db.session.commit()
    with pytest.raises(WorkflowError, match=message):
        review.decide(case, outcome="approve", by=reviewer, on=ON, refused_stations=refused)
    db.session.rollback()
    assert _load(case.number).state == "under_review"
    assert db.session.scalar(select(func.count()).select_from(Decision)) == 0
    assert db.session.scalars(select(Station.refused_reason).order_by(Station.seq)).all() == [None, None]


def test_per_station_refusal_only_for_station_items_and_approvals(ctx, make_case, make_user):
    reviewer = make_user("reviewer")
    numbers = make_case("FP-NEW", "under_review"), make_case("ST-NEW", "under_review")
    permit, case = _load(numbers[0]), _load(numbers[1])
    with pytest.raises(WorkflowError, match="只有电台执照"):
        review.decide(permit, outcome="approve", by=_user(reviewer), on=ON,
                      refused_stations=[{"station": "1", "reason": "x"}])
    add_stations(case, ["一号基站", "二号基站"])
    with pytest.raises(WorkflowError, match="整体不予许可"):
        review.decide(case, outcome="reject", reason="不符合", legal_basis="第二十七条", by=_user(reviewer), on=ON,
                      refused_stations=[{"station": "1", "reason": "x"}])


def test_duplicate_station_names_need_the_sequence_number(reviewing):
    case, reviewer = reviewing
    add_stations(case, ["中继台", "中继台", "基站"])
    db.session.commit()
    with pytest.raises(WorkflowError, match="请用序号"):
        review.decide(case, outcome="approve", by=reviewer, on=ON, refused_stations=[{"station": "中继台", "reason": "x"}])
    db.session.rollback()
    case = _load(case.number)
    review.decide(case, outcome="approve", by=reviewer, on=ON, refused_stations=[{"station": "2", "reason": "干扰"}])
    assert [s.refused_reason for s in db.session.scalars(select(Station).order_by(Station.seq))] == [None, "干扰", None]


def test_rejection_notice_states_reasons_basis_and_rights(reviewing):
    case, reviewer = reviewing
    review.decide(case, outcome="reject", reason="拟用频率与已有台站存在有害干扰",
                  legal_basis="《中华人民共和国无线电管理条例》第二十七条", by=reviewer, on=ON)
    doc = notices.decision_notice(case)
    text = "".join(doc.paragraphs)
    assert doc.title == "不予行政许可决定书" and doc.doc_number == case.decision.doc_number
    for expected in ("存在有害干扰", "第二十七条", "六十日内向清远市人民政府申请行政复议", "六个月内依法向人民法院提起行政诉讼"):
        assert expected in text


def test_stop_notice_names_the_procedure_and_its_length(reviewing):
    case, reviewer = reviewing
    stop = review.pause(case, kind="expert_review", reason="电磁兼容分析", expected_days=7, by=reviewer, on=ON)
    doc = notices.stop_notice(case, stop)
    text = "".join(doc.paragraphs)
    assert doc.title == "特别程序期限告知书" and "第四十五条" in text and "7个工作日" in text and "专家评审" in text
    review.resume(case, by=reviewer, on=date(2024, 9, 25))
    req = review.request_extension(case, days=6, reason="需补充现场勘测", by=reviewer, on=date(2024, 9, 25))
    review.approve_extension(req, by=_supervisor(), on=date(2024, 9, 26))
    doc = notices.extension_notice(case, req)
    text = "".join(doc.paragraphs)
    assert doc.title == "延长行政许可期限告知书" and doc.doc_number == req.doc_number
    assert "第四十二条第一款" in text and "延长6个工作日" in text and "需补充现场勘测" in text
    assert db.session.scalar(select(func.count()).select_from(ClockStop)) == 1
    assert db.session.scalar(select(func.count()).select_from(ExtensionRequest)) == 1
