"""Reading and checking JSON request bodies; every problem becomes a 400/422 naming the field."""
from datetime import date

from flask import request
from sqlalchemy import select

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


def text(data: dict, name: str, *, required: bool = True, max_len: int = 2000) -> str:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise invalid(name, f"缺少字段 {name}")
        return ""
    if not isinstance(value, str):
        raise invalid(name, f"字段 {name} 须为字符串")
    if len(value) > max_len:
        raise invalid(name, f"字段 {name} 超过 {max_len} 个字符")
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
    if (low is not None and value < low) or (high is not None and value > high):
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
        return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else _bad_date(name)
    except ValueError:
        return _bad_date(name)


def _bad_date(name: str):
    raise invalid(name, f"字段 {name} 须为 YYYY-MM-DD 格式的日期")


def string_list(data: dict, name: str) -> list[str]:
    value = data.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise invalid(name, f"字段 {name} 须为字符串数组")
    return value


def one_of(data: dict, name: str, allowed, *, default=None) -> str:
    value = data.get(name, default)
    if value not in allowed:
        raise invalid(name, f"字段 {name} 须为 {' / '.join(allowed)} 之一")
    return value


def case_or_404(number: str) -> Application:
    case = db.session.scalar(select(Application).where(Application.number == number))
    if case is None:
        raise ApiError(404, "not_found", f"未找到申请 {number}")
    return case
