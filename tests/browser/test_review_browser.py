"""The reviewer's journey, as named steps: take the most urgent case from the queue, start the review, stop the
clock for an expert review and restart it, refuse some stations (by filter, undone, then by checkbox), check the
answers with the 样稿 preview, decide, open the decision; the station page and the case again in English.
Desktop 1366×900."""
import shutil
import subprocess
from datetime import date

import pytest

from tests.browser.navigators import ReviewerNavigator, every_page_fits

pytestmark = pytest.mark.browser


def test_reviewer_works_the_most_urgent_case(page, live_server, make_user, make_case, axe_audit):
    make_user("reviewer", username="wang", display_name="王审核")
    make_case("FP-NEW", "accepted")                                               # due tomorrow against the promise
    urgent = make_case("ST-NEW", "accepted", on=date(2024, 9, 2), stations=12)    # 13 working days over the promise
    reviewer = ReviewerNavigator(page, live_server).login("wang")

    assert reviewer.takes_most_urgent_case() == urgent
    assert reviewer.text("h1") == urgent

    reviewer.starts_review()
    assert "已开始审查" in reviewer.text()
    reviewer.stops_clock(kind="expert_review", reason="频率使用技术方案需组织专家评审", expected_days=5)
    assert "已暂停计时" in reviewer.text()
    assert page.locator('#clock-stops tr[data-stop="expert_review"]').count() == 1
    reviewer.restarts_clock("专家评审意见：同意")
    assert "已恢复计时" in reviewer.text()

    # Per-station decisions: three stations by a filter, undone; then one by its checkbox.
    reviewer.opens_station_decisions()
    assert reviewer.station_counts()["total"] == 12
    reviewer.filters_stations(q="清远测试基站01")
    assert reviewer.matching() == 3
    reviewer.refuses_stations("台址位于自然保护区核心区", all_matching=True)
    assert reviewer.station_counts()["refused"] == 3
    reviewer.undoes_last_refusal()
    assert reviewer.station_counts()["refused"] == 0
    reviewer.refuses_stations("发射功率超出规定", first=1)
    assert reviewer.station_counts()["refused"] == 1
    reviewer.switches_to("en")                   # the station page in English, then back
    assert reviewer.station_counts()["refused"] == 1
    reviewer.switches_to("zh")

    # Check your answers (nothing decided yet), the draft, then the decision.
    reviewer.returns_to_the_decision()
    reviewer.checks_decision(outcome="approve", reason="材料齐全，其余台站符合设台条件")
    checked = reviewer.checked()
    assert (checked["outcome"], checked["approved"], checked["refused"]) == ("approve", "11", "1")
    assert "决定书" in checked["sent"]
    draft = reviewer.previews_draft()
    assert draft.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-", "-"], input=draft, capture_output=True).stdout.decode()
        assert "样稿" in text.replace(" ", "")
    reviewer.decides()
    assert "决定已作出" in reviewer.text()
    assert reviewer.decision_outcome() == "approve"
    timeline = reviewer.text("#timeline")
    for step in ("开始审查", "暂停计时", "恢复计时", "准予许可"):
        assert step in timeline
    assert reviewer.decision_pdf().startswith(b"%PDF")

    with page.expect_popup() as popup_info:
        page.click("#decision-pdf")
    popup = popup_info.value
    assert popup.url.endswith(f"/cases/{urgent}/decision.pdf")
    pdf = page.context.request.get(popup.url)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
    popup.close()
    reviewer.switches_to("en")                   # the decided case in English
    assert reviewer.decision_outcome() == "approve"
    every_page_fits(axe_audit, page)
