"""POST /applications/{number}/start-review, /pause, /resume, /decide (api.md)."""
from datetime import date

import pytest
from sqlalchemy import func, select

from radiolic.extensions import db
from radiolic.models import Application, ClockStop, Decision, Event, Station

BASE = "/api/v1/applications"


def _state(app, number) -> tuple[str, int]:
    with app.app_context():
        case = db.session.scalar(select(Application).where(Application.number == number))
        events = db.session.scalar(select(func.count()).select_from(Event).where(Event.application_id == case.id))
        return case.state, events


@pytest.fixture
def reviewer_headers(make_user, token_for):
    return token_for(make_user("reviewer"))


def test_full_review_through_the_api(app, client, make_case, reviewer_headers):
    number = make_case("ST-NEW", "accepted", stations=1)
    response = client.post(f"{BASE}/{number}/start-review", headers=reviewer_headers)
    assert response.status_code == 200 and response.get_json()["state"] == "under_review"
    response = client.post(f"{BASE}/{number}/pause", headers=reviewer_headers, json={
        "kind": "testing", "reason": "设备送检", "expected_days": 5})
    body = response.get_json()
    assert response.status_code == 200 and body["paused"] is True
    assert body["clock_stops"] == [{"kind": "testing", "reason": "设备送检", "expected_days": 5,
                                    "paused_on": "2024-09-23", "resumed_on": None}]
    response = client.post(f"{BASE}/{number}/resume", headers=reviewer_headers)
    assert response.status_code == 200 and response.get_json()["clock_stops"][0]["resumed_on"] == "2024-09-23"
    response = client.post(f"{BASE}/{number}/decide", headers=reviewer_headers, json={"outcome": "approve",
                                                                                      "reason": "符合条件"})
    body = response.get_json()
    assert response.status_code == 200 and body["state"] == "approved"
    assert body["decision"]["outcome"] == "approve" and body["decision"]["document_number"].startswith("清无准")
    # Art. 44: 10 working days after Mon 09-23 -> Fri 10-11 (09-24..27, Sun 09-29, 09-30, 10-08..10-11).
    assert body["due_on"]["issue"] == "2024-10-11"
    assert [e["action"] for e in body["timeline"]] == ["submit", "add_stations", "accept", "start_review", "pause",
                                                       "resume", "approve"]


def test_reject_needs_reason_and_legal_basis(app, client, make_case, reviewer_headers):
    number = make_case("FP-NEW", "under_review")
    before = _state(app, number)
    response = client.post(f"{BASE}/{number}/decide", headers=reviewer_headers, json={"outcome": "reject",
                                                                                      "reason": "干扰"})
    error = response.get_json()["error"]
    assert response.status_code == 422 and "legal_basis" in error["fields"]
    assert _state(app, number) == before
    response = client.post(f"{BASE}/{number}/decide", headers=reviewer_headers, json={
        "outcome": "reject", "reason": "干扰", "legal_basis": "《中华人民共和国无线电管理条例》第二十七条"})
    assert response.status_code == 200 and response.get_json()["state"] == "rejected"


@pytest.mark.parametrize("payload,field", [
    ({"kind": "nap", "reason": "x", "expected_days": 3}, "kind"),
    ({"kind": "testing", "expected_days": 3}, "reason"),
    ({"kind": "testing", "reason": "x", "expected_days": "3"}, "expected_days"),
    ({"kind": "testing", "reason": "x", "expected_days": 0}, "expected_days"),
])
def test_bad_pause_input_names_the_field(app, client, make_case, reviewer_headers, payload, field):
    number = make_case("FP-NEW", "under_review")
    response = client.post(f"{BASE}/{number}/pause", headers=reviewer_headers, json=payload)
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ClockStop)) == 0


def test_not_json_is_400(client, make_case, reviewer_headers):
    number = make_case("FP-NEW", "under_review")
    response = client.post(f"{BASE}/{number}/decide", headers=reviewer_headers, data="outcome=approve")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_request"


def test_wrong_state_is_409_and_unknown_case_404(client, make_case, reviewer_headers):
    number = make_case("FP-NEW", "accepted")
    response = client.post(f"{BASE}/{number}/resume", headers=reviewer_headers)
    assert response.status_code == 409
    response = client.post(f"{BASE}/{number}/decide", headers=reviewer_headers, json={"outcome": "approve"})
    assert response.status_code == 409 and "不能执行" in response.get_json()["error"]["message"]
    assert client.post(f"{BASE}/SQ2024999999/start-review", headers=reviewer_headers).status_code == 404


def test_roles(client, make_case, make_user, token_for):
    number = make_case("FP-NEW", "accepted")
    for role in ("clerk", "supervisor", "admin"):
        response = client.post(f"{BASE}/{number}/start-review", headers=token_for(make_user(role)))
        assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"


