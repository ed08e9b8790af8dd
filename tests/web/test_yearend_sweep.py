"""No page or daily command answers 5xx on any office date from 2026-10-01 to 2027-03-01 (no 2027 notice)."""
import shutil
from datetime import date, timedelta

import pytest

from radiolic import create_app
from radiolic.auth import passwords
from radiolic.extensions import db
from radiolic.models import User
from tests.conftest import TEST_PASSWORD, base_config, guard_get_writes

START, END = date(2026, 10, 1), date(2027, 3, 1)
# Every 8th day (so each weekday comes round) plus the days around the year end and 春节 2027 (02-05..02-08).
DATES = sorted({START + timedelta(days=i) for i in range(0, (END - START).days + 1, 8)}
               | {date(2026, 12, 31), date(2027, 1, 1), date(2027, 1, 4), date(2027, 2, 5), date(2027, 2, 9), END})
ROLES = ("clerk", "reviewer", "supervisor", "admin")


@pytest.fixture(scope="module")
def sweep_app(database_template, tmp_path_factory):
    """The 2025 demo year plus open cases up to 2026-10-01 (SQLite only: it takes a while)."""
    if not database_template.startswith("sqlite"):
        pytest.skip("the sweep runs on SQLite; the verbs it drives are tested on both databases")
    from radiolic import demo
    folder = tmp_path_factory.mktemp("sweep")
    shutil.copy(database_template.removeprefix("sqlite:///"), folder / "sweep.sqlite")
    app = create_app({**base_config(f"sqlite:///{folder / 'sweep.sqlite'}", folder), "FIXED_TODAY": START})
    guard_get_writes(app)
    with app.app_context():
        demo.build(2025, START)
        for role in ROLES:
            user = User(username=f"sweep_{role}", display_name=role, role=role, active=True, window_no="1")
            passwords.set_password(user, TEST_PASSWORD)
            db.session.add(user)
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _routes(app, number: str) -> list[str]:
    """Every GET route without arguments, plus one case's pages."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith(("/static", "/bootstrap")):
            if rule.endpoint not in ("auth.logout",) and not rule.rule.endswith((".zip", ".pdf")):
                urls.append(rule.rule)
    return sorted(set(urls)) + [f"/cases/{number}", f"/api/v1/applications/{number}"]


@pytest.mark.parametrize("on", DATES, ids=[d.isoformat() for d in DATES])
def test_no_5xx_across_the_year_end(sweep_app, on):
    from sqlalchemy import select
    from radiolic.models import Application
    sweep_app.config["FIXED_TODAY"] = on
    with sweep_app.app_context():
        number = db.session.scalar(select(Application.number).where(Application.accepted_on.is_not(None))
                                   .order_by(Application.id.desc()).limit(1))
    routes = _routes(sweep_app, number)
    failures = []
    for role in ROLES + ("anonymous",):
        client = sweep_app.test_client()
        if role != "anonymous":
            response = client.post("/auth/login", data={"username": f"sweep_{role}", "password": TEST_PASSWORD})
            assert response.status_code == 302
        for url in routes:
            status = client.get(url).status_code
            if status >= 500:
                failures.append((role, url, status))
    runner = sweep_app.test_cli_runner()
    dated = ["--date", on.isoformat()]
    for args in (["review", "clocks", *dated], ["deferrals", "check", *dated], ["licences", "check"],
                 ["ratings", "invite"], ["calendar", "status", *dated]):
        result = runner.invoke(args=args)
        if result.exit_code != 0:
            failures.append(("cli", " ".join(args), result.output[-300:] + repr(result.exception)))
    assert failures == []
