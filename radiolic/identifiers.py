"""Validate and mask Chinese identifiers (credit codes, ID numbers) and build e-licence identifiers."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from .texts import N_, Msg

__all__ = [
    "Check",
    "check_credit_code",
    "check_id_number",
    "check_id_code",
    "mask_id",
    "mask_phone",
    "mask_name",
    "iso7064_mod37_36_check",
    "mod37_36_state",
    "mod37_36_check_char",
    "e_licence_identifier",
]

# GB 32100-2015: digits and upper-case letters without I, O, Z, S, V.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# GB 11643-1999
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_DIGITS = frozenset("0123456789")

_MOD36_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_MOD36_VALUE = {c: i for i, c in enumerate(_MOD36_ALPHABET)}

E_LICENCE_ROOT = "1.2.156.3005.2"

# Common two-character surnames, kept whole when masking so "欧阳娜娜" reads "欧阳**".
_COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 司空 夏侯 轩辕 令狐 钟离 端木 "
    "独孤 南宫 西门 百里 呼延 澹台 公冶 太史 申屠 闻人 濮阳 淳于 单于 赫连 万俟 拓跋 第五 "
    "东郭 公羊 谷梁 梁丘 左丘 宗政 漆雕 乐正 壤驷 巫马 仲孙 叔孙 亓官 司寇 子车 颛孙 微生".split()
)


@dataclass(frozen=True)
class Check:
    """Outcome of validating one identifier."""

    value: str
    error: str | None = None
    warning: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.warning is None


def _require_str(raw: str) -> str:
    if not isinstance(raw, str):
        raise TypeError(f"expected str, got {type(raw).__name__}")
    return raw


def _normalise(raw: str) -> str:
    _require_str(raw)
    # NFKC folds full-width input (common with Chinese IMEs) to ASCII, e.g. "９１４４" -> "9144".
    return unicodedata.normalize("NFKC", raw).strip().upper()


def _describe(c: str) -> str:
    # Show invisible or odd characters by code point so the message stays readable.
    return f"“{c}”" if c.isprintable() and not c.isspace() else f"U+{ord(c):04X}"


def _credit_check_char(body: str) -> str:
    total = sum(_USCC_VALUE[c] * w for c, w in zip(body, _USCC_WEIGHTS))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def check_credit_code(raw: str) -> Check:
    """Validate a 统一社会信用代码; a wrong check character is only a warning."""
    value = _normalise(raw)
    if not value:
        return Check(value, error=Msg(N_("未填写统一社会信用代码")))
    if len(value) != 18:
        return Check(value, error=Msg(N_("统一社会信用代码应为18位，实际为%(n)s位"), n=len(value)))
    for i, c in enumerate(value, start=1):
        if c not in _USCC_VALUE:
            return Check(
                value,
                error=Msg(N_("统一社会信用代码第%(i)s位%(c)s不是有效字符（只允许数字和除 I、O、Z、S、V 以外的大写字母）"), i=i, c=_describe(c)),
            )
    expected = _credit_check_char(value[:17])
    if value[17] != expected:
        # Some early pilot codes were issued with check characters that do not verify.
        return Check(
            value,
            warning=Msg(N_("统一社会信用代码校验位应为 %(expected)s，实际为 %(given)s（早期试点代码可能如此，请核实并注明理由）"),
                        expected=expected, given=value[17]),
        )
    return Check(value)


def check_id_number(raw: str, today: date) -> Check:
    """Validate an 18-digit 居民身份证号码, including birth date and check digit."""
    value = _normalise(raw)
    if isinstance(today, datetime):
        today = today.date()  # date and datetime do not compare
    if not value:
        return Check(value, error=Msg(N_("未填写身份证号码")))
    if len(value) != 18:
        hint = Msg(N_("（15位旧号码请换算为18位）")) if len(value) == 15 else ""
        return Check(value, error=Msg(N_("身份证号码应为18位，实际为%(n)s位%(hint)s"), n=len(value), hint=hint))
    for i, c in enumerate(value[:17], start=1):
        if c not in _DIGITS:
            return Check(value, error=Msg(N_("身份证号码第%(i)s位%(c)s不是数字"), i=i, c=_describe(c)))
    if value[17] not in _DIGITS and value[17] != "X":
        return Check(value, error=Msg(N_("身份证号码第18位%(c)s应为数字或 X"), c=_describe(value[17])))
    birth = value[6:14]
    try:
        born = date(int(birth[:4]), int(birth[4:6]), int(birth[6:]))
    except ValueError:
        return Check(value, error=Msg(N_("身份证号码中的出生日期 %(birth)s 不是有效日期"), birth=birth))
    if born.year < 1900:
        return Check(value, error=Msg(N_("身份证号码中的出生日期 %(birth)s 早于1900年"), birth=birth))
    if born > today:
        return Check(value, error=Msg(N_("身份证号码中的出生日期 %(birth)s 晚于今天"), birth=birth))
    expected = _ID_CHECK[sum(int(c) * w for c, w in zip(value, _ID_WEIGHTS)) % 11]
    if value[17] != expected:
        return Check(value, error=Msg(N_("身份证号码校验位应为 %(expected)s，实际为 %(given)s，请核对号码"), expected=expected,
                                     given=value[17]))
    return Check(value)


def check_id_code(kind: str, raw: str, today: date) -> Check:
    """Validate the identifier for an applicant kind: "organisation" or "person"."""
    if kind == "organisation":
        return check_credit_code(raw)
    if kind == "person":
        return check_id_number(raw, today)
    raise ValueError(f"unknown applicant kind {kind!r}")


def _mask_middle(value: str, head: int, tail: int) -> str:
    n = len(value)
    if n - head - tail < 4:
        # Too short to keep the usual ends visible: keep a quarter each side, mask at least half.
        head = tail = n // 4
    return value[:head] + "*" * (n - head - tail) + value[n - tail :]


def mask_id(value: str) -> str:
    """Mask an identifier, keeping the first 4 and last 4 characters: "4418**********0017"."""
    return _mask_middle(_require_str(value).strip(), 4, 4)


def mask_phone(value: str) -> str:
    """Mask a phone number, keeping the first 3 and last 4 characters: "138****5678"."""
    return _mask_middle(_require_str(value).strip(), 3, 4)


def mask_name(value: str) -> str:
    """Mask all of a name but its surname: "张*", "欧阳**" (a lone surname character stays)."""
    value = _require_str(value).strip()
    keep = 2 if len(value) > 2 and value[:2] in _COMPOUND_SURNAMES else 1
    return value[:keep] + "*" * (len(value) - keep)


def iso7064_mod37_36_check(s: str) -> str:
    """Return the ISO/IEC 7064 MOD 37,36 check character for s over 0-9A-Z (case-insensitive).

    Raises ValueError for any other character: emitting an identifier with a meaningless
    check character would be worse than failing.
    """
    for c in s:
        # Upper-case ASCII only: str.upper() maps e.g. "ß" to "SS" and "ı" to "I".
        if (c.upper() if c.isascii() else c) not in _MOD36_VALUE:
            raise ValueError(f"character {c!r} is outside 0-9A-Z")
    return mod37_36_check_char(mod37_36_state(s.upper()))


def mod37_36_state(s: str, state: int = 36) -> int:
    """Run MOD 37,36 over s (0-9A-Z, already checked) from `state`; a fixed prefix's state can be kept and resumed."""
    for c in s:
        state = (((state + _MOD36_VALUE[c]) % 36) or 36) * 2 % 37
    return state


