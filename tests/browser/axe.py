"""axe-core (vendored in tests/browser/data, npm package "axe-core", MPL-2.0) run on every page a browser test visits.

`AxeAudit.attach(page)` wraps a page: before each action that may leave the current document (goto, click, fill,
...) and when the page's context closes, the loaded document is audited once: axe runs in it and the page's width
is compared with its viewport. Serious or critical violations and pages wider than their viewport are collected;
`check()` fails the test naming them. With RADIOLIC_AXE_LOG set, one JSON line per audited page is appended to
that file (for before/after counts).
"""
import json
import os
from pathlib import Path

AXE_SOURCE = (Path(__file__).parent / "data" / "axe.min.js").read_text(encoding="utf-8")
FAILING_IMPACTS = ("serious", "critical")

RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return {
    violations: result.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length,
                                             targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))})),
    width: document.documentElement.scrollWidth, viewport: window.innerWidth,
  };
}"""


class AxeAudit:
    def __init__(self, test_name: str = ""):
        self.test_name = test_name
        self.pages: list[dict] = []
        self.problems: list[str] = []

    def attach(self, page) -> "AuditedPage":
        return AuditedPage(page, self)

    def audit(self, page) -> None:
        """Audit the page's current document unless it was audited already (a flag on its window says so)."""
        url = page.url
        if not url.startswith("http") or url.endswith(".pdf") or "/download" in url:
            return
        try:
            page.wait_for_load_state("load")
            if page.evaluate("window.__radiolicAxeDone === true"):
                return
            page.evaluate("window.__radiolicAxeDone = true")
            if not page.evaluate("typeof axe !== 'undefined'"):
                page.evaluate(AXE_SOURCE)
            result = page.evaluate(RUN)
        except Exception:  # the page navigated away meanwhile: its successor is audited instead
            return
        record = {"test": self.test_name, "url": url, "viewport": result["viewport"], "width": result["width"],
                  "lang": page.evaluate("document.documentElement.lang"),
                  "violations": result["violations"]}
        self.pages.append(record)
        if os.environ.get("RADIOLIC_AXE_LOG"):
            with open(os.environ["RADIOLIC_AXE_LOG"], "a", encoding="utf-8") as log:
                log.write(json.dumps(record, ensure_ascii=False) + "\n")
        for v in result["violations"]:
            if v["impact"] in FAILING_IMPACTS:
                self.problems.append(f"{url} [{result['viewport']}px]: {v['impact']} {v['id']} on {v['nodes']} "
                                     f"node(s), e.g. {v['targets']}")
        if result["width"] > result["viewport"] + 1:
            self.problems.append(f"{url} is {result['width']}px wide in a {result['viewport']}px viewport")

    def check(self) -> None:
        if self.problems and not os.environ.get("RADIOLIC_AXE_REPORT_ONLY"):
            raise AssertionError("accessibility/layout problems:\n" + "\n".join(self.problems))


# Actions that may leave the current document: the document is audited before them (and once the test ends).
_ACTIONS = {"goto", "click", "dblclick", "fill", "type", "press", "check", "uncheck", "select_option",
            "set_input_files", "tap", "go_back", "go_forward", "reload", "dispatch_event", "set_checked",
            "press_sequentially", "close", "expect_popup", "expect_navigation", "wait_for_url"}
_LOCATORS = {"locator", "get_by_role", "get_by_text", "get_by_label", "get_by_placeholder", "get_by_test_id",
             "first", "last", "nth", "filter"}


class _Audited:
    def __init__(self, target, page, audit: AxeAudit):
        self._target, self._page, self._audit = target, page, audit

    def __getattr__(self, name):
        value = getattr(self._target, name)
        if name in _LOCATORS:
            if callable(value):
                return lambda *a, **k: _Audited(value(*a, **k), self._page, self._audit)
            return _Audited(value, self._page, self._audit)
        if name in _ACTIONS and callable(value):
            def act(*args, **kwargs):
                self._audit.audit(self._page)
                return value(*args, **kwargs)
            return act
        return value

    def count(self):
        return self._target.count()


class AuditedPage(_Audited):
    """A Playwright page whose every document is audited by axe before the test acts on it again."""

    def __init__(self, page, audit: AxeAudit):
        super().__init__(page, page, audit)

    def finish(self) -> None:
        self._audit.audit(self._page)
