"""A clerk imports a 200-station XLSX, issues electronic licences, downloads the ZIP and verifies one licence."""
import io
import zipfile

import pytest

from radiolic.extensions import db
from radiolic.models import User
from radiolic.workflow import review
from tests.browser.navigators import ClerkNavigator
from tests.conftest import TODAY
from tests.issuance_cases import get_case, station_xlsx

pytestmark = pytest.mark.browser


def test_import_issue_download_verify(app, page, live_server, make_case, make_user, tmp_path):
    clerk_user = make_user("clerk", username="chen", display_name="陈窗口")
    reviewer = make_user("reviewer")
    number = make_case("ST-NEW", "under_review", clerk=clerk_user, reviewer=reviewer)
    app.config["PUBLIC_BASE_URL"] = live_server
    workbook = tmp_path / "stations.xlsx"
    workbook.write_bytes(station_xlsx(200))

    clerk = ClerkNavigator(page, live_server).login("chen")
    clerk.opens_case(number)
    assert clerk.imports_stations(workbook) == 200

    with app.app_context():      # the reviewer approves (their own page is another stage's)
        review.decide(get_case(number), outcome="approve", reason="符合条件",
                      by=db.session.get(User, reviewer.id), on=TODAY)
        db.session.commit()

    page.reload()
    clerk.issues_licences("electronic")     # 200 licences: the archive job runs inline in the tests
    assert "已发证 200 份" in clerk.flash()
    assert clerk.licence_count() == 200

    _name, body = clerk.downloads_licence_zip()
    names = zipfile.ZipFile(io.BytesIO(body)).namelist()
    assert len(names) == 200 and names[0] == "441800-2024-S-000001.pdf"

    page.go_back()
    verified = clerk.verifies_first_licence()
    assert verified["status"] == "valid"
    assert "有效" in verified["text"] and "441800-2024-S-000001" in verified["text"]
