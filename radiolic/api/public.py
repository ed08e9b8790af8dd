"""JSON API for applicants and the provincial platform: POST /public/status and POST /public/ratings."""
from flask import jsonify
from sqlalchemy.exc import IntegrityError

from ..access import public
from ..extensions import db
from ..lookup import gate
from ..lookup.progress import progress
from ..office_date import today
from ..vocabulary import RatingLevel
from ..workflow import ratings as rating_verbs
from . import bp
from .errors import ApiError
from .inputs import body, integer, string_list, text


def _authorised_case(data: dict):
    """Number + query code under the lookup limits; a wrong number and a wrong code answer alike."""
    number = text(data, "number", max_len=40)
    code = text(data, "query_code", max_len=40)
    try:
        case = gate.check(number, code, gate.address())
    except gate.TooManyAttempts as err:
        raise ApiError(429, "too_many_requests", gate.limited_message(err), {"retry_after": err.wait}) from None
    if case is None:
        raise ApiError(404, "not_found", gate.FAILED)
    return case


@bp.post("/public/status")
@public
def public_status():
    return jsonify(progress(_authorised_case(body()), today(), session_links=False))


@bp.post("/public/ratings")
@public
def public_rating():
    data = body()
    level = integer(data, "level", low=1, high=5)
    tags = string_list(data, "tags")
    comment = text(data, "comment", required=False, max_len=rating_verbs.COMMENT_MAX)
    case = _authorised_case(data)
    try:
        rating = rating_verbs.rate(case, channel="online", level=level, tags=tags, comment=comment, on=today())
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ApiError(409, "conflict", "本案已网上评价过，每个案件只能网上评价一次。") from None
    return jsonify(rating_json(rating)), 201


def rating_json(rating) -> dict:
    from ..models import WorkOrder
    order = db.session.query(WorkOrder).filter_by(rating_id=rating.id).one_or_none()
    return {"application": rating.application.number, "channel": rating.channel, "level": rating.level,
            "level_name": RatingLevel.text_of(rating.level), "tags": rating.tags, "on": rating.on.isoformat(),
            "work_order": None if order is None else {"status": order.status, "due_on": order.due_on.isoformat()}}


_NUMBER_CODE = {"number": {"type": "string", "example": "SQ2024000123"},
                "query_code": {"type": "string", "description": "The query code given at submission (never in a URL)"}}
_ERRORS = {"404": {"description": "Wrong number or wrong code (answered alike)"},
           "429": {"description": "Too many failed lookups for this case or from this address in the past hour"},
           "422": {"description": "Invalid input", "content": {"application/json": {
               "schema": {"$ref": "#/components/schemas/Error"}}}}}

OPENAPI = {
    "/public/status": {"post": {
        "summary": "The applicant's view of a case (masked personal data)", "tags": ["public"], "security": [],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["number", "query_code"], "properties": _NUMBER_CODE}}}},
        "responses": {"200": {"description": "number, state, steps, next, clock, clock_stop, outstanding, decision, "
                                             "licences, rated_channels"}, **_ERRORS}}},
    "/public/ratings": {"post": {
        "summary": "Rate a case (channel online; one rating per case per channel)", "tags": ["public", "ratings"],
        "security": [],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["number", "query_code", "level"], "properties": {
                **_NUMBER_CODE, "level": {"type": "integer", "minimum": 1, "maximum": 5},
                "tags": {"type": "array", "items": {"type": "string"}},
                "comment": {"type": "string", "maxLength": rating_verbs.COMMENT_MAX}}}}}},
        "responses": {"201": {"description": "The rating; work_order is set for a 差评 (level 1–2)"},
                      "409": {"description": "Already rated through this channel"}, **_ERRORS}}},
}
