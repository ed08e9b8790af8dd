"""One navigator per role: the steps each person takes in the office's procedure, named in the office's words.

A journey test reads as the procedure: `clerk.logs_case(...)`, `clerk.accepts_with_deferral()`,
`reviewer.stops_clock(...)`, `reviewer.refuses_stations(...)`, `applicant.looks_up(...)`. Each navigator drives one
Playwright page (audited by axe, see axe.py); the selectors live here, the assertions in the tests.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

from tests.conftest import TEST_PASSWORD

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
PASSWORD = TEST_PASSWORD
# Set RADIOLIC_SCREENSHOTS=/some/dir to keep full-page screenshots of the pages the journeys name (for a review).
SCREENSHOTS = os.environ.get("RADIOLIC_SCREENSHOTS", "")


def keep_screenshot(page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


class Navigator:
    """Steps anyone takes: open a page, switch language, read what the page says."""

    def __init__(self, page, base: str):
        self.page, self.base = page, base

    def goto(self, path: str):
        self.page.goto(self.base + path)
        return self

    def switches_to(self, lang: str):
        """Switch the interface language with the navbar's link ("zh" or "en"); stays on the same page."""
        if self.language() != lang:
            self.page.click("#lang-switch")
            self.page.wait_for_load_state()
        assert self.language() == lang
        return self

    def language(self) -> str:
        return "zh" if self.page.get_attribute("html", "lang").startswith("zh") else "en"

    def text(self, selector: str = "main") -> str:
        return self.page.inner_text(selector)

    def flash(self) -> str:
        return self.page.inner_text(".alert-success")

    def _submit(self, selector: str, **kwargs) -> None:
        self.page.click(selector, **kwargs)
        self.page.wait_for_load_state()

    def _popup_pdf(self, selector: str) -> bytes:
        """Open a PDF link that opens in a new tab; return the PDF (fetched again with the same session)."""
        with self.page.expect_popup() as popup_info:
            self.page.click(selector)
        popup = popup_info.value
        pdf = self.page.context.request.get(popup.url)
        popup.close()
        assert pdf.headers["content-type"] == "application/pdf", pdf.headers["content-type"]
        return pdf.body()

    def _download(self, selector: str, timeout: float = 120) -> tuple[str, bytes]:
        """Click something that downloads a file, directly or through a job's page; return (name, bytes)."""
        got = []

        def caught(download):
            got.append(download)
        self.page.on("download", caught)
        try:
            self.page.click(selector)
            deadline = time.monotonic() + timeout
            while not got and "/jobs/" not in self.page.url and time.monotonic() < deadline:
                self.page.wait_for_timeout(50)
            if not got:                                   # a job's page: its download button appears when done
                with self.page.expect_download(timeout=timeout * 1000) as download:
                    self.page.click("#job-download", timeout=timeout * 1000)
                got.append(download.value)
        finally:
            self.page.remove_listener("download", caught)
        return got[0].suggested_filename, Path(got[0].path()).read_bytes()


class StaffNavigator(Navigator):
    """Steps every member of staff takes."""

    def login(self, username: str, password: str = PASSWORD):
        self.page.goto(self.base + "/auth/login")
        self.page.fill("#username", username)
        self.page.fill("#password", password)
        self._submit("#login-submit")
        return self

    def logs_out(self):
        self._submit("#logout")
        return self

    def opens_case(self, number: str):
        return self.goto(f"/cases/{number}")

    def opens_menu(self, label: str):
        """Follow a navbar entry by its label (folded entries under 更多 included)."""
        link = self.page.locator("#nav a.nav-link, #nav a.dropdown-item").filter(has_text=label).first
        self.page.goto(self.base + link.get_attribute("href"))
        return self

    def document(self, kind: str) -> bytes:
        """Open one of the case's documents (文书) from the case page."""
        return self._popup_pdf(f'#case-documents a[data-doc="{kind}"]')


