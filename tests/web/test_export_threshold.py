"""Exports over INLINE_EXPORT_ROWS rows are jobs: the GET shows a page whose button POSTs to start the job (a GET
creates no job row); at or under the limit the GET answers the file itself."""
import csv
import io
import re

from sqlalchemy import func, select

from radiolic.extensions import db
from radiolic.models import Job
from tests.issuance_cases import issued_with_stations
from tests.unit.test_indicators import march  # noqa: F401  (the hand-built March 2024: 9 cases)

MARCH = "period=month&year=2024&month=3"


def _jobs() -> int:
    db.session.rollback()
    n = db.session.scalar(select(func.count()).select_from(Job))
    db.session.rollback()
    return n


def _start_from_page(client, page: str) -> str:
    form = re.search(r'<form method="post" action="([^"]+)">(.*?)</form>', page, re.S)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(2)))
    fields.pop("csrf_token", None)
    response = client.post(form.group(1), data=fields)
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"], response.get_data(as_text=True)
    return response.headers["Location"].rsplit("/", 1)[1]


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_case_export_at_the_limit_is_inline(app, client, make_user, login, march):  # noqa: F811
    app.config["INLINE_EXPORT_ROWS"] = 9
    login(client, make_user("supervisor"))
    for fmt in ("csv", "xlsx"):
        response = client.get(f"/supervisor/export.{fmt}?{MARCH}")
        assert response.status_code == 200 and response.headers["Content-Disposition"].startswith("attachment")
    assert len(_csv_rows(client.get(f"/supervisor/export.csv?{MARCH}").data)) == 1 + 9
    assert _jobs() == 0


def test_case_export_over_the_limit_is_a_job_started_by_a_post(app, client, make_user, login, march):  # noqa: F811
    app.config["INLINE_EXPORT_ROWS"] = 8
    login(client, make_user("supervisor"))
    response = client.get(f"/supervisor/export.csv?{MARCH}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Content-Disposition" not in response.headers
    assert 'id="export-job-start" data-rows="9"' in page and "超过页面直接导出的上限 8 行" in page
    assert _jobs() == 0                                      # the GET created nothing
    job_id = _start_from_page(client, page)
    status = client.get(f"/jobs/{job_id}.json").get_json()
    assert status["state"] == "done" and status["filename"] == "cases-2024-03-01-2024-03-31.csv"
    assert len(_csv_rows(client.get(status["download"]).data)) == 1 + 9
    xlsx = client.get(f"/supervisor/export.xlsx?{MARCH}")
    assert xlsx.status_code == 200 and 'action="/supervisor/export.xlsx/job"' in xlsx.get_data(as_text=True)
    status = client.get(f"/jobs/{_start_from_page(client, xlsx.get_data(as_text=True))}.json").get_json()
    from openpyxl import load_workbook
    book = load_workbook(io.BytesIO(client.get(status["download"]).data))
    assert book.sheetnames == ["指标", "2024-03-01至2024-03-31"]           # the same workbook as inline
    assert len(list(book.worksheets[1].iter_rows())) == 1 + 9


def test_register_extract_on_both_sides_of_the_limit(app, client, make_case, make_user, login):
    number = issued_with_stations(app, make_case, make_user, 3)
    login(client, make_user("clerk"))
    app.config["INLINE_EXPORT_ROWS"] = 3
    inline = client.get(f"/cases/{number}/register.csv")
    assert inline.status_code == 200 and len(_csv_rows(inline.data)) == 1 + 3
    app.config["INLINE_EXPORT_ROWS"] = 2
    for started, fmt in enumerate(("csv", "xlsx")):
        response = client.get(f"/cases/{number}/register.{fmt}")
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and 'data-rows="3"' in page
        with app.app_context():
            assert _jobs() == started          # the GET created no job
        job_id = _start_from_page(client, page)
        status = client.get(f"/jobs/{job_id}.json").get_json()
        assert status["state"] == "done" and status["filename"] == f"{number}-register.{fmt}"
        data = client.get(status["download"]).data
        if fmt == "csv":
            assert len(_csv_rows(data)) == 1 + 3
        else:
            from openpyxl import load_workbook
            assert len(list(load_workbook(io.BytesIO(data)).worksheets[0].iter_rows())) == 1 + 3
