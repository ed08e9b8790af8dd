"""Bearer tokens, the error format, the catalogue and the OpenAPI document."""
from radiolic.extensions import db
from radiolic.models import User


def test_service_items_need_a_token(client):
    response = client.get("/api/v1/service-items")
    assert response.status_code == 401
    assert set(response.get_json()["error"]) == {"code", "message", "fields"}


def test_bad_token_is_refused(client):
    response = client.get("/api/v1/service-items", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401


def test_service_items(client, make_user, token_for):
    response = client.get("/api/v1/service-items", headers=token_for(make_user("clerk")))
    assert response.status_code == 200
    items = {i["code"]: i for i in response.get_json()["service_items"]}
    st = items["ST-NEW"]
    assert (st["licence_kind"], st["statutory_days"], st["promised_days"], st["online_depth"], st["zero_trip"]) == \
        ("station_licence", 30, 1, 4, True)
    assert items["FP-NEW"]["statutory_days"] == 20
    core = {m["code"]: m for m in st["materials"]}
    assert core["application_form"]["core"] and not core["application_form"]["deferrable"]
    assert core["site_proof"]["deferrable"] and core["site_proof"]["defer_days"] == 10


def test_token_of_disabled_user_is_refused(app, client, make_user, token_for):
    user = make_user("clerk")
    headers = token_for(user)
    with app.app_context():
        db.session.get(User, user.id).active = False
        db.session.commit()
    assert client.get("/api/v1/service-items", headers=headers).status_code == 401


def test_unknown_case_is_json_404(client, make_user, token_for):
    response = client.get("/api/v1/applications/SQ2024999999", headers=token_for(make_user("reviewer")))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_unknown_api_path_is_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.is_json


def test_openapi_lists_the_paths(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert {"/service-items", "/applications/{number}"} <= set(doc["paths"])


def test_only_stored_hash_of_token(app, make_user, token_for):
    user = make_user("clerk")
    header = token_for(user)["Authorization"]
    with app.app_context():
        stored = db.session.get(User, user.id).token_hash
    assert header.split()[1] not in stored and len(stored) == 64
