"""The supervisor's journey on the 2024 demo year, as named steps: view the year, read the report's figures and
charts, export the indicators (CSV and the Excel with its indicator sheet), download the annual report; then a
quarter in English, and today's live work on the home page. Desktop 1366×900."""
import csv
import io
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from tests.browser.navigators import SupervisorNavigator, every_page_fits

pytestmark = pytest.mark.browser


@pytest.fixture
def app(demo_year_app):
    return demo_year_app


def test_supervisor_reads_exports_and_reports_the_year(page, live_server, make_user, axe_audit):
    make_user("supervisor", username="liu", display_name="刘主管")
    supervisor = SupervisorNavigator(page, live_server).login("liu")

    supervisor.views_year(2024)
    assert supervisor.period_label() == "2024年"
    headline = supervisor.headline()
    assert "共受理办结无线电行政许可审批业务58件" in headline
    assert "核发中华人民共和国无线电频率使用许可证2份，核发中华人民共和国无线电台执照19203份（其中纸质版44份，电子版19159份）" in headline
    assert "一窗受理率100%" in headline and "零跑动事项占比100%" in headline and "未收到差评" in headline
    assert supervisor.tile("cases.completed") == "58" and supervisor.tile("station_licences_issued.total") == "19203"
    assert supervisor.tile("ratings.coverage") == "100%"
    assert supervisor.tile("ratings.window_very_satisfied_rate") == "100%"
    assert supervisor.tile("time_reduction_rate") == "95.8%" and supervisor.tile("online_depth.min_level") == "IV"
    supervisor.sees_charts_drawn("chart-months", "chart-turnaround", "chart-on-time", "chart-ratings",
                                 "chart-deferrals")
    assert page.locator("#chart-months svg path").count() > 10          # bars were drawn
    # the 2024 view shows 2024 only: today's at-risk cases are on the home page
    assert page.locator("#at-risk").count() == 0 and page.locator("#live-note").is_visible()

    name, body = supervisor.exports("indicators-csv")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert name == "indicators-2024-01-01-2024-12-31.csv" and rows[1] == ["指标", "数值"]
    assert "办结" in [r[0] for r in rows[2:]]
    name, body = supervisor.exports("xlsx")
    book = load_workbook(io.BytesIO(body), read_only=True)
    assert book.sheetnames[0] == "指标" and len(book.sheetnames) == 2

    name, report = supervisor.downloads_annual_report()
    assert report.startswith(b"%PDF") and name == "report-2024-01-01-2024-12-31.pdf"
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-", "-"], input=report, capture_output=True).stdout.decode()
        assert "我局共受理无线电行政许可审批业务58件" in text.replace(" ", "").replace("\n", "")

    supervisor.switches_to("en")
    supervisor.views_quarter(2024, 4)
    assert "2024" in supervisor.period_label() and supervisor.tile("cases.completed").isdigit()
    supervisor.goto("/")
    assert page.locator("#at-risk tbody tr").count() >= 1              # the open cases before today
    every_page_fits(axe_audit, page)
