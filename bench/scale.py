"""Scale bench (issue 17): a national-size register, its statistics, public pages against a bare Flask page, issuance.

    python bench/scale.py [--licences 12000000 --cases 600000] [--skip-web] [--skip-issue] [--keep DIR]

SQLite by default (a fresh file, WAL, synchronous=FULL as in production); PostgreSQL when RADIOLIC_DATABASE_URL
points at one (its tables are dropped and recreated: give it a database of its own). Prints, each with its
baseline and the ratio:
  - generation time of the register (target ≤ 10 min at 12 M / 600 k);
  - rebuild of every daily summary (target ≤ 5 min);
  - statistics for periods of 1–6 years: indicators computed (target ≤ 200 ms) and the dashboard page
    (target ≤ 500 ms), against the row-based indicators of the commit before the summaries (BASELINE_COMMIT);
  - /verify and the staff home under gunicorn against bench/bare_app.py with the same workers, same run
    (targets: /verify ≥ 60 % of bare and p99 ≤ 20 ms; staff home ≥ 40 %);
  - issuing 20,000 licences against a raw sqlite3 executemany of the same rows (target ≤ 6×).
"""
from __future__ import annotations

import argparse
import http.client
import importlib.util
import multiprocessing
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/ holds a script named statistics.py: keep the standard library first on the path.
sys.path[0:1] = [str(ROOT)]

from sqlalchemy import func, select, text  # noqa: E402

from radiolic import create_app, indicators, summaries  # noqa: E402
from radiolic.auth import passwords  # noqa: E402
from radiolic.catalogue import load_catalogue  # noqa: E402
from radiolic.extensions import db  # noqa: E402
from radiolic.models import Applicant, Application, Licence, Rating, ServiceItem, User  # noqa: E402

BASELINE_COMMIT = "a970295"        # radiolic/indicators.py before the daily summaries
TODAY = date(2024, 12, 31)
FIRST_DAY = date(2019, 1, 1)
UA = "radiolic-scale-bench"
PASSWORD = "bench-password-2024"


# ---- bulk loading ------------------------------------------------------------------------------------------

class Loader:
    """Raw DBAPI executemany of tuples (every column given), secondary indexes dropped during the load."""

    TABLES = ("application", "station", "licence", "rating", "applicant")

    def __init__(self, engine):
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
        self.raw = engine.raw_connection()
        self.conn = self.raw.driver_connection
        self.indexes: list[tuple[str, str]] = []
        if self.sqlite:
            # A bulk load into a fresh file: no journal (nothing to roll back to; the WAL would write every page
            # twice), a 2 GB page cache and in-memory sorting for the index builds. WAL comes back in close().
            self.conn.execute("PRAGMA journal_mode=OFF")
            self.conn.execute("PRAGMA foreign_keys=OFF")
            self.conn.execute("PRAGMA synchronous=OFF")
            self.conn.execute("PRAGMA cache_size=-2000000")
            self.conn.execute("PRAGMA temp_store=MEMORY")
        else:
            # a bulk load: no wait for the WAL flush per commit, room for the index builds
            self.conn.execute("SET synchronous_commit = off")
            self.conn.execute("SET maintenance_work_mem = '1GB'")
            self.conn.execute("SET max_parallel_maintenance_workers = 2")
            self.conn.execute("SET session_replication_role = replica")    # no per-row foreign key triggers

    def drop_indexes(self) -> None:
        names = ", ".join(f"'{t}'" for t in self.TABLES)
        cur = self.conn.cursor()
        if self.sqlite:
            cur.execute(f"SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL "
                        f"AND tbl_name IN ({names})")
        else:
            cur.execute(f"SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ({names}) "
                        f"AND indexname LIKE 'ix_%'")
        self.indexes = cur.fetchall()
        for name, _sql in self.indexes:
            cur.execute(f'DROP INDEX "{name}"')
        self._commit()

    def create_indexes(self) -> None:
        cur = self.conn.cursor()
        for _name, sql in self.indexes:
            cur.execute(sql)
        self._commit()

    def _commit(self) -> None:
        self.conn.commit()

    def begin(self) -> None:
        """One transaction for a batch (the app's connections run SQLite in autocommit: a row each otherwise)."""
        if self.sqlite and not self.conn.in_transaction:
            self.conn.execute("BEGIN")

    def insert(self, table, rows: list[dict]) -> None:
        if not rows:
            return
        # A primary key the rows do not give is left to the database (PostgreSQL refuses an explicit NULL).
        columns = [c for c in table.columns if not (c.primary_key and c.name not in rows[0])]
        defaults = {}
        for c in columns:
            if c.default is not None and c.default.is_scalar:
                defaults[c.name] = c.default.arg
            elif c.default is not None and c.default.is_callable:
                defaults[c.name] = datetime(2024, 12, 31, 8, 0) if c.name in ("at", "created_at") else []
            else:
                defaults[c.name] = None
        for name, value in defaults.items():
            if isinstance(value, list):
                defaults[name] = "[]"
        mark = "?" if self.sqlite else "%s"
        sql = (f'INSERT INTO "{table.name}" ({", ".join(chr(34) + c.name + chr(34) for c in columns)}) '
               f'VALUES ({", ".join([mark] * len(columns))})')
        names = [c.name for c in columns]
        values = [tuple(r.get(n, defaults[n]) for n in names) for r in rows]
        if self.sqlite:
            values = [tuple(v.isoformat() if isinstance(v, date) and not isinstance(v, datetime) else
                            (v.isoformat(sep=" ") if isinstance(v, datetime) else v) for v in row) for row in values]
        cur = self.conn.cursor()
        self.begin()
        cur.executemany(sql, values)
        self._commit()

    def close(self) -> None:
        if self.sqlite:
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=FULL")
            self.conn.execute("PRAGMA foreign_keys=ON")
        else:
            self.conn.execute("RESET ALL")
            self.conn.commit()
        self.raw.close()