def test_pause_kind_extension_still_works_as_an_extension_request(app, client, make_case, make_user, token_for,
                                                                   reviewer_headers):
    number = make_case("ST-NEW", "under_review")
    payload = {"kind": "extension", "reason": "情况复杂，经负责人批准", "expected_days": 10}
    # A reviewer's call files the request; nothing stops and the limit does not move yet.
    body = client.post(f"{BASE}/{number}/pause", headers=reviewer_headers, json=payload).get_json()
    assert body["clock_stops"] == [] and body["extension"]["status"] == "requested"
    assert body["due_on"]["statutory"] == "2024-11-07"
    boss = token_for(make_user("supervisor"))
    client.post(f"{BASE}/{number}/extension-request/decide", headers=boss, json={"approve": False, "note": "不必"})
    too_long = client.post(f"{BASE}/{number}/pause", headers=boss, json={**payload, "expected_days": 11})
    assert too_long.status_code == 422 and "1–10" in too_long.get_json()["error"]["message"]
    # A supervisor's call files and approves it: the limit grows, the clock keeps running.
    response = client.post(f"{BASE}/{number}/pause", headers=boss, json=payload)
    body = response.get_json()
    assert response.status_code == 200 and body["clock_stops"] == [] and body["paused"] is False
    assert body["extension"]["status"] == "approved" and body["extension"]["days"] == 10
    assert (body["due_on"]["statutory"], body["due_statutory_unextended"]) == ("2024-11-21", "2024-11-07")
    again = client.post(f"{BASE}/{number}/pause", headers=boss, json={**payload, "expected_days": 2})
    assert again.status_code == 409 and "只能一次" in again.get_json()["error"]["message"]


def test_two_person_rule_is_403(client, make_case, make_user, token_for):
    both = make_user("reviewer")
    number = make_case("FP-NEW", "under_review", clerk=both, reviewer=both)
    response = client.post(f"{BASE}/{number}/decide", headers=token_for(both), json={"outcome": "approve"})
    assert response.status_code == 403 and "双人原则" in response.get_json()["error"]["message"]


def test_refused_stations(app, client, make_case, reviewer_headers):
    number = make_case("ST-NEW", "under_review")
    with app.app_context():
        case = db.session.scalar(select(Application).where(Application.number == number))
        for seq in (1, 2):
            db.session.add(Station(application_id=case.id, seq=seq, station_name=f"基站{seq}", station_type="repeater",
                                   address="清远", longitude=113.0, latitude=23.7, tx_mhz="460.1", bandwidth_khz=12.5,
                                   power_w=5, equipment_model="X"))
        db.session.commit()
    bad = client.post(f"{BASE}/{number}/decide", headers=reviewer_headers,
                      json={"outcome": "approve", "refused_stations": [{"station": "基站2"}]})
    assert bad.status_code == 422 and "refused_stations" in bad.get_json()["error"]["fields"]
    response = client.post(f"{BASE}/{number}/decide", headers=reviewer_headers, json={
        "outcome": "approve", "refused_stations": [{"station": 2, "reason": "干扰民航频率"}]})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalars(select(Station.refused_reason).order_by(Station.seq)).all() == [None, "干扰民航频率"]
        assert db.session.scalar(select(func.count()).select_from(Decision)) == 1


def test_openapi_describes_the_review_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("start-review", "pause", "resume", "decide"):
        assert "post" in paths[f"/applications/{{number}}/{path}"]
    assert "extension" in paths["/applications/{number}/pause"]["post"]["requestBody"]["content"][
        "application/json"]["schema"]["properties"]["kind"]["enum"]


def test_the_deadline_in_the_api_matches_the_hand_count(client, make_case, reviewer_headers):
    # Accepted Fri 2024-09-27 (the domain's example): statutory 30 -> 11-13; promised 1 -> Sun 09-29.
    number = make_case("ST-NEW", "accepted", on=date(2024, 9, 27))
    body = client.get(f"{BASE}/{number}", headers=reviewer_headers).get_json()
    assert body["due_on"]["statutory"] == "2024-11-13" and body["due_on"]["promised"] == "2024-09-29"


def test_extension_request_and_approval_through_the_api(app, client, make_case, make_user, token_for,
                                                       reviewer_headers):
    number = make_case("ST-NEW", "under_review")
    boss = token_for(make_user("supervisor"))
    assert client.post(f"{BASE}/{number}/extension-request/decide", headers=boss,
                       json={"approve": True}).status_code == 409            # nothing pending
    too_long = client.post(f"{BASE}/{number}/extension-request", headers=reviewer_headers,
                           json={"days": 11, "reason": "复杂"})
    assert too_long.status_code == 422 and "1–10" in too_long.get_json()["error"]["message"]
    response = client.post(f"{BASE}/{number}/extension-request", headers=reviewer_headers,
                           json={"days": 8, "reason": "台站数量多，需现场核查"})
    assert response.status_code == 200 and response.get_json()["clock_stops"] == []
    assert client.post(f"{BASE}/{number}/extension-request/decide", headers=reviewer_headers,
                       json={"approve": True}).status_code == 403
    assert client.post(f"{BASE}/{number}/extension-request/decide", headers=boss,
                       json={"approve": "yes"}).status_code == 422
    response = client.post(f"{BASE}/{number}/extension-request/decide", headers=boss, json={"approve": True})
    body = response.get_json()
    assert response.status_code == 200 and body["clock_stops"] == [] and body["extension"]["days"] == 8
    assert [e["action"] for e in body["timeline"]][-2:] == ["request_extension", "extension_approved"]
