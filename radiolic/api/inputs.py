"""Reading and checking JSON request bodies; every problem becomes a 400/422 naming the field."""
from datetime import date

from flask import request
from sqlalchemy import select

from .. import inputs as layer
from ..extensions import db
from ..models import Application
from .errors import ApiError


def body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request", "请求体须为 JSON 对象（Content-Type: application/json）。")
    return data


def invalid(field: str, message: str) -> ApiError:
    return ApiError(422, "invalid", message, {field: message})


def text(data: dict, name: str, *, required: bool = True, max_len: int = 2000, multiline: bool = True) -> str:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise invalid(name, f"缺少字段 {name}")
        return ""
    if not isinstance(value, str):
        raise invalid(name, f"字段 {name} 须为字符串")
    if len(value) > max_len:
        raise invalid(name, f"字段 {name} 超过 {max_len} 个字符")
    problem = layer.text_problem(value, multiline=multiline)
    if problem:
        raise invalid(name, f"字段 {name} {problem}")
    return value.strip()


def integer(data: dict, name: str, *, required: bool = True, low: int | None = None, high: int | None = None,
            default: int | None = None) -> int | None:
    value = data.get(name, default)
    if value is None:
        if required:
            raise invalid(name, f"缺少字段 {name}")
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(name, f"字段 {name} 须为整数")
    low = -layer.INT_MAX if low is None else low
    high = layer.INT_MAX if high is None else high
    if not low <= value <= high:
        raise invalid(name, f"字段 {name} 须在 {low}–{high} 之间")
    return value


def boolean(data: dict, name: str, default: bool) -> bool:
    value = data.get(name, default)
    if not isinstance(value, bool):
        raise invalid(name, f"字段 {name} 须为 true 或 false")
    return value


def iso_date(data: dict, name: str, *, required: bool = False) -> date | None:
    value = data.get(name)
    if value in (None, ""):
        if required:
            raise invalid(name, f"缺少字段 {name}")
        return None
    try:
        return layer.parse_date(name, value, status=422)
    except layer.InputError as err:
        raise invalid(name, err.message) from None


def string_list(data: dict, name: str) -> list[str]:
    value = data.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise invalid(name, f"字段 {name} 须为字符串数组")
    if len(value) > 1000 or any(len(v) > 200 or layer.text_problem(v, multiline=False) for v in value):
        raise invalid(name, f"字段 {name} 含有过长或无效的项")
    return value


def one_of(data: dict, name: str, allowed, *, default=None) -> str:
    value = data.get(name, default)
    if not isinstance(value, str) or value not in allowed:
        raise invalid(name, f"字段 {name} 须为 {' / '.join(allowed)} 之一")
    return value


def case_or_404(number: str) -> Application:
    case = db.session.scalar(select(Application).where(Application.number == number))
    if case is None:
        raise ApiError(404, "not_found", f"未找到申请 {number}")
    return case
