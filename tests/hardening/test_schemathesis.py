"""Issue 15, point 2: schemathesis against /api/v1/openapi.json — every operation, with a token of a role
the operation allows (staff, tablet and public), a bounded number of examples, no 5xx."""
import json
import os
import time

from hypothesis import HealthCheck, given, settings
from werkzeug.exceptions import MethodNotAllowed, NotFound

import schemathesis

EXAMPLES = int(os.environ.get("RADIOLIC_SCHEMATHESIS_EXAMPLES", "20"))
MODES = [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]


def _headers(app, tokens, case) -> dict:
    """A Bearer token of a role the route declares (its `api_roles`), none for public routes."""
    try:
        endpoint, _args = app.url_map.bind("localhost").match("/api/v1" + case.formatted_path, method=case.method)
    except (NotFound, MethodNotAllowed):
        return {}
    access = getattr(app.view_functions[endpoint], "access", None)
    if not isinstance(access, tuple):
        return {}
    return tokens[sorted(access[1])[0]]


def _routes(app) -> set[tuple[str, str]]:
    import re
    return {(method, re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1")))
            for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def _documented(app) -> set[tuple[str, str]]:
    paths = app.test_client().get("/api/v1/openapi.json").get_json()["paths"]
    return {(method.upper(), path) for path, ops in paths.items() for method in ops}


def test_no_operation_answers_a_server_error(app, make_user, token_for, make_case, capsys):
    tokens = {role: token_for(make_user(role)) for role in ("clerk", "reviewer", "supervisor", "admin")}
    for state in ("submitted", "accepted", "under_review", "approved"):
        make_case("ST-NEW", state)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    started, counts, failures = time.perf_counter(), {}, []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert _documented(app) == _routes(app)              # every API route is described, and nothing else
    assert len(operations) >= len(_routes(app)) - 1      # schemathesis leaves out only GET /openapi.json
    for operation in operations:
        label = f"{operation.method.upper()} {operation.path}"
        counts[label] = 0
        for mode in MODES:
            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))
            def run(case):
                response = case.call(headers={**(case.headers or {}), **_headers(app, tokens, case)})
                counts[label] += 1
                if response.status_code >= 500:
                    failures.append((label, case.formatted_path, case.query, case.body, response.text[:300]))
                elif response.status_code >= 400 and operation.path != "/openapi.json":
                    error = json.loads(response.text)["error"]     # api.md's error format, never an HTML page
                    assert set(error) == {"code", "message", "fields"}, response.text
            run()
    elapsed = time.perf_counter() - started
    with capsys.disabled():
        print(f"\nschemathesis: {len(counts)} operations, {sum(counts.values())} examples, "
              f"{len(failures)} failures, {elapsed:.0f} s")
    assert failures == [], failures[:5]
    assert all(counts.values()), [k for k, v in counts.items() if not v]