def mod37_36_check_char(state: int) -> str:
    """The check character a that makes (state + a) mod 36 == 1."""
    return _MOD36_ALPHABET[(37 - state) % 36]


def e_licence_identifier(type_code: str, issuer_uscc: str, serial: str, version: str = "1") -> str:
    """Build "1.2.156.3005.2.{type}.{issuer}.{serial}.{version}.{check}" for an electronic licence.

    The check character is iso7064_mod37_36_check over the root and the four parts joined
    with the dots removed (e.g. "1215630052" + type + issuer + serial + version); dots carry
    no information and are not in the MOD 37,36 alphabet. Parts are upper-cased; each must be
    non-empty 0-9A-Z, and the issuer must be a structurally valid credit code (a check-character
    warning is tolerated because early pilot codes are genuine). Raises ValueError otherwise.
    """
    parts = []
    for name, raw in (("type_code", type_code), ("serial", serial), ("version", version)):
        part = _normalise(raw)
        if not part or any(c not in _MOD36_VALUE for c in part):
            raise ValueError(f"{name} must be non-empty and use only 0-9A-Z, got {raw!r}")
        parts.append(part)
    issuer = check_credit_code(issuer_uscc)
    if issuer.error:
        raise ValueError(issuer.error)
    type_part, serial_part, version_part = parts
    body = [E_LICENCE_ROOT, type_part, issuer.value, serial_part, version_part]
    check = iso7064_mod37_36_check("".join(body).replace(".", ""))
    return ".".join([*body, check])
