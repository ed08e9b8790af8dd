"""2026-12-01, no 2027 notice yet: a clerk accepts with two deferred materials, the dates show 暂定, the PDFs
render; then the admin enters the 2027 notice and the statutory due date moves, on the timeline too."""
from datetime import date, datetime, timezone, timedelta

import pytest
import time_machine

from tests.browser.navigators import AdminNavigator, ClerkNavigator
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


def test_december_acceptance_is_provisional_until_the_notice(page, live_server, make_user):
    make_user("clerk", username="chen", display_name="陈窗口")
    make_user("admin", username="root", display_name="管理员")
    clerk = ClerkNavigator(page, live_server).login("chen")
    number, _code = clerk.logs_case(item="ST-NEW", id_code="91441800123456788U", name="清远北江通信有限公司",
                                    phone="13800138000", missing=("site_proof", "agent_authorisation"))
    clerk.accepts_with_deferral()
    assert "已容缺受理" in clerk.text()

    clerk.opens_case(number)
    # 30 working days after Tue 2026-12-01: 22 in December, 元旦 Fri 01-01 off, 01-04..01-08, 01-11, 01-12, 01-13.
    statutory = clerk.text("#due-statutory")
    assert "2027-01-13" in statutory and "暂定" in statutory
    assert "暂定" not in clerk.text("#due-promised")   # 2026-12-02
    assert clerk.document("commitment").startswith(b"%PDF")
    assert clerk.document("acceptance").startswith(b"%PDF")

    page.context.clear_cookies()
    admin = AdminNavigator(page, live_server).login("root")
    assert "1 件在办案件的期限依赖暂定工作日" in admin.text("#calendar-status")
    admin.enters_holiday_notice(year=2027, source="国办发明电〔2026〕7号", text=NOTICE)
    assert "法定节假日齐全" in admin.text("#notice-complete")
    assert page.locator('#notice-preview tr[data-day="2027-01-09"]').count() == 1
    admin.confirms_holiday_notice()
    assert "1 件的期限有变化" in admin.text()

    admin.opens_case(number)
    statutory = admin.text("#due-statutory")
    assert "2027-01-12" in statutory and "暂定" not in statutory
    assert "法定期限 2027-01-13（暂定） → 2027-01-12" in admin.text("#timeline")
    page.context.clear_cookies()
    clerk.login("chen").opens_case(number)
    assert clerk.document("acceptance").startswith(b"%PDF")
