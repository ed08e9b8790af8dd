"""2026-12-01, no 2027 notice yet: a clerk accepts with two deferred materials, the dates show 暂定, the PDFs
render; then the admin enters the 2027 notice and the statutory due date moves, on the timeline too."""
from datetime import date, datetime, timezone, timedelta

import pytest
import time_machine

from tests.web.test_calendar_yearend import NOTICE

pytestmark = pytest.mark.browser
DEC1 = date(2026, 12, 1)


@pytest.fixture
def app(make_app):
    return make_app(FIXED_TODAY=DEC1)


@pytest.fixture(autouse=True)
def december():
    # 09:00 in China on 2026-12-01, ticking, for anything that reads the real clock.
    with time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=timezone(timedelta(hours=8))), tick=True):
        yield


def _pdf(page, selector):
    with page.expect_popup() as popup_info:
        page.click(selector)
    popup = popup_info.value
    pdf = page.context.request.get(popup.url)
    popup.close()
    assert pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
    return pdf.body()


def test_december_acceptance_is_provisional_until_the_notice(staff, make_user):
    make_user("clerk", username="chen", display_name="陈窗口")
    make_user("admin", username="root", display_name="管理员")
    page = staff.login("chen").page
    staff.goto("/intake/new")
    page.select_option("#service_item", "ST-NEW")
    page.fill("#id_code", "91441800123456788U")
    page.fill("#name", "清远北江通信有限公司")
    page.fill("#contact", "李工")
    page.fill("#phone", "13800138000")
    page.check("#m-ST-NEW-site_proof-missing")
    page.check("#m-ST-NEW-agent_authorisation-missing")
    page.click("#intake-save")
    page.wait_for_load_state()
    number = page.inner_text("#case-number")
    page.click("#accept-deferred")
    page.wait_for_load_state()
    assert "已容缺受理" in page.inner_text("main")

    staff.goto(f"/cases/{number}")
    # 30 working days after Tue 2026-12-01: 22 in December, 元旦 Fri 01-01 off, 01-04..01-08, 01-11, 01-12, 01-13.
    statutory = page.inner_text("#due-statutory")
    assert "2027-01-13" in statutory and "暂定" in statutory
    assert "暂定" not in page.inner_text("#due-promised")   # 2026-12-02
    _pdf(page, '#case-documents a[data-doc="commitment"]')
    _pdf(page, '#case-documents a[data-doc="acceptance"]')

    staff.page.context.clear_cookies()
    staff.login("root")
    assert "1 件在办案件的期限依赖暂定工作日" in page.inner_text("#calendar-status")
    staff.goto("/admin/calendar/notice")
    page.fill("#n-year", "2027")
    page.fill("#n-source", "国办发明电〔2026〕7号")
    page.fill("#n-text", NOTICE)
    page.click('button[name="n-preview"]')
    page.wait_for_load_state()
    assert "法定节假日齐全" in page.inner_text("#notice-complete")
    assert page.locator('#notice-preview tr[data-day="2027-01-09"]').count() == 1
    page.click("#notice-confirm")
    page.wait_for_load_state()
    assert "1 件的期限有变化" in page.inner_text("main")

    staff.goto(f"/cases/{number}")
    statutory = page.inner_text("#due-statutory")
    assert "2027-01-12" in statutory and "暂定" not in statutory
    assert "法定期限 2027-01-13（暂定） → 2027-01-12" in page.inner_text("#timeline")
    staff.page.context.clear_cookies()
    staff.login("chen").goto(f"/cases/{number}")
    _pdf(page, '#case-documents a[data-doc="acceptance"]')
