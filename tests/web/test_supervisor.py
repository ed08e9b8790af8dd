"""The supervisor dashboard, its period picker, the exports and the statistics report."""
import csv
import io
import json
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from radiolic.extensions import db
from radiolic.models import Applicant
from radiolic.supervisor.exports import escape_cell
from tests.unit.test_indicators import march  # noqa: F401  (the hand-built March 2024)


def _supervisor(client, make_user, login):
    login(client, make_user("supervisor"))
    return client


def test_dashboard_shows_the_figures_of_the_period(client, make_user, login, march):  # noqa: F811
    _supervisor(client, make_user, login)
    page = client.get("/supervisor?period=month&year=2024&month=3").get_data(as_text=True)
    assert "2024年3月" in page
    assert "共受理办结无线电行政许可审批业务7件" in page
    assert "核发中华人民共和国无线电频率使用许可证1份，核发中华人民共和国无线电台执照6份（其中纸质版1份，电子版5份）" in page
    assert re.search(r'data-key="single_window_rate">.*?85\.7%', page, re.S)
    assert re.search(r'data-key="ratings.coverage">.*?57\.1%', page, re.S)
    data = json.loads(re.search(r'<script type="application/json" id="dashboard-data">(.*?)</script>', page, re.S)[1])
    assert data["turnaround"] == {"keys": ["1", "3", "5"], "data": [4, 1, 1], "name": "办结件数", "axis": "工作日"}
    # only the period's charts: open cases by days left are live figures, on the supervisor's home page
    assert set(data) == {"months", "turnaround", "on_time", "ratings", "deferrals"}
    assert "vendor/echarts.min.js" in page and "dashboard.js" in page


def test_period_picker_kinds(client, make_user, login, march):  # noqa: F811
    _supervisor(client, make_user, login)
    assert "2024年第1季度" in client.get("/supervisor?period=quarter&year=2024&quarter=1").get_data(as_text=True)
    custom = client.get("/supervisor?period=custom&from=2024-03-01&to=2024-03-05").get_data(as_text=True)
    assert "2024-03-01至2024-03-05" in custom and "共受理办结无线电行政许可审批业务2件" in custom   # F on 03-01, A on 03-05
    year = client.get("/supervisor?period=year&year=2024").get_data(as_text=True)
    assert "2024年，共受理办结" in year


def test_bad_period_is_explained_not_a_500(client, make_user, login):
    _supervisor(client, make_user, login)
    for query in ("period=week", "period=custom&from=2024-02-30&to=2024-03-01", "period=month&month=13",
                  "period=custom&from=2024-05-01&to=2024-04-01", "period=year&year=abc"):
        response = client.get(f"/supervisor?{query}")
        assert response.status_code == 400 and 'id="period-error"' in response.get_data(as_text=True), query
        assert client.get(f"/supervisor/export.csv?{query}").status_code == 400


def test_at_risk_and_open_cases(make_app, make_user, login, make_case):
    app = make_app()
    client = app.test_client()
    number = make_case("ST-NEW", "under_review")        # accepted 2024-09-23, promised due 09-24
    login(client, make_user("supervisor"))
    # live widgets are on the home page (as of today) ...
    page = client.get("/").get_data(as_text=True)
    at_risk = page.split('id="at-risk"')[1].split('id="open-cases"')[0]
    assert number in at_risk
    assert re.search(r'data-bucket="11\+"><td>[^<]*</td><td class="text-end">1<', page)
    assert 'id="work-orders"' in page
    # ... never in a period view, which shows only that period
    period = client.get("/supervisor?period=year&year=2024").get_data(as_text=True)
    assert 'id="at-risk"' not in period and 'id="open-cases"' not in period and 'id="work-orders"' not in period
    assert 'id="live-note"' in period


def test_dashboard_shows_names_and_explains_the_rates_not_api_keys(make_app, make_user, login, make_case):
    app = make_app()
    client = app.test_client()
    make_case("FP-NEW", "approved")
    login(client, make_user("supervisor"))
    page = client.get("/supervisor?period=year&year=2024").get_data(as_text=True)
    assert "<code>" not in page and "cases.received</" not in page
    by_item = page.split('id="by-item"')[1].split('id="by-channel"')[0]
    assert "FP-NEW" not in by_item and "频率使用许可" in by_item
    assert page.count('class="small text-muted indicator-note"') == 3
    bad = page.split('data-key="ratings.bad_rectified_on_time_rate"')[1].split("</tr>")[0]
    assert ">—<" in bad


