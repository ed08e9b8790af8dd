"""The one input layer: query strings, form fields, JSON bodies and stored text are checked here.

Whatever a type does not allow is refused with an `InputError` naming the field; the web layer turns it
into a 400 page (pages, query strings) or a 400/422 JSON error (the API). Nothing unchecked reaches the
database, so no input can end in a server error.
"""
import re
from datetime import date

from .texts import N_, Msg

# Dates outside these years are refused everywhere (no calendar, no report covers them).
SUPPORTED_YEARS = (2000, 2100)
# Integers from a query string or a JSON body never exceed what every database column holds.
INT_MAX = 2**31 - 1

# C0 and C1 control characters, DEL, and the Unicode line/paragraph separators; tab, newline and
# carriage return are allowed only where text may span lines.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_SINGLE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_SURROGATE = re.compile("[\ud800-\udfff]")


class InputError(ValueError):
    """A value its type does not allow; `field` names it, `message` says what to fix (Chinese)."""

    def __init__(self, field: str, message: str, status: int = 400):
        super().__init__(message)
        self.field, self.message, self.status = field, message, status


def text_problem(value: str, *, multiline: bool = True) -> str | None:
    """What is wrong with `value` as stored text (lone surrogates, control characters), or None."""
    if _SURROGATE.search(value):
        return Msg(N_("含有无效的 Unicode 字符（孤立代理项）"))
    if (_CONTROL if multiline else _CONTROL_SINGLE_LINE).search(value):
        return Msg(N_("含有不允许的控制字符")) if multiline else Msg(N_("含有控制字符或换行符"))
    return None


def check_text(field: str, value, *, multiline: bool = True, status: int = 400):
    """Return `value` unchanged when it is acceptable text; raise InputError naming `field` otherwise."""
    if isinstance(value, str):
        problem = text_problem(value, multiline=multiline)
        if problem:
            raise InputError(field, f"{field} {problem}", status)
    return value


def check_tree(value, path: str = "", *, status: int = 422) -> None:
    """Walk a decoded JSON document: every string (keys included) is acceptable text, every integer in range."""
    if isinstance(value, str):
        check_text(path or "body", value, status=status)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if abs(value) > INT_MAX:
            raise InputError(path or "body", f"{path or 'body'} 超出允许的整数范围", status)
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise InputError(path or "body", f"{path or 'body'} 不是有效的数字", status)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(f"{path}.{key}" if path else "key", key, status=status)
            check_tree(item, f"{path}.{key}" if path else str(key), status=status)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            check_tree(item, f"{path}[{i}]", status=status)


def check_query(args) -> None:
    """Every query-string value is single-line text without control characters."""
    for key, value in args.items(multi=True):
        check_text(key, key, multiline=False)
        check_text(key, value, multiline=False)


def check_form(form) -> None:
    """Every posted form value is text without control characters (newlines allowed: text areas)."""
    for key, value in form.items(multi=True):
        check_text(key, key, multiline=False)
        check_text(key, value)


def is_plain_int(raw: str) -> bool:
    """ASCII digits with an optional minus sign ("²" and "９" are digits to str.isdigit, not to us)."""
    return bool(re.fullmatch(r"-?[0-9]{1,12}", raw))


def arg_int(args, name: str, *, low: int = 1, high: int = INT_MAX, default: int | None = None) -> int | None:
    """An integer query parameter in [low, high]; absent or empty gives `default`."""
    raw = args.get(name)
    if raw is None or raw.strip() == "":
        return default
    raw = raw.strip()
    if not is_plain_int(raw) or not low <= int(raw) <= high:
        raise InputError(name, f"参数 {name} 须为 {low}–{high} 之间的整数")
    return int(raw)


def parse_date(field: str, raw, *, status: int = 400) -> date:
    """A YYYY-MM-DD date within SUPPORTED_YEARS."""
    if not isinstance(raw, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw):
        raise InputError(field, f"{field} 须为 YYYY-MM-DD 格式的日期", status)
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise InputError(field, f"{field} 不是有效的日期", status) from None
    low, high = SUPPORTED_YEARS
    if not low <= value.year <= high:
        raise InputError(field, f"{field} 须在 {low}–{high} 年之间", status)
    return value


def arg_date(args, name: str, *, default: date | None = None) -> date | None:
    raw = args.get(name)
    if raw is None or raw.strip() == "":
        return default
    return parse_date(name, raw.strip())


def arg_choice(args, name: str, allowed, *, default: str | None = None) -> str | None:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    if raw not in allowed:
        raise InputError(name, f"参数 {name} 须为 {' / '.join(map(str, allowed))} 之一")
    return raw


def only_args(args, allowed) -> None:
    """Refuse any query parameter not in `allowed`, naming it."""
    for key in args.keys():
        if key not in allowed:
            raise InputError(key, f"未知的查询参数 {key}（可用：{', '.join(allowed)}）")
