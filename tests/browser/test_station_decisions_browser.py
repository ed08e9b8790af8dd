"""A reviewer decides a 20,000-station case in Chromium: filter the district, refuse everything it matches with one
reason, undo, refuse again, check the answers and confirm — never more than one page of checkboxes."""
import time

import pytest
from sqlalchemy import select

from radiolic.extensions import db
from radiolic.models import Application, User
from radiolic.workflow import issuance

from ..conftest import TODAY
from ..issuance_cases import station_rows

pytestmark = pytest.mark.browser
N = 20_000


def test_refuse_a_district_of_a_20000_station_case(app, staff, make_user, make_case):
    reviewer = make_user("reviewer", username="wang", display_name="王审核")
    number = make_case("ST-NEW", "under_review", reviewer=reviewer)
    with app.app_context():
        case = db.session.scalar(select(Application).where(Application.number == number))
        issuance.add_stations(case, station_rows(N), by=db.session.get(User, reviewer.id), on=TODAY)
        db.session.commit()
    page = staff.login("wang").page
    staff.goto(f"/cases/{number}")
    page.click("#station-decisions")
    page.wait_for_load_state()
    assert page.get_attribute("#station-counts", "data-total") == str(N)
    assert page.locator("input[name=seq]").count() == 50

    started = time.perf_counter()
    page.fill("#f-q", "英德市")
    page.click("#filter-submit")
    page.wait_for_load_state()
    assert page.get_attribute("#matching", "data-total") == str(N // 5)
    page.check("#scope-1")                                   # all stations matching the filter
    page.fill("#reason", "台址位于自然保护区核心区")
    page.click("#refuse-selected")
    page.wait_for_load_state()
    elapsed = time.perf_counter() - started
    assert "已将 4000 个台站标记为不予许可" in page.inner_text("main")
    assert page.get_attribute("#station-counts", "data-refused") == "4000"
    print(f"filter and refuse 4000 of {N} stations: {elapsed:.2f}s")
    assert elapsed < 10, f"filter and refuse took {elapsed:.1f}s"

    page.click("#refusal-batches .undo-batch")
    page.wait_for_load_state()
    assert page.get_attribute("#station-counts", "data-refused") == "0"
    page.check("#scope-1")
    page.fill("#reason", "台址位于自然保护区核心区")
    page.click("#refuse-selected")
    page.wait_for_load_state()
    # One more by its checkbox on the first page of another district.
    page.fill("#f-q", "连州市")
    page.click("#filter-submit")
    page.wait_for_load_state()
    page.locator("input[name=seq]").first.check()
    page.fill("#reason", "发射功率超出规定")
    page.click("#refuse-selected")
    page.wait_for_load_state()
    assert page.get_attribute("#station-counts", "data-refused") == "4001"

    page.click("text=返回案件，作出决定")
    page.wait_for_load_state()
    page.check("#decide-outcome-0")
    page.fill("#decide-reason", "申请材料齐全，其余台站符合设台条件")
    page.click("#decide")
    page.wait_for_load_state()
    assert page.get_attribute("#check-stations", "data-approved") == str(N - 4001)
    assert page.get_attribute("#check-stations", "data-refused") == "4001"
    started = time.perf_counter()
    with page.expect_popup(timeout=120_000) as popup_info:
        page.click("#decide-preview")
    popup = popup_info.value
    popup.wait_for_load_state(timeout=120_000)
    print(f"preview of the decision listing 4001 refused stations: {time.perf_counter() - started:.1f}s")
    popup.close()
    page.set_default_timeout(120_000)       # the decision is archived (4001 table rows) right after it is made
    page.click("#decide-confirm")
    page.wait_for_load_state()
    assert "决定已作出" in page.inner_text("main")
    assert page.get_attribute("#decision [data-outcome]", "data-outcome") == "approve"
    assert f"准予 {N - 4001} 个，不予 4001 个" in page.inner_text("#decision")
