"""A refusal reads in the page's language: English on an English page (names in it too), Chinese on a Chinese one.

The JSON API keeps its Chinese messages (api.md fixes the error body; it says nothing of other languages)."""
import html
import re

import pytest

CJK = re.compile(r"[\u4e00-\u9fff]")


def alerts(response) -> list[str]:
    """The texts of the page's danger alerts (flashed refusals) and inline error messages."""
    body = response.get_data(as_text=True)
    found = re.findall(r'<div class="alert alert-danger[^"]*"[^>]*>(.*?)<button', body, re.S)
    found += re.findall(r'<div class="invalid-feedback[^"]*"[^>]*>(.*?)</div>', body, re.S)
    return [html.unescape(" ".join(re.sub(r"<[^>]+>", "", a).split())) for a in found]


def in_language(client, lang: str, post):
    client.get(f"/lang/{lang}")
    try:
        return post()
    finally:
        client.get("/lang/zh")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_intake_refusal_names_the_missing_material(app, client, make_user, login, make_case, lang):
    clerk = make_user("clerk", display_name="Clerk One")
    number = make_case("ST-NEW", "submitted", clerk=clerk, missing=("type_approval",))
    login(client, clerk)
    response = in_language(client, lang, lambda: client.post(f"/cases/{number}/accept", data={}))
    assert response.status_code == 422
    shown = " ".join(alerts(response))
    if lang == "en":
        assert ("These materials are not complete, so the application cannot be accepted: Type approval certificate "
                "of the radio transmitting equipment.") in shown, shown
        assert not CJK.search(shown), shown
    else:
        assert "以下材料尚未齐备，不能受理：无线电发射设备型号核准证明。请一次性告知补正" in shown, shown


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_intake_refusal_of_a_decided_case_names_the_state(app, client, make_user, login, make_case, lang):
    clerk = make_user("clerk", display_name="Clerk One")
    number = make_case("ST-NEW", "accepted", clerk=clerk)
    login(client, clerk)
    response = in_language(client, lang, lambda: client.post(f"/cases/{number}/refuse", data={"reason": "x"}))
    assert response.status_code == 422
    shown = " ".join(alerts(response))
    expected = ("The case is “Accepted”: “Refusal to accept” is not possible." if lang == "en"
                else "当前状态为“已受理”，不能执行“不予受理”。")
    assert expected in shown, shown


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_review_refusal(app, client, reviewer, login, make_case, lang):
    number = make_case("FP-NEW", "under_review", reviewer=reviewer)
    login(client, reviewer)
    response = in_language(client, lang, lambda: client.post(f"/cases/{number}/decide", data={
        "decide-outcome": "reject", "decide-reason": "频率资源不足"}))
    assert response.status_code == 422
    shown = " ".join(alerts(response))
    assert ("A rejection needs its legal basis." if lang == "en" else "不予许可须写明法律依据。") in shown, shown


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_issuance_refusal(app, client, make_user, login, make_case, lang):
    clerk = make_user("clerk", display_name="Clerk One")
    number = make_case("FP-NEW", "approved", clerk=clerk)
    login(client, clerk)
    response = in_language(client, lang, lambda: client.post(f"/cases/{number}/delivery", data={
        "method": "pickup", "receiver": "张三"}))
    assert response.status_code == 422
    shown = " ".join(alerts(response))
    assert ("Delivery can be recorded only after the licences are issued." if lang == "en"
            else "证照发放后才能登记送达。") in shown, shown


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_ratings_refusal(client, lang):
    response = in_language(client, lang, lambda: client.post("/window/pair", data={"code": "WRONG-CODE"}))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert ("The pairing code is invalid or has expired; ask a supervisor for a new one." if lang == "en"
            else "配对码无效或已过期，请联系主管重新生成。") in html.unescape(body)


def test_the_api_keeps_chinese_messages(client, make_user, token_for, make_case):
    clerk = make_user("clerk")
    number = make_case("ST-NEW", "accepted", clerk=clerk)
    response = client.post(f"/api/v1/applications/{number}/refuse", headers={**token_for(clerk),
                           "Accept-Language": "en"}, json={"reason": "x"})
    assert response.status_code == 409
    assert response.get_json()["error"]["message"] == "当前状态为“已受理”，不能执行“不予受理”。"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_refusal_confirmation_page_in_both_languages(app, client, make_user, login, make_case, lang):
    clerk = make_user("clerk", display_name="Clerk One")
    number = make_case("ST-NEW", "submitted", clerk=clerk)
    login(client, clerk)
    response = in_language(client, lang, lambda: client.post(f"/cases/{number}/refuse",
                                                              data={"reason": "不属于本机关职权范围"}))
    body = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200 and number in body and "不属于本机关职权范围" in body
    if lang == "en":
        assert "Check the refusal to accept" in body and "Radio station licence (new station)" in body
        assert "Confirm the refusal to accept" in body and "Decision of refusal to accept" in body
    else:
        assert "核对不予受理" in body and "确认不予受理" in body and "不予受理决定书" in body
