"""Texts decided now and shown later in the page's language.

A refusal is built where no request is known (a workflow verb, a checker); it is shown on a page that may be
English. So a message is a catalogue template (marked with N_ so the extractor finds it) plus parameters, and the
parameters that are themselves names the catalogue or the database knows in English (a state, a material, a
service item, a nested message) are wrapped so the page can show them in its language:

- `Msg(N_("…%(n)s…"), n=…)`: a nested message (an identifier checker's finding, a limit's name);
- `Name(zh, en)`: a name stored with its English form (service items, materials); without `en`, a catalogue text;
- `Names([...])`: several of those, joined with "、" in Chinese and ", " in English.

Each is a `str` holding the Chinese text, so logs, the JSON API (whose messages are Chinese, api.md) and code
that compares strings see exactly what they saw before. `localised(value)` gives a value in the page's language.
This module imports nothing from radiolic: the identifier checkers use it too.
"""


def N_(message: str) -> str:
    """Mark a message for the translation catalogue; it is translated where it is shown."""
    return message


def english() -> bool:
    """Whether the current request's page is English (False outside a request)."""
    try:
        from flask_babel import get_locale
        locale = get_locale()
    except (RuntimeError, KeyError, ImportError):
        return False
    return locale is not None and locale.language == "en"


def catalogue_text(text: str) -> str:
    """`text` looked up in the request's catalogue (itself outside a request or when the catalogue lacks it)."""
    try:
        from flask_babel import gettext
        return gettext(text)
    except (RuntimeError, KeyError):
        return text


def localised(value):
    """`value` in the page's language when it knows how; otherwise unchanged."""
    return value.localised() if hasattr(value, "localised") else value


def shown(value) -> str:
    """A text for the page: a Msg, Name or Names in the page's language by its own rule, a plain catalogue text
    (a table value marked with N_ where it is defined) through the catalogue."""
    return value.localised() if hasattr(value, "localised") else catalogue_text(value)


def fill(template: str, params: dict) -> str:
    """The Chinese text: the template filled with the parameters as they read in Chinese."""
    return template % {k: (str(v) if isinstance(v, str) else v) for k, v in params.items()} if params else template


class Msg(str):
    """A catalogue template and its parameters; reads as the Chinese text."""

    def __new__(cls, template: str, **params):
        obj = super().__new__(cls, fill(template, params))
        obj.template, obj.params = template, params
        return obj

    @classmethod
    def stored(cls, template: str, params: dict) -> "Msg":
        """A message rebuilt from a template kept in the database (radiolic.models.Event.note_key)."""
        return cls.__new__(cls, template, **params)

    def localised(self) -> str:
        if not english():
            return str(self)
        text = catalogue_text(self.template)
        return text % {k: localised(v) for k, v in self.params.items()} if self.params else text


class Name(str):
    """A name with its English form (a service item's, a material's), or, without one, a catalogue text."""

    def __new__(cls, zh: str, en: str | None = None):
        obj = super().__new__(cls, zh)
        obj.en = en or None
        return obj

    @classmethod
    def of(cls, obj) -> "Name":
        """The `name` and `name_en` of a catalogue row (or anything with those attributes)."""
        return cls(obj.name, getattr(obj, "name_en", None))

    def localised(self) -> str:
        if not english():
            return str(self)
        return self.en or catalogue_text(str(self))


class Names(str):
    """Several names: "甲、乙" in Chinese, "A, B" in English; with `limit`, the first few and "…"."""

    SEPARATORS = {"、": ", ", "；": "; "}

    def __new__(cls, items, limit: int | None = None, sep: str = "、", more: bool = False):
        items = list(items)
        more = more or (limit is not None and len(items) > limit)
        shown = items[:limit] if more else items
        obj = super().__new__(cls, sep.join(str(i) for i in shown) + ("…" if more else ""))
        obj.items, obj.more, obj.sep = shown, more, sep
        return obj

    def localised(self) -> str:
        if not english():
            return str(self)
        sep = self.SEPARATORS.get(self.sep, self.sep)
        return sep.join(str(localised(i)) for i in self.items) + ("…" if self.more else "")


def to_json(value):
    """`value` (a parameter of a Msg) as JSON that `from_json` turns back into it: an event keeps the template and
    parameters of its note this way, so the timeline can show the note in the page's language."""
    if isinstance(value, Msg):
        return {"msg": value.template, "args": {k: to_json(v) for k, v in value.params.items()}}
    if isinstance(value, Names):
        return {"names": [to_json(i) for i in value.items], "sep": value.sep, "more": value.more}
    if isinstance(value, Name):
        return {"name": str(value), "en": value.en}
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value)


def from_json(value):
    """The parameter `to_json` stored: a Msg, Names or Name again; text and numbers as they were."""
    if isinstance(value, dict):
        if "msg" in value:
            return Msg.stored(value["msg"], {k: from_json(v) for k, v in (value.get("args") or {}).items()})
        if "names" in value:
            return Names([from_json(i) for i in value["names"]], sep=value.get("sep", "、"), more=bool(value.get("more")))
        if "name" in value:
            return Name(value["name"], value.get("en"))
    return value
