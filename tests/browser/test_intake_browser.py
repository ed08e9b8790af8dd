"""A clerk logs a station-licence application with two deferrable materials missing and accepts it with deferral."""
import pytest

pytestmark = pytest.mark.browser


def test_clerk_accepts_with_deferral_and_supplies_one_material(staff, make_user):
    make_user("clerk", username="chen", display_name="陈窗口")
    page = staff.login("chen").page
    staff.goto("/intake/new")
    page.select_option("#service_item", "ST-NEW")
    assert page.locator('.checklist[data-item="FP-NEW"]').is_hidden()
    page.fill("#id_code", "91441800123456788U")
    page.fill("#name", "清远北江通信有限公司")
    page.fill("#contact", "李工")
    page.fill("#phone", "13800138000")
    page.check("#m-ST-NEW-site_proof-missing")
    page.check("#m-ST-NEW-agent_authorisation-missing")
    page.click("#intake-save")
    page.wait_for_load_state()

    number = page.inner_text("#case-number")
    assert len(page.inner_text("#query-code")) == 10
    assert page.is_checked("#defer-site_proof") and page.is_checked("#defer-agent_authorisation")
    assert page.input_value("#signed_by") == "李工"
    page.click("#accept-deferred")
    page.wait_for_load_state()
    assert "已容缺受理" in page.inner_text("main")

    staff.goto(f"/cases/{number}")
    with page.expect_popup() as popup_info:
        page.click('#case-documents a[data-doc="commitment"]')
    popup = popup_info.value
    assert "/notices/commitment.pdf" in popup.url
    pdf = page.context.request.get(popup.url)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
    popup.close()

    staff.goto("/deferrals")
    rows = page.locator(f'#deferral-board tr[data-case="{number}"]')
    assert rows.count() == 2
    page.fill(f'tr[data-case="{number}"][data-material="site_proof"] input[name="supplied_from"]', "王五")
    page.click(f'tr[data-case="{number}"][data-material="site_proof"] button[type="submit"]')
    page.wait_for_load_state()
    assert "尚有 1 项容缺材料未补齐" in page.inner_text("main")
    remaining = page.locator(f'#deferral-board tr[data-case="{number}"]')
    assert remaining.count() == 1 and remaining.first.get_attribute("data-material") == "agent_authorisation"
