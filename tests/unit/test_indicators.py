"""Each indicator of domain.md §5 against a small hand-built March 2024, worked out by hand below.

Cases (working days of March 2024: 1, 4–8, 11–15, 18–22, 25–29; 29 Feb is a Thursday):
  A ST-NEW window    recv/acc 03-04, approved 03-05, issued 03-05 (2 electronic + 1 paper)   used 1, rated window 5
  B FP-NEW online    recv/acc 03-05 deferring equipment_info (due 03-12), supplied 03-06, issued 03-06 (permit)
                                                                                             used 1, rated online 4
  C ST-NEW online    recv/acc 03-06, paused 03-06 (testing), resumed 03-13, issued 03-14 (2 electronic)
                     used 6 − 5 stopped = 1, promised due 03-14: on time; rated sms 2 (差评, replied on time)
  D ST-NEW window    recv/acc 03-07, not single-window, rejected 03-12                       used 3, late vs promise
                     a defaulted rating (not counted, reported apart)
  E FP-NEW window    recv 03-08, correction 03-08, resubmitted 03-11, refused 03-11           never accepted
  F ST-NEW online    recv 02-28, acc 02-29, issued 03-01 (1 electronic)                       used 1, rated qr 5
  G ST-NEW window    recv/acc 03-29 deferring site_proof (due 04-15, 10 working days), still open
  H ST-NEW window    recv/acc 03-11 deferring agent_authorisation (due 03-14), terminated 03-18  used 5
  I ST-NEW window    recv 03-20, correction 03-20, resubmitted and accepted 03-21, still open
"""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from radiolic import indicators
from radiolic.extensions import db
from radiolic.models import Applicant, Licence, Rating, ServiceItem, Station, User, WorkOrder
from radiolic.workflow import clock, intake, review, transition
from tests.conftest import add_station_for_decision, item

D = date.fromisoformat
MARCH = (D("2024-03-01"), D("2024-03-31"))


def _submit(code, on, *, channel="window", single_window=True, missing=()):
    service = item(code)
    applicant = Applicant(kind="organisation", name=f"测试单位{on.isoformat()}{code}",
                          id_code=f"91441800{on.strftime('%m%d')}{code[:2]}{len(code):04d}", contact="李工")
    db.session.add(applicant)
    materials = {m.code: ("missing" if m.code in missing else "received", "") for m in service.materials}
    case, _ = intake.submit(service, applicant, channel=channel, single_window=single_window,
                            visits=0 if channel == "online" else 1, materials=materials, by=_users()[0], on=on)
    return case


def _users():
    clerk = db.session.scalar(select(User).where(User.username == "ind-clerk"))
    if clerk is None:
        clerk = User(username="ind-clerk", display_name="陈窗口", role="clerk", password_hash="x")
        reviewer = User(username="ind-reviewer", display_name="张审核", role="reviewer", password_hash="x")
        db.session.add_all([clerk, reviewer])
        db.session.flush()
    return clerk, db.session.scalar(select(User).where(User.username == "ind-reviewer"))


def _accept(case, on, deferred=()):
    intake.accept(case, deferred=list(deferred), commitment={"signed_by": "李工"} if deferred else None,
                  by=_users()[0], on=on)


def _decide(case, on, outcome="approve", start=None):
    reviewer = _users()[1]
    if case.state == "accepted":
        review.start_review(case, by=reviewer, on=start or case.accepted_on)
    if outcome == "approve":
        add_station_for_decision(case, reviewer, case.review_started_on)   # a station approval needs a station
    review.decide(case, outcome=outcome, reason="符合条件" if outcome == "approve" else "频率已被占用",
                  legal_basis="" if outcome == "approve" else "《无线电管理条例》第十七条", by=reviewer, on=on)


def _issue(case, on, formats=()):
    """Stand-in for issuance: the state change plus licence rows inserted directly."""
    transition(case, "issue", by=_users()[1], on=on, changes={"issued_on": on, "completed_on": on})
    clock.refresh(case, on)
    kind = case.service_item.licence_kind
    first = db.session.scalar(select(func.max(Station.seq)).where(Station.application_id == case.id)) or 0
    for n, fmt in enumerate(formats or ["electronic"]):
        station = None
        if kind == "station_licence":
            station = Station(application_id=case.id, seq=first + n + 1, station_name=f"{case.number}-{n}",
                              station_type="walkie_talkie", address="清远", longitude=113.0, latitude=23.7,
                              tx_mhz="460.125", bandwidth_khz=12.5, power_w=5, equipment_model="X1")
            db.session.add(station)
            db.session.flush()
        db.session.add(Licence(number=f"L-{case.number}-{n}", kind=kind, application_id=case.id,
                               applicant_id=case.applicant_id, station_id=station.id if station else None,
                               format=fmt, verify_code=f"V{case.number}{n}", issued_on=on, valid_from=on,
                               valid_until=on + timedelta(days=365), content_hash="0" * 64))


