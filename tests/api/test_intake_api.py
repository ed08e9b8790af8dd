"""The intake API (api.md): the same verbs as the pages, JSON errors naming the field."""
import pytest
from sqlalchemy import func, select

from radiolic.extensions import db
from radiolic.models import Applicant, Application, Event
from radiolic.workflow.intake import query_code_matches

ORG = {"kind": "organisation", "name": "清远北江通信有限公司", "id_code": "91441800123456788U", "contact": "李工",
       "phone": "13800138000"}
ST_ALL = ["application_form", "technical_data", "applicant_identity", "type_approval", "permit_copy", "site_proof",
          "emc_report", "agent_authorisation"]


@pytest.fixture
def clerk(make_user, token_for):
    return token_for(make_user("clerk"))


def snapshot(app):
    with app.app_context():
        return (db.session.scalar(select(func.count(Application.id))), db.session.scalar(select(func.count(Event.id))),
                db.session.scalar(select(func.count(Applicant.id))),
                sorted(db.session.execute(select(Application.number, Application.state)).all()))


def create(client, headers, **overrides):
    body = {"service_item": "ST-NEW", "applicant": ORG, "channel": "window", "single_window": True, "visits": 1,
            "received_materials": ST_ALL, **overrides}
    return client.post("/api/v1/applications", json=body, headers=headers)


def test_create_returns_number_and_query_code_once(app, client, clerk):
    response = create(client, clerk, received_materials=[m for m in ST_ALL if m != "site_proof"])
    assert response.status_code == 201
    data = response.get_json()
    assert data["state"] == "submitted" and data["number"].startswith("SQ2024") and len(data["query_code"]) == 10
    assert response.headers["Location"].endswith(f"/api/v1/applications/{data['number']}")
    assert {m["code"]: m["status"] for m in data["materials"]}["site_proof"] == "missing"
    with app.app_context():
        case = db.session.scalar(select(Application))
        assert query_code_matches(case, data["query_code"])
    again = client.get(f"/api/v1/applications/{data['number']}", headers=clerk).get_json()
    assert "query_code" not in again


@pytest.mark.parametrize("overrides, status, field, fragment", [
    ({"service_item": "NOPE"}, 422, "service_item", "NOPE"),
    ({"applicant": {**ORG, "id_code": "123"}}, 422, "id_code", "应为18位"),
    ({"applicant": {**ORG, "id_code": "91441800123456788A"}}, 422, "code_override_reason", "校验位"),
    ({"applicant": "x"}, 422, "applicant", "applicant"),
    ({"channel": "fax"}, 422, "channel", "channel"),
    ({"visits": -1}, 422, "visits", "visits"),
    ({"received_materials": ["nonexistent"]}, 422, "materials", "nonexistent"),
])
def test_create_refusals_name_the_field_and_change_nothing(app, client, clerk, overrides, status, field, fragment):
    before = snapshot(app)
    response = create(client, clerk, **overrides)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert field in error["fields"] and fragment in error["message"]
    assert snapshot(app) == before


def test_override_reason_lets_a_pilot_code_through(client, clerk):
    response = create(client, clerk, applicant={**ORG, "id_code": "91441800123456788A",
                                                "code_override_reason": "早期试点代码"})
    assert response.status_code == 201


def test_non_json_body(client, clerk):
    response = client.post("/api/v1/applications", data="x", headers=clerk)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_request"


def test_accept_with_deferral_and_supply(app, client, clerk):
    number = create(client, clerk, received_materials=[m for m in ST_ALL if m not in ("site_proof", "agent_authorisation")]
                    ).get_json()["number"]
    response = client.post(f"/api/v1/applications/{number}/accept", headers=clerk,
                           json={"deferred_materials": ["site_proof", "agent_authorisation"], "commitment": {"signed_by": "李工"}})
    assert response.status_code == 200
    data = response.get_json()
    assert data["state"] == "accepted" and data["accepted_on"] == "2024-09-23"
    dues = {m["code"]: (m["status"], m["due_on"]) for m in data["materials"]}
    assert dues["site_proof"] == ("deferred", "2024-10-11")
    response = client.post(f"/api/v1/applications/{number}/materials/site_proof/supply", headers=clerk,
                           json={"supplied_from": "王五"})
    assert response.status_code == 200
    assert {m["code"]: m["status"] for m in response.get_json()["materials"]}["site_proof"] == "supplied"
    again = client.post(f"/api/v1/applications/{number}/materials/site_proof/supply", headers=clerk)
    assert again.status_code == 409 and "无需补交" in again.get_json()["error"]["message"]


