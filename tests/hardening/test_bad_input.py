"""Issue 15, point 1: no input ends in a server error; the answer is a 400/422 naming the field."""
import pytest

from radiolic.inputs import InputError, arg_int, check_text, parse_date

TWENTY_DIGITS = "9" * 20


def test_the_layer_refuses_what_the_types_do_not_allow():
    assert arg_int({"page": "12"}, "page") == 12
    for raw in ("²", "９", TWENTY_DIGITS, "0", "-1", "1.5", "1e3"):
        with pytest.raises(InputError) as err:
            arg_int({"page": raw}, "page", high=10**6)
        assert err.value.field == "page"
    with pytest.raises(InputError):
        parse_date("from", "0001-01-01")
    with pytest.raises(InputError):
        parse_date("to", "9999-12-31")
    assert parse_date("from", "2024-02-29").day == 29
    for bad in ("a\x00b", "a\x0bb", "\ud800", "a\u2028b", "a\x85"):
        with pytest.raises(InputError):
            check_text("name", bad)
    assert check_text("note", "two\nlines\tand a tab") == "two\nlines\tand a tab"
    with pytest.raises(InputError):
        check_text("name", "two\nlines", multiline=False)


API_POSTS = ["/api/v1/applications", "/api/v1/public/status", "/api/v1/public/ratings", "/api/v1/ratings",
             "/api/v1/applications/SQ1/accept", "/api/v1/applications/SQ1/refuse"]


@pytest.mark.parametrize("path", API_POSTS)
def test_a_lone_surrogate_in_json_is_422_naming_the_field(client, make_user, token_for, path):
    headers = {**token_for(make_user("clerk")), "Content-Type": "application/json"}
    response = client.post(path, data='{"number": "\\ud800", "reason": "ok"}', headers=headers)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.get_json()["error"]["fields"] == {"number": "number 含有无效的 Unicode 字符（孤立代理项）"}


def test_control_characters_and_huge_numbers_in_json_are_refused(client, make_user, token_for):
    headers = token_for(make_user("clerk"))
    response = client.post("/api/v1/applications", json={"applicant": {"name": "李\x0b华"}}, headers=headers)
    assert response.status_code == 422 and "applicant.name" in response.get_json()["error"]["fields"]
    response = client.post("/api/v1/applications", json={"visits": 10**30}, headers=headers)
    assert response.status_code == 422 and "visits" in response.get_json()["error"]["fields"]


def test_api_query_strings(client, make_user, token_for, make_case):
    number = make_case()
    staff = token_for(make_user("supervisor"))
    response = client.get(f"/api/v1/applications/{number}/licences?page=²", headers=staff)
    assert response.status_code == 422 and "page" in response.get_json()["error"]["fields"]
    response = client.get(f"/api/v1/applications/{number}/licences?page={TWENTY_DIGITS}", headers=staff)
    assert response.status_code == 422
    response = client.get("/api/v1/stats?from=0001-01-01&to=9999-12-31", headers=staff)
    assert response.status_code == 422 and "from" in response.get_json()["error"]["fields"]
    response = client.get("/api/v1/applications/SQ%00/licences", headers=staff)
    assert response.status_code == 400 and "number" in response.get_json()["error"]["fields"]


def test_stats_take_a_year_and_refuse_unknown_parameters(client, make_user, token_for):
    staff = token_for(make_user("supervisor"))
    data = client.get("/api/v1/stats?year=2023", headers=staff).get_json()
    assert data["period"] == {"from": "2023-01-01", "to": "2023-12-31"}
    response = client.get("/api/v1/stats?yaer=2023", headers=staff)
    assert response.status_code == 400 and response.get_json()["error"]["fields"] == {
        "yaer": "未知的查询参数 yaer（可用：from, to, year）"}
    for query in ("year=²", "year=1999", f"year={TWENTY_DIGITS}", "year=2024&from=2024-01-01"):
        response = client.get(f"/api/v1/stats?{query}", headers=staff)
        assert response.status_code == 422 and "year" in response.get_json()["error"]["fields"], query


def test_pages_answer_400_with_the_error_page(client, make_user, login, make_case):
    number = make_case()
    clerk, reviewer, supervisor = make_user("clerk"), make_user("reviewer"), make_user("supervisor")
    anonymous = [f"/register?page={TWENTY_DIGITS}", "/register?page=²", "/register?holder=%00"]
    for url in anonymous:
        response = client.get(url)
        assert response.status_code == 400 and "请求无效" in response.get_data(as_text=True), url
    as_role = {clerk: [f"/intake/new?applicant={TWENTY_DIGITS}", "/intake/new?applicant=²",
                       f"/cases/{number}/licences?page={TWENTY_DIGITS}", "/issuance/expiring?days=99999"],
               reviewer: ["/review/queue?reviewer=²", f"/review/queue?reviewer={TWENTY_DIGITS}"],
               supervisor: ["/supervisor?year=²", "/supervisor?period=custom&from=0001-01-01&to=9999-12-31",
                            "/supervisor/export.csv?period=custom&from=0001-01-01&to=9999-12-31",
                            "/supervisor/export.xlsx?period=custom&from=0001-01-01&to=9999-12-31",
                            "/supervisor/report.pdf?period=custom&from=0001-01-01&to=9999-12-31",
                            "/supervisor/report.pdf?year=²"]}
    for user, urls in as_role.items():
        client.post("/auth/logout")
        login(client, user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 400, (url, response.status_code)
    # a form post with a control character is refused before the view runs
    client.post("/auth/logout")
    response = client.post("/auth/login", data={"username": "a\x00", "password": "x"})
    assert response.status_code == 400 and 'data-field="username"' in response.get_data(as_text=True)


def test_stored_text_is_checked_whoever_writes_it(app, make_user):
    """The CLI, imports and the demo cannot store control characters either (the XLSX export broke on them)."""
    from radiolic.extensions import db
    from radiolic.models import Applicant
    from radiolic.workflow import WorkflowError
    with app.app_context():
        db.session.add(Applicant(kind="person", name="李\x0b华", id_code="440101199001011234", contact="", phone=""))
        with pytest.raises(WorkflowError) as err:
            db.session.commit()
        assert err.value.field == "name"
        db.session.rollback()
        assert db.session.query(Applicant).count() == 0
    runner = app.test_cli_runner()
    result = runner.invoke(args=["user", "create", "bad\x00name", "--role", "clerk", "--password-stdin"],
                           input="a-long-enough passphrase 93\n")
    assert result.exit_code != 0 and "控制字符" in result.output


def test_station_import_refuses_lone_surrogates():
    from radiolic.issuance.station_import import ImportRejected, validate_rows
    with pytest.raises(ImportRejected):
        validate_rows([{"station_name": "基站\ud800", "station_type": "public_mobile_base"}])
