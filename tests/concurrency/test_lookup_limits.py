"""The lookup limits hold across 4 gunicorn workers (the attempts are counted in the database, not per process)."""
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from radiolic import ROOT, create_app
from radiolic.catalogue import load_catalogue
from radiolic.extensions import db
from radiolic.models import Applicant, Attempt, ServiceItem
from radiolic.workflow import intake
from radiolic.workflow.intake import QUERY_HASH_METHOD
from tests.conftest import TODAY

CODE = "GUNICRN234"
WRONG = "WRONGCODE9"
ADDRESS_LIMIT = 25


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _prepare(uri: str, tmp_path) -> list[str]:
    """Schema, catalogue and two cases with a known query code; no connection survives (gunicorn forks)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "t", "UPLOAD_FOLDER": str(tmp_path / "up")})
    with app.app_context():
        db.create_all()
        load_catalogue()
        applicant = Applicant(kind="organisation", name="并发测试公司", id_code="91441800123456788U")
        db.session.add(applicant)
        item = db.session.scalar(select(ServiceItem).where(ServiceItem.code == "ST-NEW"))
        numbers = []
        for _ in range(2):
            case, _code = intake.submit(item, applicant, channel="online", single_window=True, visits=0,
                                        materials={}, by=None, on=TODAY)
            case.query_hash = generate_password_hash(CODE, QUERY_HASH_METHOD)
            numbers.append(case.number)
        db.session.commit()
        db.engine.dispose()
    return numbers


@pytest.fixture
def gunicorn(tmp_path):
    uri = f"sqlite:///{tmp_path / 'limits.sqlite'}"
    numbers = _prepare(uri, tmp_path)
    port = _free_port()
    env = {**os.environ, "RADIOLIC_DATABASE_URL": uri, "RADIOLIC_SECRET_KEY": "limits-test-secret",
           "RADIOLIC_UPLOAD_FOLDER": str(tmp_path / "up"), "RADIOLIC_THROTTLE_PAIR_FREE_FAILURES": "10",
           "RADIOLIC_THROTTLE_ADDRESS_FREE_FAILURES": str(ADDRESS_LIMIT), "RADIOLIC_THROTTLE_FIRST_DELAY_SECONDS": "120"}
    log = open(tmp_path / "gunicorn.log", "w+")
    # --preload imports the app once before forking (create_app opens no database connection, so that is safe).
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "4", "--preload", "--graceful-timeout", "1",
                             "-b", f"127.0.0.1:{port}",
                             "--access-logfile", "-", "--error-logfile", "-", "--chdir", str(ROOT),
                             "radiolic:create_app()"], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/api/v1/openapi.json", timeout=2).read()
                break
            except (urllib.error.URLError, OSError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail("gunicorn did not start:\n" + log.read()[-3000:])
                time.sleep(0.2)
        yield base, numbers, uri, log
    finally:
        proc.send_signal(signal.SIGINT)      # gunicorn's quick shutdown
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()


def _lookup(base: str, number: str, code: str) -> int:
    request = urllib.request.Request(base + "/api/v1/public/status", method="POST",
                                     data=json.dumps({"number": number, "query_code": code}).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


def _burst(base: str, calls: list[tuple[str, str]]) -> list[int]:
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda c: _lookup(base, *c), calls))


@pytest.mark.slow
def test_limits_hold_with_four_gunicorn_workers(gunicorn):
    base, (number, other), uri, log = gunicorn
    assert _lookup(base, number, CODE) == 200                      # the code works; successes are not failures

    # 16 parallel wrong guesses at one case from one address, spread over 4 workers: exactly 10 are checked,
    # the rest refused (each try is charged before its code is hashed).
    codes = _burst(base, [(number, WRONG)] * 16)
    assert (codes.count(404), codes.count(429)) == (10, 6), codes
    assert _lookup(base, number, CODE) == 429                      # this address now waits, even with the right code
    assert _lookup(base, other, CODE) == 200                       # another case is not locked

    # Per address: 10 failures so far; unknown numbers add up to the address limit, then new cases are refused.
    codes = _burst(base, [(f"SQ2024{9000 + i:06d}", WRONG) for i in range(ADDRESS_LIMIT - 10 + 5)])
    assert (codes.count(404), codes.count(429)) == (ADDRESS_LIMIT - 10, 5), codes
    assert _lookup(base, "SQ2024999999", CODE) == 429              # any other case from this address waits…
    assert _lookup(base, other, CODE) == 200                       # …but a case that succeeded here is its owner's

    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "t"})
    with app.app_context():
        failed = db.session.scalars(select(Attempt.key).where(Attempt.scope == "lookup", Attempt.ok.is_(False))).all()
        assert failed.count(number) == 10 and len(failed) == ADDRESS_LIMIT
        db.engine.dispose()
    log.flush()
    log.seek(0)
    text = log.read()
    assert "POST /api/v1/public/status" in text                     # the access log is on…
    assert CODE not in text and WRONG not in text                  # …and never carries a query code
