"""The whole case workflow on one screen: which verb moves a case from which state to which."""
from ..models.cases import STATES, TERMINAL_STATES
from ..vocabulary import Action, CaseState

OPEN_STATES = tuple(s for s in STATES if s not in TERMINAL_STATES)

# verb -> (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset, str]] = {
    "accept": (frozenset({"submitted"}), "accepted"),
    "request_correction": (frozenset({"submitted"}), "awaiting_correction"),
    "resubmit": (frozenset({"awaiting_correction"}), "submitted"),
    "refuse": (frozenset({"submitted", "awaiting_correction"}), "not_accepted"),
    "start_review": (frozenset({"accepted"}), "under_review"),
    "approve": (frozenset({"under_review"}), "approved"),
    "reject": (frozenset({"under_review"}), "rejected"),
    "issue": (frozenset({"approved"}), "issued"),
    "withdraw": (frozenset(OPEN_STATES), "withdrawn"),
    "terminate": (frozenset({"accepted", "under_review", "approved"}), "terminated"),
}

# Steps that record an event but keep the state.
IN_PLACE = {
    "supply": frozenset({"submitted", "awaiting_correction", "accepted", "under_review", "approved"}),
    "check_material": frozenset({"accepted", "under_review", "approved"}),
    "return_material": frozenset({"accepted", "under_review", "approved"}),
    "pause": frozenset({"under_review"}),
    "resume": frozenset({"under_review"}),
    "request_extension": frozenset({"under_review"}),
    "extension_approved": frozenset({"under_review"}),
    "extension_declined": frozenset({"under_review"}),
    "add_stations": frozenset({"submitted", "awaiting_correction", "accepted", "under_review"}),
    "refuse_stations": frozenset({"under_review"}),
    "restore_stations": frozenset({"under_review"}),
}

NEXT: dict[str, frozenset] = {
    state: frozenset(to for sources, to in TRANSITIONS.values() if state in sources) for state in STATES
}

# Chinese names for the verbs' messages and notes (pages show CaseState/Action titles). Derived, not a
# second list: kept while the WorkflowError messages become templates (issue 16e).
STATE_NAMES = CaseState.texts()
ACTION_NAMES = Action.texts()


def can(state: str, verb: str) -> bool:
    """Whether `verb` is allowed on a case in `state` (templates use it to show buttons)."""
    if verb in TRANSITIONS:
        return state in TRANSITIONS[verb][0]
    return state in IN_PLACE.get(verb, frozenset())