class ClerkNavigator(StaffNavigator):
    """The counter clerk: logs the application, accepts it (perhaps with deferral), prints the bundle."""

    def logs_case(self, *, item: str, id_code: str, name: str, phone: str, contact: str = "李工",
                  missing=()) -> tuple[str, str]:
        """Fill the intake form at the window and save it; returns (case number, query code)."""
        self.goto("/intake/new")
        self.page.select_option("#service_item", item)
        self.page.fill("#id_code", id_code)
        self.page.fill("#name", name)
        self.page.fill("#contact", contact)
        self.page.fill("#phone", phone)
        for code in missing:
            self.page.check(f"#m-{item}-{code}-missing")
        self._submit("#intake-save")
        return self.page.inner_text("#case-number").strip(), self.page.inner_text("#query-code").strip()

    def query_code_shown(self) -> str:
        return self.page.inner_text("#query-code").strip()

    def accepts_with_deferral(self):
        """容缺受理: the missing deferrable materials are ticked and the commitment signed (prefilled)."""
        self._submit("#accept-deferred")
        return self

    def prints_bundle(self) -> bytes:
        """The counter visit's one PDF: receipt with the query code, 受理通知书, 承诺书."""
        href = self.page.get_attribute("#print-bundle", "href")
        response = self.page.context.request.get(self.base + href)
        assert response.headers["content-type"] == "application/pdf"
        return response.body()

    def opens_deferral_board(self):
        return self.goto("/deferrals")

    def deferred_rows(self, number: str):
        return self.page.locator(f'#deferral-board tr[data-case="{number}"]')

    def receives_deferred_material(self, number: str, material: str, *, from_: str):
        """A deferred material handed in at the window: tick it off on the deferral board."""
        row = f'tr[data-case="{number}"][data-material="{material}"]'
        self.page.fill(f'{row} input[name="supplied_from"]', from_)
        self._submit(f'{row} button[type="submit"]')
        return self


    def imports_stations(self, workbook) -> int:
        """导入台站 from the station template (XLSX or CSV); returns the case's station count."""
        self.page.set_input_files("#import-form input[type=file]", str(workbook))
        self._submit("#import-submit")
        return int(self.page.inner_text("#station-count"))

    def issues_licences(self, format: str, timeout: float = 180):
        """发证 in the chosen format (electronic / paper)."""
        self.page.select_option("#issue-form select[name=format]", format)
        self._submit("#issue-submit", timeout=timeout * 1000)
        return self

    def licence_count(self) -> int:
        return int(self.page.inner_text("#licence-count"))

    def downloads_licence_zip(self) -> tuple[str, bytes]:
        """All electronic licences of the case as one ZIP (built by a job, then offered on its page)."""
        return self._download("#download-zip")

    def verifies_first_licence(self) -> dict:
        """Follow the first licence's verification link (the public /verify page); what it says."""
        self._submit("a.verify-link >> nth=0")
        result = self.page.locator("#verify-result")
        return {"status": result.get_attribute("data-status"), "text": result.inner_text()}


