"""The admin pages change users, the catalogue and the calendar through verbs: a refusal shows the page again
with the reason and changes nothing; a change is recorded once."""
from datetime import date

import time_machine
from sqlalchemy import func, select

from radiolic.extensions import db
from radiolic.models import Event, HolidayOverride, MaterialRequirement, ServiceItem, User
from tests.redirects import redirects_to


def _events(app, action: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Event).where(Event.action == action))


def _admin(app, make_user, login):
    client, admin = app.test_client(), make_user("admin")
    login(client, admin)
    return client, admin


def test_an_admin_cannot_disable_their_own_account(app, make_user, login):
    client, admin = _admin(app, make_user, login)
    redirects_to(client.post(f"/admin/users/{admin.id}/active"), "/admin/users")
    assert "不能停用自己的账号" in client.get("/admin/users").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, admin.id).active
    assert _events(app, "user_disable") == 0


def test_a_taken_username_is_refused_on_its_field(app, make_user, login):
    client, _ = _admin(app, make_user, login)
    clerk = make_user("clerk")
    page = client.post("/admin/users", data={"username": clerk.username, "display_name": "王芳", "role": "clerk",
                                             "password": "a long password 1"})
    assert page.status_code == 200 and "该用户名已存在" in page.get_data(as_text=True)
    assert _events(app, "user_create") == 0


def test_catalogue_refusals_change_nothing(app, make_user, login):
    client, _ = _admin(app, make_user, login)
    with app.app_context():
        item = db.session.scalar(select(ServiceItem).where(ServiceItem.code == "ST-NEW"))
        item_id, statutory, taken = item.id, item.statutory_days, item.materials[0].code
    page = client.post(f"/admin/catalogue/{item_id}", data={
        "item-name": "x", "item-statutory_days": str(statutory), "item-promised_days": str(statutory + 1),
        "item-online_depth": "4", "item-submit": "1"})
    assert page.status_code == 200 and "承诺时限不能长于法定时限" in page.get_data(as_text=True)
    redirects_to(client.post(f"/admin/catalogue/{item_id}/materials", data={"m-code": taken, "m-name": "重复",
                                                                             "m-core": "y"}),
                 f"/admin/catalogue/{item_id}")
    assert f"材料编码 {taken} 已存在" in client.get(f"/admin/catalogue/{item_id}").get_data(as_text=True)
    redirects_to(client.post(f"/admin/catalogue/{item_id}/materials", data={"m-code": "extra", "m-name": "补充"}),
                 f"/admin/catalogue/{item_id}")
    with app.app_context():
        assert db.session.get(ServiceItem, item_id).name != "x"
        assert db.session.scalar(select(MaterialRequirement).where(MaterialRequirement.code == "extra")) is None
    assert _events(app, "catalogue_edit") == 0


@time_machine.travel("2024-03-04 10:00 +0800", tick=False)
def test_calendar_day_set_and_removed_is_recorded_each_time(app, make_user, login):
    client, _ = _admin(app, make_user, login)
    redirects_to(client.post("/admin/calendar", data={"d-day": "2024-03-09", "d-kind": "workday", "d-note": "调休",
                                                      "d-submit": "1"}), "/admin/calendar")
    with app.app_context():
        assert db.session.get(HolidayOverride, date(2024, 3, 9)).workday
    redirects_to(client.post("/admin/calendar/2024-03-09/delete"), "/admin/calendar")
    with app.app_context():
        assert db.session.get(HolidayOverride, date(2024, 3, 9)) is None
        notes = db.session.scalars(select(Event.note).where(Event.action == "calendar_edit").order_by(Event.id)).all()
    assert notes == ["2024-03-09 设为工作日", "删除日历调整 2024-03-09"]


def test_the_command_line_keeps_the_same_account_rules(app, make_user):
    clerk = make_user("clerk")
    runner = app.test_cli_runner()
    taken = runner.invoke(args=["user", "create", clerk.username, "--role", "clerk", "--password-stdin"],
                          input="a long password 1\n")
    assert taken.exit_code == 1 and f"用户 {clerk.username} 已存在" in taken.output
    weak = runner.invoke(args=["user", "create", "li", "--role", "clerk", "--password-stdin"], input="short\n")
    assert weak.exit_code == 1 and "密码至少 10 位" in weak.output
    made = runner.invoke(args=["user", "create", "li", "--role", "clerk", "--password-stdin"],
                         input="quiet river lantern 47\n")
    assert made.exit_code == 0, made.output
    assert _events(app, "user_create") == 1


def test_a_disabled_account_gets_no_api_token(app, make_user):
    clerk = make_user("clerk")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["user", "token", clerk.username]).output.startswith("rl_")
    with app.app_context():
        db.session.get(User, clerk.id).active = False
        db.session.commit()
    refused = runner.invoke(args=["user", "token", clerk.username])
    assert refused.exit_code == 1 and "没有启用的用户" in refused.output
