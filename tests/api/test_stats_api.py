"""GET /api/v1/stats: the indicators under the names of domain.md §5, for supervisors only."""
from tests.unit.test_indicators import march  # noqa: F401  (the hand-built March 2024)

EXPECTED_KEYS = {"period", "cases", "permits_issued", "station_licences_issued", "single_window_rate",
                 "zero_trip_item_rate", "zero_trip_case_rate", "time_reduction_rate", "actual_time_reduction_rate",
                 "online_depth", "turnaround_workdays", "on_time_rate", "deferrals", "ratings",
                 "first_time_right_rate", "breakdowns", "extended_cases", "deemed_accepted_cases"}


def test_stats_answer_with_the_domain_names(client, make_user, token_for, march):  # noqa: F811
    response = client.get("/api/v1/stats?from=2024-03-01&to=2024-03-31", headers=token_for(make_user("supervisor")))
    data = response.get_json()
    assert response.status_code == 200 and set(data) == EXPECTED_KEYS
    assert data["cases"] == {"received": 8, "accepted": 7, "accepted_with_deferral": 3, "completed": 7}
    assert data["permits_issued"] == 1
    assert data["station_licences_issued"] == {"total": 6, "paper": 1, "electronic": 5}
    assert set(data["online_depth"]) == {"min_level", "level4_item_rate"}
    assert set(data["turnaround_workdays"]) == {"mean", "median", "p90"}
    assert set(data["on_time_rate"]) == {"promised", "statutory", "unextended"}
    assert set(data["deferrals"]) == {"cases", "materials", "supplied_on_time", "overdue", "terminated"}
    assert {"count", "coverage", "very_satisfied_rate", "window_very_satisfied_rate", "good_rate", "bad",
            "bad_rectified_on_time_rate"} <= set(data["ratings"])
    assert data["turnaround_workdays"] == {"mean": 2.0, "median": 1.0, "p90": 5}
    assert set(data["breakdowns"]) == {"by_item", "by_channel", "by_reviewer", "by_month"}
    assert data["period"] == {"from": "2024-03-01", "to": "2024-03-31"}


def test_empty_period_gives_nulls(client, make_user, token_for):
    data = client.get("/api/v1/stats?from=2023-01-01&to=2023-12-31",
                      headers=token_for(make_user("supervisor"))).get_json()
    assert data["cases"]["completed"] == 0 and data["single_window_rate"] is None
    assert data["ratings"]["coverage"] is None and data["turnaround_workdays"]["median"] is None


def test_default_period_is_this_year_to_today(client, make_user, token_for):
    data = client.get("/api/v1/stats", headers=token_for(make_user("supervisor"))).get_json()
    assert data["period"] == {"from": "2024-01-01", "to": "2024-09-23"}


def test_bad_dates_are_422_naming_the_field(client, make_user, token_for):
    headers = token_for(make_user("supervisor"))
    for query, field in (("from=2024-13-01", "from"), ("to=yesterday", "to"), ("from=2024-05-01&to=2024-04-01", "from")):
        response = client.get(f"/api/v1/stats?{query}", headers=headers)
        error = response.get_json()["error"]
        assert response.status_code == 422 and error["code"] == "invalid" and field in error["fields"], query


def test_only_supervisors(client, make_user, token_for):
    for role in ("clerk", "reviewer", "admin"):
        response = client.get("/api/v1/stats", headers=token_for(make_user(role)))
        assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    assert client.get("/api/v1/stats").status_code == 401


def test_described_in_openapi(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "get" in paths["/stats"]
    assert "single_window_rate" in paths["/stats"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["properties"]
