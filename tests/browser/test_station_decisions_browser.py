"""A reviewer decides a 20,000-station case in Chromium: filter the district, refuse everything it matches with one
reason, undo, refuse again, check the answers and confirm — never more than one page of checkboxes."""
import time

import pytest
from sqlalchemy import select

from radiolic.extensions import db
from radiolic.models import Application, User
from radiolic.workflow import issuance
from tests.browser.navigators import ReviewerNavigator, keep_screenshot

from ..conftest import TODAY
from ..issuance_cases import station_rows

pytestmark = pytest.mark.browser
N = 20_000


def big_case(app, make_user, make_case, n: int = N) -> str:
    """A station-licence case under review by "wang" with `n` stations (5 districts, n/5 each)."""
    reviewer = make_user("reviewer", username="wang", display_name="王审核")
    number = make_case("ST-NEW", "under_review", reviewer=reviewer)
    with app.app_context():
        case = db.session.scalar(select(Application).where(Application.number == number))
        issuance.add_stations(case, station_rows(n), by=db.session.get(User, reviewer.id), on=TODAY)
        db.session.commit()
    return number


def test_refuse_a_district_of_a_20000_station_case(app, page, live_server, make_user, make_case):
    number = big_case(app, make_user, make_case)
    reviewer = ReviewerNavigator(page, live_server).login("wang")
    reviewer.opens_case(number).opens_station_decisions()
    assert reviewer.station_counts()["total"] == N
    assert page.locator("input[name=seq]").count() == 50

    started = time.perf_counter()
    reviewer.filters_stations(q="英德市")
    assert reviewer.matching() == N // 5
    reviewer.refuses_stations("台址位于自然保护区核心区", all_matching=True)
    elapsed = time.perf_counter() - started
    assert "已将 4000 个台站标记为不予许可" in reviewer.text()
    assert reviewer.station_counts()["refused"] == 4000
    print(f"filter and refuse 4000 of {N} stations: {elapsed:.2f}s")
    assert elapsed < 10, f"filter and refuse took {elapsed:.1f}s"

    reviewer.undoes_last_refusal()
    assert reviewer.station_counts()["refused"] == 0
    reviewer.refuses_stations("台址位于自然保护区核心区", all_matching=True)
    # One more by its checkbox on the first page of another district.
    reviewer.filters_stations(q="连州市")
    reviewer.refuses_stations("发射功率超出规定", first=1)
    assert reviewer.station_counts()["refused"] == 4001
    keep_screenshot(page, "station-decisions-20000")

    reviewer.returns_to_the_decision()
    reviewer.checks_decision(outcome="approve", reason="申请材料齐全，其余台站符合设台条件")
    checked = reviewer.checked()
    keep_screenshot(page, "decision-check-your-answers")
    assert (checked["approved"], checked["refused"]) == (str(N - 4001), "4001")
    started = time.perf_counter()
    reviewer.previews_draft(keep=False)
    print(f"preview of the decision listing 4001 refused stations: {time.perf_counter() - started:.1f}s")
    reviewer.decides(timeout=120)            # the decision is archived (4001 table rows) right after it is made
    assert "决定已作出" in reviewer.text()
    assert reviewer.decision_outcome() == "approve"
    assert f"准予 {N - 4001} 个，不予 4001 个" in reviewer.text("#decision")
