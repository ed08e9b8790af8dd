"""Readers under load, and the ZIP of 20,000 licences as a job (issue 12).

    python bench/concurrency.py [--stations 20000] [--seconds 8] [--clients 4] [--skip-zip]

Serves a fresh SQLite database with gunicorn (2 workers × 4 threads, as scripts/run) and measures, from
127.0.0.1 with a bounded number of clients, the p50/p99 latency and throughput of
`/verify/<code>` and of the applicant's status page (`/status/case/<number>` after a lookup):
first idle, then while — in the same run — a 20,000-licence issuance, a 20,000-row station
import and a wrong-password login loop run.  Then it starts a huey consumer and builds the ZIP of
the 20,000 issued licences as a job: time to the first progress update, time to done, peak RSS.
Figures depend on what else runs on the machine: the load average is printed.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/ holds a statistics.py: the standard library must come first, so bench/ goes last on the path.
sys.path[0:1] = [str(ROOT)]
sys.path.append(str(ROOT / "bench"))

from sqlalchemy import select  # noqa: E402

from issuance import as_csv, new_case, station_table  # noqa: E402  (bench/issuance.py)
from radiolic import create_app  # noqa: E402
from radiolic.auth import passwords  # noqa: E402
from radiolic.catalogue import load_catalogue  # noqa: E402
from radiolic.extensions import db  # noqa: E402
from radiolic.models import Licence, User  # noqa: E402
from radiolic.issuance.station_import import parse_stations  # noqa: E402
from radiolic.workflow import issuance, review  # noqa: E402

TODAY = date(2024, 9, 23)
PASSWORD = "bench-password-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def settings(workdir: Path, uri: str) -> dict:
    return {"RADIOLIC_DATABASE_URL": uri, "RADIOLIC_SECRET_KEY": "bench", "RADIOLIC_FIXED_TODAY": TODAY.isoformat(),
            "RADIOLIC_SIGNING_KEY_PATH": str(workdir / "key.pem"), "RADIOLIC_UPLOAD_FOLDER": str(workdir / "uploads"),
            "RADIOLIC_JOBS_FOLDER": str(workdir / "jobs"), "RADIOLIC_JOBS_QUEUE": str(workdir / "queue.sqlite"),
            "RADIOLIC_PUBLIC_BASE_URL": "https://xk.qyrra.example.cn",
            # the wrong-password loop must keep hashing (the per-address limit would stop it after 30 tries)
            "RADIOLIC_LOGIN_FAILS_PER_15_MIN": "1000000"}


def app_for(env: dict):
    os.environ.update(env)
    return create_app()


# ----------------------------------------------------------------------------------------- HTTP clients

class Client:
    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  NoRedirect())

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, timeout=60) as r:
                return r.status, r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode("utf-8", "replace")

    def post(self, path: str, form: dict) -> tuple[int, str]:
        data = urllib.parse.urlencode(form).encode()
        try:
            with self.opener.open(urllib.request.Request(self.base + path, data=data), timeout=60) as r:
                return r.status, r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode("utf-8", "replace")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def csrf_of(body: str) -> str:
    m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body) or re.search(r'value="([^"]+)"[^>]*name="csrf_token"', body)
    return m.group(1)


def status_client(base: str, number: str, code: str) -> Client:
    client = Client(base)
    _s, body = client.get("/status")
    status, _b = client.post("/status", {"csrf_token": csrf_of(body), "number": number, "query_code": code})
    assert status in (302, 303), f"status lookup failed: {status}"
    return client


def measure(make_client, path: str, clients: int, seconds: float, stop: threading.Event | None = None) -> dict:
    """Each client requests `path` in a loop for `seconds` (or until `stop`); latencies in ms."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = [0.0]

    ready = threading.Barrier(clients + 1)

    def run():
        try:
            client = make_client()      # signing in (the status page) is not part of the measurement
        finally:
            ready.wait()
        mine = []
        while time.monotonic() < deadline[0] and not (stop is not None and stop.is_set()):
            start = time.perf_counter()
            status, _body = client.get(path)
            mine.append((time.perf_counter() - start) * 1000)
            if status != 200:
                errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=run) for _ in range(clients)]
    for t in threads:
        t.start()
    deadline[0] = time.monotonic() + seconds + 3600      # clients sign in first; the clock starts below
    ready.wait()
    started = time.monotonic()
    deadline[0] = started + seconds
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    def pct(p):
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))]
    return {"n": len(latencies), "p50": pct(50), "p99": pct(99), "max": latencies[-1], "rps": len(latencies) / elapsed,
            "errors": errors[0]}


def show(label: str, r: dict) -> str:
    return (f"{label:<34} n={r['n']:>5}  p50 {r['p50']:7.1f} ms  p99 {r['p99']:7.1f} ms  max {r['max']:7.1f} ms  "
            f"{r['rps']:7.1f} req/s  errors {r['errors']}")


# ----------------------------------------------------------------------------------------- the load