class ReviewerNavigator(StaffNavigator):
    """The reviewer: starts the review, stops and restarts the clock, decides per station, checks and decides."""

    def takes_most_urgent_case(self) -> str:
        """From 审查队列, open the first (most urgent) case; returns its number."""
        self.opens_menu("审查队列" if self.language() == "zh" else "Review")
        first = self.page.locator("#review-queue tbody tr").first
        number = first.get_attribute("data-number")
        first.locator("a").first.click()
        self.page.wait_for_load_state()
        return number

    def queue_rows(self):
        return self.page.locator("#review-queue tbody tr")

    def starts_review(self):
        self._submit("#start-review")
        return self

    def stops_clock(self, *, kind: str, reason: str, expected_days: int):
        """暂停计时 (expert review, testing, hearing, coordination) with the special-procedure notice."""
        self.page.click("#pause-panel summary")
        self.page.select_option("#pause-kind", kind)
        self.page.fill("#pause-reason", reason)
        self.page.fill("#pause-expected_days", str(expected_days))
        self._submit("#pause")
        return self

    def restarts_clock(self, note: str):
        self.page.fill("#resume-note", note)
        self._submit("#resume")
        return self

    def opens_station_decisions(self):
        self._submit("#station-decisions")
        return self

    def station_counts(self) -> dict:
        counts = self.page.locator("#station-counts")
        return {k: int(counts.get_attribute(f"data-{k}")) for k in ("total", "refused", "approved", "undecided")}

    def filters_stations(self, *, q: str = "", outcome: str = ""):
        self.page.fill("#f-q", q)
        self.page.select_option("#f-outcome", outcome)
        self._submit("#filter-submit")
        return self

    def matching(self) -> int:
        return int(self.page.get_attribute("#matching", "data-total"))

    def refuses_stations(self, reason: str, *, all_matching: bool = False, first: int = 0):
        """不予许可: every station the filter matches, or the first `first` checkboxes of this page."""
        if all_matching:
            self.page.check("#scope-1")
        else:
            boxes = self.page.locator("input[name=seq]")
            for i in range(first):
                boxes.nth(i).check()
        self.page.fill("#reason", reason)
        self._submit("#refuse-selected")
        return self

    def undoes_last_refusal(self):
        self._submit("#refusal-batches .undo-batch")
        return self

    def returns_to_the_decision(self):
        self._submit('a[href$="#review-actions"]')
        return self

    def checks_decision(self, *, outcome: str = "approve", reason: str, legal_basis: str = ""):
        """Fill the decision and go to the check-your-answers page (nothing is decided yet)."""
        self.page.check("#decide-outcome-0" if outcome == "approve" else "#decide-outcome-1")
        self.page.fill("#decide-reason", reason)
        if legal_basis:
            self.page.fill("#decide-legal_basis", legal_basis)
        self._submit("#decide")
        return self

    def checked(self) -> dict:
        """What the check-your-answers page says will be decided and sent."""
        stations = self.page.locator("#check-stations")
        return {"outcome": self.page.get_attribute("#check-outcome", "data-outcome"),
                "approved": stations.get_attribute("data-approved") if stations.count() else None,
                "refused": stations.get_attribute("data-refused") if stations.count() else None,
                "sent": self.page.inner_text("#check-sent")}

    def previews_draft(self, *, keep: bool = True, timeout: float = 120) -> bytes | None:
        """预览决定书样稿: the draft opens in a new tab. With `keep`, the same form is posted again to return the PDF
        (Chromium's viewer owns the tab's body)."""
        with self.page.expect_popup(timeout=timeout * 1000) as popup_info:
            self.page.click("#decide-preview")
        popup = popup_info.value
        popup.wait_for_load_state(timeout=timeout * 1000)
        popup.close()
        if not keep:
            return None
        fields = self.page.locator("#preview-form input").evaluate_all("is => is.map(i => [i.name, i.value])")
        response = self.page.context.request.post(self.base + self.page.get_attribute("#preview-form", "action"),
                                                  form=dict(fields), timeout=timeout * 1000)
        assert response.headers["content-type"] == "application/pdf", response.headers["content-type"]
        return response.body()

    def decides(self, timeout: float = 10):
        """确认作出决定: the decision is numbered, sealed and sent."""
        self.page.click("#decide-confirm", timeout=timeout * 1000)
        self.page.wait_for_load_state(timeout=timeout * 1000)
        return self

    def decision_outcome(self) -> str:
        return self.page.get_attribute("#decision [data-outcome]", "data-outcome")

    def decision_pdf(self) -> bytes:
        return self._popup_pdf("#decision-pdf")