def _rate(case, channel, level, on, defaulted=False):
    rating = Rating(application_id=case.id, channel=channel, level=level, on=on, defaulted=defaulted)
    db.session.add(rating)
    db.session.flush()
    return rating


@pytest.fixture
def march(ctx):
    a = _submit("ST-NEW", D("2024-03-04"))
    _accept(a, D("2024-03-04"))
    _decide(a, D("2024-03-05"))
    _issue(a, D("2024-03-05"), ["electronic", "electronic", "paper"])
    _rate(a, "window", 5, D("2024-03-05"))

    b = _submit("FP-NEW", D("2024-03-05"), channel="online", missing=["equipment_info"])
    _accept(b, D("2024-03-05"), deferred=["equipment_info"])
    intake.supply(b, "equipment_info", by=None, on=D("2024-03-06"))      # uploaded online ...
    intake.check_supplied(b, "equipment_info", accept=True, by=_users()[0], on=D("2024-03-06"))   # ... and checked
    _decide(b, D("2024-03-06"))
    _issue(b, D("2024-03-06"))
    _rate(b, "online", 4, D("2024-03-07"))

    c = _submit("ST-NEW", D("2024-03-06"), channel="online")
    _accept(c, D("2024-03-06"))
    review.start_review(c, by=_users()[1], on=D("2024-03-06"))
    review.pause(c, kind="testing", reason="设备检测", expected_days=5, by=_users()[1], on=D("2024-03-06"))
    review.resume(c, by=_users()[1], on=D("2024-03-13"))
    _decide(c, D("2024-03-14"))
    _issue(c, D("2024-03-14"), ["electronic", "electronic"])
    bad = _rate(c, "sms", 2, D("2024-03-15"))
    db.session.add(WorkOrder(rating_id=bad.id, opened_on=D("2024-03-15"), due_on=D("2024-04-08"),
                             replied_on=D("2024-03-20"), status="replied"))

    d = _submit("ST-NEW", D("2024-03-07"), single_window=False)
    _accept(d, D("2024-03-07"))
    _decide(d, D("2024-03-12"), outcome="reject")
    _rate(d, "online", 5, D("2024-03-20"), defaulted=True)

    e = _submit("FP-NEW", D("2024-03-08"), missing=["technical_plan"])
    intake.request_correction(e, items=[{"material": "technical_plan", "problem": "缺少使用范围"}],
                              by=_users()[0], on=D("2024-03-08"))
    intake.resubmit(e, received=["technical_plan"], by=None, on=D("2024-03-11"))
    intake.refuse(e, reason="不属于本机关管辖", by=_users()[0], on=D("2024-03-11"))

    f = _submit("ST-NEW", D("2024-02-28"), channel="online")
    _accept(f, D("2024-02-29"))
    _decide(f, D("2024-03-01"))
    _issue(f, D("2024-03-01"))
    _rate(f, "qr", 5, D("2024-03-01"))

    g = _submit("ST-NEW", D("2024-03-29"), missing=["site_proof"])
    _accept(g, D("2024-03-29"), deferred=["site_proof"])

    h = _submit("ST-NEW", D("2024-03-11"), missing=["agent_authorisation"])
    _accept(h, D("2024-03-11"), deferred=["agent_authorisation"])
    intake.terminate(h, reason="逾期未补齐", by=_users()[0], on=D("2024-03-18"))

    i = _submit("ST-NEW", D("2024-03-20"), missing=["site_proof"])
    intake.request_correction(i, items=[{"material": "site_proof", "problem": "租赁合同过期"}],
                              by=_users()[0], on=D("2024-03-20"))
    intake.resubmit(i, received=["site_proof"], by=None, on=D("2024-03-21"))
    _accept(i, D("2024-03-21"))
    db.session.commit()
    return {"A": a, "C": c, "G": g, "I": i}


def test_case_counts_by_date_of_each_step(march):
    figures = indicators.compute(*MARCH, today=D("2024-09-23"))
    assert figures["cases"] == {"received": 8, "accepted": 7, "accepted_with_deferral": 3, "completed": 7}


def test_licences_issued_in_the_period(march):
    figures = indicators.compute(*MARCH)
    assert figures["permits_issued"] == 1
    assert figures["station_licences_issued"] == {"total": 6, "paper": 1, "electronic": 5}


