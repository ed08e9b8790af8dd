"""Per-station outcomes as data: marks during the review (by filter, by number, by list), undo, and the decision's
rules for station licences (at least one station entered, at least one approved)."""
from datetime import date

import pytest
from sqlalchemy import func, select

from radiolic.extensions import db
from radiolic.models import Application, Decision, Event, Station, User
from radiolic.review import notices, refusal_list
from radiolic.workflow import WorkflowError, review
from radiolic.workflow import station_outcomes as outcomes
from radiolic.workflow.station_outcomes import StationFilter

ON = date(2024, 9, 23)

# seq, name, type, address, tx, rx
STATIONS = [
    (1, "清城一号", "public_mobile_base", "广东省清远市清城区北江路 1 号", "1885-1915", "1885-1915"),
    (2, "清城二号", "public_mobile_base", "广东省清远市清城区松岗大道 8 号", "2010-2025", ""),
    (3, "英德中继", "repeater", "广东省清远市英德市英城街道", "460.125", "450.125"),
    (4, "连州对讲", "walkie_talkie", "广东省清远市连州市连州镇", "409.75", ""),
    (5, "佛冈微波", "microwave", "广东省清远市佛冈县石角镇 100%_路", "7125-7425", ""),
]


def _load(number: str) -> Application:
    return db.session.scalar(select(Application).where(Application.number == number))


def _outcomes(case) -> dict[int, tuple]:
    return {s.seq: (s.outcome, s.refused_reason) for s in db.session.scalars(
        select(Station).where(Station.application_id == case.id).order_by(Station.seq))}


def _add(case, rows=STATIONS):
    for seq, name, kind, address, tx, rx in rows:
        db.session.add(Station(application_id=case.id, seq=seq, station_name=name, station_type=kind, address=address,
                               longitude=113.05, latitude=23.68, tx_mhz=tx, rx_mhz=rx, bandwidth_khz=25, power_w=5,
                               equipment_model="X1"))
    db.session.flush()


@pytest.fixture
def case_and_reviewer(ctx, make_case, make_user):
    reviewer = make_user("reviewer")
    number = make_case("ST-NEW", "under_review", reviewer=reviewer)
    return _load(number), db.session.get(User, reviewer.id)


@pytest.mark.parametrize("where,expected", [
    (StationFilter(), [1, 2, 3, 4, 5]),
    (StationFilter(station_type="public_mobile_base"), [1, 2]),
    (StationFilter(text="英德"), [3]),
    (StationFilter(text="清城区"), [1, 2]),
    (StationFilter(text="清城二号"), [2]),                   # the name matches too
    (StationFilter(text="100%_"), [5]),                     # % and _ are literal, not wildcards
    (StationFilter(text="%"), [5]),
    (StationFilter(freq="1900"), [1]),                      # inside a transmit range
    (StationFilter(freq="450.125"), [3]),                   # a receive frequency
    (StationFilter(freq="2000-2015"), [2]),                 # overlaps 2010-2025
    (StationFilter(freq="400-470"), [3, 4]),
    (StationFilter(freq="100-200"), []),
    (StationFilter(station_type="public_mobile_base", freq="2015"), [2]),
])
def test_filters_choose_the_stations(case_and_reviewer, where, expected):
    case, _ = case_and_reviewer
    _add(case)
    seqs = db.session.scalars(select(Station.seq).where(*where.conditions(case)).order_by(Station.seq)).all()
    assert seqs == expected


@pytest.mark.parametrize("freq", ["abc", "1885-1915;2010-2025", "-5"])
def test_an_unreadable_frequency_filter_is_refused(case_and_reviewer, freq):
    case, _ = case_and_reviewer
    with pytest.raises(WorkflowError, match="频率筛选"):
        StationFilter(freq=freq).conditions(case)