class SupervisorNavigator(StaffNavigator):
    """The supervisor: views a period's indicators, exports them, downloads the annual report."""

    def views_year(self, year: int):
        self.goto("/supervisor")
        self.page.select_option("#period", "year")
        self.page.select_option("#year", str(year))
        self._submit("#period-submit")
        return self

    def views_quarter(self, year: int, quarter: int):
        self.goto("/supervisor")
        self.page.select_option("#period", "quarter")
        self.page.select_option("#year", str(year))
        self.page.select_option("#quarter", str(quarter))
        self._submit("#period-submit")
        return self

    def period_label(self) -> str:
        return self.page.inner_text("#period-label")

    def headline(self) -> str:
        return self.page.inner_text("#headline")

    def tile(self, key: str) -> str:
        return self.page.locator(f'#tiles [data-key="{key}"] .tile-value, '
                                 f'#rate-tiles [data-key="{key}"] .tile-value').first.inner_text()

    def sees_charts_drawn(self, *charts: str) -> None:
        for chart in charts:
            self.page.wait_for_selector(f'#{chart}[data-drawn="1"] svg')

    def exports(self, what: str) -> tuple[str, bytes]:
        """导出: "indicators-csv", "csv" or "xlsx" of the period on screen; returns (file name, bytes)."""
        return self._download(f"#export-{what}")

    def downloads_annual_report(self) -> tuple[str, bytes]:
        return self._download("#report-pdf")


class AdminNavigator(StaffNavigator):
    """The administrator: accounts (with the password rules), the holiday calendar, the catalogue's 办事指南."""

    def adds_account(self, *, username: str, name: str, role: str, password: str, window_no: str = "") -> list[str]:
        """添加账号; returns the errors shown on the form (none when the account was added)."""
        self.goto("/admin/users")
        self.page.fill("#username", username)
        self.page.fill("#display_name", name)
        self.page.select_option("#role", role)
        self.page.fill("#window_no", window_no)
        self.page.fill("#password", password)
        self._submit("form:has(#username) button[type=submit]")
        return [e.strip() for e in self.page.locator("form:has(#username) .invalid-feedback").all_inner_texts()]

    def accounts(self) -> list[str]:
        return self.page.locator("#staff tr[data-user]").evaluate_all("rs => rs.map(r => r.dataset.user)")

    def enters_holiday_notice(self, *, year: int, source: str, text: str):
        """录入全年放假安排: paste the State Council's notice and preview what it changes."""
        self.goto("/admin/calendar")
        self._submit("#enter-notice")
        self.page.fill("#n-year", str(year))
        self.page.fill("#n-source", source)
        self.page.fill("#n-text", text)
        self._submit('button[name="n-preview"]')
        return self

    def confirms_holiday_notice(self):
        self._submit("#notice-confirm")
        return self

    def writes_service_guide(self, code: str, **fields: str):
        """办事指南 of one service item: conditions, limits, fees, window (guide_* fields), legal basis."""
        self.goto("/admin/catalogue")
        self._submit(f'#items a:text-is("{code}")')
        for name, value in fields.items():
            self.page.fill(f"#item-{name}", value)
        self._submit('button[name="item-submit"]')
        return self


