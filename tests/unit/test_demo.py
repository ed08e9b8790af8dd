"""The 2024 demo year: built through the verbs, it reproduces the office's report figure for figure (domain.md §6)."""
from datetime import date

import pytest
from sqlalchemy import func, select

from radiolic import demo, indicators
from radiolic.extensions import db
from radiolic.models import Application, ClockStop, Decision, Event, Licence
from radiolic.workflow import clock, verify_chain
from tests.conftest import DEMO_TODAY

TODAY = DEMO_TODAY
YEAR = (date(2024, 1, 1), date(2024, 12, 31))


@pytest.fixture
def demo_app(demo_year_app):
    return demo_year_app


# The report's figures (domain.md §6), one case each: a failure names the figure.
REPORT_FIGURES = [
    ("cases.completed", 58),
    ("cases.accepted", 58),
    ("permits_issued", 2),
    ("station_licences_issued", {"total": 19203, "paper": 44, "electronic": 19159}),
    ("single_window_rate", 1.0),
    ("zero_trip_item_rate", 1.0),
    ("online_depth", {"min_level": 4, "level4_item_rate": 1.0}),
    ("ratings.coverage", 1.0),
    ("ratings.window_very_satisfied_rate", 1.0),
    ("ratings.bad", 0),
    ("ratings.count", 58),
    ("on_time_rate", {"promised": 1.0, "statutory": 1.0, "unextended": 1.0}),
]


@pytest.fixture(scope="module")
def year_figures(demo_year_app):
    with demo_year_app.app_context():
        return indicators.compute(*YEAR, TODAY)


def _figure(figures: dict, path: str):
    for key in path.split("."):
        figures = figures[key]
    return figures


@pytest.mark.parametrize("path, expected", REPORT_FIGURES, ids=[p for p, _ in REPORT_FIGURES])
def test_demo_year_report_figure(year_figures, path, expected):
    assert _figure(year_figures, path) == expected


def test_demo_year_report_figure_time_reduction_rate(year_figures):
    assert year_figures["time_reduction_rate"] > 0.95


def check_deferrals_supplied_on_time_and_clock_stops(demo_ctx):
    d = indicators.compute(*YEAR, TODAY)["deferrals"]
    assert d["cases"] >= 3 and d["supplied_on_time"] == d["materials"] and d["overdue"] == d["terminated"] == 0
    stops = db.session.scalars(select(ClockStop).join(Application).where(Application.completed_on <= YEAR[1])).all()
    assert len(stops) >= 2 and all(s.resumed_on is not None for s in stops)


def check_every_step_on_a_real_2024_working_day(demo_ctx):
    cal = clock.load_calendar()
    days = db.session.scalars(select(Event.on).join(Application, Event.application_id == Application.id)
                              .where(Application.received_on <= YEAR[1]).distinct()).all()
    assert days and all(d.year == 2024 and cal.is_workday(d) for d in days)


def check_two_person_rule_and_operator_batches(demo_ctx):
    same = db.session.scalar(select(func.count()).select_from(Decision).join(Application)
                             .where(Decision.by_id == Application.accepted_by_id))
    assert same == 0
    biggest = db.session.scalar(select(func.count()).select_from(Licence).group_by(Licence.application_id)
                                .order_by(func.count().desc()).limit(1))
    assert biggest > 1000                     # an operator's base-station batch


def check_open_cases_before_today_leave_2024_alone(demo_ctx):
    assert demo_ctx.config["DEMO_SUMMARY"]["open"] >= 3
    open_cases = db.session.scalars(select(Application).where(Application.completed_on.is_(None))).all()
    assert all(c.received_on.year == 2025 for c in open_cases)
    buckets = indicators.open_by_days_left(TODAY)
    assert buckets["overdue"] >= 1 and buckets["paused"] >= 1
    cal = clock.load_calendar()
    soon = [m for c in open_cases for m in c.outstanding_deferred if TODAY <= m.due_on <= cal.add(TODAY, 3)]
    assert len(soon) == 1
    assert {c.state for c in open_cases} >= {"submitted", "awaiting_correction", "accepted", "under_review"}
    assert indicators.at_risk(TODAY)


def check_audit_chain_is_intact(demo_ctx):
    checked, broken = verify_chain()
    assert broken is None and checked > 58 * 6


def check_refuses_a_database_with_cases(demo_app):
    with demo_app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Application))
        with pytest.raises(demo.DemoRefused):
            demo.build(2024, TODAY)
        db.session.rollback()
    runner = demo_app.test_cli_runner()
    refused = runner.invoke(args=["demo", "--year", "2024"])
    assert refused.exit_code == 1 and "已有办件" in refused.output and "--force" in refused.output
    skipped = runner.invoke(args=["demo", "--year", "2024", "--if-empty"])
    assert skipped.exit_code == 0 and "跳过演示数据" in skipped.output
    with demo_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Application)) == before


@pytest.fixture
def demo_ctx(demo_app):
    """The demo year's app context; whatever a check loaded is rolled back after it."""
    with demo_app.app_context():
        yield demo_app
        db.session.rollback()


@pytest.mark.parametrize("check", [
    check_deferrals_supplied_on_time_and_clock_stops, check_every_step_on_a_real_2024_working_day,
    check_two_person_rule_and_operator_batches, check_open_cases_before_today_leave_2024_alone,
    check_audit_chain_is_intact,
], ids=lambda check: check.__name__.removeprefix("check_"))
def test_demo_year(demo_ctx, check):
    """Built once (module scope); each case is one property of the year (domain.md §6)."""
    check(demo_ctx)


def test_demo_year_refuses_a_database_with_cases(demo_app):
    check_refuses_a_database_with_cases(demo_app)
