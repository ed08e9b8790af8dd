"""Art. 32 deemed acceptance and the Art. 42 extension, against hand counts on the official calendar.

2024 National Day: 10-01..10-07 off; Sun 09-29 and Sat 10-12 are make-up working days. The day of receipt
or acceptance is not counted.

Working days after Fri 2024-09-27 (receipt):
   1 09-29 (Sun)  2 09-30  3 10-08  4 10-09  5 10-10  | 6 10-11  7 10-12 (Sat)  8 10-14  9 10-15 ...
   26 11-07  27 11-08  28 11-11  29 11-12  30 11-13
so the correction notice is due by 10-10 (day 5); one given on 10-11 is late.

Working days after Mon 2024-09-23 (acceptance of the extension cases): 1 09-24 … 4 09-27, 5 09-29, 6 09-30,
7 10-08 … 10 10-11, 11 10-12, 12 10-14 … 30 11-07 | 31 11-08, 32 11-11 … 36 11-15, 37 11-18 … 40 11-21.
"""
from datetime import date

import pytest
from sqlalchemy import select

from radiolic import indicators
from radiolic.extensions import db
from radiolic.models import Applicant, Application, User
from radiolic.workflow import WorkflowError, clock, intake, review

from ..conftest import item

D = date
RECEIVED = D(2024, 9, 27)


def _user(u) -> User:
    return db.session.get(User, u.id)


@pytest.fixture
def people(ctx, make_user, make_applicant):
    return {"clerk": make_user("clerk"), "reviewer": make_user("reviewer"), "supervisor": make_user("supervisor"),
            "applicant": make_applicant()}


def _received(people, *, missing: bool) -> Application:
    service = item("ST-NEW")
    first = service.materials[0].code
    materials = {m.code: ("missing" if missing and m.code == first else "received", "") for m in service.materials}
    case, _code = intake.submit(service, db.session.get(Applicant, people["applicant"]), channel="window",
                                single_window=True, visits=1, materials=materials, by=_user(people["clerk"]),
                                on=RECEIVED)
    return case


# notice given on (None: no notice), accepted on -> deemed, clock starts, statutory due, working days used on
# the day of acceptance
DEEMED = [
    # Notice on day 5: on time. The clock starts at acceptance (10-14): 30 working days -> 11-25.
    ("notice on day 5", D(2024, 10, 10), D(2024, 10, 14), False, D(2024, 10, 14), D(2024, 11, 25), 0),
    # Notice on day 6: late. Deemed accepted on receipt: due = #30 after 09-27 = 11-13; on 10-14, 8 days used.
    ("notice on day 6", D(2024, 10, 11), D(2024, 10, 14), True, RECEIVED, D(2024, 11, 13), 8),
    # No notice, accepted on day 5: on time; 30 working days after 10-10 -> 11-20.
    ("accepted on day 5", None, D(2024, 10, 10), False, D(2024, 10, 10), D(2024, 11, 20), 0),
    # No notice, accepted on day 6: deemed from receipt; 6 days already used.
    ("accepted on day 6", None, D(2024, 10, 11), True, RECEIVED, D(2024, 11, 13), 6),
]


@pytest.mark.parametrize("label, notice_on, accepted_on, deemed, starts, due, used", DEEMED,
                         ids=[row[0] for row in DEEMED])
def test_deemed_acceptance(people, label, notice_on, accepted_on, deemed, starts, due, used):
    case = _received(people, missing=notice_on is not None)
    clerk = _user(people["clerk"])
    if notice_on is not None:
        intake.request_correction(case, items=[{"material": case.materials[0].code, "problem": "未提交"}],
                                  by=clerk, on=notice_on)
        intake.resubmit(case, received=[case.materials[0].code], by=clerk, on=accepted_on)
    intake.accept(case, by=clerk, on=accepted_on)
    c = clock.compute(case, accepted_on)
    assert (case.deemed_accepted, c.deemed, c.starts) == (deemed, deemed, starts)
    assert (c.due_statutory, c.used, case.due_statutory) == (due, used, due)
    assert clock.late_notice_days(case, clock.load_calendar()) == (1 if label == "notice on day 6" else 0)