def test_default_period_is_the_latest_year_with_completed_cases(make_app, make_user, login, make_case):
    from datetime import date

    from radiolic.models import Application, User
    from radiolic.workflow import intake
    app = make_app(FIXED_TODAY=date(2026, 3, 2))
    number = make_case("ST-NEW", "submitted")             # received 2024-09-23
    with app.app_context():
        case = db.session.scalar(select(Application).where(Application.number == number))
        intake.refuse(case, reason="不属于本局受理范围", by=db.session.scalars(select(User)).first(), on=date(2024, 9, 24))
        db.session.commit()
    client = app.test_client()
    login(client, make_user("supervisor"))
    page = client.get("/supervisor").get_data(as_text=True)
    assert '<span id="period-label">2024年</span>' in page
    assert "2026年" in client.get("/supervisor?period=year&year=2026").get_data(as_text=True)


def test_only_supervisors_see_it(client, make_user, login):
    for role in ("clerk", "reviewer", "admin"):
        c = client.application.test_client()
        login(c, make_user(role))
        assert c.get("/supervisor").status_code == 403
        assert c.get("/supervisor/report.pdf").status_code == 403


def _export_with_applicant_named(client, make_user, login, name: str, fmt: str):
    """Rename the first applicant to `name`, then download March 2024 as `fmt` (csv or xlsx)."""
    with client.application.app_context():
        applicant = db.session.scalar(select(Applicant).order_by(Applicant.id))
        applicant.name = name
        db.session.commit()
    _supervisor(client, make_user, login)
    return client.get(f"/supervisor/export.{fmt}?period=month&year=2024&month=3")


def test_csv_export_opens_and_escapes_formulas(client, make_user, login, march):  # noqa: F811
    response = _export_with_applicant_named(client, make_user, login, "=HYPERLINK(\"http://evil\")", "csv")
    assert response.headers["Content-Disposition"].startswith("attachment; filename=cases-2024-03-01")
    body = response.data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:4] == ["申请编号", "事项编码", "事项", "申请人"]
    assert len(rows) == 1 + 9           # every case received, accepted or completed in March (A–I)
    assert "'=HYPERLINK(\"http://evil\")" in [row[3] for row in rows]
    first = {row[0]: row for row in rows[1:]}
    assert any(r[7] == "已发证" and r[13] == "1" for r in first.values())


def test_xlsx_export_opens_and_escapes_formulas(client, make_user, login, march):  # noqa: F811
    response = _export_with_applicant_named(client, make_user, login, "@SUM(A1:A9)", "xlsx")
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["指标", "2024-03-01至2024-03-31"]
    summary = list(book["指标"].iter_rows(values_only=True))
    assert summary[0][0] == "统计周期：2024年3月" and summary[1] == ("指标", "数值")
    assert ("收件", "9") in [r[:2] for r in summary] or any(r[0] == "收件" for r in summary)
    assert not any(isinstance(v, str) and "." in v and v.islower() for r in summary for v in r)   # no API keys
    sheet = book.worksheets[1]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "申请编号" and len(rows) == 10
    assert "'@SUM(A1:A9)" in [row[3] for row in rows]
    assert all(not (isinstance(v, str) and v[:1] in "=+-@") for row in rows for v in row)


def test_indicator_csv(client, make_user, login, march):  # noqa: F811
    _supervisor(client, make_user, login)
    response = client.get("/supervisor/indicators.csv?period=month&year=2024&month=3")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][0].startswith("统计周期") and rows[1] == ["指标", "数值"]
    names = [r[0] for r in rows[2:]]
    assert "收件" in names and "差评按时整改率" in names and not any("." in n for n in names)


def test_report_reads_as_prose_first_then_figures(client, make_user, login, march, tmp_path):  # noqa: F811
    import shutil
    import subprocess
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    _supervisor(client, make_user, login)
    (tmp_path / "r.pdf").write_bytes(client.get("/supervisor/report.pdf?period=year&year=2024").data)
    text = subprocess.run(["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True).stdout
    flat = text.replace(" ", "").replace("\n", "")
    assert "我局共受理无线电行政许可审批业务" in flat and "工作情况报告" in flat
    assert flat.index("一、总体情况") < flat.index("四、服务评价") < flat.index("五、主要指标") < flat.index("七、图表")
    assert "接口字段" not in flat and "cases.received" not in flat and "FP-NEW" not in flat
    assert "各月核发纸质电台执照" in flat and "各月核发电子电台执照" in flat


def test_escape_cell():
    assert [escape_cell(v) for v in ("=1+1", "+86 138", "-5", "@x", "\tx", "ok", 5, None)] == \
        ["'=1+1", "'+86 138", "'-5", "'@x", "'\tx", "ok", 5, None]


def test_report_pdf(client, make_user, login, march):  # noqa: F811
    _supervisor(client, make_user, login)
    response = client.get("/supervisor/report.pdf?period=year&year=2024")
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    assert len(response.data) > 5000