_phase_at = [0.0]


def phase(what: str) -> None:
    """Print how long the last phase of the generation took (where the ten minutes go)."""
    now = time.perf_counter()
    if _phase_at[0]:
        print(f"    {what}: {now - _phase_at[0]:.1f} s", flush=True)
    _phase_at[0] = now


def generate(n_cases: int, n_licences: int, seed: int = 17) -> dict:
    """Cases over 2019–2024 with every state, channel and reviewer; licences in batches per issued case.

    Cases and ratings are drawn in Python; the licences and stations (the bulk) are then produced by the
    database itself from a small allocation table (case, first licence id, count), so 12 M rows cost C time.
    """
    rng = random.Random(seed)
    items = db.session.execute(select(ServiceItem.id, ServiceItem.statutory_days, ServiceItem.licence_kind,
                                      ServiceItem.action)).all()
    issuing = [i for i in items if i.licence_kind and i.action != "cancellation"]
    others = [i for i in items if not (i.licence_kind and i.action != "cancellation")]
    reviewers = list(db.session.scalars(select(User.id).where(User.role == "reviewer")))
    db.session.commit()
    db.session.remove()
    db.engine.dispose()            # the loader's connection is the only one: it may leave WAL for the load
    phase("start")
    loader = Loader(db.engine)
    loader.drop_indexes()
    cur = loader.conn.cursor()
    cur.execute("DROP TABLE IF EXISTS bench_alloc")
    cur.execute("DROP TABLE IF EXISTS bench_nums")
    cur.execute("CREATE TABLE bench_alloc (case_id INTEGER, first_id INTEGER, n INTEGER, issued DATE, "
                "applicant_id INTEGER, kind VARCHAR(24))")
    loader._commit()
    n_applicants = max(1000, n_cases // 20)
    for start in range(0, n_applicants, 50_000):
        loader.insert(Applicant.__table__, [
            {"id": i + 1, "kind": "person" if i % 7 == 0 else "organisation", "name": f"单位{i}",
             "id_code": f"91441800B{i:09d}", "contact": "", "phone": "", "email": "", "address": ""}
            for i in range(start, min(start + 50_000, n_applicants))])
    days = (TODAY - FIRST_DAY).days - 20
    station_cases = n_cases * 0.9 * 0.85 * sum(i.licence_kind == "station_licence" for i in issuing) / len(issuing)
    average = n_licences / max(1.0, station_cases)
    cases, ratings, alloc = [], [], []
    made = {"cases": 0, "licences": 0, "permits": 0}
    for i in range(1, n_cases + 1):
        item = rng.choice(issuing if rng.random() < 0.9 else others)
        received = FIRST_DAY + timedelta(days=rng.randint(0, days))
        accepted = received + timedelta(days=rng.choice((0, 0, 0, 1)))
        used = rng.choice((0, 1, 1, 1, 2, 3, 5, 8))
        completed = accepted + timedelta(days=used + used // 5 * 2)
        state = rng.choices(("issued", "rejected", "not_accepted", "withdrawn", "terminated", "under_review"),
                            (85, 3, 3, 3, 1, 5))[0]
        if state == "issued" and not item.licence_kind:
            state = "rejected"
        open_case = state == "under_review"
        never_accepted = state in ("not_accepted",)
        channel = rng.choices(("window", "online", "mail"), (45, 50, 5))[0]
        applicant = rng.randint(1, n_applicants)
        cases.append({
            "id": i, "number": f"SQ{received.year}{i:08d}", "query_hash": "x", "service_item_id": item.id,
            "applicant_id": applicant, "channel": channel, "single_window": rng.random() < 0.98,
            "visits": 0 if channel == "online" else 1, "state": state, "format": "electronic",
            "received_on": received, "accepted_on": None if never_accepted else accepted,
            "completed_on": None if open_case else completed, "decided_on": None if open_case or never_accepted
            else completed, "issued_on": completed if state == "issued" else None,
            "reviewer_id": None if never_accepted else rng.choice(reviewers),
            "workdays_used": None if open_case or never_accepted else used, "statutory_days": item.statutory_days,
            "promised_days": 1, "stopped_days": 0, "due_promised": accepted + timedelta(days=2),
            "due_statutory": accepted + timedelta(days=40), "correction_count": rng.choice((0, 0, 0, 0, 1)),
            "outcome_reason": "", "summary": ""})
        if not open_case and rng.random() < 0.95:
            level = rng.choices((5, 4, 3, 2, 1), (90, 6, 2, 1, 1))[0]
            ratings.append({"application_id": i, "channel": rng.choice(("window", "online", "qr", "sms")),
                            "level": level, "on": completed, "defaulted": False, "tags": "[]", "comment": ""})
        left = n_licences - made["licences"]
        if state == "issued" and left > 0:
            if item.licence_kind == "frequency_permit":
                count = 1
                made["permits"] += 1
            else:
                # heavy-tailed batches (operators' base stations), topped up near the end to reach the target
                count = max(1, min(left, int(rng.expovariate(1 / max(1.0, average)))))
                remaining = max(1.0, station_cases * (n_cases - i) / n_cases)
                if left / remaining > average * 1.5 or i > n_cases - 50:
                    count = min(left, max(count, int(left / remaining) + 1))
            alloc.append((i, made["licences"] + 1, count, completed, applicant, item.licence_kind))
            made["licences"] += count
        if len(cases) >= 50_000 or i == n_cases:
            loader.insert(Application.__table__, cases)
            loader.insert(Rating.__table__, ratings)
            mark = "?" if loader.sqlite else "%s"
            loader.begin()
            cur.executemany(f"INSERT INTO bench_alloc VALUES ({', '.join([mark] * 6)})",
                            [tuple(v.isoformat() if isinstance(v, date) else v for v in row) if loader.sqlite
                             else row for row in alloc])
            loader._commit()
            made["cases"] += len(cases)
            cases, ratings, alloc = [], [], []
    phase("cases, ratings and allocations drawn")
    _bulk_licences(loader)
    phase("stations and licences written")
    loader.create_indexes()
    phase("indexes built")
    loader.close()
    if db.engine.dialect.name == "sqlite":
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA analysis_limit=2000")     # sampled statistics, as an operator would run
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
        raw = db.engine.raw_connection()
        try:
            raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
    else:
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    phase("statistics analysed")
    return made


def _bulk_licences(loader: Loader) -> None:
    """Stations and licences for every allocation row, written by INSERT … SELECT over a numbers table.

    CROSS JOIN keeps the allocations as the outer loop in SQLite, so rows arrive in id order and every B-tree
    grows at its end (with a plain JOIN the planner loops over the numbers first: random inserts, 10× slower)."""
    cur = loader.conn.cursor()
    cur.execute("SELECT coalesce(max(n), 0) FROM bench_alloc")
    most = cur.fetchone()[0]
    cur.execute("CREATE TABLE bench_nums (i INTEGER PRIMARY KEY)")
    mark = "?" if loader.sqlite else "%s"
    loader.begin()
    for start in range(1, most + 1, 100_000):
        cur.executemany(f"INSERT INTO bench_nums VALUES ({mark})", [(k,) for k in range(start, min(start + 100_000,
                                                                                                     most + 1))])
    loader._commit()
    if loader.sqlite:
        pad = "printf('%09d', a.first_id + n.i - 1)"
        code = "printf('V%012d', a.first_id + n.i - 1)"
        until = "date(a.issued, '+1825 days')"
        year = "strftime('%Y', a.issued)"
    else:
        pad = "lpad((a.first_id + n.i - 1)::text, 9, '0')"
        code = "'V' || lpad((a.first_id + n.i - 1)::text, 12, '0')"
        until = "a.issued + 1825"
        year = "extract(year FROM a.issued)::int::text"
    lid = "a.first_id + n.i - 1"
    cur.execute(f"""INSERT INTO station (id, application_id, seq, station_name, station_type, address, longitude,
        latitude, tx_mhz, rx_mhz, bandwidth_khz, emission, power_w, equipment_model, type_approval_code, call_sign)
        SELECT {lid}, a.case_id, n.i, 'S' || ({lid}), 'public_mobile_base', '广东省清远市清城区北江路 ' || n.i || ' 号',
               113.0 + (n.i % 997) * 0.0007, 23.6 + (n.i / 997) * 0.001, '2515-2675', '', 100000.0, '', 200.0, 'AAU',
               '', ''
        FROM bench_alloc a CROSS JOIN bench_nums n WHERE n.i <= a.n AND a.kind = 'station_licence'""")
    loader._commit()
    cur.execute(f"""INSERT INTO licence (id, number, kind, application_id, applicant_id, station_id, format, status,
        verify_code, issued_on, valid_from, valid_until, content_hash, signature, status_reason, frequencies, use,
        area, usage_rate, conditions, holder_name, holder_code, office, key_id, status_event_hash, previous_seal)
        SELECT {lid}, '441800-' || {year} || CASE WHEN a.kind = 'station_licence' THEN '-S-' ELSE '-F-' END || {pad},
               a.kind, a.case_id, a.applicant_id, CASE WHEN a.kind = 'station_licence' THEN {lid} END,
               CASE WHEN ({lid}) % 437 = 0 THEN 'paper' ELSE 'electronic' END, 'valid', {code}, a.issued, a.issued,
               {until}, '{"0" * 64}', '', '', '', '', '清远市', '', '', '单位' || (a.applicant_id - 1),
               '91441800B000000001', '清远市工业和信息化局', 'bench', '', ''
        FROM bench_alloc a CROSS JOIN bench_nums n WHERE n.i <= a.n""")
    loader._commit()
    cur.execute("DROP TABLE bench_nums")
    cur.execute("DROP TABLE bench_alloc")
    loader._commit()


# ---- statistics ---------------------------------------------------------------------------------------------

def baseline_indicators():
    """radiolic/indicators.py as of BASELINE_COMMIT, loaded as a module beside the current one."""
    try:
        source = subprocess.run(["git", "-C", str(ROOT), "show", f"{BASELINE_COMMIT}:radiolic/indicators.py"],
                                check=True, capture_output=True, text=True).stdout
    except (subprocess.CalledProcessError, FileNotFoundError):
        return None
    spec = importlib.util.spec_from_loader("radiolic._indicators_before", loader=None)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "radiolic"
    exec(compile(source, "indicators_before.py", "exec"), module.__dict__)
    return module


def best_ms(fn, repeat: int = 3) -> tuple[float, float]:
    """(best, first) of `repeat` runs in ms; each run starts a fresh transaction."""
    times = []
    for _ in range(repeat):
        db.session.rollback()
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    db.session.rollback()
    return min(times), times[0]


def bench_statistics(app, baseline_repeat: int) -> None:
    before = baseline_indicators()
    supervisor = db.session.scalar(select(User).where(User.username == "bench-supervisor"))
    client = app.test_client()
    login = client.post("/auth/login", data={"username": supervisor.username, "password": PASSWORD},
                        headers={"User-Agent": UA})
    assert login.status_code in (302, 303), login.status_code
    print("\nstatistics (best of 3; first run in brackets)                      target     baseline (row-based)   ratio")
    for years in range(1, 7):
        start, end = date(TODAY.year - years + 1, 1, 1), TODAY
        new_ms, new_first = best_ms(lambda: indicators.compute(start, end, TODAY))
        query = {"period": "custom", "from": start.isoformat(), "to": end.isoformat()}

        def page():
            response = client.get("/supervisor", query_string=query, headers={"User-Agent": UA})
            assert response.status_code == 200, response.status_code
        page_ms, page_first = best_ms(page)
        if before is not None and baseline_repeat:
            old_ms, _f = best_ms(lambda: before.compute(start, end, TODAY), baseline_repeat)
            try:
                old_dash, _f = best_ms(lambda: before.dashboard(start, end, TODAY), baseline_repeat)
            except AttributeError:      # the old dashboard reads decision.decided_on, stored once since issue 11
                db.session.rollback()
                old_dash = None
            dash_ms, _f = best_ms(lambda: indicators.dashboard(start, end, TODAY))
            print(f"  {years} year(s): computed {new_ms:7.1f} ms ({new_first:7.1f})             ≤ 200 ms   "
                  f"{old_ms:9.1f} ms           {old_ms / new_ms:6.1f}× faster")
            if old_dash is None:
                print(f"             dashboard data {dash_ms:7.1f} ms")
            else:
                print(f"             dashboard data {dash_ms:7.1f} ms                            "
                      f"{old_dash:9.1f} ms           {old_dash / dash_ms:6.1f}× faster")
        else:
            print(f"  {years} year(s): computed {new_ms:7.1f} ms ({new_first:7.1f})             ≤ 200 ms")
        print(f"             dashboard page {page_ms:7.1f} ms ({page_first:7.1f})             ≤ 500 ms")


# ---- public pages under gunicorn ------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(app_spec: str, env: dict, workers: int) -> tuple[subprocess.Popen, int]:
    port = free_port()
    proc = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "--workers", str(workers), "--bind",
                             f"127.0.0.1:{port}", "--log-level", "warning", app_spec],
                            cwd=str(ROOT), env={**os.environ, **env}, stdout=subprocess.DEVNULL)
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"gunicorn {app_spec} did not start")