class ApplicantNavigator(Navigator):
    """The applicant, usually on a phone: applies, looks the case up with the query code, follows it, rates."""

    def applies_online(self, item: str, *, name: str, id_code: str, contact: str, phone: str, summary: str,
                       files: dict[str, dict]) -> tuple[str, str]:
        """网上申请: choose the item on /apply, fill the form, attach the materials (code -> Playwright file
        payload), declare it truthful, submit; returns (case number, query code) from the confirmation page."""
        self.goto("/apply")
        self._submit(f'[data-item="{item}"]')
        self.page.fill("#name", name)
        self.page.fill("#id_code", id_code)
        self.page.fill("#contact", contact)
        self.page.fill("#phone", phone)
        self.page.fill("#summary", summary)
        for code, payload in files.items():
            self.page.set_input_files(f"#material_{code}", payload)
        self.page.check("#truthful")
        self._submit("#apply-submit")
        return self.page.inner_text("#case-number").strip(), self.page.inner_text("#query-code").strip()

    def follows_the_case(self):
        """From the confirmation page, 查看办理进度."""
        self._submit("#to-status")
        return self

    def supplies_deferred(self, material: str, payload: dict):
        """补交 a deferred material from the status page."""
        item = self.page.locator(f'#deferred [data-material="{material}"]')
        item.locator('input[type="file"]').set_input_files(payload)
        item.locator('button[type="submit"]').click()
        self.page.wait_for_selector(".alert-success")
        return self

    def awaits_check_of(self, material: str) -> bool:
        """The page says the upload was received and waits for a clerk's check."""
        return self.page.locator(f'#deferred [data-checking="{material}"]').count() == 1

    def looks_up(self, number: str, code: str):
        """From the login page's 办件查询 link, type the number and the code (as it comes, in any case)."""
        self.goto("/auth/login")
        self._submit("#to-status")
        self.page.fill("#number", number)
        self.page.fill("#query_code", code.lower())          # typed as it comes; shown in capitals
        assert self.page.get_attribute("#query_code", "type") == "text"
        self._submit("#lookup-submit")
        return self

    def state(self) -> str:
        return self.page.get_attribute("#applicant-case", "data-state")

    def days_left(self) -> str:
        return self.page.inner_text("#days-left").split("\n")[0].split("（")[0].strip()

    def steps(self) -> dict:
        """Each step of the case (received, accepted, under_review, decided, issued) and its status."""
        return dict(self.page.locator("#steps [data-step]").evaluate_all(
            "ls => ls.map(l => [l.dataset.step, l.dataset.status])"))

    def decision(self) -> str:
        return self.page.inner_text("#decision")

    def refused_stations(self) -> str:
        return self.page.inner_text("#decision #refused-stations")

    def documents(self) -> list[str]:
        return self.page.locator("#documents [data-doc]").evaluate_all("ls => ls.map(l => l.dataset.doc)")

    def downloads_document(self, kind: str) -> bytes:
        href = self.page.get_attribute(f'#documents [data-doc="{kind}"] a', "href")
        response = self.page.context.request.get(self.base + href)
        assert response.headers["content-type"] == "application/pdf"
        return response.body()

    def licences(self) -> list[str]:
        return [t.strip() for t in self.page.locator("#licences .font-monospace").all_inner_texts()]

    def downloads_licence(self, index: int = 0) -> bytes:
        href = self.page.locator("#licences li").nth(index).locator("a").first.get_attribute("href")
        response = self.page.context.request.get(self.base + href)
        assert response.headers["content-type"] == "application/pdf"
        return response.body()

    def rates(self, level: int, comment: str = ""):
        """评价本次服务 from the status page."""
        self.page.click(f'label[for="level-{level}"]')
        if comment:
            self.page.fill("#comment", comment)
        self._submit("#rate-submit")
        return self


class WindowTabletNavigator(Navigator):
    """The counter's rating tablet (paired once by a code, no staff login): the applicant taps a level."""

    def pairs(self, code: str):
        self.goto("/window")
        self.page.fill("#code", code)
        self._submit("#pair-submit")
        return self

    def case_shown(self) -> str:
        return self.page.get_attribute("#kiosk-rate", "data-number")

    def applicant_taps(self, level: int) -> str:
        self.page.click(f"#kiosk-level-{level}")
        return self.page.inner_text("#kiosk-thanks")


def every_page_fits(audit, *pages, languages=("zh", "en")) -> list[dict]:
    """Every page the test visited was audited, fits its viewport, and both languages were seen.

    `pages`: the test's open pages, whose current document is audited first (the others were audited as the
    test left them)."""
    for page in pages:
        page.finish()
    assert audit.pages, "no page was audited"
    wide = [f"{p['url']} {p['width']}px > {p['viewport']}px" for p in audit.pages if p["width"] > p["viewport"] + 1]
    assert not wide, wide
    seen = {"zh" if p["lang"].startswith("zh") else "en" for p in audit.pages}
    assert seen >= set(languages), f"languages visited: {seen}"
    return audit.pages
