"""Readers never wait for the writer; untrusted workbooks are bounded before they are parsed (issue 12)."""
import io
import sqlite3
import threading
import time
import zipfile
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, select, text

from radiolic.database import AUDIT_LOCK_KEY, COUNTER_LOCK_KEY
from radiolic.extensions import db
from radiolic.models import Applicant, Licence, User
from radiolic.workflow import issuance
from tests.conftest import TODAY
from tests.issuance_cases import approved_with_stations, get_case, station_xlsx
from tests.web.test_lookup_apply import form, post

QUICK = 1.0     # seconds: a reader held behind the lock would wait busy_timeout (15 s)


@pytest.fixture
def verify_code(app, make_case, make_user):
    reviewer = make_user("reviewer")
    number = approved_with_stations(app, make_case, make_user, 2, reviewer=reviewer)
    with app.app_context():
        issuance.issue(get_case(number), format="electronic", by=db.session.get(User, reviewer.id), on=TODAY)
        db.session.commit()
        return db.session.scalars(select(Licence.verify_code)).first()


@contextmanager
def write_lock_held(app):
    """Another connection holds the database's write lock (and writes) until the block ends."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        conn = sqlite3.connect(uri.removeprefix("sqlite:///"), isolation_level=None, timeout=0.1)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE applicant SET contact = contact")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
    else:
        engine = create_engine(uri)
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:a), pg_advisory_xact_lock(:c)"),
                         {"a": AUDIT_LOCK_KEY, "c": COUNTER_LOCK_KEY})
            conn.execute(text("UPDATE licence SET holder_name = holder_name"))   # row locks on every licence
            conn.execute(text("UPDATE applicant SET contact = contact"))
            try:
                yield
            finally:
                conn.rollback()
        engine.dispose()


def writer_is_blocked(app) -> bool:
    """A second writer cannot get in (proves the lock in write_lock_held is real)."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        probe = sqlite3.connect(uri.removeprefix("sqlite:///"), isolation_level=None, timeout=0.05)
        try:
            probe.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as err:
            return "locked" in str(err)
        finally:
            probe.close()
        return False
    engine = create_engine(uri)
    with engine.connect() as conn:
        got = conn.execute(text("SELECT pg_try_advisory_xact_lock(:a)"), {"a": AUDIT_LOCK_KEY}).scalar()
        conn.rollback()
    engine.dispose()
    return not got


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def test_public_reads_answer_while_a_writer_holds_the_lock(app, client, verify_code, make_user, token_for):
    clerk = make_user("clerk")
    headers = token_for(clerk)
    with write_lock_held(app):
        assert writer_is_blocked(app)
        page, took = timed(lambda: client.get(f"/verify/{verify_code}"))
        assert page.status_code == 200 and 'data-status="valid"' in page.get_data(as_text=True) and took < QUICK
        api, took = timed(lambda: client.get(f"/api/v1/public/licences/{verify_code}"))
        assert api.status_code == 200 and api.get_json()["status"] == "valid" and took < QUICK
        status, took = timed(lambda: client.get("/status"))
        assert status.status_code == 200 and took < QUICK
        listing, took = timed(lambda: client.get("/api/v1/service-items", headers=headers))
        assert listing.status_code == 200 and took < QUICK


def test_a_write_request_waits_for_the_lock_then_succeeds(app, make_applicant):
    """Changing requests still take the write lock up front (no 'database is locked' on upgrade)."""
    applicant_id = make_applicant()
    done = {}

    def write():
        with app.app_context(), app.test_request_context("/", method="POST"):
            applicant = db.session.get(Applicant, applicant_id)
            applicant.contact = "张工"
            db.session.commit()
            done["at"] = time.perf_counter()

    with write_lock_held(app):
        worker = threading.Thread(target=write)
        worker.start()
        time.sleep(0.4)
        released = time.perf_counter()
        assert "at" not in done          # it is waiting for the lock, not reading a snapshot
    worker.join(10)
    assert done["at"] >= released
    with app.app_context():
        assert db.session.get(Applicant, applicant_id).contact == "张工"


