"""Issue 16's password rules (owned by issue 15): guessable passwords are refused with the reason shown."""
import pytest

from radiolic.auth.strength import problem
from tests.conftest import TEST_PASSWORD


@pytest.mark.parametrize("password,reason", [
    ("password1234", "常见密码"), ("woaini1314", "常用拼音词"), ("zhangwei2024!", "常用拼音词"),
    ("liuwei19880808", "常用拼音词"), ("qwertyuiop1", "常见密码"), ("1234567890", "常见密码"),
    ("wangfang1988", "账号自己的名字"), ("short", "至少 10 位")])
def test_guessable_passwords_are_refused_with_the_reason(app, password, reason):
    with app.test_request_context():
        message = problem(password, names=("wangfang", "王芳"))
    assert message is not None and reason in message, message


@pytest.mark.parametrize("password", [TEST_PASSWORD, "Xk9#pq2Lm!zr", "yet another passphrase 81", "铁塔 蓝色 河流 2718"])
def test_strong_passwords_pass(app, password):
    with app.test_request_context():
        assert problem(password, names=("wangfang",)) is None


def test_every_way_of_setting_a_password_checks_it(app, make_user, login):
    admin = app.test_client()
    login(admin, make_user("admin"))
    page = admin.post("/admin/users", data={"username": "wang", "display_name": "王芳", "role": "clerk",
                                            "password": "password1234"}).get_data(as_text=True)
    assert "密码太容易被猜到：包含常见密码" in page
    clerk = make_user("clerk")
    response = admin.post(f"/admin/users/{clerk.id}/password", data={"password": f"{clerk.username}-2024"},
                          follow_redirects=True)
    assert "密码太容易被猜到" in response.get_data(as_text=True)
    own = app.test_client()
    login(own, clerk)
    page = own.post("/auth/password", data={"current": TEST_PASSWORD, "new": "woaini1314woaini",
                                            "repeat": "woaini1314woaini"}).get_data(as_text=True)
    assert "密码太容易被猜到" in page
    result = app.test_cli_runner().invoke(args=["user", "create", "li", "--role", "clerk", "--password-stdin"],
                                          input="password1234\n")
    assert result.exit_code != 0 and "常见密码" in result.output
