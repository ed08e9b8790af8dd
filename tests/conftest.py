"""Fixtures: an app per test on a fresh database (SQLite by default, PostgreSQL with RADIOLIC_TEST_DATABASE_URL)."""
import os
import re
import shutil
from datetime import date

import pytest
from sqlalchemy import create_engine, text

from radiolic import create_app
from radiolic.auth import passwords
from radiolic.catalogue import load_catalogue
from radiolic.extensions import db
from radiolic.models import Applicant, ServiceItem, User

PG_URL = os.environ.get("RADIOLIC_TEST_DATABASE_URL", "")
TEST_PASSWORD = "correct horse battery"
# A fixed office date keeps deadlines reproducible (a working Monday).
TODAY = date(2024, 9, 23)


def base_config(uri: str, tmp_path) -> dict:
    return {
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": uri, "WTF_CSRF_ENABLED": False,
        "PASSWORD_METHOD": "scrypt:1024:8:1", "FIXED_TODAY": TODAY, "SECRET_KEY": "test-secret",
        "UPLOAD_FOLDER": str(tmp_path / "uploads"), "SIGNING_KEY_PATH": str(tmp_path / "signing_key.pem"),
        "PUBLIC_BASE_URL": "http://localhost", "ARCHIVE_FOLDER": str(tmp_path / "archive"),
        "RETIRED_KEYS_DIR": str(tmp_path / "retired_keys"), "SEAL_FOLDER": seal_folder(),
        "JOBS_FOLDER": str(tmp_path / "jobs"), "OPEN_DATA_FOLDER": str(tmp_path / "open-data"),
    }


_SEAL_FOLDER: list[str] = []


def seal_folder() -> str:
    """One demo CA and office seal certificate per test process (created with the template database)."""
    if not _SEAL_FOLDER:
        import tempfile
        _SEAL_FOLDER.append(tempfile.mkdtemp(prefix="radiolic-seal-"))
    return _SEAL_FOLDER[0]


def _worker() -> str:
    return re.sub(r"\W", "", os.environ.get("PYTEST_XDIST_WORKER", "main"))


def db_prefix() -> str:
    """Name prefix of the PostgreSQL test databases (set RADIOLIC_TEST_DB_PREFIX to run two suites at once)."""
    return re.sub(r"\W", "", os.environ.get("RADIOLIC_TEST_DB_PREFIX", "radiolic_test"))