def _client(port: int, paths: list, cookie: str, seconds: float, out) -> None:
    """Requests in a loop: a path is a GET (answer 200), a (path, form) pair a POST (answer 302)."""
    latencies, errors = [], 0
    headers = {"User-Agent": UA, **({"Cookie": cookie} if cookie else {})}
    deadline = time.perf_counter() + seconds
    i = 0
    while time.perf_counter() < deadline:
        path = paths[i % len(paths)]
        i += 1
        started = time.perf_counter()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            if isinstance(path, tuple):
                body = urllib.parse.urlencode(path[1])
                conn.request("POST", path[0], body=body, headers={
                    **headers, "Content-Type": "application/x-www-form-urlencoded"})
                expected = 302
            else:
                conn.request("GET", path, headers=headers)
                expected = 200
            response = conn.getresponse()
            response.read()
            conn.close()
            if response.status != expected:
                errors += 1
        except OSError:
            errors += 1
        latencies.append((time.perf_counter() - started) * 1000)
    out.put((latencies, errors))


LOOKUP_BEFORE = 21.8      # valid lookups per second on 2 workers when issue 17 was filed (two commits, hash inside)


def _merge(results: list[dict], seconds: float) -> dict:
    latencies = sorted(x for r in results for x in r["latencies"])
    return {"rps": len(latencies) / seconds, "p50": latencies[len(latencies) // 2],
            "p99": latencies[max(0, int(len(latencies) * 0.99) - 1)], "errors": sum(r["errors"] for r in results)}


def load(port: int, paths: list[str], cookie: str = "", seconds: float = 8.0, clients: int = 4) -> dict:
    """`clients` processes requesting in a loop for `seconds`: requests per second, p50 and p99 in ms."""
    _client(port, paths[:20], cookie, 1.0, multiprocessing.Queue())      # warm up: workers boot, caches fill
    queue = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=_client, args=(port, paths[k::clients] or paths, cookie, seconds, queue))
             for k in range(clients)]
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    latencies = sorted(x for r in results for x in r[0])
    errors = sum(r[1] for r in results)
    return {"latencies": latencies, "errors": errors}


