"""The status page's case content is kept per process (radiolic.lookup.views): whatever it shows changes, the page
changes at once — a new step, a clock stop, the next day, a calendar change, a licence revoked, a rating, the
applicant's phone, the language — and the session's grant is still checked on every request."""
import re
from datetime import date, timedelta

from sqlalchemy import select

from radiolic.extensions import db
from radiolic.models import Application, HolidayOverride, Licence, User
from radiolic.workflow import clock, intake, issuance, review
from tests.conftest import TODAY
from tests.web.test_lookup import CODE, known, lookup, with_code  # noqa: F401  (the known fixture)


def _case(number: str) -> Application:
    return db.session.scalar(select(Application).where(Application.number == number))


def _page(client, number: str) -> str:
    response = client.get(f"/status/case/{number}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _kept(app) -> int:
    return len(app.extensions.get("radiolic.case_pages", {}))


def _days_left(body: str) -> str:
    """The days left and the promised due date."""
    return re.sub(r"<[^>]+>", "", re.search(r'id="days-left">(.*?)</div>', body, re.S).group(1)).split()


def test_a_new_step_a_clock_stop_and_a_phone_change_show_at_once(app, client, known, make_user):
    number = known("accepted")
    reviewer = make_user("reviewer")
    lookup(client, number)
    first = _page(client, number)
    assert _page(client, number) == first and _kept(app) == 1          # the second view is the kept one
    assert 'data-step="accepted" data-status="current"' in first
    with app.app_context():
        review.start_review(_case(number), by=db.session.get(User, reviewer.id), on=TODAY)
        db.session.commit()
    body = _page(client, number)
    assert 'data-step="under_review" data-status="current"' in body and body != first
    with app.app_context():
        case = _case(number)
        review.pause(case, kind="expert_review", reason="专家评审", expected_days=5,
                     by=db.session.get(User, reviewer.id), on=TODAY)
        db.session.commit()
    paused = _page(client, number)
    assert 'id="clock-stop"' in paused and 'id="clock-stop"' not in body
    with app.app_context():                # the applicant's phone (an event of the applicant, not of the case)
        case = _case(number)
        intake.update_contact(case.applicant, by=None, on=TODAY, phone="13911112222")
        db.session.commit()
    assert "139****2222" in _page(client, number)


def test_the_next_day_and_a_calendar_change_move_the_days_left(app, client, known):
    number = known("accepted")
    lookup(client, number)
    before = _days_left(_page(client, number))
    with app.app_context():
        cal = clock.load_calendar()
        next_workday = cal.add(TODAY, 1)
    app.config["FIXED_TODAY"] = next_workday
    after = _days_left(_page(client, number))
    assert before != after
    app.config["FIXED_TODAY"] = TODAY
    assert _days_left(_page(client, number)) == before
    with app.app_context():                 # a working day before the due date becomes a holiday
        day = next(TODAY + timedelta(days=n) for n in range(1, 30) if cal.is_workday(TODAY + timedelta(days=n)))
        db.session.add(HolidayOverride(day=day, workday=False, note="台风停工"))
        db.session.commit()
    assert _days_left(_page(client, number)) != before      # the due date moves a day

def test_a_revoked_licence_and_a_rating_show_at_once(app, client, make_case, make_user):
    reviewer = make_user("reviewer")
    number = with_code(app, make_case("FP-NEW", "approved", reviewer=reviewer))
    with app.app_context():
        issuance.issue(_case(number), format="electronic", by=db.session.get(User, reviewer.id), on=TODAY,
                       permit={"frequencies": "460.125", "use": "对讲调度", "area": "清远市", "usage_rate": "≥30%",
                               "term_years": 5})
        db.session.commit()
        licence_number = db.session.scalar(select(Licence.number))
    lookup(client, number)
    pdf_url = f"/status/case/{number}/licences/{licence_number}.pdf"
    body = _page(client, number)
    assert pdf_url in body and 'id="rate-submit"' in body
    with app.app_context():
        issuance.revoke_licence(db.session.scalar(select(Licence)), reason="违规使用频率", by=db.session.get(User, reviewer.id),
                                on=TODAY)
        db.session.commit()
    body = _page(client, number)
    assert pdf_url not in body and licence_number in body
    rated = client.post(f"/status/case/{number}/rate", data={"level": "5"})
    assert rated.status_code == 302
    body = _page(client, number)
    assert 'id="already-rated"' in body and 'id="rate-submit"' not in body


def test_the_language_and_the_grant_are_per_request(app, client, known):
    number = known("accepted")
    lookup(client, number)
    chinese = _page(client, number)
    client.get("/lang/en")
    english = _page(client, number)
    assert english != chinese and "Submit" in english
    client.post("/status/forget")          # the grant closed: the kept content is never shown again
    assert client.get(f"/status/case/{number}").status_code == 302
    other = app.test_client()              # nor to another session without its own lookup
    assert other.get(f"/status/case/{number}").status_code == 302


def test_the_kept_pages_are_bounded(make_app, make_case):
    app = make_app(CASE_PAGES_KEPT=2)
    client = app.test_client()
    numbers = [with_code(app, make_case("ST-NEW", "accepted")) for _ in range(3)]
    for number in numbers:
        lookup(client, number)
        _page(client, number)
    assert _kept(app) == 2


def test_the_csrf_token_is_this_sessions(make_app, make_case):
    app = make_app(WTF_CSRF_ENABLED=True)
    number = with_code(app, make_case("ST-NEW", "accepted", deferred=["site_proof"]))
    tokens = []
    for _ in range(2):
        client = app.test_client()
        form = client.get("/status").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
        assert client.post("/status", data={"number": number, "query_code": CODE, "csrf_token": token}).status_code == 302
        body = _page(client, number)
        found = set(re.findall(r'name="csrf_token" type="hidden" value="([^"]+)"', body))
        assert len(found) == 1 and "\x00" not in body
        tokens.append(found.pop())
    assert tokens[0] != tokens[1] and _kept(app) == 1
    assert date.today()                    # (the office date is FIXED_TODAY throughout)
