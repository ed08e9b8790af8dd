"""The applicant's journey, as named steps, on a phone (390×844) and at a desktop (1366×900): look the case up
with the number and query code, see the working days left; after the decision, see the right step, the decision
with the refused station, and download the decision and an electronic licence; rate the service; read the page in
English too."""
import re

import pytest

from radiolic.extensions import db
from radiolic.models import User
from radiolic.workflow import issuance, review
from tests.browser.navigators import DESKTOP, PHONE, ApplicantNavigator, every_page_fits, keep_screenshot
from tests.conftest import TODAY
from tests.issuance_cases import get_case
from tests.web.test_lookup import CODE, with_code

pytestmark = pytest.mark.browser


def decide_and_issue(app, number: str, reviewer) -> None:
    """The office's side (another journey): approve all stations but one, then issue electronic licences."""
    with app.app_context():
        case, by = get_case(number), db.session.get(User, reviewer.id)
        review.decide(case, outcome="approve", reason="材料齐全，其余台站符合设台条件", by=by, on=TODAY,
                      refused_stations=[{"station": "清远测试基站002", "reason": "与机场导航频率冲突"}])
        issuance.issue(case, format="electronic", by=by, on=TODAY)
        db.session.commit()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_applicant_follows_the_case_to_the_licence(app, browser, live_server, make_case, make_user, axe_audit,
                                                   viewport):
    reviewer = make_user("reviewer")
    number = with_code(app, make_case("ST-NEW", "under_review", reviewer=reviewer, stations=3))
    context = browser.new_context(locale="zh-CN", viewport=viewport, is_mobile=viewport is PHONE,
                                  has_touch=viewport is PHONE)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        applicant = ApplicantNavigator(page, live_server).looks_up(number, CODE)
        assert applicant.state() == "under_review"
        assert re.fullmatch(r"剩 \d+ 个工作日", applicant.days_left())
        assert applicant.steps()["under_review"] == "current"

        decide_and_issue(app, number, reviewer)
        page.reload()
        steps = applicant.steps()
        assert steps["decided"] == "done" and steps["issued"] == "done"
        assert page.locator("#days-left").count() == 0 and "进行中" not in applicant.text("#steps")
        assert "准予许可" in applicant.decision()
        assert "清远测试基站002" in applicant.refused_stations() and "与机场导航频率冲突" in applicant.refused_stations()
        assert "decision" in applicant.documents()
        assert applicant.downloads_document("decision").startswith(b"%PDF")
        assert len(applicant.licences()) == 2
        assert applicant.downloads_licence(0).startswith(b"%PDF")
        keep_screenshot(page, f"applicant-issued-{'phone' if viewport is PHONE else 'desktop'}")

        applicant.rates(5, "窗口办理很快")
        assert page.locator("#thanks, #already-rated").count() >= 1

        applicant.goto(f"/status/case/{number}").switches_to("en")
        assert applicant.state() == "issued" and "decision" in applicant.documents()
        keep_screenshot(page, f"applicant-issued-en-{'phone' if viewport is PHONE else 'desktop'}")
        every_page_fits(axe_audit, page)
    finally:
        context.close()