def test_rates_over_accepted_and_completed_cases(march):
    figures = indicators.compute(*MARCH)
    assert figures["single_window_rate"] == pytest.approx(6 / 7)       # D was not taken at the one window
    assert figures["first_time_right_rate"] == pytest.approx(6 / 7)    # I needed a correction notice
    assert figures["zero_trip_case_rate"] == pytest.approx(3 / 7)      # B, C, F came online
    # Timed cases A B C D F H: used 1+1+1+3+1+5 = 12 of 30+20+30+30+30+30 = 170 statutory days.
    assert figures["actual_time_reduction_rate"] == pytest.approx(1 - 12 / 170)


def test_turnaround_and_on_time(march):
    figures = indicators.compute(*MARCH)
    # Used days sorted: 1 1 1 1 3 5 — mean 2, median (1+1)/2, p90 the ⌈5.4⌉ = 6th value.
    assert figures["turnaround_workdays"] == {"mean": 2.0, "median": 1.0, "p90": 5}
    # C's clock stop moved its promised due date to 03-14: on time. D and H missed the 1-day promise.
    assert figures["on_time_rate"] == {"promised": pytest.approx(4 / 6), "statutory": 1.0, "unextended": 1.0}


def test_clock_stop_is_not_counted(march):
    c = march["C"]
    assert (c.workdays_used, c.stopped_days, c.due_promised) == (1, 5, D("2024-03-14"))


def test_catalogue_figures(march):
    figures = indicators.compute(*MARCH)
    assert figures["zero_trip_item_rate"] == 1.0
    assert figures["online_depth"] == {"min_level": 4, "level4_item_rate": 1.0}
    assert figures["time_reduction_rate"] == pytest.approx((19 / 20 * 4 + 29 / 30 * 4) / 8)
    cancel = db.session.scalar(select(ServiceItem).where(ServiceItem.code == "ST-CANCEL"))
    cancel.zero_trip, cancel.online_depth = False, 3
    db.session.scalar(select(ServiceItem).where(ServiceItem.code == "FP-CANCEL")).active = False
    figures = indicators.compute(*MARCH)     # 7 active items, one of them with a visit and level III
    assert figures["zero_trip_item_rate"] == pytest.approx(6 / 7)
    assert figures["online_depth"] == {"min_level": 3, "level4_item_rate": pytest.approx(6 / 7)}


def test_deferral_outcomes(march):
    figures = indicators.compute(*MARCH, today=D("2024-09-23"))
    # B supplied on time; G's material is due 04-15 (not yet overdue at the period's end); H's was not supplied.
    assert figures["deferrals"] == {"cases": 3, "materials": 3, "supplied_on_time": 1, "overdue": 1, "terminated": 1}
    april = indicators.compute(D("2024-03-01"), D("2024-04-30"), today=D("2024-09-23"))
    assert april["deferrals"]["overdue"] == 2          # by the end of April G's material is overdue too
    early = indicators.compute(D("2024-03-01"), D("2024-04-30"), today=D("2024-04-15"))
    assert early["deferrals"]["overdue"] == 1          # …but not on its due date itself


def test_ratings_of_completed_cases(march):
    r = indicators.compute(*MARCH)["ratings"]
    assert r == {"count": 4, "coverage": pytest.approx(4 / 7), "very_satisfied_rate": 0.5,
                 "window_very_satisfied_rate": 1.0, "good_rate": 0.75, "bad": 1,
                 "bad_rectified_on_time_rate": 1.0, "defaulted": 1}


def test_empty_period_gives_null_rates(march):
    figures = indicators.compute(D("2023-01-01"), D("2023-12-31"))
    assert figures["cases"] == {"received": 0, "accepted": 0, "accepted_with_deferral": 0, "completed": 0}
    for key in ("single_window_rate", "zero_trip_case_rate", "actual_time_reduction_rate", "first_time_right_rate"):
        assert figures[key] is None, key
    assert figures["turnaround_workdays"] == {"mean": None, "median": None, "p90": None}
    assert figures["on_time_rate"] == {"promised": None, "statutory": None, "unextended": None}
    assert figures["ratings"]["coverage"] is None and figures["ratings"]["bad_rectified_on_time_rate"] is None
    assert figures["zero_trip_item_rate"] == 1.0       # catalogue figures do not depend on the period


