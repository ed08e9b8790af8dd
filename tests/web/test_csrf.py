"""One fixture with CSRF on: unsafe methods without a token are refused."""


def test_login_without_csrf_token_is_refused(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    user = make_user("clerk")
    response = app.test_client().post("/auth/login", data={"username": user.username,
                                                           "password": "correct horse battery"})
    assert response.status_code == 400


def test_logout_without_csrf_token_is_refused(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    assert app.test_client().post("/auth/logout").status_code == 400


def test_api_is_exempt_but_needs_a_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    response = app.test_client().get("/api/v1/service-items")
    assert response.status_code == 401
