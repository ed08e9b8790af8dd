"""Every test module that reads a shared build is grouped with the others that read it (tests/conftest.py)."""
from pathlib import Path

from tests.conftest import SHARED_BUILDS

TESTS = Path(__file__).resolve().parent.parent
FIXTURES = {"demo_year_app": "demo-2024", "sweep_app": "sweep-2025"}


def test_every_module_reading_a_shared_build_runs_in_its_group():
    seen = {}
    for path in sorted(TESTS.rglob("test_*.py")):
        text = path.read_text("utf-8")
        for fixture, group in FIXTURES.items():
            if f"{fixture}," in text or f"{fixture})" in text:
                seen[path.relative_to(TESTS.parent).as_posix()] = group
    assert seen == SHARED_BUILDS
