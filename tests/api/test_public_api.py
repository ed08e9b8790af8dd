"""POST /public/status, POST /public/ratings and the window device's POST /ratings."""
from sqlalchemy import select

from radiolic.extensions import db
from radiolic.models import Rating, WorkOrder
from radiolic.ratings import kiosk
from tests.conftest import TODAY
from tests.web.test_lookup import CODE, with_code


def status(client, number, code=CODE, addr="10.0.0.1"):
    return client.post("/api/v1/public/status", json={"number": number, "query_code": code},
                       environ_base={"REMOTE_ADDR": addr})


def test_status_json_is_the_applicants_masked_view(app, client, make_case):
    number = with_code(app, make_case("ST-NEW", "accepted", deferred=["site_proof"]))
    response = status(client, number)
    data = response.get_json()
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert (data["number"], data["state"], data["next"]["actor"]) == (number, "accepted", "office")
    assert [s["status"] for s in data["steps"]] == ["done", "current", "pending", "pending", "pending"]
    assert data["outstanding"][0]["code"] == "site_proof" and data["outstanding"][0]["due_on"]
    assert data["clock"]["used"] == 0 and data["clock"]["due_statutory"]
    assert "*" in data["applicant"]["id_code"] and data["applicant"]["phone"] == "138****8000"
    assert CODE not in response.get_data(as_text=True)


def test_unknown_number_and_wrong_code_answer_alike(app, client, make_case):
    number = with_code(app, make_case("ST-NEW", "accepted"))
    unknown, wrong = status(client, "SQ2024999999", "WRONGCODE2"), status(client, number, "WRONGCODE2")
    assert unknown.status_code == wrong.status_code == 404
    assert unknown.get_data() == wrong.get_data()
    assert wrong.get_json()["error"]["code"] == "not_found"


def test_bad_input_is_a_json_error_not_a_500(client):
    assert client.post("/api/v1/public/status", data="x", content_type="text/plain").status_code == 400
    missing = client.post("/api/v1/public/status", json={"number": "SQ1"})
    assert missing.status_code == 422 and "query_code" in missing.get_json()["error"]["fields"]
    assert client.post("/api/v1/public/status", json={"number": 5, "query_code": []}).status_code == 422


def test_the_per_case_limit_applies_to_the_api_too(app, make_case):
    number = with_code(app, make_case("ST-NEW", "accepted"))
    client = app.test_client()
    for i in range(app.config["THROTTLE_KEY_FREE_FAILURES"]):
        assert status(client, number, "WRONGCODE2", f"10.2.0.{i}").status_code == 404
    limited = status(client, number, CODE, "10.2.1.1")
    assert limited.status_code == 429 and limited.get_json()["error"]["code"] == "too_many_requests"
    assert limited.get_json()["error"]["fields"] == {"retry_after": 2}


def test_public_rating(app, client, make_case):
    number = with_code(app, make_case("ST-NEW", "accepted"))
    body = {"number": number, "query_code": CODE, "level": 2, "tags": ["slow"], "comment": "慢"}
    response = client.post("/api/v1/public/ratings", json=body)
    data = response.get_json()
    assert response.status_code == 201, data
    assert (data["channel"], data["level"], data["work_order"]["due_on"]) == ("online", 2, "2024-10-17")
    again = client.post("/api/v1/public/ratings", json=body)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"
    bad = client.post("/api/v1/public/ratings", json={**body, "level": 9})
    assert bad.status_code == 422 and "level" in bad.get_json()["error"]["fields"]
    wrong = client.post("/api/v1/public/ratings", json={**body, "query_code": "WRONGCODE2"})
    assert wrong.status_code == 404
    with app.app_context():
        assert db.session.scalars(select(Rating.channel)).all() == ["online"]


def _device_token(app, window_no="3") -> str:
    from radiolic.models import User
    with app.app_context():
        supervisor = db.session.scalar(select(User).where(User.role == "supervisor"))
        _device, code = kiosk.issue(window_no=window_no, label="", by=supervisor, on=TODAY)
        _device, token = kiosk.pair(code, on=TODAY)
        db.session.commit()
    return token


def test_window_device_rates_the_case_served_at_its_counter(app, client, make_case, make_user, token_for):
    make_user("supervisor")
    clerk = make_user("clerk")
    number = make_case("ST-NEW", "accepted", clerk=clerk)
    token = _device_token(app)
    response = client.post("/api/v1/ratings", json={"application": number, "level": 5},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["window_no"] == "3"
    with app.app_context():
        rating = db.session.scalar(select(Rating))
        assert (rating.channel, rating.window_user_id) == ("window", clerk.id)
    again = client.post("/api/v1/ratings", json={"application": number, "level": 1},
                        headers={"Authorization": f"Bearer {token}"})
    assert again.status_code == 409


def test_window_api_refuses_staff_tokens_and_cases_served_elsewhere(app, client, make_case, make_user, token_for):
    make_user("supervisor")
    clerk = make_user("clerk")
    number = make_case("ST-NEW", "accepted", clerk=clerk)
    as_clerk = client.post("/api/v1/ratings", json={"application": number, "level": 5}, headers=token_for(clerk))
    assert as_clerk.status_code == 403 and "工作人员" in as_clerk.get_json()["error"]["message"]
    assert client.post("/api/v1/ratings", json={"application": number, "level": 5}).status_code == 401
    other_window = _device_token(app, window_no="8")
    elsewhere = client.post("/api/v1/ratings", json={"application": number, "level": 5},
                            headers={"Authorization": f"Bearer {other_window}"})
    assert elsewhere.status_code == 409
    with app.app_context():
        assert db.session.scalar(select(Rating.id)) is None and db.session.scalar(select(WorkOrder.id)) is None


def test_openapi_describes_the_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/public/status", "/public/ratings", "/ratings"} <= set(paths)
    assert paths["/public/status"]["post"]["security"] == []
