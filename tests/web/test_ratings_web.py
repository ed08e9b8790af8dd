"""Rating pages: status page, QR, SMS link, the window tablet (device-paired, never a staff session), work orders."""
import re

import pytest
from sqlalchemy import select

from radiolic.extensions import db
from radiolic.models import Application, Rating, RatingDevice, User, WorkOrder
from radiolic.ratings import kiosk
from radiolic.workflow import ratings
from tests.conftest import TODAY
from tests.web.test_lookup import CODE, count, lookup, with_code
from tests.redirects import redirects_to


def _ratings(app):
    with app.app_context():
        return [(r.channel, r.level, r.window_user_id) for r in db.session.scalars(select(Rating).order_by(Rating.id))]


@pytest.fixture
def known(app, make_case):
    return lambda state="accepted", **kw: with_code(app, make_case("ST-NEW", state, **kw))


def test_applicant_rates_from_the_status_page_once(app, client, known):
    number = known()
    lookup(client, number)
    page = client.get(f"/status/case/{number}").get_data(as_text=True)
    assert 'class="rating-form"' in page and 'data-level="2"' in page
    response = client.post(f"/status/case/{number}/rate", data={"level": "4", "tags": ["quick"], "comment": "好"})
    redirects_to(response, f"/status/case/{number}")
    assert _ratings(app) == [("online", 4, None)]
    again = client.post(f"/status/case/{number}/rate", data={"level": "1", "tags": ["attitude"]})
    assert again.status_code == 422 and "每个案件只能网上评价一次" in again.get_data(as_text=True)
    page = client.get(f"/status/case/{number}").get_data(as_text=True)
    assert 'id="already-rated"' in page and "通过“网上查询页”评价为“满意”" in page
    assert 'class="rating-form"' not in page
    # The QR door is the same online occasion: it shows the rating already given.
    client.post("/rate", data={"number": number, "query_code": CODE})
    qr = client.get(f"/rate/case/{number}").get_data(as_text=True)
    assert 'id="already-rated"' in qr and "评价为“满意”" in qr and 'class="rating-form"' not in qr
    assert _ratings(app) == [("online", 4, None)]


def test_a_bad_rating_without_a_reason_is_refused_on_the_page(app, client, known):
    number = known()
    lookup(client, number)
    response = client.post(f"/status/case/{number}/rate", data={"level": "2"})
    assert response.status_code == 422 and "原因标签或填写评价意见" in response.get_data(as_text=True)
    assert _ratings(app) == []
    redirects_to(client.post(f"/status/case/{number}/rate", data={"level": "2", "comment": "排队太久"}),
                 f"/status/case/{number}")
    assert _ratings(app) == [("online", 2, None)]


def test_online_rating_waits_for_an_intake_outcome(app, client, known):
    number = known("submitted")
    lookup(client, number)
    page = client.get(f"/status/case/{number}").get_data(as_text=True)
    assert 'id="rating-not-open"' in page and 'class="rating-form"' not in page
    response = client.post(f"/status/case/{number}/rate", data={"level": "5"})
    assert response.status_code == 422 and "暂不能评价" in response.get_data(as_text=True)
    assert _ratings(app) == []


def test_rating_needs_the_lookup_and_refuses_tags_of_another_level(app, client, known):
    number = known()
    redirects_to(client.post(f"/status/case/{number}/rate", data={"level": "5"}), "/status")
    lookup(client, number)
    response = client.post(f"/status/case/{number}/rate", data={"level": "5", "tags": ["slow"]})
    assert response.status_code == 422 and "不属于" in response.get_data(as_text=True)
    assert _ratings(app) == []


def test_a_staff_session_cannot_rate_even_with_the_code(app, known, make_user, login):
    number = known()
    clerk = app.test_client()
    login(clerk, make_user("clerk"))
    lookup(clerk, number)        # a clerk who knows the code looks the case up at their own desk
    response = clerk.post(f"/status/case/{number}/rate", data={"level": "5"})
    assert response.status_code == 403 and "工作人员" in response.get_data(as_text=True)
    clerk.post(f"/rate", data={"number": number, "query_code": CODE})
    assert clerk.post(f"/rate/case/{number}", data={"level": "5"}).status_code == 403
    assert _ratings(app) == []


