"""The clerk's journey at the window, as named steps: log a station-licence application with two deferrable
materials missing, accept it with deferral (容缺受理), print the visit's bundle, open the 承诺书, then tick one
deferred material off the board as it is handed in; a few pages again in English. Desktop 1366×900."""
import pytest

from tests.browser.navigators import ClerkNavigator, every_page_fits

pytestmark = pytest.mark.browser


def test_clerk_accepts_with_deferral_and_receives_one_material(page, live_server, make_user, axe_audit):
    make_user("clerk", username="chen", display_name="陈窗口")
    clerk = ClerkNavigator(page, live_server).login("chen")

    number, code = clerk.logs_case(item="ST-NEW", id_code="91441800123456788U", name="清远北江通信有限公司",
                                   phone="13800138000", missing=("site_proof", "agent_authorisation"))
    assert len(code) == 10
    # The decide page proposes the deferral of exactly what is missing, signed by the contact.
    assert page.is_checked("#defer-site_proof") and page.is_checked("#defer-agent_authorisation")
    assert page.input_value("#signed_by") == "李工"

    clerk.accepts_with_deferral()
    assert "已容缺受理" in clerk.text()
    assert clerk.query_code_shown() == code                  # still shown for this counter visit
    bundle = clerk.prints_bundle()
    assert bundle.startswith(b"%PDF")

    clerk.opens_case(number)
    assert clerk.document("commitment").startswith(b"%PDF")

    clerk.opens_deferral_board()
    assert clerk.deferred_rows(number).count() == 2
    clerk.receives_deferred_material(number, "site_proof", from_="王五")
    assert "尚有 1 项容缺材料未补齐" in clerk.text()
    remaining = clerk.deferred_rows(number)
    assert remaining.count() == 1 and remaining.first.get_attribute("data-material") == "agent_authorisation"

    # The same desk in English: the board and the case page.
    clerk.switches_to("en")
    assert clerk.deferred_rows(number).count() == 1
    clerk.opens_case(number)
    assert number in clerk.text("h1")
    clerk.switches_to("zh")
    every_page_fits(axe_audit, page)