# --- untrusted workbooks ------------------------------------------------------------------------------------


def shared_strings_bomb(megabytes: int = 51) -> bytes:
    """A valid-looking workbook whose shared strings unpack to `megabytes` MB from a few hundred KB."""
    good = zipfile.ZipFile(io.BytesIO(station_xlsx(1)))
    out = io.BytesIO()
    piece = b"<si><t>" + b"A" * 1000 + b"</t></si>"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in good.infolist():
            if info.filename != "xl/sharedStrings.xml":
                dst.writestr(info.filename, good.read(info.filename))
        with dst.open("xl/sharedStrings.xml", "w") as fh:
            fh.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            for _ in range(megabytes * 1024 * 1024 // len(piece)):
                fh.write(piece)
            fh.write(b"</sst>")
    return out.getvalue()


def test_an_xlsx_bomb_is_refused_fast_without_the_lock_and_the_database_stays_writable(app, client, monkeypatch):
    import openpyxl
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: pytest.fail("openpyxl reached"))
    bomb = shared_strings_bomb()
    assert len(bomb) < 1024 * 1024
    from radiolic.issuance.station_import import ImportRejected, parse_stations
    start = time.perf_counter()
    with pytest.raises(ImportRejected) as caught:
        parse_stations(bomb, "bomb.xlsx")
    assert time.perf_counter() - start < QUICK                  # refused in under a second
    assert "压缩炸弹" in caught.value.errors[0].message
    with write_lock_held(app):       # refusing it over HTTP needs no write lock at all
        response, took = timed(lambda: post(client, form(stations=(io.BytesIO(bomb), "stations.xlsx"))))
    body = response.get_data(as_text=True)
    # far below the 15 s busy timeout a locked request would wait (the whole request, on a busy machine)
    assert response.status_code == 422 and "压缩炸弹" in body and took < 3 * QUICK
    with app.app_context():
        assert db.session.scalar(select(Applicant).where(Applicant.name == "清远网申通信有限公司")) is None
    monkeypatch.undo()
    # The database stays writable: the same form with a good file goes through at once.
    response, took = timed(lambda: post(client, form(stations=(io.BytesIO(station_xlsx(2)), "stations.xlsx"))))
    assert response.status_code == 200 and 'id="case-number"' in response.get_data(as_text=True)


def test_too_many_rows_are_counted_and_refused_before_openpyxl(app, client, monkeypatch):
    import openpyxl

    from radiolic.issuance.station_import import ImportRejected, parse_stations
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: pytest.fail("openpyxl reached"))
    data = station_xlsx(30)
    with pytest.raises(ImportRejected) as caught:
        parse_stations(data, "big.xlsx", max_rows=20)
    assert "超过 20 行数据" in caught.value.errors[0].message


def test_a_writer_that_cannot_get_the_lock_in_time_gets_503_and_nothing_changes(make_app):
    """Past the busy timeout a write request is refused with 503 + Retry-After and a page that says nothing
    was saved: never a 500, never a half-written change (SQLite; PostgreSQL waits on its own locks)."""
    from radiolic.models import Attempt
    app = make_app(DATABASE_BUSY_SECONDS=0.2)
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite's busy timeout")
    client = app.test_client()
    with write_lock_held(app):          # a status lookup charges its try in a short write: it cannot get in
        page, took = timed(lambda: client.post("/status", data={"number": "SQ2024000001", "query_code": "ABCD1234"}))
    text = page.get_data(as_text=True)
    assert page.status_code == 503, (page.status_code, text[:300])
    assert page.headers["Retry-After"] == "5"
    assert "系统正忙" in text and "本次操作未保存" in text
    assert took < QUICK
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Attempt)) == 0
    again = client.post("/status", data={"number": "SQ2024000001", "query_code": "ABCD1234"})
    assert again.status_code == 200 and "系统正忙" not in again.get_data(as_text=True)   # the lock gone, it works