def test_qr_channel(app, client, known):
    number = known()
    response = client.post("/rate", data={"number": number, "query_code": CODE})
    assert response.headers["Location"] == f"/rate/case/{number}"
    assert "评价本次服务" in client.get(f"/rate/case/{number}").get_data(as_text=True)
    rated = client.post(f"/rate/case/{number}", data={"level": "2", "tags": ["slow"]}, follow_redirects=True)
    assert rated.get_data(as_text=True).count("感谢您的评价") == 1          # the thanks page says it once
    assert _ratings(app) == [("qr", 2, None)]
    with app.app_context():
        assert db.session.scalar(select(WorkOrder.status)) == "open"
    wrong = app.test_client().post("/rate", data={"number": number, "query_code": "WRONGCODE2"})
    assert "申请编号或查询码不正确" in wrong.get_data(as_text=True)


def test_sms_link_rates_without_the_code_and_bad_links_are_refused(app, client, known):
    number = known()
    with app.app_context():
        token = ratings.sms_token(db.session.scalar(select(Application).where(Application.number == number)))
    assert CODE not in token
    page = client.get(f"/rate/s/{token}")
    assert page.status_code == 200 and number in page.get_data(as_text=True)
    redirects_to(client.post(f"/rate/s/{token}", data={"level": "5"}), "/rate/thanks")
    assert _ratings(app) == [("sms", 5, None)]
    assert "通过“短信链接”评价为“非常满意”" in client.get(f"/rate/s/{token}").get_data(as_text=True)
    assert client.get("/rate/s/forged.token").status_code == 404
    assert client.post(f"/rate/s/{token[:-3]}xyz", data={"level": "1"}).status_code == 404
    assert len(_ratings(app)) == 1


# --- the window tablet -----------------------------------------------------------------------------------------

@pytest.fixture
def tablet(app, make_user, login):
    """A tablet paired through the real pages: a supervisor issues a code, the tablet (no login) enters it."""
    supervisor = app.test_client()
    login(supervisor, make_user("supervisor"))
    page = supervisor.post("/ratings/devices", data={"window_no": "3", "label": "三号窗口评价器"}).get_data(as_text=True)
    code = re.search(r'font-monospace fs-4">([A-Z0-9-]+)<', page).group(1)
    device = app.test_client()
    assert "窗口评价器配对" in device.get("/window").get_data(as_text=True)
    response = device.post("/window/pair", data={"code": code})
    redirects_to(response, "/window")
    assert kiosk.COOKIE in response.headers["Set-Cookie"]
    assert "HttpOnly" in response.headers["Set-Cookie"] and "SameSite=Strict" in response.headers["Set-Cookie"]
    # The code was single-use.
    assert app.test_client().post("/window/pair", data={"code": code}).status_code == 422
    return device


def test_the_tablet_shows_the_case_just_served_and_rates_it_for_that_clerk(app, tablet, make_case, make_user):
    clerk = make_user("clerk", display_name="陈窗口")          # window 3 (the fixture's default)
    assert "kiosk-waiting" in tablet.get("/window").get_data(as_text=True)
    number = make_case("ST-NEW", "accepted", clerk=clerk)
    page = tablet.get("/window").get_data(as_text=True)
    assert f'data-number="{number}"' in page and "陈窗口" in page and "非常满意" in page
    response = tablet.post("/window/rate", data={"number": number, "level": "5"})
    assert response.headers["Location"] == "/window/thanks"
    assert "谢谢您的评价" in tablet.get("/window/thanks").get_data(as_text=True)
    assert _ratings(app) == [("window", 5, clerk.id)]
    assert "kiosk-waiting" in tablet.get("/window").get_data(as_text=True)     # rated: back to waiting
    tablet.post("/window/rate", data={"number": number, "level": "1"})
    assert _ratings(app) == [("window", 5, clerk.id)]