def create_pg_database(name: str) -> str:
    """(Re)create an empty PostgreSQL database next to PG_URL's; return its URL."""
    admin = create_engine(PG_URL.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_URL.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(autouse=True)
def jobs_run_inline():
    """Jobs run inside the call that starts them (tests/jobs start a real consumer where that matters)."""
    from radiolic.jobs.queue import huey
    huey.immediate = True
    yield huey


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    """Build the schema and catalogue once; each test starts from a copy (SQLite) or a truncation (PostgreSQL)."""
    if PG_URL:
        uri = create_pg_database(f"{db_prefix()}_{_worker()}")
    else:
        uri = f"sqlite:///{tmp_path_factory.mktemp('template') / 'template.sqlite'}"
    app = create_app(base_config(uri, tmp_path_factory.mktemp("inst")))
    with app.app_context():
        db.create_all()
        load_catalogue()
        db.session.commit()
        db.engine.dispose()
        from radiolic import seal_service
        seal_service.create_demo_seal(app.config["OFFICE_NAME"])
    return uri


def _fresh_uri(template: str, tmp_path) -> str:
    if template.startswith("sqlite"):
        target = tmp_path / "radiolic.sqlite"
        shutil.copy(template.removeprefix("sqlite:///"), target)
        return f"sqlite:///{target}"
    return template


def _reset_postgres(app) -> None:
    """Every table emptied and the catalogue loaded again: a test that edits the catalogue (the admin's) must not
    leave its edit to the next test on the same database."""
    with app.app_context():
        tables = [t.name for t in db.metadata.sorted_tables]
        db.session.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        load_catalogue()
        db.session.commit()
        db.engine.dispose()


@pytest.fixture
def make_app(database_template, tmp_path):
    """Build an app on this test's database with config overrides."""
    made = []

    def build(**overrides):
        app = create_app({**base_config(_fresh_uri(database_template, tmp_path), tmp_path), **overrides})
        guard_get_writes(app)
        made.append(app)
        return app
    yield build
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    if PG_URL and made:
        _reset_postgres(made[0])


# ---------------------------------------------------------------------------------------------- a GET never writes
# Every test app records any INSERT/UPDATE/DELETE executed while a GET or HEAD request is being handled (from the
# first before_request to the last teardown); the test that caused it fails. A read request runs in a deferred
# SQLite transaction: a write there is a bug (and, under load, "database is locked").
WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
_GET_WRITES: list[str] = []


def guard_get_writes(app) -> None:
    from flask import g, request
    from sqlalchemy import event

    @app.before_request
    def _reading():
        if request.method in ("GET", "HEAD"):
            g._test_read_request = f"{request.method} {request.full_path.rstrip('?')}"

    @app.teardown_request
    def _read_done(_exc):
        g.pop("_test_read_request", None)

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _record(_conn, _cursor, statement, _params, _context, _many):
        from flask import has_app_context
        if WRITES.match(statement) and has_app_context() and g.get("_test_read_request"):
            _GET_WRITES.append(f"{g._test_read_request}: {' '.join(statement.split())[:160]}")


@pytest.fixture(autouse=True)
def no_writes_on_get():
    """Fail the test whose GET or HEAD request wrote to the database (see guard_get_writes)."""
    _GET_WRITES.clear()
    yield
    found, _GET_WRITES[:] = list(_GET_WRITES), []
    assert not found, "a GET/HEAD request wrote to the database:\n" + "\n".join(found[:10])


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_user(app):
    """Create a staff account: make_user("clerk") -> User (committed)."""
    counter = iter(range(1, 10_000))

    def make(role: str, username: str | None = None, active: bool = True, display_name: str | None = None) -> User:
        with app.app_context():
            name = username or f"{role}{next(counter)}"
            user = User(username=name, display_name=display_name or name, role=role, active=active, window_no="3")
            passwords.set_password(user, TEST_PASSWORD)
            db.session.add(user)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user
    return make


@pytest.fixture
def login():
    """Log `client` in as `user` through the real login form."""
    def do(client, user, password: str = TEST_PASSWORD):
        response = client.post("/auth/login", data={"username": user.username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        assert response.headers["Location"] == "/"
        return response
    return do


@pytest.fixture
def token_for(app):
    """A Bearer header for `user`."""
    def make(user: User) -> dict:
        with app.app_context():
            u = db.session.get(User, user.id)
            token = passwords.new_token(u)
            db.session.commit()
        return {"Authorization": f"Bearer {token}"}
    return make


@pytest.fixture
def make_applicant(app):
    counter = iter(range(1, 10_000))

    def make(kind: str = "organisation", name: str | None = None, id_code: str | None = None) -> int:
        with app.app_context():
            n = next(counter)
            applicant = Applicant(kind=kind, name=name or f"清远测试通信有限公司{n}",
                                  id_code=id_code or f"91441800TEST{n:06d}", contact="李工", phone="13800138000")
            db.session.add(applicant)
            db.session.commit()
            return applicant.id
    return make


def item(code: str) -> ServiceItem:
    from sqlalchemy import select
    return db.session.scalar(select(ServiceItem).where(ServiceItem.code == code))


DEMO_TODAY = date(2025, 3, 14)     # the demo's open cases sit in the weeks before this Friday


@pytest.fixture(scope="session")
def demo_year_app(database_template, tmp_path_factory):
    """An app on the 2024 demo year, built through the verbs (SQLite only: it takes a while, so once per test
    process; the modules that use it only read it, or add users and sign-ins the demo figures do not count)."""
    if not database_template.startswith("sqlite"):
        pytest.skip("the demo year is checked on SQLite; the verbs it drives are tested on both databases")
    from radiolic import demo
    folder = tmp_path_factory.mktemp("demo")
    shutil.copy(database_template.removeprefix("sqlite:///"), folder / "demo.sqlite")
    app = create_app({**base_config(f"sqlite:///{folder / 'demo.sqlite'}", folder), "FIXED_TODAY": DEMO_TODAY})
    guard_get_writes(app)
    with app.app_context():
        app.config["DEMO_SUMMARY"] = demo.build(2024, DEMO_TODAY)
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


ONE_STATION = {
    "station_name": "清远测试基站", "station_type": "public_mobile_base", "address": "广东省清远市清城区北江路 1 号楼顶",
    "longitude": 113.05, "latitude": 23.68, "altitude_m": 30, "tx_mhz": "1885-1915", "rx_mhz": "1885-1915",
    "bandwidth_khz": 20000, "emission": "20M0G7W", "power_w": 40, "antenna_gain_dbi": 15.5, "antenna_height_m": 30,
    "azimuth_deg": 120, "equipment_model": "RRU-8T8R-F", "type_approval_code": "2019CP1234", "call_sign": None}


def add_test_stations(case, n: int, by, on) -> None:
    """`n` valid stations entered on the case, as a clerk would import them."""
    from radiolic.issuance.station_import import validate_rows
    from radiolic.workflow import issuance
    rows = [{**ONE_STATION, "station_name": f"清远测试基站{i:03d}", "azimuth_deg": (i * 37) % 360,
             "longitude": round(113.05 + i * 0.001, 6)} for i in range(1, n + 1)]
    issuance.add_stations(case, validate_rows(rows), by=by, on=on)


def add_station_for_decision(case, by, on) -> None:
    """A station-licence approval needs a station: give a case that has none one station before it is approved."""
    from sqlalchemy import func, select

    from radiolic.models import Station
    item_ = case.service_item
    if item_.licence_kind != "station_licence" or item_.action == "cancellation":
        return
    if not db.session.scalar(select(func.count(Station.id)).where(Station.application_id == case.id)):
        add_test_stations(case, 1, by, on)


STATE_PATH = ["submitted", "accepted", "under_review", "approved"]


@pytest.fixture
def make_case(app, make_user, make_applicant):
    """Drive a case through the real verbs: make_case("ST-NEW", "under_review") -> case number.

    Options: deferred=[codes] (accepted with deferral, due date by default), missing=[codes] (left missing at
    intake; only for state "submitted"), on=date of every step, clerk/reviewer users to act, stations=n stations
    entered at intake (a station-licence case made "approved" gets one if it has none: approval needs a station).
    """
    from radiolic.workflow import intake, review

    def make(item_code: str = "ST-NEW", state: str = "submitted", *, deferred=(), missing=(), on: date = TODAY,
             clerk: User | None = None, reviewer: User | None = None, applicant_id: int | None = None,
             channel: str = "window", stations: int = 0) -> str:
        clerk = clerk or make_user("clerk")
        reviewer = reviewer or make_user("reviewer")
        applicant_id = applicant_id or make_applicant()
        with app.app_context():
            clerk_u, reviewer_u = db.session.get(User, clerk.id), db.session.get(User, reviewer.id)
            service = item(item_code)
            absent = set(missing) | set(deferred)
            materials = {m.code: ("missing" if m.code in absent else "received", "") for m in service.materials}
            case, _code = intake.submit(service, db.session.get(Applicant, applicant_id), channel=channel,
                                        single_window=True, visits=0 if channel == "online" else 1,
                                        materials=materials, by=clerk_u, on=on)
            if stations:
                add_test_stations(case, stations, clerk_u, on)
            if state != "submitted":
                intake.accept(case, deferred=list(deferred),
                              commitment={"signed_by": "李工"} if deferred else None, by=clerk_u, on=on)
            if state in ("under_review", "approved"):
                review.start_review(case, by=reviewer_u, on=on)
            if state == "approved":
                add_station_for_decision(case, reviewer_u, on)
                review.decide(case, outcome="approve", reason="符合条件", by=reviewer_u, on=on)
            db.session.commit()
            return case.number
    return make


# ---------------------------------------------------------------------------------------------- one build per run
# The modules that read one expensive build (the 2024 demo year, the 2025 year of the year-end sweep) run in one
# test process, so each is built once per run rather than once per worker (30–50 s each under load). Every other
# test is handed out one at a time, as with `--dist load`. (pytest-xdist's own `--dist loadgroup` renames node ids,
# which pytest 9 no longer allows; the grouping is therefore by module, here.)
SHARED_BUILDS = {
    "tests/unit/test_demo.py": "demo-2024",
    "tests/hardening/test_public_personal_data.py": "demo-2024",
    "tests/browser/test_layout_browser.py": "demo-2024",
    "tests/browser/test_supervisor_browser.py": "demo-2024",
    "tests/web/test_yearend_sweep.py": "sweep-2025",
}


@pytest.hookimpl(optionalhook=True)         # a hook of pytest-xdist: unknown when it is off (-p no:xdist)
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class BySharedBuild(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return SHARED_BUILDS.get(nodeid.split("::", 1)[0], nodeid)
    return BySharedBuild(config, log)
