"""One URL scheme for case actions: /cases/<number>/<action>; every old URL answers 308 with the new one."""
import re

import pytest

from radiolic.access import PUBLIC

MOVED_SUFFIX = "_moved"


def _moved_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.endswith(MOVED_SUFFIX)]


def _fill(rule: str) -> tuple[str, dict]:
    """A concrete path for a rule, and the values put in it."""
    values = {}

    def one(match):
        converter, name = match.group(1), match.group(2)
        values[name] = 7 if converter == "int" else f"X{len(values) + 1}"
        return str(values[name])
    return re.sub(r"<(?:([^:>]+):)?([^>]+)>", one, rule), values


def test_every_staff_case_action_lives_under_cases(app):
    staff_case_rules = [rule.rule for rule in app.url_map.iter_rules()
                        if "<number>" in rule.rule and not rule.endpoint.endswith(MOVED_SUFFIX)
                        and not rule.rule.startswith(("/api/", "/status/", "/rate/", "/licences/"))]
    assert staff_case_rules and all(rule.startswith("/cases/<number>") for rule in staff_case_rules), staff_case_rules


@pytest.mark.parametrize("role", ["clerk", "reviewer", "supervisor"])
def test_old_urls_redirect_with_308_to_the_new_ones(app, make_user, login, role):
    client = app.test_client()
    login(client, make_user(role))
    seen = 0
    for rule in _moved_rules(app):
        target_endpoint = rule.endpoint.removesuffix(MOVED_SUFFIX)
        access = app.view_functions[target_endpoint].access
        assert app.view_functions[rule.endpoint].access == access
        if access == PUBLIC or role not in access[1]:
            continue
        path, values = _fill(rule.rule)
        with app.test_request_context():
            from flask import url_for
            new = url_for(target_endpoint, **values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path + "?seq=2", method=method)
            assert response.status_code == 308, (method, path, response.status_code)
            assert response.headers["Location"] == new + "?seq=2", (path, response.headers["Location"])
            seen += 1
    assert seen


def test_a_form_posted_to_an_old_url_still_does_its_work(app, make_user, login, make_case):
    clerk = make_user("clerk")
    number = make_case("ST-NEW", "submitted", clerk=clerk)
    client = app.test_client()
    login(client, clerk)
    form = {"reason": "申请人主动撤回"}
    first = client.post(f"/intake/cases/{number}/withdraw", data=form)
    assert first.status_code == 308 and first.headers["Location"] == f"/cases/{number}/withdraw"
    # a browser posts the same body again to the Location of a 308 (the test client would drop it)
    done = client.post(first.headers["Location"], data=form)
    assert done.status_code == 302 and done.headers["Location"] == f"/cases/{number}"
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert 'data-state="withdrawn"' in page


def test_old_urls_keep_their_access_rule(app):
    client = app.test_client()
    rule = next(r for r in _moved_rules(app) if r.endpoint == "review.start_moved")
    path, _values = _fill(rule.rule)
    response = client.post(path)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