def test_a_bad_window_rating_asks_for_its_reason_on_the_tablet(app, tablet, make_case, make_user):
    clerk = make_user("clerk", display_name="陈窗口")
    number = make_case("ST-NEW", "accepted", clerk=clerk)
    asked = tablet.post("/window/rate", data={"number": number, "level": "2"})
    page = asked.get_data(as_text=True)
    assert asked.status_code == 422 and 'id="kiosk-reason"' in page and "办理慢" in page
    assert _ratings(app) == []
    response = tablet.post("/window/rate", data={"number": number, "level": "2", "tags": ["slow"]})
    assert response.headers["Location"] == "/window/thanks"
    assert _ratings(app) == [("window", 2, clerk.id)]


def test_the_tablet_cannot_rate_a_case_not_served_at_its_window(app, tablet, make_case, make_user):
    with app.app_context():
        elsewhere = User(username="clerk9", display_name="九号", role="clerk", password_hash="x", window_no="9")
        db.session.add(elsewhere)
        db.session.commit()
        db.session.refresh(elsewhere)
        db.session.expunge(elsewhere)
    number = make_case("ST-NEW", "accepted", clerk=elsewhere)
    assert "kiosk-waiting" in tablet.get("/window").get_data(as_text=True)
    tablet.post("/window/rate", data={"number": number, "level": "5"})
    assert _ratings(app) == []


def test_a_clerks_own_browser_cannot_rate_at_the_window(app, tablet, make_case, make_user, login):
    clerk = make_user("clerk")
    number = make_case("ST-NEW", "accepted", clerk=clerk)
    own = app.test_client()
    login(own, clerk)
    # Without the device token: the pairing page, and the rating POST is refused.
    assert "窗口评价器配对" in own.get("/window").get_data(as_text=True)
    assert own.post("/window/rate", data={"number": number, "level": "5"}).status_code == 403
    # Even with the tablet's cookie copied into the logged-in browser, a staff session never rates.
    token = tablet.get_cookie(kiosk.COOKIE).value
    own.set_cookie(kiosk.COOKIE, token)
    assert own.post("/window/rate", data={"number": number, "level": "5"}).status_code == 403
    assert own.post("/window/pair", data={"code": "ANYTHING"}).status_code == 403
    assert _ratings(app) == []


def test_a_revoked_tablet_stops_working(app, tablet, make_case, make_user, login):
    number = make_case("ST-NEW", "accepted", clerk=make_user("clerk"))
    supervisor = app.test_client()
    login(supervisor, make_user("supervisor"))
    with app.app_context():
        device_id = db.session.scalar(select(RatingDevice.id))
    supervisor.post(f"/ratings/devices/{device_id}/revoke")
    assert "窗口评价器配对" in tablet.get("/window").get_data(as_text=True)
    assert tablet.post("/window/rate", data={"number": number, "level": "5"}).status_code == 403
    assert _ratings(app) == []


def test_wrong_pairing_codes_are_throttled(app):
    device = app.test_client()
    for _ in range(app.config["THROTTLE_KEY_FREE_FAILURES"]):
        assert device.post("/window/pair", data={"code": "WRONG-CODE1"}).status_code == 422
    refused = device.post("/window/pair", data={"code": "WRONG-CODE1"})
    assert refused.status_code == 429 and "配对失败次数过多，请 2 秒后再试" in refused.get_data(as_text=True)


# --- work orders -----------------------------------------------------------------------------------------------