LOOKUP_CASES = 50


def lookup_cases() -> list[tuple[str, str]]:
    """(number, query code) of LOOKUP_CASES cases given a known code, hashed as intake hashes it."""
    from werkzeug.security import generate_password_hash
    from radiolic.workflow.intake import QUERY_HASH_METHOD
    rows = db.session.execute(select(Application.id, Application.number).where(Application.state == "issued")
                              .order_by(Application.id).limit(LOOKUP_CASES)).all()
    pairs = []
    for k, (case_id, number) in enumerate(rows):
        code = f"BENCH{k:05d}"
        db.session.execute(Application.__table__.update().where(Application.id == case_id)
                           .values(query_hash=generate_password_hash(code, QUERY_HASH_METHOD)))
        pairs.append((number, code))
    db.session.commit()
    return pairs


def bare_sqlite_copy(folder: Path) -> str:
    """The issue's baseline is a bare Flask + SQLite page: on PostgreSQL, the licence columns the bare page reads
    are copied into a SQLite file (every row, with its verify-code index), so that baseline runs beside the bare
    Flask + PostgreSQL one in the same rounds."""
    target = folder / "bare-licences.sqlite"
    target.unlink(missing_ok=True)
    out = sqlite3.connect(target)
    out.execute("PRAGMA journal_mode=OFF")
    out.execute("PRAGMA synchronous=OFF")
    out.execute("CREATE TABLE licence (id INTEGER PRIMARY KEY, number TEXT, holder_name TEXT, valid_until DATE, "
                "status TEXT, verify_code TEXT)")
    raw = db.engine.raw_connection()
    try:
        with raw.driver_connection.cursor(name="bare_copy") as cur:
            cur.itersize = 100_000
            cur.execute("SELECT id, number, holder_name, valid_until::text, status, verify_code FROM licence")
            while rows := cur.fetchmany(100_000):
                out.executemany("INSERT INTO licence VALUES (?, ?, ?, ?, ?, ?)", rows)
        raw.driver_connection.rollback()
    finally:
        raw.close()
    out.execute("CREATE UNIQUE INDEX ix_licence_verify_code ON licence (verify_code)")
    out.commit()
    out.close()
    return str(target)


