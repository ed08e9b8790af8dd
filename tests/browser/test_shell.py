"""A clerk logs in, sees the home page, switches to English and back."""
import pytest

pytestmark = pytest.mark.browser


def test_clerk_home_and_language_switch(staff, make_user):
    make_user("clerk", username="chen", display_name="陈窗口")
    page = staff.login("chen").page
    assert page.locator("h1").first.inner_text().startswith("工作台")
    assert "陈窗口" in page.locator("nav").inner_text()
    page.click("#lang-switch")
    page.wait_for_load_state()
    assert page.locator("h1").first.inner_text().startswith("Workbench")
    assert page.locator("html").get_attribute("lang") == "en"
    page.click("#lang-switch")
    page.wait_for_load_state()
    assert page.locator("h1").first.inner_text().startswith("工作台")


def test_logout_ends_the_session(staff, make_user):
    make_user("reviewer", username="zhang")
    page = staff.login("zhang").page
    page.click("#logout")
    page.wait_for_load_state()
    staff.goto("/")
    assert "/auth/login" in page.url
