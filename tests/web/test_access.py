"""Deny by default: every route declares who may use it; every route tried as anonymous and as each role."""
import re

import pytest

from radiolic.access import PUBLIC, PUBLIC_ENDPOINTS
from radiolic.models import ROLES


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: "1" if "int" in m.group(0) else "X1", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, path


def test_every_route_declares_access(app):
    undeclared = [rule.endpoint for rule in app.url_map.iter_rules()
                  if rule.endpoint not in PUBLIC_ENDPOINTS
                  and getattr(app.view_functions[rule.endpoint], "access", None) is None]
    assert undeclared == []


def test_anonymous_reaches_only_public_routes(app):
    client = app.test_client()
    for endpoint, method, path in _routes(app):
        access = app.view_functions[endpoint].access
        response = client.open(path, method=method)
        if access == PUBLIC:
            continue
        kind = access[0]
        if kind == "api":
            assert response.status_code == 401, (endpoint, path)
            assert response.is_json and response.get_json()["error"]["code"] == "unauthorized"
        else:
            assert response.status_code == 302 and "/auth/login" in response.headers["Location"], (endpoint, path)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_is_refused_outside_its_routes(app, make_user, login, token_for, role):
    user = make_user(role)
    client = app.test_client()
    login(client, user)
    headers = token_for(user)
    for endpoint, method, path in _routes(app):
        access = app.view_functions[endpoint].access
        if access == PUBLIC or role in access[1]:
            continue
        response = client.open(path, method=method, headers=headers if access[0] == "api" else None)
        assert response.status_code == 403, (role, endpoint, method, path, response.status_code)


def test_security_headers(client):
    response = client.get("/auth/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def test_error_pages_have_no_stack_trace(make_app, make_user, login):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")
    boom.access = PUBLIC
    response = app.test_client().get("/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500 and "secret internals" not in body and "Traceback" not in body
    assert "系统出错了" in body


def test_404_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "未找到" in response.get_data(as_text=True)