def bench_web(app, database_file: str | None, env: dict, workers: int, seconds: float, uri: str,
              folder: Path | None = None) -> None:
    bare_sqlite = database_file
    if database_file is None and folder is not None:
        started = time.perf_counter()
        bare_sqlite = bare_sqlite_copy(folder)
        print(f"\n(copied the licence table to SQLite for the bare Flask + SQLite baseline in "
              f"{time.perf_counter() - started:.0f} s)")
    codes = list(db.session.scalars(select(Licence.verify_code).order_by(func.random()).limit(500)))
    pairs = lookup_cases()
    clerk = db.session.scalar(select(User).where(User.username == "bench-clerk"))
    client = app.test_client()
    login = client.post("/auth/login", data={"username": clerk.username, "password": PASSWORD}, headers={"User-Agent": UA})
    assert login.status_code in (302, 303), login.status_code
    cookie = "; ".join(f"{c.key}={c.value}" for c in client._cookies.values())
    applicant = app.test_client()            # an applicant who looked up five cases: their status pages
    for number, code in pairs[:5]:
        found = applicant.post("/status", data={"number": number, "query_code": code}, headers={"User-Agent": UA})
        assert found.status_code == 302, found.status_code
    applicant_cookie = "; ".join(f"{c.key}={c.value}" for c in applicant._cookies.values())
    db.session.rollback()
    radiolic_proc, radiolic_port = start_gunicorn("radiolic:create_app()", env, workers)
    bare_proc, bare_port = start_gunicorn("bench.bare_app:app", {"BARE_DATABASE": bare_sqlite}, workers)
    procs = [radiolic_proc, bare_proc]
    same_db_port = None
    if database_file is None:            # PostgreSQL: a bare Flask page on the same database too
        same_db_proc, same_db_port = start_gunicorn("bench.bare_app:app", {"BARE_DATABASE_URL": uri}, workers)
        procs.append(same_db_proc)
    try:
        paths = [f"/verify/{c}" for c in codes]
        status_paths = [f"/status/case/{number}" for number, _code in pairs[:5]]
        posts = [("/status", {"number": number, "query_code": code}) for number, code in pairs]
        runs = {"bare": [], "same_db": [], "verify": [], "status": [], "home": [], "lookup": []}
        # Interleaved short rounds: the machine is shared, so each page sees the same background load.
        rounds = 4
        for _ in range(rounds):
            runs["bare"].append(load(bare_port, paths, seconds=seconds / rounds))
            if same_db_port:
                runs["same_db"].append(load(same_db_port, paths, seconds=seconds / rounds))
            runs["verify"].append(load(radiolic_port, paths, seconds=seconds / rounds))
            runs["status"].append(load(radiolic_port, status_paths, cookie=applicant_cookie, seconds=seconds / rounds))
            runs["home"].append(load(radiolic_port, ["/"], cookie=cookie, seconds=seconds / rounds))
            runs["lookup"].append(load(radiolic_port, posts, seconds=seconds / rounds))
        bare, verify, status, home, lookup = (_merge(runs[k], seconds) for k in
                                              ("bare", "verify", "status", "home", "lookup"))
        same_db = _merge(runs["same_db"], seconds) if same_db_port else None
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
    print(f"\npublic pages under gunicorn ({workers} sync workers each, 4 client processes, {seconds:.0f} s each; "
          f"load average {os.getloadavg()[0]:.1f})")
    print(f"  bare Flask + SQLite /verify  : {bare['rps']:7.0f} req/s  p50 {bare['p50']:5.1f} ms  "
          f"p99 {bare['p99']:6.1f} ms  ({bare['errors']} errors)   = baseline")
    if same_db:
        print(f"  bare Flask + PostgreSQL      : {same_db['rps']:7.0f} req/s  p50 {same_db['p50']:5.1f} ms  "
              f"p99 {same_db['p99']:6.1f} ms  ({same_db['errors']} errors)   = second baseline (same database)")
    for label, r, target in (("radiolic /verify/<code>", verify, "≥ 60 %, p99 ≤ 20 ms"),
                             ("radiolic /status/case/<n>", status, "≥ 60 %, p99 ≤ 20 ms"),
                             ("radiolic clerk home /", home, "≥ 40 %")):
        also = f"; {r['rps'] / same_db['rps'] * 100:5.1f} % of bare on PostgreSQL" if same_db else ""
        print(f"  {label:28}: {r['rps']:7.0f} req/s  p50 {r['p50']:5.1f} ms  p99 {r['p99']:6.1f} ms  "
              f"({r['errors']} errors)   {r['rps'] / bare['rps'] * 100:5.1f} % of bare{also}   (target {target})")
    print(f"  {'radiolic POST /status (scrypt)':28}: {lookup['rps']:7.1f} req/s  p50 {lookup['p50']:5.1f} ms  "
          f"p99 {lookup['p99']:6.1f} ms  ({lookup['errors']} errors)   {lookup['rps'] / LOOKUP_BEFORE:4.2f}× the "
          f"{LOOKUP_BEFORE} req/s measured before (target ≥ 1.8×)")