LOAD_SCRIPT = r"""
import os, sys, time
sys.path[0:1] = [{root!r}]
from datetime import date
from radiolic import create_app
from radiolic.extensions import db
from radiolic.models import Application, User
from radiolic.issuance.station_import import parse_stations
from radiolic.workflow import issuance
app = create_app()
with app.app_context():
    what, case_id = sys.argv[1], int(sys.argv[2])
    start = time.perf_counter()
    case = db.session.get(Application, case_id)
    by = db.session.scalar(db.select(User).where(User.username == "reviewer"))
    if what == "issue":
        result = issuance.issue(case, format="electronic", by=by, on=date(2024, 9, 23))
        db.session.commit()
        print(f"issued {{result.count}} licences in {{time.perf_counter() - start:.2f}} s", flush=True)
    else:
        data = open(sys.argv[3], "rb").read()
        rows = parse_stations(data, "stations.csv")      # parsed before the write transaction opens
        parsed = time.perf_counter() - start
        issuance.add_stations(case, rows, by=by, on=date(2024, 9, 23))
        db.session.commit()
        print(f"imported {{len(rows)}} rows in {{time.perf_counter() - start:.2f}} s (parse {{parsed:.2f}} s)", flush=True)
"""


def wrong_password_loop(base: str, stop: threading.Event, counter: list) -> None:
    client = Client(base)
    while not stop.is_set():
        _s, body = client.get("/auth/login")
        client.post("/auth/login", {"csrf_token": csrf_of(body), "username": "clerk", "password": secrets.token_hex(6)})
        counter[0] += 1


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def pss_mb(pid: int) -> float:
    """Proportional set size: shared copy-on-write pages of forked processes counted once in a sum."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    """Child processes of any thread of `pid` (the render processes are forked by a worker thread)."""
    out = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            try:
                out += [int(p) for p in (task / "children").read_text().split()]
            except OSError:
                pass
    except OSError:
        pass
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=8.0, help="length of the idle measurement")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--skip-zip", action="store_true")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="radiolic-bench-conc-"))
    uri = f"sqlite:///{workdir / 'bench.sqlite'}"
    env = settings(workdir, uri)
    app = app_for(env)
    print(f"database: sqlite ({workdir}); {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}")
    table = station_table(args.stations)
    csv_path = workdir / "stations.csv"
    csv_path.write_bytes(as_csv(table))
    with app.app_context():
        db.create_all()
        load_catalogue()
        db.session.commit()
        # a small issued case: its licence is verified, its number + query code looked up
        small, _clerk, reviewer = new_case()
        for user in db.session.scalars(select(User)):
            passwords.set_password(user, PASSWORD)
        issuance.add_stations(small, parse_stations(as_csv(table[:1]), "one.csv"), by=reviewer, on=TODAY)
        review.decide(small, outcome="approve", reason="符合条件", by=reviewer, on=TODAY)
        issuance.issue(small, format="electronic", by=reviewer, on=TODAY)
        code = "BENCH" + secrets.token_hex(4).upper()
        from werkzeug.security import generate_password_hash
        small.query_hash = generate_password_hash(code)
        db.session.commit()
        verify_code = db.session.scalar(select(Licence.verify_code).where(Licence.application_id == small.id))
        small_number = small.number
        # the big case to issue during the load, and one to import into
        big, _c, reviewer = new_case()
        issuance.add_stations(big, parse_stations(csv_path.read_bytes(), "s.csv"), by=reviewer, on=TODAY)
        review.decide(big, outcome="approve", reason="符合条件", by=reviewer, on=TODAY)
        target, _c, _r = new_case()
        db.session.commit()
        big_id, big_number, target_id = big.id, big.number, target.id
        db.engine.dispose()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server_env = {**os.environ, **env}
    web = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "--workers", "2", "--worker-class", "gthread",
                            "--threads", "4", "--bind", f"127.0.0.1:{port}",
                            "--timeout", "120", "--graceful-timeout", "30", "radiolic:create_app()"],
                           cwd=ROOT, env=server_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/status", timeout=10)
                break
            except OSError:
                time.sleep(0.2)
        verify_path = f"/verify/{verify_code}"
        status_path = f"/status/case/{small_number}"
        assert Client(base).get(verify_path)[0] == 200
        measure(lambda: Client(base), verify_path, 1, 1.0)          # warm up both workers
        idle_verify = measure(lambda: Client(base), verify_path, args.clients, args.seconds)
        idle_status = measure(lambda: status_client(base, small_number, code), status_path, args.clients, args.seconds)
        print(show("idle /verify/<code>", idle_verify))
        print(show("idle /status/case/<number>", idle_status))

        # the load: issuance + import (separate processes, as the clerk's and reviewer's requests would be)
        # and a wrong-password loop over HTTP, all at once; the readers are measured meanwhile
        signed_in_early = [status_client(base, small_number, code) for _ in range(args.clients // 2 or 1)]
        stop, tries = threading.Event(), [0]
        script = LOAD_SCRIPT.format(root=str(ROOT), bench=str(ROOT / "bench"))
        issue = subprocess.Popen([sys.executable, "-c", script, "issue", str(big_id)], cwd=ROOT, env=server_env,
                                 stdout=subprocess.PIPE, text=True)
        load_import = subprocess.Popen([sys.executable, "-c", script, "import", str(target_id), str(csv_path)],
                                       cwd=ROOT, env=server_env, stdout=subprocess.PIPE, text=True)
        login_loop = threading.Thread(target=wrong_password_loop, args=(base, stop, tries))
        login_loop.start()
        results = {}

        def watch():
            issue.wait()
            load_import.wait()
            time.sleep(0.5)
            stop.set()

        watcher = threading.Thread(target=watch)
        watcher.start()
        load_start = time.monotonic()
        reader_v = threading.Thread(target=lambda: results.__setitem__(
            "verify", measure(lambda: Client(base), verify_path, args.clients // 2 or 1, 600, stop)))
        # The applicants signed in before the load: the lookup itself writes (its attempt rows) and so
        # waits for the issuance's write lock; the status page they then read must not.
        signed_in = signed_in_early
        reader_s = threading.Thread(target=lambda: results.__setitem__(
            "status", measure(signed_in.pop, status_path, args.clients // 2 or 1, 600, stop)))
        reader_v.start()
        reader_s.start()
        reader_v.join()
        reader_s.join()
        watcher.join()
        login_loop.join()
        load_s = time.monotonic() - load_start
        print(f"load ({load_s:.1f} s): {issue.stdout.read().strip()}; {load_import.stdout.read().strip()}; "
              f"{tries[0]} wrong-password logins")
        # the loaded runs use half the clients each (they run side by side): compare per-client throughput
        for name, idle in (("verify", idle_verify), ("status", idle_status)):
            r = results[name]
            per_client_idle = idle["rps"] / args.clients
            per_client_load = r["rps"] / (args.clients // 2 or 1)
            print(show(f"loaded {'/verify/<code>' if name == 'verify' else '/status/case/<number>'}", r)
                  + f"  ({per_client_load / per_client_idle * 100:.0f} % of idle per client; target p99 ≤ 100 ms, ≥ 50 %)")
    finally:
        web.send_signal(signal.SIGTERM)
        web.wait(40)

    if args.skip_zip:
        return
    # ---- the ZIP of the big case as a job, on a real consumer
    from radiolic import jobs
    from radiolic.jobs import tasks  # noqa: F401  (registers the job kinds)
    from radiolic.jobs.queue import use_storage
    use_storage(sqlite_path=env["RADIOLIC_JOBS_QUEUE"])
    consumer = subprocess.Popen([sys.executable, "-m", "huey.bin.huey_consumer", "radiolic.jobs.worker.huey", "-k",
                                 "thread", "-w", "1", "-n", "-m", "0.5"], cwd=ROOT, env=server_env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(3)                                   # the consumer imports the app
        with app.app_context():
            total = db.session.scalar(select(db.func.count()).select_from(Licence).where(Licence.application_id == big_id))
            db.session.rollback()
            start = time.perf_counter()
            job_id = jobs.start("licence_zip", {"case_id": big_id, "number": big_number}, total=total).id
        first = done_at = None
        peak_consumer = peak_child = peak_sum = 0.0
        while done_at is None and time.perf_counter() - start < 900:
            with app.app_context():
                job = db.session.get(jobs.Job, job_id)
                state, done = job.state, job.done
                db.session.rollback()
            now = time.perf_counter() - start
            if first is None and done > 0:
                first = now
            if state in ("done", "failed"):
                done_at = now
            own, kids = rss_mb(consumer.pid), [rss_mb(c) for c in children(consumer.pid)]
            peak_consumer, peak_child = max(peak_consumer, own), max([peak_child, *kids])
            peak_sum = max(peak_sum, pss_mb(consumer.pid) + sum(pss_mb(c) for c in children(consumer.pid)))
            time.sleep(0.1)
        import zipfile
        with app.app_context():
            job = db.session.get(jobs.Job, job_id)
            path = jobs.result_path(job)
            ok = path is not None and zipfile.ZipFile(path).testzip() is None
            size = path.stat().st_size / 1e6 if path else 0
        print(f"ZIP job of {total} licences: state {state}, first progress after {first:.2f} s (target ≤ 1 s), "
              f"done after {done_at:.1f} s (target ≤ 120 s), {size:.0f} MB, testzip {'ok' if ok else 'FAILED'}; "
              f"peak RSS consumer {peak_consumer:.0f} MB, largest render process {peak_child:.0f} MB, "
              f"all together {peak_sum:.0f} MB PSS (target ≤ 300 MB)")
    finally:
        consumer.send_signal(signal.SIGINT)
        try:
            consumer.wait(30)
        except subprocess.TimeoutExpired:
            consumer.kill()
    print(f"load average now {os.getloadavg()[0]:.1f} (other work on the machine slows every figure)")


if __name__ == "__main__":
    main()
