"""The daily summaries the indicators read equal a recomputation from the records after any workflow."""
from datetime import date, timedelta

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from radiolic import indicators, summaries
from radiolic.extensions import db
from radiolic.models import (Applicant, Application, StatCaseDay, StatCaseMonth, StatLicenceDay, StatRatingDay, StatTurnaroundDay,
                             Station, User, WorkOrder)
from radiolic.workflow import WorkflowError, intake, issuance, ratings, review
from tests.conftest import item
from tests.issuance_cases import PERMIT, station_rows

TABLES = {
    StatCaseDay: (("day", "service_item_id", "channel", "reviewer_id", "outcome"),
                  ("received", "accepted", "accepted_with_deferral", "single_window", "first_time_right", "completed",
                   "zero_visit", "timed", "workdays_used", "statutory_days", "on_time_promised", "on_time_statutory",
                   "rated", "on_time_unextended", "extended", "deemed_accepted")),
    StatCaseMonth: (("day", "dimension", "key"),
                    ("received", "accepted", "accepted_with_deferral", "single_window", "first_time_right",
                     "completed", "zero_visit", "timed", "workdays_used", "statutory_days", "on_time_promised",
                     "on_time_statutory", "rated", "on_time_unextended", "extended", "deemed_accepted", "completed_issued", "completed_rejected", "completed_not_accepted",
                     "completed_withdrawn", "completed_terminated")),
    StatTurnaroundDay: (("day", "workdays"), ("cases",)),
    StatRatingDay: (("day", "channel", "level", "defaulted"), ("ratings", "bad_on_time")),
    StatLicenceDay: (("day", "kind", "format"), ("licences",)),
}


def snapshot() -> dict:
    """Every summary table as {dimensions: summed measures}, rows that sum to nothing left out."""
    out = {}
    for table, (dims, measures) in TABLES.items():
        rows = db.session.execute(select(*(getattr(table, d) for d in dims),
                                         *(func.sum(getattr(table, m)) for m in measures))
                                  .group_by(*(getattr(table, d) for d in dims))).all()
        out[table.__tablename__] = {tuple(r[:len(dims)]): tuple(int(v) for v in r[len(dims):])
                                    for r in rows if any(r[len(dims):])}
    return out


def _users():
    clerk = User(username="sum-clerk", display_name="陈窗口", role="clerk", password_hash="x", window_no="1")
    reviewers = [User(username=f"sum-reviewer{i}", display_name=f"审核{i}", role="reviewer", password_hash="x")
                 for i in range(2)]
    db.session.add_all([clerk, *reviewers])
    db.session.flush()
    return clerk, reviewers


OPS = st.sampled_from(["submit", "submit", "accept", "accept_deferred", "correct", "resubmit", "refuse", "withdraw",
                       "review", "approve", "reject", "issue", "supply", "rate", "rate_bad", "reply"])
STEP = st.tuples(OPS, st.integers(0, 50), st.integers(0, 3), st.integers(0, 100))


def _run(step, state):
    op, pick, advance, extra = step
    state["day"] += timedelta(days=advance)
    on = state["day"]
    clerk, reviewers = state["users"]
    reviewer = reviewers[extra % 2]
    cases = state["cases"]
    case = cases[pick % len(cases)] if cases else None
    if op == "submit" or case is None:
        code = ("ST-NEW", "FP-NEW")[extra % 2]
        service = item(code)
        n = len(cases)
        applicant = Applicant(kind="organisation", name=f"单位{n}", id_code=f"9144180{n:04d}MA{extra:05d}"[:18],
                              contact="李工")
        db.session.add(applicant)
        optional = [m.code for m in service.materials if not m.core]
        missing = optional[:1] if extra % 3 == 0 else []
        materials = {m.code: ("missing" if m.code in missing else "received", "") for m in service.materials}
        channel = ("window", "online", "window", "mail")[extra % 4] if extra % 4 != 3 else "online"
        new, _code = intake.submit(service, applicant, channel=channel, single_window=extra % 5 != 0,
                                   visits=0 if channel == "online" else 1, materials=materials, by=clerk, on=on)
        cases.append(new)
    elif op == "accept":
        intake.accept(case, by=clerk, on=on)
    elif op == "accept_deferred":
        missing = [m.code for m in case.materials if m.status == "missing" and not m.core]
        intake.accept(case, deferred=missing, commitment={"signed_by": "李工"} if missing else None, by=clerk, on=on)
    elif op == "correct":
        code = case.materials[0].code
        intake.request_correction(case, items=[{"material": code, "problem": "不清晰"}], by=clerk, on=on)
    elif op == "resubmit":
        intake.resubmit(case, received=[m.code for m in case.materials if m.status != "received"] or
                        [case.materials[0].code], by=None, on=on)
    elif op == "refuse":
        intake.refuse(case, reason="不属于本机关管辖", by=clerk, on=on)
    elif op == "withdraw":
        intake.withdraw(case, reason="申请人撤回", by=None, on=on)
    elif op == "review":
        review.start_review(case, by=reviewer, on=on)
    elif op == "approve":
        if case.state == "accepted":
            review.start_review(case, by=reviewer, on=on)
        if case.service_item.licence_kind == "station_licence" and not db.session.scalar(
                select(func.count()).select_from(Station).where(Station.application_id == case.id)):
            issuance.add_stations(case, station_rows(1 + extra % 3, f"站{case.id}-"), by=reviewer, on=on)
        review.decide(case, outcome="approve", reason="符合条件", by=reviewer, on=on)
    elif op == "reject":
        review.decide(case, outcome="reject", reason="频率已被占用", legal_basis="《无线电管理条例》第十七条",
                      by=reviewer, on=on)
    elif op == "issue":
        kind = case.service_item.licence_kind
        issuance.issue(case, format=("electronic", "paper")[extra % 2], by=reviewer, on=on,
                       permit=dict(PERMIT) if kind == "frequency_permit" else None)
    elif op == "supply":
        deferred = [m.code for m in case.materials if m.status == "deferred"]
        if deferred:
            intake.supply(case, deferred[0], by=None, on=on)
    elif op in ("rate", "rate_bad"):
        if case.completed_on is not None:
            channel = ("qr", "online", "sms", "window")[extra % 4]
            level = (1 + extra % 2) if op == "rate_bad" else 3 + extra % 3
            tags = [] if level > 2 else [next(iter(ratings.TAGS[level]))]
            ratings.rate(case, channel=channel, level=level, tags=tags, on=on,
                         window_user=clerk if channel == "window" else None)
    elif op == "reply":
        order = db.session.scalar(select(WorkOrder).where(WorkOrder.status == "open").limit(1))
        if order is not None:
            ratings.verify(order, finding="属实", by=reviewer, on=on)
            ratings.rectify(order, kind="explain", action="已向申请人解释", by=reviewer, on=on)
            ratings.reply(order, text="已解释", by=reviewer, on=on)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(steps=st.lists(STEP, min_size=1, max_size=30), start=st.dates(date(2023, 12, 20), date(2024, 12, 20)))
