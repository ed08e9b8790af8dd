"""Issue 15, points 3 and 4: login does the same work for every account; strangers slow an account down
but never lock its owner out; a supervisor sees and clears the limits."""
from datetime import timedelta

from sqlalchemy import select

from radiolic.extensions import db
from radiolic.models import Attempt, Event
from radiolic.models.base import utcnow
from tests.conftest import TEST_PASSWORD


def _login(app, user, password, addr):
    return app.test_client().post("/auth/login", data={"username": user.username, "password": password},
                                  environ_base={"REMOTE_ADDR": addr})


def test_strangers_slow_an_account_down_but_its_owner_gets_in(app, make_user):
    clerk = make_user("clerk")
    assert _login(app, clerk, TEST_PASSWORD, "10.0.0.1").status_code == 302       # the owner's own address
    for i in range(10):                                                           # strangers from 10 addresses
        _login(app, clerk, "wrong password", f"192.0.2.{i}")
    stranger = _login(app, clerk, TEST_PASSWORD, "198.51.100.1")
    assert stranger.status_code == 429 and "登录失败次数过多" in stranger.get_data(as_text=True)
    assert _login(app, clerk, TEST_PASSWORD, "10.0.0.1").status_code == 302       # not locked out
    with app.app_context():
        rows = db.session.scalars(select(Attempt).where(Attempt.scope == "login", Attempt.ok.is_(False))).all()
        # the first 5 failures are free, then each waits for the previous delay: the rest were refused, not counted
        assert len(rows) == app.config["THROTTLE_KEY_FREE_FAILURES"]
        assert {r.address for r in rows} <= {f"192.0.2.{i}" for i in range(10)}


def test_the_delay_grows_and_is_capped(app):
    from radiolic import throttle
    with app.app_context():
        free = app.config["THROTTLE_KEY_FREE_FAILURES"]
        assert [throttle._delay(free + n, free) for n in range(0, 10)] == [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]
        assert throttle._delay(free - 1, free) == 0
        now = utcnow()
        for i in range(free + 2):
            db.session.add(Attempt(scope="login", key="wang", address=f"192.0.2.{i}", ok=False,
                                   at=now - timedelta(seconds=1)))
        db.session.commit()
        assert throttle.wait_seconds("login", "wang", "203.0.113.9", now=now) == 7      # 8 s after the last
        assert throttle.wait_seconds("login", "wang", "203.0.113.9", now=now + timedelta(seconds=8)) == 0
        # failures older than the window no longer count
        later = now + timedelta(minutes=app.config["THROTTLE_WINDOW_MINUTES"], seconds=1)
        assert throttle.wait_seconds("login", "wang", "203.0.113.9", now=later) == 0


def test_one_address_trying_many_accounts_is_slowed(make_app, make_user):
    app = make_app(THROTTLE_ADDRESS_FREE_FAILURES=3)
    users = [make_user("clerk") for _ in range(4)]
    for user in users[:3]:
        assert _login(app, user, "wrong password", "192.0.2.50").status_code == 200
    assert _login(app, users[3], TEST_PASSWORD, "192.0.2.50").status_code == 429
    assert _login(app, users[3], TEST_PASSWORD, "192.0.2.51").status_code == 302


def test_a_supervisor_sees_and_clears_a_lock(app, make_user, login):
    clerk = make_user("clerk")
    for i in range(6):
        _login(app, clerk, "wrong password", f"192.0.2.{i}")
    assert _login(app, clerk, TEST_PASSWORD, "198.51.100.1").status_code == 429
    boss = app.test_client()
    login(boss, make_user("supervisor"))
    page = boss.get("/supervisor/locks").get_data(as_text=True)
    assert f'data-scope="login" data-key="{clerk.username}"' in page and "员工登录" in page
    response = boss.post("/supervisor/locks/clear", data={"scope": "login", "key": clerk.username})
    assert response.status_code == 302
    assert _login(app, clerk, TEST_PASSWORD, "198.51.100.1").status_code == 302
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.action == "throttle_clear"))
        assert clerk.username in event.note and "5 次" in event.note
    assert boss.post("/supervisor/locks/clear", data={"scope": "bogus", "key": "x"}).status_code == 400
    other = app.test_client()
    login(other, make_user("clerk"))
    assert other.get("/supervisor/locks").status_code == 403


def test_login_hashes_outside_any_transaction(app, make_user, monkeypatch):
    """The password is checked while no transaction is open (no write lock held during scrypt)."""
    from radiolic.auth import passwords
    clerk = make_user("clerk")
    seen = []
    real = passwords.verify

    def spy(*args):
        seen.append(db.session().in_transaction())
        return real(*args)
    monkeypatch.setattr(passwords, "verify", spy)
    _login(app, clerk, TEST_PASSWORD, "10.0.0.1")
    _login(app, clerk, "wrong password", "10.0.0.1")
    assert seen == [False, False]


def test_same_work_for_unknown_disabled_and_active_accounts(app, make_user, monkeypatch):
    """Every kind of account costs exactly one hash with the real parameters."""
    from radiolic.auth import passwords
    active, disabled = make_user("clerk"), make_user("clerk", active=False)
    methods = []
    real = passwords.check_password_hash

    def spy(stored, password):
        methods.append(stored.split("$", 1)[0])
        return real(stored, password)
    monkeypatch.setattr(passwords, "check_password_hash", spy)
    for name in (active.username, disabled.username, "nobody-here"):
        app.test_client().post("/auth/login", data={"username": name, "password": "wrong password"})
    assert methods == [app.config["PASSWORD_METHOD"]] * 3
    page = app.test_client().post("/auth/login", data={"username": disabled.username, "password": TEST_PASSWORD})
    assert "用户名或密码错误" in page.get_data(as_text=True)
