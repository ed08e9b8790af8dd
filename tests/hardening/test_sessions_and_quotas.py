"""Issue 15, points 5 and 6: anonymous applications and uploads are rationed; tokens expire and are revoked;
"退出查询" ends the lookup on the server; one HTTPS switch."""
import io
import os
from datetime import timedelta


from radiolic.extensions import db
from radiolic.models import User
from tests.conftest import TEST_PASSWORD
from tests.web.test_lookup import CODE, PDF, lookup, with_code
from tests.web.test_lookup_apply import form, post
from tests.redirects import redirects_to


def test_online_applications_per_address_per_day(make_app):
    app = make_app(PUBLIC_APPLICATIONS_PER_ADDRESS_DAY=2)
    client = app.test_client()
    for _ in range(2):
        assert post(client, form()).status_code == 200
    refused = post(client, form())
    assert refused.status_code == 429 and "24 小时内最多提交 2 件网上申请" in refused.get_data(as_text=True)
    response = app.test_client().post("/apply/ST-NEW", data=form(), content_type="multipart/form-data",
                                      environ_base={"REMOTE_ADDR": "10.7.7.7"})
    assert response.status_code == 200


def test_online_applications_per_day_for_the_whole_public_side(make_app):
    app = make_app(PUBLIC_APPLICATIONS_PER_DAY=1)
    assert post(app.test_client(), form()).status_code == 200
    response = app.test_client().post("/apply/ST-NEW", data=form(), content_type="multipart/form-data",
                                      environ_base={"REMOTE_ADDR": "10.7.7.8"})
    assert response.status_code == 429 and "今日网上申请数量已达上限" in response.get_data(as_text=True)


def test_upload_quota_per_application_and_per_day(make_app):
    big = PDF + b"0" * 4000
    app = make_app(PUBLIC_UPLOAD_BYTES_PER_APPLICATION=3 * len(big) + 10)
    response = post(app.test_client(), form(material_application_form=(io.BytesIO(big), "a.pdf"),
                                            material_technical_data=(io.BytesIO(big), "b.pdf"),
                                            material_type_approval=(io.BytesIO(big), "c.pdf"),
                                            material_site_proof=(io.BytesIO(big), "d.pdf")))
    assert response.status_code == 422 and "本申请上传的文件合计不能超过" in response.get_data(as_text=True)
    assert os.listdir(app.config["UPLOAD_FOLDER"]) == []            # nothing stayed on disk
    from tests.web.test_lookup import PNG
    app = make_app(PUBLIC_UPLOAD_BYTES_PER_DAY=3 * len(PDF) + len(PNG) + 1)
    assert post(app.test_client(), form()).status_code == 200
    response = app.test_client().post("/apply/ST-NEW", data=form(), content_type="multipart/form-data",
                                      environ_base={"REMOTE_ADDR": "10.7.7.9"})
    assert response.status_code == 422 and "今日网上上传的文件总量已达上限" in response.get_data(as_text=True)


def test_password_change_reset_and_disable_revoke_the_api_token(app, make_user, token_for, login):
    clerk = make_user("clerk")
    headers = token_for(clerk)
    assert app.test_client().get("/api/v1/service-items", headers=headers).status_code == 200
    client = app.test_client()
    login(client, clerk)
    client.post("/auth/password", data={"current": TEST_PASSWORD, "new": "a different passphrase 77",
                                        "repeat": "a different passphrase 77"})
    assert app.test_client().get("/api/v1/service-items", headers=headers).status_code == 401
    headers = token_for(clerk)
    admin = app.test_client()
    login(admin, make_user("admin"))
    admin.post(f"/admin/users/{clerk.id}/password", data={"password": "yet another passphrase 81"})
    assert app.test_client().get("/api/v1/service-items", headers=headers).status_code == 401
    headers = token_for(clerk)
    admin.post(f"/admin/users/{clerk.id}/active")
    assert app.test_client().get("/api/v1/service-items", headers=headers).status_code == 401


def test_tokens_expire_and_the_cli_prints_the_expiry(app, make_user, token_for):
    clerk = make_user("clerk")
    headers = token_for(clerk)
    with app.app_context():
        user = db.session.get(User, clerk.id)
        user.token_created_at -= timedelta(days=app.config["API_TOKEN_DAYS"], seconds=1)
        db.session.commit()
    assert app.test_client().get("/api/v1/service-items", headers=headers).status_code == 401
    result = app.test_cli_runner().invoke(args=["user", "token", clerk.username])
    assert result.exit_code == 0 and result.stdout.startswith("rl_") and len(result.stdout.split()) == 1
    assert "有效期至" in result.stderr and "90 天" in result.stderr
    token = result.stdout.strip()
    assert app.test_client().get("/api/v1/service-items",
                                 headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_leaving_the_lookup_ends_it_on_the_server(app, make_case):
    number = with_code(app, make_case("ST-NEW", "accepted"))
    client = app.test_client()
    redirects_to(lookup(client, number, CODE), f"/status/case/{number}")
    assert client.get(f"/status/case/{number}").status_code == 200
    with client.session_transaction() as s:
        copied = dict(s)
    client.post("/status/forget")
    thief = app.test_client()
    with thief.session_transaction() as s:
        s.update(copied)
    redirects_to(thief.get(f"/status/case/{number}"), "/status")     # the copied cookie no longer opens it


def test_one_https_switch(make_app, make_user, login):
    plain = make_app()
    assert "Strict-Transport-Security" not in plain.test_client().get("/auth/login").headers
    app = make_app(HTTPS=True)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    response = app.test_client().get("/auth/login")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_the_system_page_warns_about_https_and_a_loopback_address(make_app, make_user, login):
    app = make_app(PUBLIC_BASE_URL="http://127.0.0.1:5000")
    client = app.test_client()
    login(client, make_user("admin"))
    page = client.get("/admin/system", environ_overrides={"wsgi.url_scheme": "https"}).get_data(as_text=True)
    assert "未设置 HTTPS=true" in page and "PUBLIC_BASE_URL（http://127.0.0.1:5000）是本机地址" in page
    app = make_app(PUBLIC_BASE_URL="https://radio.example.org", HTTPS=True)
    client = app.test_client()
    login(client, make_user("admin"))
    page = client.get("/admin/system", environ_overrides={"wsgi.url_scheme": "https"}).get_data(as_text=True)
    assert "transport-warning" not in page
