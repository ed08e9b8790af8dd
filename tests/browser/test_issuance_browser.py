"""A clerk imports a 200-station XLSX, issues electronic licences, downloads the ZIP and verifies one licence."""
import zipfile

import pytest

from radiolic.extensions import db
from radiolic.models import User
from radiolic.workflow import review
from tests.conftest import TODAY
from tests.issuance_cases import get_case, station_xlsx

pytestmark = pytest.mark.browser


def test_import_issue_download_verify(app, staff, live_server, make_case, make_user, tmp_path):
    clerk = make_user("clerk", username="chen", display_name="陈窗口")
    reviewer = make_user("reviewer")
    number = make_case("ST-NEW", "under_review", clerk=clerk, reviewer=reviewer)
    app.config["PUBLIC_BASE_URL"] = live_server
    workbook = tmp_path / "stations.xlsx"
    workbook.write_bytes(station_xlsx(200))

    page = staff.login("chen").goto(f"/cases/{number}").page
    page.set_input_files("#import-form input[type=file]", str(workbook))
    page.click("#import-submit")
    page.wait_for_load_state()
    assert page.locator("#station-count").inner_text() == "200"

    with app.app_context():      # the reviewer approves (their own page is another stage's)
        review.decide(get_case(number), outcome="approve", reason="符合条件",
                      by=db.session.get(User, reviewer.id), on=TODAY)
        db.session.commit()

    page.reload()
    page.select_option("#issue-form select[name=format]", "electronic")
    page.click("#issue-submit", timeout=180_000)     # 200 licences: the archive job runs inline in the tests
    page.wait_for_load_state()
    assert "已发证 200 份" in page.locator(".alert-success").inner_text()
    assert page.locator("#licence-count").inner_text() == "200"

    page.click("#download-zip")        # builds the ZIP as a job (inline in tests), then its page offers it
    page.wait_for_load_state()
    with page.expect_download() as download_info:
        page.click("#job-download")
    path = download_info.value.path()
    names = zipfile.ZipFile(path).namelist()
    assert len(names) == 200 and names[0] == "441800-2024-S-000001.pdf"

    page.go_back()
    page.locator("a.verify-link").first.click()
    page.wait_for_load_state()
    result = page.locator("#verify-result")
    assert result.get_attribute("data-status") == "valid"
    assert "有效" in result.inner_text() and "441800-2024-S-000001" in result.inner_text()