@pytest.mark.parametrize("body, status, field, fragment", [
    ({"deferred_materials": ["type_approval"], "commitment": {"signed_by": "李工"}}, 422, "deferred_materials", "核心材料不能容缺"),
    ({"deferred_materials": ["site_proof"]}, 422, "commitment", "commitment"),
    ({"deferred_materials": ["site_proof"], "commitment": {"signed_by": "李工", "due_on": "2025-06-01"}}, 422,
     "commitment.due_on", "晚于法定办理期限届满日"),
    ({"deferred_materials": ["site_proof"], "commitment": {"signed_by": "李工", "due_on": "01/10/2024"}}, 422,
     "due_on", "YYYY-MM-DD"),
    ({}, 422, "materials", "台址使用证明"),
])
def test_accept_refusals(app, client, clerk, body, status, field, fragment):
    number = create(client, clerk, received_materials=[m for m in ST_ALL if m not in ("site_proof", "type_approval")]
                    if "type_approval" in str(body) else [m for m in ST_ALL if m != "site_proof"]).get_json()["number"]
    before = snapshot(app)
    response = client.post(f"/api/v1/applications/{number}/accept", headers=clerk, json=body)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert field in error["fields"] and fragment in error["message"]
    assert snapshot(app) == before


def test_correction_resubmit_and_second_correction(app, client, clerk):
    number = create(client, clerk, received_materials=[m for m in ST_ALL if m != "site_proof"]).get_json()["number"]
    url = f"/api/v1/applications/{number}/request-correction"
    response = client.post(url, headers=clerk, json={"items": [{"material": "site_proof", "problem": "未提交"}]})
    assert response.status_code == 200
    data = response.get_json()
    assert data["state"] == "awaiting_correction" and data["correction"]["seq"] == 1
    assert data["correction"]["document_number"].startswith("清无补")
    client.post(f"/api/v1/applications/{number}/resubmit", headers=clerk, json={"received_materials": ["site_proof"]})
    before = snapshot(app)
    response = client.post(url, headers=clerk, json={"items": [{"material": "site_proof", "problem": "已过期"}]})
    assert response.status_code == 422 and "reason" in response.get_json()["error"]["fields"]
    assert snapshot(app) == before
    response = client.post(url, headers=clerk, json={"items": [{"material": "site_proof", "problem": "已过期"}],
                                                     "reason": "补交合同已过期"})
    assert response.status_code == 200 and response.get_json()["correction"]["seq"] == 2


def test_refuse(app, client, clerk):
    number = create(client, clerk).get_json()["number"]
    before = snapshot(app)
    response = client.post(f"/api/v1/applications/{number}/refuse", headers=clerk, json={})
    assert response.status_code == 422 and "reason" in response.get_json()["error"]["fields"]
    assert snapshot(app) == before
    response = client.post(f"/api/v1/applications/{number}/refuse", headers=clerk, json={"reason": "不属于本机关职权"})
    data = response.get_json()
    assert data["state"] == "not_accepted" and data["document_number"].startswith("清无不受")
    response = client.post(f"/api/v1/applications/{number}/accept", headers=clerk, json={})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "conflict"


def test_terminate_is_for_supervisors(app, client, clerk, make_user, token_for, make_case):
    from datetime import date
    number = make_case("FP-NEW", "accepted", deferred=["equipment_info"], on=date(2024, 9, 2))
    assert client.post(f"/api/v1/applications/{number}/terminate", headers=clerk,
                       json={"reason": "逾期"}).status_code == 403
    supervisor = token_for(make_user("supervisor"))
    response = client.post(f"/api/v1/applications/{number}/terminate", headers=supervisor, json={"reason": "逾期未补齐"})
    assert response.status_code == 200
    data = response.get_json()
    assert data["state"] == "terminated" and data["document_number"].startswith("清无终")


def test_unknown_case_and_material(client, clerk):
    assert client.post("/api/v1/applications/SQ0/accept", headers=clerk, json={}).status_code == 404
    number = create(client, clerk).get_json()["number"]
    response = client.post(f"/api/v1/applications/{number}/materials/nope/supply", headers=clerk, json={})
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_openapi_describes_the_intake_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/applications", "/applications/{number}/accept", "/applications/{number}/request-correction",
                 "/applications/{number}/refuse", "/applications/{number}/materials/{code}/supply",
                 "/applications/{number}/terminate"):
        assert "post" in paths[path], path
