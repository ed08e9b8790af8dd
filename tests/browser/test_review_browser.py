"""A reviewer opens the most urgent case, pauses it for expert review, resumes it, approves it and sees the PDF."""
from datetime import date

import pytest

pytestmark = pytest.mark.browser


def test_reviewer_works_the_most_urgent_case(staff, make_user, make_case):
    make_user("reviewer", username="wang", display_name="王审核")
    make_case("ST-NEW", "accepted")                                   # due tomorrow against the promise
    urgent = make_case("FP-NEW", "accepted", on=date(2024, 9, 2))     # 13 working days over the promise
    page = staff.login("wang").page
    page.click("nav >> text=审查队列")
    page.wait_for_load_state()
    first = page.locator("#review-queue tbody tr").first
    assert first.get_attribute("data-number") == urgent and first.get_attribute("data-urgency") == "overdue"
    first.locator("a").first.click()
    page.wait_for_load_state()
    assert page.inner_text("h1") == urgent

    page.click("#start-review")
    page.wait_for_load_state()
    assert "已开始审查" in page.inner_text("main")

    page.click("#pause-panel summary")
    page.select_option("#pause-kind", "expert_review")
    page.fill("#pause-reason", "频率使用技术方案需组织专家评审")
    page.fill("#pause-expected_days", "5")
    page.click("#pause")
    page.wait_for_load_state()
    assert "已暂停计时" in page.inner_text("main")
    assert page.locator('#clock-stops tr[data-stop="expert_review"]').count() == 1

    page.fill("#resume-note", "专家评审意见：同意")
    page.click("#resume")
    page.wait_for_load_state()
    assert "已恢复计时" in page.inner_text("main")

    page.check("#decide-outcome-0")
    page.fill("#decide-reason", "材料齐全，符合法定条件")
    page.click("#decide")
    page.wait_for_load_state()
    assert page.get_attribute("#check-outcome", "data-outcome") == "approve"      # check your answers first
    page.click("#decide-confirm")
    page.wait_for_load_state()
    assert "决定已作出" in page.inner_text("main")
    assert page.get_attribute("#decision [data-outcome]", "data-outcome") == "approve"
    timeline = page.inner_text("#timeline")
    for step in ("开始审查", "暂停计时", "恢复计时", "准予许可"):
        assert step in timeline

    with page.expect_popup() as popup_info:
        page.click("#decision-pdf")
    popup = popup_info.value
    assert popup.url.endswith(f"/cases/{urgent}/decision.pdf")
    pdf = page.context.request.get(popup.url)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
    popup.close()
