"""Every refusal can be shown in English: each WorkflowError (and UploadRefused, Msg) is built from an N_("…")
literal template with parameters, never from an f-string or a concatenation, and each template has an English
translation in the compiled catalogue with the same placeholders."""
import ast
import re
from pathlib import Path

import pytest
from babel.support import Translations

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "radiolic"
TEMPLATE_BUILDERS = {"WorkflowError", "UploadRefused", "Msg"}
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def _name(func) -> str | None:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _calls():
    """Every call in radiolic/, except a constructor handing its own `message` argument on (its callers are
    checked instead: WorkflowError builds a Msg, UploadRefused a WorkflowError)."""
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        passing_on = set()
        for fn in ast.walk(tree):
            if isinstance(fn, ast.FunctionDef) and fn.name == "__init__":
                params = {a.arg for a in fn.args.args}
                passing_on |= {id(c) for c in ast.walk(fn) if isinstance(c, ast.Call) and c.args
                               and isinstance(c.args[0], ast.Name) and c.args[0].id in params}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and id(node) not in passing_on:
                yield path.relative_to(ROOT), node


def _is_marked_literal(arg) -> bool:
    return (isinstance(arg, ast.Call) and _name(arg.func) == "N_" and len(arg.args) == 1
            and isinstance(arg.args[0], ast.Constant) and isinstance(arg.args[0].value, str))


def test_every_refusal_is_built_from_a_marked_literal():
    found, wrong = 0, []
    for path, node in _calls():
        if _name(node.func) not in TEMPLATE_BUILDERS:
            continue
        if _name(node.func) == "WorkflowError":
            found += 1
        if not node.args or not _is_marked_literal(node.args[0]):
            wrong.append(f"{path}:{node.lineno}")
    assert wrong == []
    assert found >= 160          # the raise sites of radiolic/ (164 when this test was written)


def test_every_marked_literal_has_an_english_translation():
    with (PACKAGE / "translations/en/LC_MESSAGES/messages.mo").open("rb") as fh:
        catalogue = Translations(fh)
    literals = {(node.args[0].value, f"{path}:{node.lineno}") for path, node in _calls()
                if _is_marked_literal(node)}
    assert len(literals) > 200
    cjk = re.compile(r"[\u4e00-\u9fff]")
    untranslated = sorted(where for text, where in literals
                          if not catalogue.gettext(text).strip() or cjk.search(catalogue.gettext(text)))
    assert untranslated == []
    different = sorted(where for text, where in literals
                       if sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(catalogue.gettext(text))))
    assert different == []


@pytest.mark.parametrize("lang,expected", [
    ("zh", "材料“无线电台（站）设置申请表”已齐备，无需补交。"),
    ("en", "The material “Radio station set-up application form” is complete; nothing needs to be handed in."),
])
def test_a_refusal_names_the_material_in_the_page_language(app, lang, expected):
    from radiolic.texts import N_, Name
    from radiolic.workflow import WorkflowError
    err = WorkflowError(N_("材料“%(material)s”已齐备，无需补交。"),
                        params={"material": Name("无线电台（站）设置申请表", "Radio station set-up application form")})
    assert err.message == "材料“无线电台（站）设置申请表”已齐备，无需补交。"      # logs and the JSON API
    with app.test_request_context(headers={"Accept-Language": lang}):
        assert err.translated() == expected
