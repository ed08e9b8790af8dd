"""办事指南: an administrator fills in an item's guide; /apply shows it, and its page prints."""
import re

from sqlalchemy import select

from radiolic.extensions import db
from radiolic.models import ServiceItem


def test_admin_fills_in_the_guide_and_applicants_see_it(app, client, make_user, login):
    with app.app_context():
        item_id = db.session.scalar(select(ServiceItem.id).where(ServiceItem.code == "ST-NEW"))
    admin = app.test_client()
    login(admin, make_user("admin"))
    page = admin.get(f"/admin/catalogue/{item_id}").get_data(as_text=True)
    data = {name: re.search(rf'name="item-{name}"[^>]*value="([^"]*)"', page).group(1)
            for name in ("name", "statutory_days", "promised_days")}
    data = {f"item-{k}": v for k, v in data.items()}
    data.update({"item-online_depth": "4", "item-zero_trip": "y", "item-active": "y", "item-submit": "1",
                 "item-guide_conditions": "依法成立的单位；设台地点已取得使用权。",
                 "item-guide_fees": "不收取费用。", "item-guide_window": "清远市政务服务中心二楼 12 号窗口，工作日 9:00–17:30",
                 "item-legal_basis": "《中华人民共和国无线电管理条例》第二十七条"})
    assert admin.post(f"/admin/catalogue/{item_id}", data=data).status_code == 302
    admin.post(f"/admin/catalogue/{item_id}/materials", data={
        "m-code": "photo_site", "m-name": "台址照片", "m-defer_days": "5", "m-sample": "天线位置全景照片 1 张，注明拍摄日期"})

    guide = client.get("/apply/ST-NEW/guide").get_data(as_text=True)
    assert "依法成立的单位；设台地点已取得使用权。" in guide and "不收取费用。" in guide
    assert "12 号窗口" in guide and "第二十七条" in guide
    assert "天线位置全景照片 1 张" in guide and "台址照片" in guide
    apply = client.get("/apply/ST-NEW").get_data(as_text=True)
    assert 'id="apply-guide"' in apply and "依法成立的单位" in apply
    listing = client.get("/apply").get_data(as_text=True)
    assert 'href="/apply/ST-NEW/guide"' in listing
    assert client.get("/apply/NOPE/guide").status_code == 404


def test_apply_lists_new_items_before_cancellations(client):
    html = client.get("/apply").get_data(as_text=True)
    codes = re.findall(r'data-item="([^"]+)"', html)
    with client.application.app_context():
        actions = dict(db.session.execute(select(ServiceItem.code, ServiceItem.action)).all())
    order = [actions[c] for c in codes]
    assert order.index("new") < order.index("cancellation") if "cancellation" in order else True
    assert order == sorted(order, key=["new", "renewal", "change", "cancellation"].index)
