"""Issue 15, point 2: every GET page, as a role it allows, with hostile values in every query parameter the
app reads: no 5xx, and a bad value answers 400 with the normal error page."""
import inspect
import re
import time
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import select

from radiolic.extensions import db
from radiolic.models import Licence, Upload

ROOT = Path(__file__).resolve().parents[2] / "radiolic"
# Values the types do not allow, and some that they do but that once broke something.
VALUES = ["²", "9" * 20, "-1", "\x00", "a\x0bb", "0001-01-01", "9999-12-31", "１２", "1e400", "\ud800",
          "' OR 1=1--", "x" * 3000]


PATTERN = re.compile(r'(?:args\.get|arg_int|arg_date|arg_choice|getlist|_int|_date)\((?:[\w.]+, )?"([a-z_]+)"')
# modules whose helpers read the query string for another module's views
HELPERS = {"supervisor/views.py": ["supervisor/period.py"],
           "issuance/views.py": []}
REGISTER_FILTERS = {"holder", "number", "station_type", "area", "low", "high", "kind"}


def _names_in(path: Path) -> set[str]:
    return set(PATTERN.findall(path.read_text(encoding="utf-8")))


def query_parameters(source: Path | None = None) -> list[str]:
    """The query parameter names a module reads (all of the app's when `source` is None)."""
    if source is None:
        names = set().union(*(_names_in(p) for p in ROOT.rglob("*.py"))) | REGISTER_FILTERS
        return sorted(names)
    names = _names_in(source)
    for helper in HELPERS.get(str(source.relative_to(ROOT)), []):
        names |= _names_in(ROOT / helper)
    if source.name == "views.py" and source.parent.name == "issuance":
        names |= REGISTER_FILTERS
    return sorted(names)


def _encode(value: str) -> str:
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def test_no_page_answers_a_server_error(app, make_user, login, make_case, capsys):
    number = make_case("ST-NEW", "approved")
    clients = {}
    for role in ("clerk", "reviewer", "supervisor", "admin"):
        clients[role] = app.test_client()
        login(clients[role], make_user(role))
    clients[None] = app.test_client()
    with app.app_context():
        upload_id = db.session.scalar(select(Upload.id)) or 1
        verify = db.session.scalar(select(Licence.verify_code)) or "NONE"
    fill = {"number": number, "code": "ST-NEW", "kind": "acceptance", "fmt": "csv", "item_id": 1, "applicant_id": 1,
            "stop_id": 1, "upload_id": upload_id, "order_id": 1, "licence": "X", "token": "x", "job_id": "0" * 32}
    names = query_parameters()
    assert {"page", "year", "from", "to", "applicant", "reviewer", "days", "period"} <= set(names)
    started, requests, errors, refused = time.perf_counter(), 0, [], 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(("/api/", "/static", "/bootstrap")):
            continue
        if rule.endpoint in ("auth.logout", "main.set_language"):
            continue
        view = app.view_functions[rule.endpoint]
        access = getattr(view, "access", None)
        role = None if access == "public" else sorted(access[1])[0]
        path = rule.build({**{k: fill[k] for k in rule.arguments}, "code": verify if "verify" in rule.rule else
                           ("zh" if "lang" in rule.rule else fill["code"])}, append_unknown=False)[1]
        if rule.endpoint.endswith("verify"):
            path = f"/verify/{verify}"
        own = query_parameters(Path(inspect.getsourcefile(view)))
        for value in VALUES:
            # each parameter its module reads alone, then every parameter of the app at once
            queries = [f"{name}={_encode(value)}" for name in own] + [
                "&".join(f"{name}={_encode(value)}" for name in names)]
            for query in queries:
                response = clients[role].get(f"{path}?{query}")
                response.get_data()      # consume streamed bodies inside the test (register.csv)
                response.close()
                requests += 1
                if response.status_code >= 500:
                    errors.append((path, query[:80], response.status_code))
                elif response.status_code == 400:
                    refused += 1
                    assert response.mimetype == "text/html" or rule.rule.endswith((".csv", ".xlsx", ".pdf")), path
    elapsed = time.perf_counter() - started
    with capsys.disabled():
        print(f"\npage fuzz: {requests} requests, {len(names)} parameters, {refused} answered 400, "
              f"{len(errors)} server errors, {elapsed:.0f} s")
    assert errors == [], errors[:10]
