"""Long work as huey jobs: progress, whole files only, a consumer killed mid-ZIP, the daily runs."""
import io
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from radiolic import jobs
from radiolic.extensions import db
from radiolic.jobs import tasks
from radiolic.jobs.queue import huey, storage_kind, use_storage
from radiolic.models import Job, OutboxMessage, User
from tests.conftest import TODAY
from tests.issuance_cases import issued_with_stations
from tests.unit.test_indicators import march  # noqa: F401  (the hand-built March 2024)

ROOT = Path(__file__).resolve().parents[2]
# CI runs this file once more with the queue on Redis (a database number of its own).
REDIS_URL = os.environ.get("RADIOLIC_TEST_REDIS_URL", "")


def start_zip(client, number):
    response = client.post(f"/cases/{number}/licences.zip/job")
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"], response.get_data(as_text=True)
    return response.headers["Location"].rsplit("/", 1)[1]


def test_zip_job_runs_and_serves_a_complete_zip_to_its_owner_only(app, client, make_case, make_user, login):
    number = issued_with_stations(app, make_case, make_user, 3)
    clerk, other = make_user("clerk"), make_user("clerk")
    login(client, clerk)
    job_id = start_zip(client, number)
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert 'id="job-bar"' in page and "jobs.js" in page and 'data-state="done"' in page
    state = client.get(f"/jobs/{job_id}.json").get_json()
    assert (state["state"], state["done"], state["total"], state["filename"]) == ("done", 3, 3, f"{number}-licences.zip")
    download = client.get(state["download"])
    archive = zipfile.ZipFile(io.BytesIO(download.get_data()))
    assert download.mimetype == "application/zip" and archive.testzip() is None
    assert archive.namelist() == [f"441800-2024-S-00000{i}.pdf" for i in (1, 2, 3)]
    assert sorted(os.listdir(app.config["JOBS_FOLDER"])) == [f"{job_id}.zip"]      # no .part left
    stranger = app.test_client()
    login(stranger, other)
    assert stranger.get(f"/jobs/{job_id}.json").status_code == 404
    assert stranger.get(f"/jobs/{job_id}/download").status_code == 404
    assert app.test_client().get(f"/jobs/{job_id}.json").status_code in (302, 401, 403)


def test_a_big_print_bundle_becomes_a_job(app, client, make_case, make_user, login):
    app.config["ZIP_INLINE_MAX"] = 1
    number = issued_with_stations(app, make_case, make_user, 2, format="paper")
    login(client, make_user("clerk"))
    response = client.post(f"/cases/{number}/print", data={"copies": "1"})
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    state = client.get(response.headers["Location"] + ".json").get_json()
    assert state["state"] == "done" and state["filename"] == f"{number}-paper.zip"
    assert zipfile.ZipFile(io.BytesIO(client.get(state["download"]).get_data())).testzip() is None
    # the inline GET refuses a ZIP this size and points to the job button
    assert client.get(f"/cases/{number}/licences.zip").status_code == 302


def test_a_job_file_is_served_only_once_complete_and_a_failure_leaves_no_file(app, client, make_user, login):
    clerk = make_user("clerk")
    login(client, clerk)
    seen = {}

    @jobs.job_kind("test_halfway")
    def halfway(params, out, progress):
        out.write(b"half")
        progress(1, 2, force=True)
        job_id = db.session.scalar(select(Job.id).where(Job.kind == "test_halfway"))
        seen["json"] = client.get(f"/jobs/{job_id}.json").get_json()
        seen["download"] = client.get(f"/jobs/{job_id}/download").status_code
        if params.get("fail"):
            raise RuntimeError("disk full")
        out.write(b" and whole")
        return "x.txt", "text/plain"

    try:
        with app.app_context():
            ok = jobs.start("test_halfway", {}, user=db.session.get(User, clerk.id)).id
        assert (seen["json"]["state"], seen["json"]["done"], seen["json"]["total"]) == ("running", 1, 2)
        assert seen["download"] == 404
        assert client.get(f"/jobs/{ok}/download").data == b"half and whole"
        with app.app_context():
            bad = jobs.start("test_halfway", {"fail": True}, user=db.session.get(User, clerk.id))
            assert (bad.state, bad.error) == ("failed", "RuntimeError: disk full")
            assert not any(name.startswith(bad.id) for name in os.listdir(app.config["JOBS_FOLDER"]))
        assert client.get(f"/jobs/{bad.id}/download").status_code == 404
        assert "disk full" in client.get(f"/jobs/{bad.id}").get_data(as_text=True)
    finally:
        jobs.KINDS.pop("test_halfway", None)


