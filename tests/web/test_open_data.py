"""The public register as open-data files: written by publish(), served with ETag/Last-Modified, dated on the page."""
import csv
import io

import openpyxl
from sqlalchemy import select

from radiolic import open_data
from radiolic.extensions import db
from radiolic.models import Licence, User
from radiolic.workflow import issuance
from tests.conftest import TODAY
from tests.issuance_cases import approved_with_stations, get_case


def _issue(app, make_case, make_user, make_applicant, n, name="欧阳娜娜", id_code="441802199001010017"):
    person = make_applicant(kind="person", name=name, id_code=id_code)
    reviewer = make_user("reviewer")
    number = approved_with_stations(app, make_case, make_user, n, applicant_id=person, reviewer=reviewer,
                                    prefix="业余站")
    with app.app_context():
        issuance.issue(get_case(number), format="electronic", by=db.session.get(User, reviewer.id), on=TODAY)
        db.session.commit()


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_publish_writes_masked_csv_and_xlsx(app, make_case, make_user, make_applicant):
    _issue(app, make_case, make_user, make_applicant, 3)
    with app.app_context():
        meta = open_data.publish(TODAY)
        assert meta["rows"] == 3 and meta["as_of"] == TODAY.isoformat()
        rows = _rows(open_data.path("csv").read_bytes())
        book = openpyxl.load_workbook(open_data.path("xlsx"), read_only=True)
        assert open_data.info()["rows"] == 3
        text = open_data.path("csv").read_text("utf-8-sig")
    assert rows[0][0] == "编号" and len(rows) == 4 and {r[4] for r in rows[1:]} == {"欧阳**"}
    assert "核验码" not in rows[0]
    sheet = list(book["证照登记"].values)
    assert list(sheet[0]) == rows[0] and len(sheet) == 4 and sheet[1][4] == "欧阳**"
    assert "441802199001010017" not in text


def test_register_files_are_static_with_etag_and_304(app, client, make_case, make_user, make_applicant):
    _issue(app, make_case, make_user, make_applicant, 2)
    first = client.get("/register.csv")          # not generated yet: written once, then served
    assert first.status_code == 200 and len(_rows(first.get_data())) == 3
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    again = client.get("/register.csv", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    since = client.get("/register.csv", headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304
    xlsx = client.get("/register.xlsx")
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("spreadsheetml.sheet") and xlsx.headers["ETag"]
    page = client.get("/register").get_data(as_text=True)
    assert "开放数据文件生成于" in page and "共 2 行" in page
    # A filtered extract is still built for the request.
    assert len(_rows(client.get("/register.csv?number=none").get_data())) == 1


def test_page_before_the_first_run_says_so(client):
    page = client.get("/register").get_data(as_text=True)
    assert "开放数据文件将在首次下载时生成" in page


def test_issuing_through_the_api_refreshes_the_files(app, client, make_case, make_user, make_applicant, token_for):
    _issue(app, make_case, make_user, make_applicant, 1)
    with app.app_context():
        open_data.publish(TODAY)
    assert open_data_rows(app) == 1
    reviewer = make_user("reviewer")
    number = approved_with_stations(app, make_case, make_user, 2, reviewer=reviewer, prefix="基站")
    answer = client.post(f"/api/v1/applications/{number}/issue", json={"format": "electronic"},
                         headers=token_for(reviewer))
    assert answer.status_code == 201, answer.get_json()
    assert open_data_rows(app) == 3


def open_data_rows(app) -> int:
    with app.app_context():
        return open_data.info()["rows"]


def test_publish_command(app, make_case, make_user, make_applicant):
    _issue(app, make_case, make_user, make_applicant, 1)
    result = app.test_cli_runner().invoke(args=["register", "publish"])
    assert result.exit_code == 0 and "1 行" in result.output
    with app.app_context():
        assert db.session.scalar(select(Licence.number)) in open_data.path("csv").read_text("utf-8-sig")