def test_maintained_summaries_equal_a_rebuild(ctx, steps, start):
    try:
        state = {"day": start, "users": _users(), "cases": []}
        for step in steps:
            try:
                with db.session.begin_nested():
                    try:
                        _run(step, state)
                        event(f"done: {step[0]}")
                    except WorkflowError:
                        raise _Skip from None
            except _Skip:
                pass
            summaries.settle(db.session)
        summaries.settle(db.session)
        maintained = snapshot()
        summaries.rebuild(db.session)
        assert snapshot() == maintained
        # and the indicators agree with the records they summarise
        received = db.session.scalar(select(func.count()).select_from(Application))
        first, last = start - timedelta(days=1), state["day"] + timedelta(days=1)
        assert indicators.case_counts(first, last)["received"] == received
        # whole months from the monthly table plus partial edges from the daily one = the records
        lo, hi = start + timedelta(days=9), state["day"] + timedelta(days=40)
        for field in ("received_on", "accepted_on"):
            column = getattr(Application, field)
            expected = db.session.scalar(select(func.count()).where(column.between(lo, hi)))
            key = "received" if field == "received_on" else "accepted"
            assert indicators.case_counts(lo, hi)[key] == expected
            assert sum(r[key] for r in indicators.breakdown("channel", lo, hi)) == expected
            assert sum(r[key] for r in indicators.breakdown("month", lo, hi)) == expected
    finally:
        db.session.rollback()
        db.session.info.pop("stat_pending", None)


class _Skip(Exception):
    pass


def _completed_case(on):
    state = {"day": on, "users": _users(), "cases": []}
    _run(("submit", 0, 0, 0), state)
    _run(("refuse", 0, 0, 0), state)
    return state


def test_a_work_order_answered_later_updates_its_rating_day(ctx):
    on = date(2024, 3, 4)
    state = _completed_case(on)
    case = state["cases"][0]
    ratings.rate(case, channel="sms", level=2, tags=[next(iter(ratings.TAGS[2]))], on=on)
    db.session.commit()
    march = (date(2024, 3, 1), date(2024, 3, 31))
    assert indicators.rating_figures(*march, 1, 1)["bad_rectified_on_time_rate"] == 0
    reviewer = state["users"][1][0]
    order = db.session.scalar(select(WorkOrder))
    ratings.verify(order, finding="属实", by=reviewer, on=on + timedelta(days=2))
    ratings.rectify(order, kind="explain", action="已向申请人解释", by=reviewer, on=on + timedelta(days=2))
    ratings.reply(order, text="已解释", by=reviewer, on=on + timedelta(days=3))
    db.session.commit()
    # the summary row lives on the case's completion day, not the reply's
    assert indicators.rating_figures(*march, 1, 1)["bad_rectified_on_time_rate"] == 1


def test_issuing_a_batch_counts_its_licences_the_same_day(ctx):
    on = date(2024, 5, 6)
    state = {"day": on, "users": _users(), "cases": []}
    for op in ("submit", "accept", "approve", "issue"):
        _run((op, 0, 0, 4), state)        # ST-NEW, window, 2 stations, electronic
    db.session.commit()
    figures = indicators.licence_counts(on, on)
    assert figures["station_licences_issued"] == {"total": 2, "paper": 0, "electronic": 2}
    assert indicators.case_counts(on, on)["completed"] == 1
    assert indicators.licences_by_month(on, on) == [{"key": "2024-05", "frequency_permit": 0, "paper": 0,
                                                     "electronic": 2}]


def test_rebuild_command_restores_deleted_summaries(ctx):
    on = date(2024, 5, 6)
    state = {"day": on, "users": _users(), "cases": []}
    for op in ("submit", "accept", "approve", "issue"):
        _run((op, 0, 0, 4), state)
    db.session.commit()
    before = snapshot()
    for table in TABLES:
        db.session.execute(table.__table__.delete())
    db.session.commit()
    assert indicators.licence_counts(on, on)["station_licences_issued"]["total"] == 0
    result = ctx.test_cli_runner().invoke(args=["stats", "rebuild", "--from", "2024-01-01", "--to", "2024-12-31"])
    assert result.exit_code == 0 and "366 天" in result.output
    assert snapshot() == before
    refused = ctx.test_cli_runner().invoke(args=["stats", "rebuild", "--from", "2024-02-01", "--to", "2024-01-01"])
    assert refused.exit_code != 0 and "起始日期不能晚于截止日期" in refused.output