def test_deemed_acceptance_is_what_the_on_time_rate_judges(people):
    # Late notice (deemed from 09-27, statutory due 11-13), decided 11-14: late, though it would be on time
    # counted from the acceptance on 10-14 (due 11-25).
    case = _received(people, missing=True)
    clerk, reviewer = _user(people["clerk"]), _user(people["reviewer"])
    intake.request_correction(case, items=[{"material": case.materials[0].code, "problem": "未提交"}],
                              by=clerk, on=D(2024, 10, 11))
    intake.resubmit(case, received=[case.materials[0].code], by=clerk, on=D(2024, 10, 14))
    intake.accept(case, by=clerk, on=D(2024, 10, 14))
    review.start_review(case, by=reviewer, on=D(2024, 10, 15))
    review.decide(case, outcome="reject", reason="干扰", legal_basis="《中华人民共和国无线电管理条例》第二十七条",
                  by=reviewer, on=D(2024, 11, 14))
    db.session.flush()
    assert (case.workdays_used, case.due_statutory) == (31, D(2024, 11, 13))
    figures = indicators.compute(D(2024, 1, 1), D(2024, 12, 31))
    assert figures["on_time_rate"]["statutory"] == 0.0 and figures["deemed_accepted_cases"] == 1


@pytest.fixture
def reviewing(people, make_case):
    number = make_case("ST-NEW", "under_review", reviewer=people["reviewer"], on=D(2024, 9, 23))
    return db.session.scalar(select(Application).where(Application.number == number))


# approved on -> allowed, statutory due after, unextended due
EXTENSION = [
    ("approved on the last day", D(2024, 11, 7), True, D(2024, 11, 21), D(2024, 11, 7)),
    ("approved a day late", D(2024, 11, 8), False, D(2024, 11, 7), D(2024, 11, 7)),
]


@pytest.mark.parametrize("label, approved_on, allowed, due, unextended", EXTENSION, ids=[r[0] for r in EXTENSION])
def test_extension_is_approved_before_the_original_deadline(people, reviewing, label, approved_on, allowed, due,
                                                            unextended):
    case = reviewing
    req = review.request_extension(case, days=10, reason="台站数量多，需现场核查", by=_user(people["reviewer"]),
                                   on=D(2024, 11, 1))
    if allowed:
        review.approve_extension(req, by=_user(people["supervisor"]), on=approved_on)
    else:
        with pytest.raises(WorkflowError) as err:
            review.approve_extension(req, by=_user(people["supervisor"]), on=approved_on)
        assert err.value.code == "refused" and "2024-11-07 届满" in err.value.message
        db.session.rollback()
        case = db.session.get(Application, case.id)
    c = clock.compute(case, D(2024, 11, 8))
    assert (c.due_statutory, c.due_statutory_unextended) == (due, unextended)
    # Working days used keep counting through an extension: 31 on 11-08 either way.
    assert (c.used, c.paused, case.clock_stops) == (31, False, [])
    assert c.left_statutory == (9 if allowed else -1)


def test_on_time_is_judged_against_the_extended_and_the_original_limit(people, reviewing):
    case = reviewing
    req = review.request_extension(case, days=10, reason="需现场核查", by=_user(people["reviewer"]), on=D(2024, 11, 1))
    review.approve_extension(req, by=_user(people["supervisor"]), on=D(2024, 11, 7))
    review.decide(case, outcome="reject", reason="干扰", legal_basis="《中华人民共和国无线电管理条例》第二十七条",
                  by=_user(people["reviewer"]), on=D(2024, 11, 20))
    db.session.flush()
    assert (case.workdays_used, case.extension_days) == (39, 10)
    figures = indicators.compute(D(2024, 1, 1), D(2024, 12, 31))
    assert figures["extended_cases"] == 1
    assert (figures["on_time_rate"]["statutory"], figures["on_time_rate"]["unextended"]) == (1.0, 0.0)


def test_the_intake_queue_counts_down_the_notice_and_the_supervisor_sees_late_ones(make_app, make_user, make_applicant,
                                                                                   login):
    # Received Fri 09-27; on Thu 10-10 (day 5) the queue shows 0 days left; on Fri 10-11 one day late.
    app = make_app(FIXED_TODAY="2024-10-10")
    clerk, supervisor, applicant = make_user("clerk"), make_user("supervisor"), make_applicant()
    with app.app_context():
        service = item("ST-NEW")
        case, _code = intake.submit(service, db.session.get(Applicant, applicant), channel="window",
                                    single_window=True, visits=1,
                                    materials={m.code: ("received", "") for m in service.materials},
                                    by=db.session.get(User, clerk.id), on=RECEIVED)
        db.session.commit()
        number = case.number
    client = app.test_client()
    login(client, clerk)
    assert 'data-notice-left="0"' in client.get("/intake/queue").get_data(as_text=True)
    app.config["FIXED_TODAY"] = "2024-10-11"
    page = client.get("/intake/queue").get_data(as_text=True)
    assert 'data-notice-left="-1"' in page and "视为自收件之日起受理" in page
    boss = app.test_client()
    login(boss, supervisor)
    dashboard = boss.get("/supervisor?year=2024").get_data(as_text=True)
    assert f'data-late="{number}"' in dashboard
