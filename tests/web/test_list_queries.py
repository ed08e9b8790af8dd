"""Case lists load what their rows show in a fixed number of queries, however many cases they list."""
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from radiolic.extensions import db

PAGES = [("reviewer", "/review/queue"), ("supervisor", "/review/queue"), ("reviewer", "/"), ("clerk", "/"),
         ("clerk", "/intake/queue"), ("clerk", "/deferrals"), ("supervisor", "/intake/credit"),
         ("supervisor", "/intake/corrections")]


@contextmanager
def counted(app):
    seen = []

    def count(*_args):
        seen.append(1)
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.fixture
def staff(make_user):
    return {role: make_user(role) for role in ("clerk", "reviewer", "supervisor")}


def _add_cases(make_case, staff, n: int) -> None:
    for _ in range(n):
        for state, deferred in (("submitted", ()), ("accepted", ["site_proof"]), ("under_review", ()),
                                ("approved", ())):
            make_case("ST-NEW", state, deferred=deferred, clerk=staff["clerk"], reviewer=staff["reviewer"])


@pytest.mark.parametrize("role,path", PAGES)
def test_list_pages_do_not_query_per_case(app, make_case, login, staff, role, path):
    client = app.test_client()
    login(client, staff[role])

    def queries() -> int:
        with counted(app) as seen:
            response = client.get(path)
        assert response.status_code == 200
        return len(seen)

    _add_cases(make_case, staff, 1)
    few = queries()
    _add_cases(make_case, staff, 1)
    assert queries() == few
