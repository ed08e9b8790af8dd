"""The shared case factory drives the real verbs."""
from sqlalchemy import select

from radiolic.extensions import db
from radiolic.models import Application


def test_make_case_reaches_each_state(app, make_case):
    for state in ("submitted", "accepted", "under_review", "approved"):
        number = make_case("ST-NEW", state)
        with app.app_context():
            assert db.session.scalar(select(Application.state).where(Application.number == number)) == state


def test_make_case_with_deferral(app, make_case):
    number = make_case("ST-NEW", "accepted", deferred=["site_proof", "agent_authorisation"])
    with app.app_context():
        case = db.session.scalar(select(Application).where(Application.number == number))
        assert sorted(m.code for m in case.outstanding_deferred) == ["agent_authorisation", "site_proof"]
        assert case.commitments[0].signed_by == "李工"