def test_period_edges(march):
    feb = indicators.compute(D("2024-02-01"), D("2024-02-29"))
    assert feb["cases"] == {"received": 1, "accepted": 1, "accepted_with_deferral": 0, "completed": 0}
    one_day = indicators.compute(D("2024-03-01"), D("2024-03-01"))
    assert one_day["cases"]["completed"] == 1 and one_day["station_licences_issued"]["total"] == 1


@pytest.mark.parametrize("histogram, expected", [
    ([(4, 1)], {"mean": 4.0, "median": 4.0, "p90": 4}),
    ([(0, 1), (2, 1)], {"mean": 1.0, "median": 1.0, "p90": 2}),
    ([(1, 9), (10, 1)], {"mean": 1.9, "median": 1.0, "p90": 1}),
    ([(1, 8), (10, 2)], {"mean": 2.8, "median": 1.0, "p90": 10}),
    ([], {"mean": None, "median": None, "p90": None}),
])
def test_percentiles_from_a_histogram(histogram, expected):
    assert indicators.turnaround(histogram) == expected


def test_breakdowns(march):
    by_item = {r["key"]: r for r in indicators.breakdown("item", *MARCH)}
    assert by_item["FP-NEW"]["received"] == 2 and by_item["FP-NEW"]["completed"] == 2
    assert by_item["FP-NEW"]["issued"] == 1 and by_item["FP-NEW"]["not_accepted"] == 1
    assert by_item["ST-NEW"]["completed"] == 5 and by_item["ST-NEW"]["turnaround_mean"] == pytest.approx(11 / 5)
    by_channel = {r["key"]: r for r in indicators.breakdown("channel", *MARCH)}
    assert by_channel["online"]["completed"] == 3 and by_channel["online"]["on_time_promised"] == 1.0
    by_month = {r["key"]: r for r in indicators.breakdown("month", D("2024-02-01"), D("2024-03-31"))}
    assert by_month["2024-02"]["received"] == 1 and by_month["2024-02"]["completed"] == 0
    assert by_month["2024-03"]["issued"] == 4 and by_month["2024-03"]["rejected"] == 1
    by_reviewer = {r["key"]: r for r in indicators.breakdown("reviewer", *MARCH)}
    assert by_reviewer["张审核"]["completed"] == 5        # A B C D F were decided by the reviewer
    months = indicators.licences_by_month(*MARCH)
    assert months == [{"key": "2024-03", "frequency_permit": 1, "paper": 1, "electronic": 5}]


def test_ratings_matrix_and_reasons(march):
    matrix = {(r["channel"], r["level"]): r["count"] for r in indicators.ratings_matrix(*MARCH)}
    assert matrix == {("window", 5): 1, ("online", 4): 1, ("sms", 2): 1, ("qr", 5): 1}
    why = indicators.reasons(*MARCH)
    assert dict(why["corrections"]) == {"频率使用技术方案（用途、使用范围、使用率）": 1, "台址使用证明（产权或租赁合同）": 1}
    assert why["refusals"] == [("不属于本机关管辖", 1)] and why["rejections"] == [("频率已被占用", 1)]


def test_open_cases_and_at_risk(march):
    today = D("2024-04-10")      # a Wednesday; the week ends on Sunday 04-14
    buckets = indicators.open_by_days_left(today)
    # G accepted 03-29: statutory due 30 working days later (05-14): 11+. I accepted 03-21: due 05-07: 11+ too.
    assert buckets == {"overdue": 0, "0-2": 0, "3-5": 0, "6-10": 0, "11+": 2, "paused": 0}
    risky = indicators.at_risk(today)
    # Both are past their 1-day promise.
    assert {c.number for c in risky} == {march["G"].number, march["I"].number}
    late = indicators.open_by_days_left(D("2024-05-08"))      # I is overdue; G has 9, 10, 11 (make-up), 13, 14 left
    assert late["overdue"] == 1 and late["3-5"] == 1


def test_at_risk_loads_what_its_rows_show_up_front(march):
    from sqlalchemy import event
    db.session.expunge_all()
    risky = indicators.at_risk(D("2024-04-10"))
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        shown = [(c.open_stop, c.outstanding_deferred) for c in risky]
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(shown) == 2 and statements == []


def test_work_orders_open_and_overdue(march):
    rating = db.session.scalar(select(Rating).where(Rating.channel == "window"))
    db.session.add(WorkOrder(rating_id=rating.id, opened_on=D("2024-03-06"), due_on=D("2024-03-27")))
    db.session.commit()
    assert indicators.work_orders(D("2024-03-20")) == {"open": 1, "overdue": 0}
    assert indicators.work_orders(D("2024-03-28")) == {"open": 1, "overdue": 1}