# ---- issuance vs executemany -------------------------------------------------------------------------------------

def bench_issue(folder: Path, n: int, seal_processes: int = 0) -> None:
    from radiolic.issuance.sealing import signing_key
    from radiolic.workflow import intake, issuance, review
    from tests.issuance_cases import station_rows
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'issue.sqlite'}", "SECRET_KEY": "bench",
                      "SIGNING_KEY_PATH": str(folder / "key.pem"), "FIXED_TODAY": TODAY, "TESTING": True,
                      "OPEN_DATA_FOLDER": str(folder / "open-data"), "SEAL_PROCESSES": seal_processes})
    if (folder / "issue.sqlite").exists():
        (folder / "issue.sqlite").unlink()
    if (folder / "raw.sqlite").exists():
        (folder / "raw.sqlite").unlink()
    with app.app_context():
        db.create_all()
        load_catalogue()
        clerk = User(username="c", display_name="陈窗口", role="clerk", password_hash="x", window_no="1")
        reviewer = User(username="r", display_name="张审核", role="reviewer", password_hash="x")
        applicant = Applicant(kind="organisation", name="中国移动通信集团广东有限公司清远分公司",
                              id_code="91441800MA4UJ3XX4T", contact="李工")
        db.session.add_all([clerk, reviewer, applicant])
        db.session.flush()
        service = db.session.scalar(select(ServiceItem).where(ServiceItem.code == "ST-NEW"))
        case, _code = intake.submit(service, applicant, channel="window", single_window=True, visits=1,
                                    materials={m.code: ("received", "") for m in service.materials}, by=clerk, on=TODAY)
        intake.accept(case, by=clerk, on=TODAY)
        review.start_review(case, by=reviewer, on=TODAY)
        issuance.add_stations(case, station_rows(n, "基站"), by=reviewer, on=TODAY)
        review.decide(case, outcome="approve", reason="符合条件", by=reviewer, on=TODAY)
        db.session.commit()
        signing_key()        # a running office has its key: the first run would otherwise time its creation
        started = time.perf_counter()
        result = issuance.issue(case, format="electronic", by=reviewer, on=TODAY)
        db.session.commit()
        issue_s = time.perf_counter() - started
        rows = db.session.execute(select(Licence.__table__)).all()
        columns = list(Licence.__table__.columns.keys())
    import sqlite3
    raw = sqlite3.connect(folder / "raw.sqlite", isolation_level=None)
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute("PRAGMA synchronous=FULL")
    raw.execute(f"CREATE TABLE licence ({', '.join(chr(34) + c + chr(34) for c in columns)}, UNIQUE(number), "
                "UNIQUE(verify_code))")
    values = [tuple(v.isoformat() if isinstance(v, (date, datetime)) else v for v in r) for r in rows]
    started = time.perf_counter()
    raw.execute("BEGIN IMMEDIATE")
    raw.executemany(f"INSERT INTO licence VALUES ({', '.join('?' * len(columns))})", values)
    raw.execute("COMMIT")
    raw_s = time.perf_counter() - started
    raw.close()
    print(f"\nissuing {result.count} licences (SEAL_PROCESSES={seal_processes or '0 (the cores left idle)'}; numbers, hash + signature each, one transaction, summaries): "
          f"{issue_s:.2f} s; raw sqlite3 executemany of the same rows: {raw_s:.2f} s = baseline; "
          f"ratio {issue_s / raw_s:.1f}× (target ≤ 6×); load average {os.getloadavg()[0]:.1f}")


