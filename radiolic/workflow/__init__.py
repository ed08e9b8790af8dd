"""Every state change of a case. Verbs check the rule, change the objects, record the event — never commit."""
from .core import WorkflowError, record, transition, verify_chain
from .states import ACTION_NAMES, NEXT, STATE_NAMES, TRANSITIONS, can
from . import stored_text  # noqa: F401,E402  (registers the check on every flush)

__all__ = ["WorkflowError", "record", "transition", "verify_chain", "ACTION_NAMES", "NEXT", "STATE_NAMES",
           "TRANSITIONS", "can"]
