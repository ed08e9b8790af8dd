"""Add the display names that templates translate at run time (_(variable)) to a .pot file.

Code sets are not here: radiolic/vocabulary.py marks their titles with N_, which the extractor sees."""
import importlib
import re
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u4e00-\u9fff]")

# (module, attribute): tables whose Chinese values reach a page through _(variable); the extractor cannot see them.
SOURCES = [
    ("radiolic.workflow.ratings", "TAGS"),
    ("radiolic.lookup.progress", "STEPS"),
    ("radiolic.lookup.progress", "NEXT"),
    ("radiolic.main.views", "HOME_QUEUES"),
    ("radiolic.navigation", "NAV"),
    ("radiolic.auth.views", "LOGIN_FAILED"),
    ("radiolic.intake.notices", "KINDS"),
    ("radiolic.licence_records", "CHECK_PROBLEMS"),
    ("radiolic.station_import", "COLUMN_LABELS"),
    ("radiolic.lookup.gate", "LIMITED"),
]


def strings(value):
    """Every Chinese string inside a table (dict values, tuples, lists, dataclass fields)."""
    if isinstance(value, str):
        if CJK.search(value):
            yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for v in value:
            yield from strings(v)
    elif hasattr(value, "__dataclass_fields__"):
        for name in value.__dataclass_fields__:
            yield from strings(getattr(value, name))


def composed():
    """Texts that the code builds from the tables above (progress.next_step, notices.available)."""
    from radiolic.intake.notices import KINDS
    from radiolic.vocabulary import StopKind
    for kind in StopKind:
        yield "radiolic.lookup.progress", f"{kind.text}期间暂停计时"
    for seq in range(2, 11):
        yield "radiolic.intake.notices", KINDS["correction"] + f"（第{seq}次）"


def where(module: str, text: str) -> tuple[str, int]:
    path = ROOT / (module.replace(".", "/") + ".py")
    if not path.exists():
        path = ROOT / module.replace(".", "/") / "__init__.py"
    rel = str(path.relative_to(ROOT))
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if text in line:
            return rel, lineno
    return rel, 0


def main(pot_path: str) -> None:
    sys.path.insert(0, str(ROOT))
    with open(pot_path, "rb") as fh:
        catalog = read_po(fh)
    found = []
    for module, attr in SOURCES:
        try:
            table = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError):
            continue  # a stage that is not built yet
        found += [(module, text) for text in strings(table)]
    found += list(composed())
    added = 0
    for module, text in found:
        path, lineno = where(module, text)
        if text not in catalog:
            added += 1
        catalog.add(text, locations=[(path, lineno)] if lineno else [(path, None)])
    with open(pot_path, "wb") as fh:
        write_po(fh, catalog, width=0)
    print(f"translation_names: {added} display names added to {pot_path}")


if __name__ == "__main__":
    main(sys.argv[1])