# ---- main ----------------------------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--licences", type=int, default=12_000_000)
    parser.add_argument("--cases", type=int, default=600_000)
    parser.add_argument("--keep", default=None, help="folder to keep the generated SQLite register in")
    parser.add_argument("--reuse", action="store_true", help="reuse the register in --keep instead of generating")
    parser.add_argument("--skip-web", action="store_true")
    parser.add_argument("--skip-issue", action="store_true")
    parser.add_argument("--only-issue", action="store_true", help="only the issuance run (no register)")
    parser.add_argument("--issue", type=int, default=20_000, help="licences in the issuance run")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each page load run")
    parser.add_argument("--baseline-repeat", type=int, default=1,
                        help="runs of the row-based baseline per period (0 skips it: slow at 12 M)")
    args = parser.parse_args()

    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="radiolic-scale-"))
    folder.mkdir(parents=True, exist_ok=True)
    pg = os.environ.get("RADIOLIC_DATABASE_URL")
    database_file = None if pg else str(folder / "register.sqlite")
    uri = pg or f"sqlite:///{database_file}"
    config = {"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "scale-bench", "FIXED_TODAY": TODAY.isoformat(),
              "SIGNING_KEY_PATH": str(folder / "key.pem"), "OPEN_DATA_FOLDER": str(folder / "open-data"),
              "UPLOAD_FOLDER": str(folder / "uploads"), "PASSWORD_METHOD": "scrypt:1024:8:1",
              "WTF_CSRF_ENABLED": False}
    env = {f"RADIOLIC_{k}": str(v) for k, v in config.items() if k != "SQLALCHEMY_DATABASE_URI"}
    env["RADIOLIC_DATABASE_URL"] = uri
    if args.only_issue:
        for processes in (0, 1, 2):
            bench_issue(folder, args.issue, processes)
        return
    app = create_app(config)
    print(f"radiolic scale bench: {args.licences:,} licences / {args.cases:,} cases on "
          f"{uri.split(':')[0]}; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    with app.app_context():
        if not args.reuse:
            if pg:
                db.drop_all()
            elif Path(database_file).exists():
                Path(database_file).unlink()
            db.create_all()
            load_catalogue()
            for i in range(8):
                db.session.add(User(username=f"reviewer{i}", display_name=f"审核员{i}", role="reviewer",
                                    password_hash="x"))
            for name, role in (("bench-supervisor", "supervisor"), ("bench-clerk", "clerk")):
                user = User(username=name, display_name=name, role=role, window_no="1")
                passwords.set_password(user, PASSWORD)
                db.session.add(user)
            db.session.commit()
            started = time.perf_counter()
            made = generate(args.cases, args.licences)
            gen_s = time.perf_counter() - started
            print(f"generated {made['cases']:,} cases, {made['licences']:,} licences ({made['permits']:,} permits) "
                  f"in {gen_s:.0f} s (target ≤ 600 s at 12 M / 600 k)")
        started = time.perf_counter()
        days = summaries.rebuild(db.session)
        db.session.commit()
        rebuild_s = time.perf_counter() - started
        rows = sum(db.session.scalar(select(func.count()).select_from(t)) for t in
                   (summaries.StatCaseDay, summaries.StatLicenceDay, summaries.StatRatingDay,
                    summaries.StatTurnaroundDay))
        print(f"rebuilt every daily summary ({days:,} days, {rows:,} rows) in {rebuild_s:.1f} s (target ≤ 300 s)")
        if db.engine.dialect.name == "sqlite":
            db.session.execute(text("PRAGMA analysis_limit=2000"))
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        bench_statistics(app, args.baseline_repeat)
        if not args.skip_web:
            bench_web(app, database_file, env, args.workers, args.seconds, uri, folder)
    if not args.skip_issue:
        for processes in (0, 1, 2):      # automatic, then serial: parallel signing only where it wins
            bench_issue(folder, args.issue, processes)
    if not args.keep:
        import shutil
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
