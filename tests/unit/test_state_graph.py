"""The whole state graph: every (state, verb) pair either moves with exactly one event or raises."""
from datetime import date

import pytest
from sqlalchemy import func, select

from radiolic.extensions import db
from radiolic.models import STATES, Application, Event, User
from radiolic.workflow import NEXT, TRANSITIONS, WorkflowError, transition
from radiolic.workflow.core import in_place
from radiolic.workflow.states import IN_PLACE, OPEN_STATES

from ..conftest import item

ON = date(2024, 9, 23)


def _case(state: str, applicant_id: int) -> Application:
    case = Application(number=f"T{state[:10]}", query_hash="x", service_item=item("ST-NEW"), applicant_id=applicant_id,
                       received_on=ON, state=state, statutory_days=30, promised_days=1,
                       accepted_on=ON, completed_on=ON)   # dates the constraints need in any target state
    db.session.add(case)
    db.session.flush()
    return case


def _events(case) -> int:
    return db.session.scalar(select(func.count()).select_from(Event).where(Event.application_id == case.id))


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("verb", sorted(TRANSITIONS))
def test_every_transition_is_allowed_or_refused(ctx, make_applicant, state, verb):
    case = _case(state, make_applicant())
    user = User(username="u", display_name="测试", role="reviewer", password_hash="x")
    db.session.add(user)
    db.session.flush()
    sources, target = TRANSITIONS[verb]
    if state in sources:
        transition(case, verb, by=user, on=ON)
        assert case.state == target
        assert _events(case) == 1
        event = db.session.scalars(select(Event).where(Event.application_id == case.id)).one()
        assert (event.from_state, event.to_state, event.action, event.actor_id) == (state, target, verb, user.id)
    else:
        with pytest.raises(WorkflowError) as err:
            transition(case, verb, by=user, on=ON)
        assert "不能执行" in err.value.message
        assert case.state == state
        assert _events(case) == 0


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("verb", sorted(IN_PLACE))
def test_in_place_steps_keep_the_state(ctx, make_applicant, state, verb):
    case = _case(state, make_applicant())
    if state in IN_PLACE[verb]:
        in_place(case, verb, by=None, on=ON)
        assert case.state == state and _events(case) == 1
    else:
        with pytest.raises(WorkflowError):
            in_place(case, verb, by=None, on=ON)
        assert _events(case) == 0


def test_terminal_states_have_no_way_out():
    for state in STATES:
        assert (not NEXT[state]) == (state not in OPEN_STATES)


def test_graph_reaches_issued_from_submitted():
    path = ["accept", "start_review", "approve", "issue"]
    state = "submitted"
    for verb in path:
        assert state in TRANSITIONS[verb][0]
        state = TRANSITIONS[verb][1]
    assert state == "issued"
