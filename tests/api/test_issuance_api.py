"""POST /applications/{n}/stations, POST /applications/{n}/issue, GET /applications/{n}/licences."""
import io

from sqlalchemy import func, select

from radiolic.extensions import db
from radiolic.models import Licence, Station
from tests.issuance_cases import PERMIT, station_csv, station_rows


def _json_rows(n, prefix="接口站"):
    return [{k: v for k, v in row.items() if v is not None} for row in station_rows(n, prefix)]


def test_stations_json_all_or_none(app, client, make_case, make_user, token_for):
    clerk = make_user("clerk")
    number = make_case("ST-NEW", "accepted", clerk=clerk)
    headers = token_for(clerk)
    rows = _json_rows(3)
    rows[1]["power_w"] = -5
    rows[2]["type_approval_code"] = "ABC"
    response = client.post(f"/api/v1/applications/{number}/stations", json={"stations": rows}, headers=headers)
    error = response.get_json()["error"]
    assert response.status_code == 422 and error["code"] == "invalid"
    assert "row 2.power_w" in error["fields"] and "row 3.type_approval_code" in error["fields"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Station)) == 0
    ok = client.post(f"/api/v1/applications/{number}/stations", json={"stations": _json_rows(3)}, headers=headers)
    assert ok.status_code == 201 and ok.get_json()["added"] == 3


def test_stations_csv_upload(app, client, make_case, make_user, token_for):
    clerk = make_user("clerk")
    number = make_case("ST-NEW", "accepted", clerk=clerk)
    response = client.post(f"/api/v1/applications/{number}/stations", headers=token_for(clerk),
                           data={"file": (io.BytesIO(station_csv(4)), "s.csv"), "mode": "replace"},
                           content_type="multipart/form-data")
    assert response.status_code == 201 and response.get_json() == {"added": 4, "mode": "replace",
                                                                   "application": number}


def test_issue_and_list_licences(app, client, make_case, make_user, token_for):
    clerk, reviewer = make_user("clerk"), make_user("reviewer")
    number = make_case("ST-NEW", "under_review", clerk=clerk, reviewer=reviewer)
    rheaders = token_for(reviewer)
    client.post(f"/api/v1/applications/{number}/stations", json={"stations": _json_rows(5)}, headers=rheaders)
    early = client.post(f"/api/v1/applications/{number}/issue", json={"format": "electronic"}, headers=rheaders)
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "conflict"
    decided = client.post(f"/api/v1/applications/{number}/decide", json={"outcome": "approve", "reason": "符合"},
                          headers=rheaders)
    assert decided.status_code in (200, 201), decided.get_json()
    bad = client.post(f"/api/v1/applications/{number}/issue", json={"format": "pdf"}, headers=rheaders)
    assert bad.status_code == 422 and "format" in bad.get_json()["error"]["fields"]
    clerk_try = client.post(f"/api/v1/applications/{number}/issue", json={"format": "paper"},
                            headers=token_for(clerk))
    assert clerk_try.status_code == 403
    issued = client.post(f"/api/v1/applications/{number}/issue", json={"format": "electronic"}, headers=rheaders)
    assert issued.status_code == 201
    assert issued.get_json() == {"issued": 5, "first_number": "441800-2024-S-000001",
                                 "last_number": "441800-2024-S-000005", "state": "issued"}
    page = client.get(f"/api/v1/applications/{number}/licences?page=2&per_page=2", headers=rheaders).get_json()
    assert page["total"] == 5 and page["page"] == 2 and [l["number"] for l in page["licences"]] == [
        "441800-2024-S-000003", "441800-2024-S-000004"]
    assert set(page["licences"][0]) == {"number", "kind", "format", "status", "verify_code", "valid_from",
                                        "valid_until"}
    assert client.get(f"/api/v1/applications/{number}/licences?per_page=0", headers=rheaders).status_code == 422


def test_issue_permit_validates_fields(app, client, make_case, make_user, token_for):
    reviewer = make_user("reviewer")
    number = make_case("FP-NEW", "approved", reviewer=reviewer)
    headers = token_for(reviewer)
    bad = client.post(f"/api/v1/applications/{number}/issue", headers=headers,
                      json={"format": "electronic", "permit": {**PERMIT, "term_years": 12}})
    assert bad.status_code == 422 and "permit.term_years" in bad.get_json()["error"]["fields"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Licence)) == 0
    ok = client.post(f"/api/v1/applications/{number}/issue", headers=headers,
                     json={"format": "electronic", "permit": PERMIT})
    assert ok.status_code == 201 and ok.get_json()["first_number"] == "441800-2024-P-000001"


def test_bad_bodies_are_json_errors(client, make_case, make_user, token_for):
    clerk = make_user("clerk")
    number = make_case("ST-NEW", "accepted", clerk=clerk)
    headers = token_for(clerk)
    for payload in (None, {"stations": "x"}, {"stations": []}, {"stations": [1]}, {}):
        response = client.post(f"/api/v1/applications/{number}/stations", json=payload, headers=headers)
        assert response.status_code in (400, 422) and response.is_json, payload
    missing = client.post("/api/v1/applications/NOPE/stations", json={"stations": []}, headers=headers)
    assert missing.status_code == 404
