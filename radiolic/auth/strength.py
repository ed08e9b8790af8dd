"""Password rules: at least 10 characters and not guessable — checked with zxcvbn (a well-kept estimator of
how many guesses a password takes), fed with Chinese pinyin words, the office's own words and the account's
names, with the reason shown in Chinese."""
from functools import lru_cache
from pathlib import Path

from flask import current_app, has_request_context
from flask_babel import gettext
from zxcvbn import zxcvbn

def _(message: str, **values) -> str:
    """Translated on pages; plain Chinese from the command line (no request, no locale)."""
    return gettext(message, **values) if has_request_context() else message % values


MIN_LENGTH = 10
MIN_SCORE = 3            # zxcvbn 0–4: 3 means "safely unguessable" against online and throttled guessing
_WORDS = Path(__file__).resolve().parent.parent / "data" / "pinyin_words.txt"
_CHECKED = 100           # zxcvbn looks at this many characters (longer passwords cost time, not safety)


@lru_cache(maxsize=1)
def pinyin_words() -> tuple[str, ...]:
    lines = _WORDS.read_text(encoding="utf-8").splitlines()
    return tuple(dict.fromkeys(w.strip().lower() for w in lines if w.strip() and not w.startswith("#")))


def _office_words() -> list[str]:
    config = current_app.config
    words = ["radiolic", "radio", "licence", "license", "admin"]
    for key in ("OFFICE_NAME_EN", "OFFICE_DOC_PREFIX", "REGION_CODE", "OFFICE_PHONE"):
        words += str(config.get(key) or "").lower().replace("-", " ").split()
    return words


def problem(password: str, *, names=()) -> str | None:
    """Why `password` may not be used (Chinese, shown to the user), or None when it is acceptable.

    `names` are the account's own words (username, display name), which a password must not lean on.
    """
    if len(password) < MIN_LENGTH:
        return _("密码至少 %(n)s 位。", n=MIN_LENGTH)
    own = [str(n).lower() for n in names if n]
    result = zxcvbn(password[:_CHECKED], user_inputs=own + list(pinyin_words()) + _office_words())
    if result["score"] >= MIN_SCORE:
        return None
    return _("密码太容易被猜到：%(reason)s请改用更长、更不规则的密码，例如几个不相关的词加数字。",
             reason=_reason(result, set(own)))


def _reason(result: dict, own: set[str]) -> str:
    """The weakest part of the password, in words (zxcvbn's matches, most guessable first)."""
    for match in sorted(result.get("sequence", []), key=lambda m: (m.get("pattern") != "dictionary", m.get("guesses", 0))):
        pattern, token = match.get("pattern"), match.get("token", "")
        if pattern == "dictionary":
            word = match.get("matched_word", token)
            source = match.get("dictionary_name")
            if source == "user_inputs":
                if word in own:
                    return _("包含账号自己的名字“%(w)s”。", w=token)
                if word in pinyin_words():
                    return _("包含常用拼音词“%(w)s”。", w=token)
                return _("包含本单位的常用词“%(w)s”。", w=token)
            if source == "passwords":
                return _("包含常见密码“%(w)s”。", w=token)
            if source in ("surnames", "female_names", "male_names"):
                return _("包含常见人名“%(w)s”。", w=token)
            return _("包含常见单词“%(w)s”。", w=token)
        if pattern == "spatial":
            return _("包含键盘上相邻的按键“%(w)s”。", w=token)
        if pattern == "repeat":
            return _("包含重复的字符“%(w)s”。", w=token)
        if pattern == "sequence":
            return _("包含连续的字符“%(w)s”。", w=token)
        if pattern in ("date", "regex"):
            return _("包含日期或年份“%(w)s”。", w=token)
    return _("整体过于简单。")


class Strong:
    """WTForms validator: the password passes `problem`, leaning on none of the form's own names
    (username, display name) nor the signed-in user's."""

    def __call__(self, form, field):
        from flask_login import current_user
        from wtforms.validators import StopValidation
        names = [getattr(form, n).data for n in ("username", "display_name") if hasattr(form, n)]
        if current_user.is_authenticated and "username" not in form._fields:
            names += [current_user.username, current_user.display_name]
        target = getattr(form, "target_names", None)
        names += list(target or ())
        reason = problem(field.data or "", names=names)
        if reason:
            raise StopValidation(reason)
