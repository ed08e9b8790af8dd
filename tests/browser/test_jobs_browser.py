"""A clerk starts the ZIP job of a big case, watches the progress bar move, downloads a whole ZIP."""
import time
import zipfile

import pytest

from tests.issuance_cases import issued_with_stations
from tests.jobs.test_jobs import consumer, real_queue  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


def test_zip_job_progress_bar_moves_then_the_download_is_a_whole_zip(app, staff, make_case, make_user, real_queue,
                                                                     tmp_path):
    n = 1000     # enough work that the bar is seen between 0 and 100 %
    number = issued_with_stations(app, make_case, make_user, n)
    make_user("clerk", username="chen")
    worker = consumer(app, real_queue, tmp_path / "consumer.log")
    try:
        page = staff.login("chen").goto(f"/cases/{number}").page
        page.click("#download-zip")
        page.wait_for_load_state()
        assert "/jobs/" in page.url and page.locator("#job-bar").count() == 1
        widths, deadline = [], time.monotonic() + 120
        while time.monotonic() < deadline and not page.locator("#job-download").is_visible():
            width = page.eval_on_selector("#job-bar", "e => parseFloat(e.style.width)")
            if not widths or widths[-1] != width:
                widths.append(width)
            time.sleep(0.05)
        assert page.locator("#job-download").is_visible(), (tmp_path / "consumer.log").read_text()[-2000:]
        moving = [w for w in widths if 0 < w < 100]
        assert moving and moving == sorted(moving), widths          # it moved forward, below 100 %
        assert page.locator("#job-count").inner_text() == f"{n} / {n}"
        with page.expect_download() as download_info:
            page.click("#job-download")
        archive = zipfile.ZipFile(download_info.value.path())
        assert archive.testzip() is None and len(archive.namelist()) == n
        page.reload()                                   # the finished job survives a reload
        assert page.locator("#job-download").is_visible()
    finally:
        worker.terminate()
        worker.wait(15)