def test_daily_runs_are_periodic_tasks_and_outbox_delivery_runs(ctx):
    names = {task.__name__ for task in huey._registry._periodic_tasks}
    assert {"daily.deferrals_check", "daily.review_clocks", "daily.licences_check", "daily.ratings_invite",
            "outbox.deliver", "jobs.watchdog"} <= names
    for fn in (tasks.deferrals_check, tasks.review_clocks, tasks.licences_check, tasks.ratings_invite):
        fn.task.call_local()          # each runs in the app and commits without error
    db.session.add(OutboxMessage(kind="deferral_reminder", channel="sms", recipient="13800138000", body="提醒",
                                 dedupe_key="t-1"))
    db.session.commit()
    tasks.deliver_outbox.call_local()
    assert db.session.scalar(select(OutboxMessage.sent_at)) is not None


# --- a real consumer -----------------------------------------------------------------------------------------


@pytest.fixture
def real_queue(tmp_path, jobs_run_inline):
    """The queue on a real store (a SQLite file, or Redis in CI's second run), shared with a consumer process."""
    huey.immediate = False
    if REDIS_URL:
        use_storage(redis_url=REDIS_URL)
    else:
        use_storage(sqlite_path=str(tmp_path / "queue.sqlite"))
    assert storage_kind() == ("redis" if REDIS_URL else "sqlite")
    huey.flush()
    yield tmp_path / "queue.sqlite"
    huey.flush()
    use_storage()
    huey.immediate = True


def consumer(app, queue_file: Path, log: Path) -> subprocess.Popen:
    env = {**os.environ, "RADIOLIC_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "RADIOLIC_SECRET_KEY": "test-secret", "RADIOLIC_UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"],
           "RADIOLIC_JOBS_FOLDER": app.config["JOBS_FOLDER"], "RADIOLIC_SIGNING_KEY_PATH": app.config["SIGNING_KEY_PATH"],
           "RADIOLIC_FIXED_TODAY": TODAY.isoformat(), "RADIOLIC_ISSUANCE_RENDER_PROCESSES": "1",
           "RADIOLIC_JOBS_QUEUE": str(queue_file), "RADIOLIC_JOBS_IMMEDIATE": "false"}
    if REDIS_URL:
        env["RADIOLIC_REDIS_URL"] = REDIS_URL
    return subprocess.Popen([sys.executable, "-m", "huey.bin.huey_consumer", "radiolic.jobs.worker.huey",
                             "-k", "thread", "-w", "1", "-n", "-d", "0.05", "-m", "0.2"],
                            cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)


