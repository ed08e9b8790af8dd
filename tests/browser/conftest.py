"""Real Chromium (Debian's /usr/bin/chromium) driven by Playwright against a live server on localhost."""
import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from tests.browser.axe import AxeAudit
from tests.browser.navigators import DESKTOP, PHONE, StaffNavigator

CHROMIUM = os.environ.get("RADIOLIC_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def chromium():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium package (scripts/setup test does)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


class AuditedContext:
    """A browser context whose pages (popups included) are audited; new_page() gives an audited page."""

    def __init__(self, real, audit: AxeAudit):
        self._real, self.audit, self.pages_opened = real, audit, []
        real.on("page", self._adopt)

    def _adopt(self, page):
        if all(p._page is not page for p in self.pages_opened):
            self.pages_opened.append(self.audit.attach(page))

    def new_page(self):
        page = self._real.new_page()
        self._adopt(page)
        return next(p for p in self.pages_opened if p._page is page)

    def close(self):
        for page in self.pages_opened:
            if not page._page.is_closed():
                page.finish()
        self._real.close()

    def __getattr__(self, name):
        return getattr(self._real, name)


class AuditedBrowser:
    """The session's Chromium; every page of every context opened through it is audited by axe."""

    def __init__(self, real, audit: AxeAudit):
        self._real, self.audit = real, audit

    def new_context(self, **kwargs):
        return AuditedContext(self._real.new_context(**kwargs), self.audit)

    def __getattr__(self, name):
        return getattr(self._real, name)


@pytest.fixture
def axe_audit(request):
    audit = AxeAudit(request.node.name)
    yield audit
    audit.check()


@pytest.fixture
def browser(chromium, axe_audit):
    return AuditedBrowser(chromium, axe_audit)


@pytest.fixture
def live_server(app):
    """Serve `app` on a free localhost port in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def staff(page, live_server):
    return StaffNavigator(page, live_server)
