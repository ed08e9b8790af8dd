"""axe-core (vendored in tests/browser/data, npm package "axe-core", MPL-2.0) run on every page a browser test visits.

`AxeAudit.attach(page)` listens for each page load; once the page has loaded, axe runs in it and the page's width
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

    def attach(self, page) -> None:
        page.on("load", lambda: self.audit(page))

    def audit(self, page) -> None:
        url = page.url
        if not url.startswith("http") or url.endswith(".pdf") or "/download" in url:
            return
        try:
            if not page.evaluate("typeof axe !== 'undefined'"):
                page.evaluate(AXE_SOURCE)
            result = page.evaluate(RUN)
        except Exception:  # the page navigated away before axe finished: its successor is audited instead
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