def test_supervisor_follows_a_bad_rating_through_the_pages(app, known, make_user, login):
    number = known()
    applicant = app.test_client()
    lookup(applicant, number)
    applicant.post(f"/status/case/{number}/rate", data={"level": "1", "tags": ["attitude"], "comment": "态度差"})
    with app.app_context():
        order_id = db.session.scalar(select(WorkOrder.id))
    supervisor = app.test_client()
    login(supervisor, make_user("supervisor"))
    listing = supervisor.get("/ratings/work-orders").get_data(as_text=True)
    assert f'data-order="{order_id}"' in listing and "2024-10-17" in listing
    page = supervisor.get(f"/ratings/work-orders/{order_id}").get_data(as_text=True)
    assert "态度差" in page and "服务态度恶劣" in page and 'id="form-verify"' in page
    # the applicant's contact and the staff who handled the case are on the list and the order
    with app.app_context():
        case = db.session.scalar(select(Application).where(Application.number == number))
        phone, clerk_name = case.applicant.phone, case.accepted_by.display_name
    row = listing.split(f'data-order="{order_id}"')[1].split("</tr>")[0]
    assert phone in row and clerk_name in row
    people = page.split('id="order-people"')[1].split("</dl>")[0]
    assert phone in people and clerk_name in people
    base = f"/ratings/work-orders/{order_id}"
    assert supervisor.post(f"{base}/reply", data={"text": "x"}).status_code == 422      # out of order
    for step, data in [("verify", {"finding": "属实"}), ("rectify", {"kind": "rectify", "action": "批评教育"}),
                       ("reply", {"text": "已整改"}), ("callback", {"satisfied": "yes", "view": "满意"})]:
        redirects_to(supervisor.post(f"{base}/{step}", data=data), base)
    with app.app_context():
        order = db.session.get(WorkOrder, order_id)
        assert (order.status, order.closed_on, order.reply) == ("closed", TODAY, "已整改")
    assert f'data-order="{order_id}"' not in supervisor.get("/ratings/work-orders").get_data(as_text=True)
    assert f'data-order="{order_id}"' in supervisor.get("/ratings/work-orders?status=closed").get_data(as_text=True)
    case_page = supervisor.get(f"/cases/{number}").get_data(as_text=True)
    assert 'id="case-ratings"' in case_page and f"/ratings/work-orders/{order_id}" in case_page


def test_overdue_filter_and_appeal_decided_only_by_a_supervisor(make_app, make_case, make_user, login):
    app = make_app(FIXED_TODAY="2024-10-18")
    number = with_code(app, make_case("ST-NEW", "accepted"))
    with app.app_context():
        case = db.session.scalar(select(Application).where(Application.number == number))
        ratings.rate(case, channel="online", level=2, tags=["slow"], on=TODAY)
        db.session.commit()
        order_id = db.session.scalar(select(WorkOrder.id))
    clerk, supervisor = app.test_client(), app.test_client()
    login(clerk, make_user("clerk"))
    login(supervisor, make_user("supervisor"))
    assert f'data-order="{order_id}"' in clerk.get("/ratings/work-orders?status=overdue").get_data(as_text=True)
    redirects_to(clerk.post(f"/ratings/work-orders/{order_id}/appeal", data={"reason": "评错了案件"}),
                 f"/ratings/work-orders/{order_id}")
    refused = clerk.post(f"/ratings/work-orders/{order_id}/decide", data={"uphold": "yes", "decision": "x"})
    assert refused.status_code == 403 and "主管" in refused.get_data(as_text=True)
    redirects_to(supervisor.post(f"/ratings/work-orders/{order_id}/decide", data={"uphold": "yes", "decision": "核实属实"}),
                 f"/ratings/work-orders/{order_id}")
    with app.app_context():
        assert db.session.get(WorkOrder, order_id).status == "appeal_upheld"
    assert f'data-order="{order_id}"' not in clerk.get("/ratings/work-orders?status=overdue").get_data(as_text=True)


def test_unknown_work_order_steps_and_ids_are_404(app, make_user, login):
    supervisor = app.test_client()
    login(supervisor, make_user("supervisor"))
    assert supervisor.get("/ratings/work-orders/999").status_code == 404
    assert supervisor.post("/ratings/work-orders/999/verify", data={"finding": "x"}).status_code == 404
    assert count(app, WorkOrder) == 0
