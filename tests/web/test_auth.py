"""Logging in and out, sessions that really end, and deny-by-default roles."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from radiolic.extensions import db
from radiolic.models import Event, User
from tests.redirects import redirects_to


def test_anonymous_is_sent_to_login(client):
    redirects_to(client.get("/"), "/auth/login")


def test_login_shows_home(client, make_user, login):
    login(client, make_user("clerk"))
    page = client.get("/")
    assert page.status_code == 200
    assert "工作台" in page.get_data(as_text=True)


def test_same_message_for_unknown_user_and_wrong_password(client, make_user):
    user = make_user("clerk")
    a = client.post("/auth/login", data={"username": "nobody", "password": "whatever123"}).get_data(as_text=True)
    b = client.post("/auth/login", data={"username": user.username, "password": "wrong-password"}).get_data(as_text=True)
    assert "用户名或密码错误" in a and "用户名或密码错误" in b


def test_wrong_role_gets_403(client, make_user, login):
    login(client, make_user("clerk"))
    assert client.get("/admin/users").status_code == 403


def test_replayed_cookie_after_logout_is_refused(app, make_user, login):
    client = app.test_client()
    login(client, make_user("reviewer"))
    stolen = client.get_cookie("session").value
    redirects_to(client.post("/auth/logout"), "/auth/login")
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/")
    redirects_to(response, "/auth/login")


def test_password_change_ends_other_sessions(app, make_user, login):
    user = make_user("clerk")
    first, second = app.test_client(), app.test_client()
    login(first, user)
    login(second, user)
    response = first.post("/auth/password", data={"current": "correct horse battery", "new": "a new long password",
                                                  "repeat": "a new long password"})
    redirects_to(response, "/")
    assert first.get("/").status_code == 200
    redirects_to(second.get("/"), "/auth/login")


def test_disabled_account_is_logged_out_and_cannot_log_in(app, make_user, login):
    admin, clerk = make_user("admin"), make_user("clerk")
    admin_client, clerk_client = app.test_client(), app.test_client()
    login(admin_client, admin)
    login(clerk_client, clerk)
    redirects_to(admin_client.post(f"/admin/users/{clerk.id}/active"), "/admin/users")
    redirects_to(clerk_client.get("/"), "/auth/login")
    page = app.test_client().post("/auth/login", data={"username": clerk.username, "password": "correct horse battery"})
    assert page.status_code == 200 and "用户名或密码错误" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Event.action).where(Event.action == "user_disable")) == "user_disable"


def test_login_is_throttled_before_hashing(app, make_user):
    user = make_user("clerk")
    client = app.test_client()
    for _ in range(app.config["THROTTLE_KEY_FREE_FAILURES"]):
        client.post("/auth/login", data={"username": user.username, "password": "wrong-password"})
    response = client.post("/auth/login", data={"username": user.username, "password": "correct horse battery"})
    assert response.status_code == 429
    assert "登录失败次数过多" in response.get_data(as_text=True)


def test_idle_session_expires(app, make_user, login):
    client = app.test_client()
    login(client, make_user("clerk"))
    with client.session_transaction() as s:
        from datetime import datetime
        s["seen_at"] = (datetime.fromisoformat(s["seen_at"]) - timedelta(minutes=31)).isoformat()
    redirects_to(client.get("/"), "/auth/login")


def test_open_redirect_is_refused(client, make_user):
    user = make_user("clerk")
    response = client.post("/auth/login?next=//evil.example/x",
                           data={"username": user.username, "password": "correct horse battery"})
    assert response.headers["Location"] == "/"


def test_admin_creates_and_resets_accounts(app, make_user, login):
    client = app.test_client()
    login(client, make_user("admin"))
    response = client.post("/admin/users", data={"username": "wang", "display_name": "王芳", "role": "clerk",
                                                 "password": "a long password 1"})
    redirects_to(response, "/admin/users")
    with app.app_context():
        wang = db.session.scalar(select(User).where(User.username == "wang"))
        assert wang.role == "clerk" and wang.password_hash.startswith("scrypt:")
        version = wang.session_version
    client.post(f"/admin/users/{wang.id}/password", data={"password": "another password"})
    with app.app_context():
        assert db.session.get(User, wang.id).session_version == version + 1


def test_admin_form_errors_name_the_field(app, make_user, login):
    client = app.test_client()
    login(client, make_user("admin"))
    page = client.post("/admin/users", data={"username": "bad name!", "display_name": "x", "role": "clerk",
                                             "password": "short"}).get_data(as_text=True)
    assert "用户名只能包含" in page and "密码至少 10 位" in page


def test_production_password_hash_is_strong(app):
    assert app.config["PASSWORD_METHOD"] == "scrypt:1024:8:1"   # the test override
    from radiolic.config import Defaults
    assert Defaults.PASSWORD_METHOD == "scrypt:131072:8:1"


@pytest.mark.parametrize("lang,text", [("en", "Sign in"), ("zh", "登录")])
def test_language_switch(client, lang, text):
    client.get(f"/lang/{lang}")
    assert text in client.get("/auth/login").get_data(as_text=True)


@pytest.mark.parametrize("proxies,expected", [(0, "127.0.0.1"), (1, "203.0.113.7")])
def test_limits_count_the_client_address_behind_a_configured_proxy(make_app, make_user, proxies, expected):
    from radiolic.models import Attempt
    app = make_app(PROXY_COUNT=proxies)
    user = make_user("clerk")
    app.test_client().post("/auth/login", data={"username": user.username, "password": "wrong-password"},
                           headers={"X-Forwarded-For": "203.0.113.7"}, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    with app.app_context():
        assert db.session.scalar(select(Attempt.address).where(Attempt.scope == "login")) == expected
