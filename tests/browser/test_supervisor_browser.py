"""A supervisor opens the dashboard for 2024, sees the report's figures and charts, and downloads the annual PDF."""

import pytest


pytestmark = pytest.mark.browser


@pytest.fixture
def app(demo_year_app):
    return demo_year_app


def test_supervisor_sees_the_2024_report_and_downloads_the_pdf(staff, make_user, tmp_path):
    make_user("supervisor", username="liu", display_name="刘主管")
    page = staff.login("liu").goto("/supervisor").page
    page.select_option("#period", "year")
    page.select_option("#year", "2024")
    page.click("#period-submit")
    page.wait_for_load_state()
    assert page.locator("#period-label").inner_text() == "2024年"
    headline = page.locator("#headline").inner_text()
    assert "共受理办结无线电行政许可审批业务58件" in headline
    assert "核发中华人民共和国无线电频率使用许可证2份，核发中华人民共和国无线电台执照19203份（其中纸质版44份，电子版19159份）" in headline
    assert "一窗受理率100%" in headline and "零跑动事项占比100%" in headline and "未收到差评" in headline
    tile = lambda key: page.locator(f'#tiles [data-key="{key}"] .tile-value, #rate-tiles [data-key="{key}"] .tile-value').first.inner_text()  # noqa: E731
    assert tile("cases.completed") == "58" and tile("station_licences_issued.total") == "19203"
    assert tile("ratings.coverage") == "100%" and tile("ratings.window_very_satisfied_rate") == "100%"
    assert tile("time_reduction_rate") == "95.8%" and tile("online_depth.min_level") == "IV"
    for chart in ("chart-months", "chart-turnaround", "chart-on-time", "chart-ratings", "chart-deferrals"):
        page.wait_for_selector(f'#{chart}[data-drawn="1"] svg')
    assert page.locator("#chart-months svg path").count() > 10          # bars were drawn
    # the 2024 view shows 2024 only: today's at-risk cases are on the home page
    assert page.locator("#at-risk").count() == 0 and page.locator("#live-note").is_visible()
    with page.expect_download() as download:
        page.click("#report-pdf")
    target = tmp_path / "report.pdf"
    download.value.save_as(target)
    assert target.read_bytes().startswith(b"%PDF") and download.value.suggested_filename == "report-2024-01-01-2024-12-31.pdf"
    staff.goto("/")
    assert page.locator("#at-risk tbody tr").count() >= 1              # the open cases before today
