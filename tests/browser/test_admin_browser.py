"""The administrator's journey, as named steps: add an account (a guessable password is refused with its reason,
in Chinese and in English), enter next year's holiday notice in one go, write an item's 办事指南 and see it on
the public guide page. Desktop 1366×900."""
import pytest

from tests.browser.navigators import AdminNavigator, every_page_fits
from tests.web.test_calendar_yearend import NOTICE

pytestmark = pytest.mark.browser


def test_admin_accounts_calendar_and_service_guide(page, live_server, make_user, axe_audit):
    make_user("admin", username="root", display_name="管理员")
    admin = AdminNavigator(page, live_server).login("root")

    # Accounts: the password rules give the reason, and nothing is added until the password is strong.
    errors = admin.adds_account(username="zhou", name="周窗口", role="clerk", password="password1234", window_no="5")
    assert errors and "密码太容易被猜到" in errors[0] and "password" in errors[0]
    assert "zhou" not in admin.accounts()
    admin.switches_to("en")
    errors = admin.adds_account(username="zhou", name="周窗口", role="clerk", password="qingyuan2024")
    assert errors and "too easy to guess" in errors[0]
    admin.switches_to("zh")
    assert admin.adds_account(username="zhou", name="周窗口", role="clerk", password="Beijiang tower 7 radio",
                              window_no="5") == []
    assert "已添加账号 zhou" in admin.flash() and "zhou" in admin.accounts()

    # Calendar: next year's State Council notice, previewed, then entered at once.
    admin.enters_holiday_notice(year=2027, source="国办发明电〔2026〕7号", text=NOTICE)
    assert "法定节假日齐全" in admin.text("#notice-complete")
    assert page.locator('#notice-preview tr[data-day="2027-10-07"]').count() == 1
    admin.confirms_holiday_notice()
    assert "2027 年放假安排已录入" in admin.flash()

    # Catalogue: the item's 办事指南, as the public reads it.
    admin.writes_service_guide("ST-NEW", guide_conditions="依法成立的单位；设台地点已取得使用权。",
                               guide_fees="不收取费用。", guide_window="清远市政务服务中心二楼 12 号窗口，工作日 9:00–17:30")
    assert "事项已保存" in admin.flash()
    admin.goto("/apply/ST-NEW/guide")
    assert "依法成立的单位；设台地点已取得使用权。" in admin.text("#guide-conditions")
    assert "12 号窗口" in admin.text("#guide-window")
    admin.switches_to("en")
    assert page.locator("#guide-conditions").count() == 1
    every_page_fits(axe_audit, page)