def test_refuse_by_filter_then_undo(case_and_reviewer):
    case, reviewer = case_and_reviewer
    _add(case)
    event, n = outcomes.refuse(case, where=StationFilter(station_type="public_mobile_base"), reason="与民航导航频率干扰",
                               by=reviewer, on=ON, expected=2)
    assert n == 2 and event.action == "refuse_stations" and "2 个" in event.note
    assert _outcomes(case) == {1: ("refused", "与民航导航频率干扰"), 2: ("refused", "与民航导航频率干扰"),
                               3: (None, None), 4: (None, None), 5: (None, None)}
    # Refusing again over all five: only the three undecided are marked; the first two keep their reason.
    second, n = outcomes.refuse(case, where=StationFilter(), reason="台址不符合要求", by=reviewer, on=ON)
    assert n == 3 and _outcomes(case)[1] == ("refused", "与民航导航频率干扰")
    assert [(e.id, k) for e, k in outcomes.batches(case)] == [(second.id, 3), (event.id, 2)]
    outcomes.undo(case, event.id, by=reviewer, on=ON)
    assert _outcomes(case) == {1: (None, None), 2: (None, None), 3: ("refused", "台址不符合要求"),
                               4: ("refused", "台址不符合要求"), 5: ("refused", "台址不符合要求")}
    with pytest.raises(WorkflowError, match="已撤销"):
        outcomes.undo(case, event.id, by=reviewer, on=ON)
    # Taking the refusal off one station by number.
    outcomes.restore(case, seqs=[4], by=reviewer, on=ON)
    assert _outcomes(case)[4] == (None, None) and outcomes.counts(case) == {
        "total": 5, "refused": 2, "approved": 0, "undecided": 3}
    actions = db.session.scalars(select(Event.action).where(Event.application_id == case.id).order_by(Event.id)).all()
    assert actions[-4:] == ["refuse_stations", "refuse_stations", "restore_stations", "restore_stations"]


@pytest.mark.parametrize("call,message", [
    (dict(where=StationFilter(), reason=" "), "请写明不予许可的理由"),
    (dict(where=StationFilter(), reason="x" * 1001), "不能超过 1000"),
    (dict(where=StationFilter(), reason="干扰", expected=4), "筛选结果已变化"),
    (dict(where=StationFilter(freq="100-200"), reason="干扰"), "没有待决定的台站"),
    (dict(seqs=[1, 99], reason="干扰"), "不属于本案"),
    (dict(reason="干扰"), "请先勾选"),
])
def test_refusals_that_change_nothing(case_and_reviewer, call, message):
    case, reviewer = case_and_reviewer
    _add(case)
    with pytest.raises(WorkflowError, match=message):
        outcomes.refuse(case, by=reviewer, on=ON, **call)
    assert set(_outcomes(case).values()) == {(None, None)}


def test_marks_only_while_under_review_and_for_station_items(ctx, make_case, make_user):
    user, numbers = make_user("reviewer"), (make_case("ST-NEW", "accepted"), make_case("FP-NEW", "under_review"))
    reviewer, accepted, permit = db.session.get(User, user.id), _load(numbers[0]), _load(numbers[1])
    _add(accepted)
    with pytest.raises(WorkflowError, match="不能执行“标记不予许可台站”"):
        outcomes.refuse(accepted, where=StationFilter(), reason="干扰", by=reviewer, on=ON)
    with pytest.raises(WorkflowError, match="只有设置、变更、延续电台执照"):
        outcomes.refuse(permit, where=StationFilter(), reason="干扰", by=reviewer, on=ON)


def test_a_list_is_all_or_none_and_names_every_problem(case_and_reviewer):
    case, reviewer = case_and_reviewer
    _add(case, STATIONS + [(6, "清城一号", "repeater", "另一处", "460.5", "")])
    outcomes.refuse(case, seqs=[4], reason="已标记", by=reviewer, on=ON)
    entries = [{"station": "英德中继", "reason": "干扰"}, {"station": "九号", "reason": "x"},
               {"station": "3", "reason": "重复"}, {"station": "清城一号", "reason": "同名"},
               {"station": "5", "reason": ""}, {"station": "4", "reason": "再标"}, {"station": "", "reason": "x"},
               {"station": "0002", "reason": "前导零按序号"}]
    with pytest.raises(outcomes.ListProblems) as raised:
        outcomes.refuse_listed(case, entries, by=reviewer, on=ON)
    assert [(row, msg.split("“")[0]) for row, _s, msg in raised.value.problems] == [
        (2, "本案没有名称或序号为"), (3, "台站"), (4, "有多个台站名为"), (5, "请写明不予许可台站"),
        (6, "台站"), (7, "缺少台站名称或序号")]
    assert "重复列出" in raised.value.problems[1][2] and "已标记不予许可" in raised.value.problems[4][2]
    assert outcomes.counts(case)["refused"] == 1          # only the earlier mark
    event, n = outcomes.refuse_listed(case, [entries[0], entries[7], {"station": "6", "reason": "同名用序号"}],
                                      by=reviewer, on=ON, source="上传清单 a.csv")
    assert n == 3 and event.note.startswith("上传清单 a.csv：标记不予许可台站 3 个")
    assert _outcomes(case)[2] == ("refused", "前导零按序号") and _outcomes(case)[6] == ("refused", "同名用序号")


