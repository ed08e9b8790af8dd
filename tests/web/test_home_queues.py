"""The staff home's queues: each lists its own states, nearest statutory deadline first (none last), at most 50."""
import re
from datetime import date

from sqlalchemy import update

from radiolic.extensions import db
from radiolic.main import views
from radiolic.models import Application


def _queues(html: str) -> list[list[str]]:
    cards = html.split('<div class="card"><div class="card-header')[1:]
    return [re.findall(r'href="/cases/(SQ\d+)"', card) for card in cards]


def test_home_queues_in_deadline_order_each_with_its_states(app, client, login, make_user, make_case):
    clerk = make_user("clerk", username="li")
    submitted = [make_case("ST-NEW", "submitted", clerk=clerk) for _ in range(3)]
    approved = [make_case("ST-NEW", "approved", clerk=clerk) for _ in range(2)]
    make_case("ST-NEW", "under_review", clerk=clerk)                 # in no clerk queue
    dues = {submitted[0]: date(2024, 12, 1), submitted[1]: None, submitted[2]: date(2024, 11, 1),
            approved[0]: date(2024, 10, 1), approved[1]: date(2024, 9, 1)}
    with app.app_context():
        for number, due in dues.items():
            db.session.execute(update(Application).where(Application.number == number).values(due_statutory=due))
        db.session.commit()
    login(client, clerk)
    shown = _queues(client.get("/").get_data(as_text=True))
    assert shown == [[submitted[2], submitted[0], submitted[1]], [], [approved[1], approved[0]]]


def test_each_queue_keeps_its_own_first_fifty(app, make_user, make_case, monkeypatch):
    clerk = make_user("clerk", username="li")
    submitted = [make_case("ST-NEW", "submitted", clerk=clerk) for _ in range(3)]
    approved = make_case("ST-NEW", "approved", clerk=clerk)
    with app.test_request_context("/"):
        queues = views._queues(views.HOME_QUEUES["clerk"], size=2)
        assert [[c.number for c in cases] for _title, cases in queues] == [submitted[:2], [], [approved]]