def wait_for(app, job_id, test, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with app.app_context():
            job = db.session.get(Job, job_id)
            if test(job):
                return job
        time.sleep(0.02)
    raise AssertionError(f"job {job_id} never got there")


@pytest.mark.slow
def test_a_consumer_killed_mid_zip_restarts_it_and_the_zip_is_complete(app, client, make_case, make_user, login,
                                                                     real_queue, tmp_path):
    n = 120
    number = issued_with_stations(app, make_case, make_user, n)
    login(client, make_user("clerk"))
    job_id = start_zip(client, number)
    assert client.get(f"/jobs/{job_id}.json").get_json()["state"] == "queued"
    log = tmp_path / "consumer.log"
    first = consumer(app, real_queue, log)
    try:
        wait_for(app, job_id, lambda j: j.state == "running" and 0 < j.done < n)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert job.state == "running" and job.done < n and jobs.result_path(job) is None
    assert client.get(f"/jobs/{job_id}/download").status_code == 404      # never half a file
    second = consumer(app, real_queue, log)
    try:
        job = wait_for(app, job_id, lambda j: j.state in ("done", "failed"), timeout=120)
    finally:
        second.send_signal(signal.SIGINT)
        try:
            second.wait(15)
        except subprocess.TimeoutExpired:
            second.kill()
    assert job.state == "done", log.read_text()[-3000:]
    assert job.attempts == 2 and job.done == n
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/jobs/{job_id}/download").get_data()))
    assert archive.testzip() is None and len(archive.namelist()) == n
    assert sorted(os.listdir(app.config["JOBS_FOLDER"])) == [f"{job_id}.zip"]


def test_supervisor_report_and_export_as_jobs(app, client, make_user, login, march):  # noqa: F811
    login(client, make_user("supervisor"))
    page = client.get("/supervisor?period=month&year=2024&month=3").get_data(as_text=True)
    assert 'id="report-pdf-job"' in page and 'id="export-xlsx-job"' in page
    response = client.post("/supervisor/report.pdf/job", data={"period": "year", "year": "2024"})
    assert response.status_code == 302
    state = client.get(response.headers["Location"] + ".json").get_json()
    assert (state["state"], state["filename"]) == ("done", "report-2024-01-01-2024-12-31.pdf")
    assert client.get(state["download"]).data.startswith(b"%PDF")
    response = client.post("/supervisor/export.csv/job", data={"period": "month", "year": "2024", "month": "3"})
    state = client.get(response.headers["Location"] + ".json").get_json()
    assert state["state"] == "done" and state["filename"] == "cases-2024-03-01-2024-03-31.csv"
    rows = client.get(state["download"]).data.decode("utf-8-sig").splitlines()
    assert rows[0].startswith("申请编号") and len(rows) == 1 + 9
    bad = client.post("/supervisor/export.xlsx/job", data={"period": "month", "year": "2024", "month": "13"})
    assert bad.status_code == 302 and "/jobs/" not in bad.headers["Location"]
    db.session.rollback()           # (march keeps an app context open: read in it, afresh)
    assert db.session.scalar(select(func.count()).select_from(Job)) == 2


def test_a_big_station_import_is_a_job_with_its_outcome_on_the_page(app, client, make_case, make_user, login):
    from tests.issuance_cases import station_csv, station_xlsx
    from radiolic.models import Station
    from radiolic.issuance.station_import import count_rows
    assert count_rows(station_csv(5)) == 5 and count_rows(station_xlsx(7)) == 7
    app.config["IMPORT_INLINE_MAX"] = 3
    clerk = make_user("clerk")
    number = make_case("ST-NEW", "under_review", clerk=clerk)
    login(client, clerk)
    response = client.post(f"/cases/{number}/stations/import", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(station_xlsx(5)), "big.xlsx"), "mode": "append"})
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    state = client.get(response.headers["Location"] + ".json").get_json()
    assert state["state"] == "done" and state["note"] == "已导入 5 个台站（追加）。"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Station)) == 5
        assert not any(n.endswith(".upload") for n in os.listdir(app.config["JOBS_FOLDER"]))
    lines = station_csv(4).decode().splitlines()
    longitude = lines[0].split(",").index("longitude")
    bad = "\n".join([lines[0]] + [",".join(v if i != longitude else "东经" for i, v in enumerate(line.split(",")))
                                  for line in lines[1:]]).encode()
    response = client.post(f"/cases/{number}/stations/import", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(bad), "bad.csv"), "mode": "replace"})
    state = client.get(response.headers["Location"] + ".json").get_json()
    assert state["state"] == "done" and state["note"].startswith("导入被拒绝：共") and state["filename"].endswith("errors.csv")
    report = client.get(state["download"]).data.decode("utf-8-sig")
    assert "行" in report.splitlines()[0] or len(report.splitlines()) > 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Station)) == 5      # nothing changed