# The decision's station rules: (stations entered, refused by number, outcome) -> error or (approved, refused).
DECISIONS = [
    (0, [], "approve", "须至少录入一个台站"),
    (2, [1, 2], "approve", "所有台站均不予许可"),
    (1, [], "approve", (1, 0)),
    (3, [2], "approve", (2, 1)),
    (0, [], "reject", (0, 0)),                     # a refusal needs no station
    (3, [2], "reject", (0, 3)),                    # refusing the application refuses every station
]


@pytest.mark.parametrize("entered,refused,outcome,expected", DECISIONS)
def test_station_licence_decision_rules(ctx, make_case, make_user, entered, refused, outcome, expected):
    user = make_user("reviewer")
    number = make_case("ST-NEW", "under_review", reviewer=user)
    reviewer, case = db.session.get(User, user.id), _load(number)
    db.session.execute(Station.__table__.delete().where(Station.application_id == case.id))
    _add(case, STATIONS[:entered])
    if refused:
        outcomes.refuse(case, seqs=refused, reason="频率干扰", by=reviewer, on=ON)
    db.session.commit()
    basis = {"reason": "不符合条件", "legal_basis": "《中华人民共和国无线电管理条例》第二十七条"} if outcome == "reject" else {}
    if isinstance(expected, str):
        with pytest.raises(WorkflowError, match=expected):
            review.decide(case, outcome=outcome, by=reviewer, on=ON, **basis)
        db.session.rollback()
        assert _load(case.number).state == "under_review"
        assert db.session.scalar(select(func.count()).select_from(Decision)) == 0
        return
    review.decide(case, outcome=outcome, by=reviewer, on=ON, **basis)
    db.session.commit()
    c = outcomes.counts(case)
    assert (c["approved"], c["refused"], c["undecided"]) == (*expected, 0)
    if outcome == "reject" and entered:
        assert _outcomes(case)[2] == ("refused", "频率干扰")           # its own reason is kept
        assert _outcomes(case)[1][1].startswith("整体不予许可（见不予行政许可决定书")
    decision_event = db.session.scalars(select(Event).where(Event.application_id == case.id)
                                        .order_by(Event.id.desc())).first()
    unmarked = db.session.scalars(select(Station.outcome_event_id).where(
        Station.application_id == case.id, Station.seq.not_in(refused))).all()
    assert set(unmarked) <= {decision_event.id}


def test_cancellation_and_permits_need_no_station(ctx, make_case):
    numbers = make_case("FP-NEW", "approved"), make_case("ST-CANCEL", "approved")
    for number in numbers:
        case = _load(number)
        assert case.state == "approved" and outcomes.counts(case)["total"] == 0


def test_the_preview_uses_the_marks_and_an_unsaved_decision(case_and_reviewer):
    case, reviewer = case_and_reviewer
    _add(case)
    outcomes.refuse(case, seqs=[3], reason="超出批准的频段", by=reviewer, on=ON)
    draft = Decision(outcome="approve", reason="符合条件", legal_basis="", decided_on=ON, doc_number="（待定）")
    doc = notices.decision_notice(case, draft)
    assert doc.doc_number == "（待定）" and case.decision is None
    assert [row[3] for row in doc.table[1:]] == ["准予许可", "准予许可", "不予许可", "准予许可", "准予许可"]
    assert "准予设置、使用无线电台（站）4个；不予许可1个" in "".join(doc.paragraphs)
    assert db.session.scalar(select(func.count()).select_from(Decision)) == 0


@pytest.mark.parametrize("data,problem", [
    ("台站名称或序号,理由\n清城一号,干扰\n".encode("utf-8-sig"), None),
    ("station,reason\n3,干扰\n\n4,越界\n".encode(), None),
    ("台站,理由\n清城一号,干扰\n".encode("gb18030"), None),
    (b"name,why\n1,x\n", "表头"),
    (b"", "空的"),
])
def test_the_refusal_list_file(data, problem):
    if problem is None:
        entries, lines = refusal_list.entries_and_lines(refusal_list.parse(data))
        assert entries and all(e["station"] and e["reason"] for e in entries)
        assert lines[0] == 2
        return
    with pytest.raises(outcomes.ListProblems) as raised:
        refusal_list.parse(data)
    assert problem in raised.value.problems[0][2]


def test_the_error_report_is_formula_safe():
    report = refusal_list.report_csv([(3, "=HYPERLINK(1)", "本案没有")]).decode("utf-8-sig")
    assert report.splitlines()[1] == "3,'=HYPERLINK(1),本案没有"
