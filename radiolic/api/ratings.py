"""POST /ratings: a window evaluator device rates the case just served at its counter.

The device authenticates with its own token (issued and paired on /ratings/devices), not a staff
token: staff accounts cannot rate on an applicant's behalf (see radiolic/ratings/kiosk.py).
"""
from flask import jsonify, request
from sqlalchemy.exc import IntegrityError

from ..access import public, user_for_token
from ..extensions import db
from ..models import User
from ..ratings import kiosk
from ..office_date import today
from ..workflow import ratings as rating_verbs
from . import bp
from .errors import ApiError
from .inputs import body, case_or_404, integer, one_of, string_list, text
from .public import rating_json


def _device():
    header = request.headers.get("Authorization") or ""
    if user_for_token(header) is not None:
        raise ApiError(403, "forbidden", "工作人员令牌不能评价：评价只能由申请人在窗口评价器上作出。")
    device = kiosk.device_for(header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else None)
    if device is None:
        raise ApiError(401, "unauthorized", "需要已配对的窗口评价器令牌（Authorization: Bearer rd_…）。")
    return device


@bp.post("/ratings")
@public      # authenticated by the device token below, deliberately not by a staff role
def window_rating():
    device = _device()
    data = body()
    one_of(data, "channel", ("window",), default="window")
    level = integer(data, "level", low=1, high=5)
    tags = string_list(data, "tags")
    comment = text(data, "comment", required=False, max_len=rating_verbs.COMMENT_MAX)
    case = case_or_404(text(data, "application", max_len=40))
    try:
        rating = kiosk.rate(device, case, level=level, tags=tags, comment=comment, on=today())
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ApiError(409, "conflict", "本案已在窗口评价过。") from None
    clerk = db.session.get(User, rating.window_user_id)
    return jsonify({**rating_json(rating), "window_no": device.window_no, "clerk": clerk.display_name}), 201


OPENAPI = {"/ratings": {"post": {
    "summary": "Window evaluator: rate the case just served at this counter (device token, not a staff token)",
    "tags": ["ratings"], "security": [{"bearer": []}],
    "requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["application", "level"], "properties": {
            "application": {"type": "string"}, "level": {"type": "integer", "minimum": 1, "maximum": 5},
            "channel": {"type": "string", "enum": ["window"]}, "tags": {"type": "array", "items": {"type": "string"}},
            "comment": {"type": "string"}}}}}},
    "responses": {"201": {"description": "The rating"}, "401": {"description": "No paired device token"},
                  "403": {"description": "A staff token was used"},
                  "409": {"description": "Already rated at the window, or not served at this window today"}}}}}
