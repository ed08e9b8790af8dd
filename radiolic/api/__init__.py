"""The JSON API under /api/v1 (api.md); every route module adds to `bp` and to the OpenAPI document."""
from importlib import import_module

from flask import Blueprint

from ..extensions import csrf, db
from ..workflow import WorkflowError
from .errors import ApiError, api_error, from_workflow

bp = Blueprint("api", __name__)
csrf.exempt(bp)   # token-authenticated, no cookies: CSRF does not apply

# Route modules, each with an OPENAPI dict of its paths.
MODULES = ["catalogue", "cases", "intake", "review", "issuance", "public", "ratings", "stats", "openapi"]


@bp.errorhandler(ApiError)
def _api_error(err: ApiError):
    db.session.rollback()
    return api_error(err.status, err.code, err.message, err.fields)


@bp.errorhandler(WorkflowError)
def _workflow_error(err: WorkflowError):
    db.session.rollback()
    return from_workflow(err)


for _name in MODULES:
    import_module(f"{__name__}.{_name}")
