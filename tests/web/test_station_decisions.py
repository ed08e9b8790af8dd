"""The reviewer's per-station decision pages: the filtered table, refusing a selection or everything a filter
matches, undo, the CSV of refusals (all or none), and the check-your-answers step with its 样稿 preview."""
import io
import re

import pytest
from sqlalchemy import func, select

from radiolic.extensions import db
from radiolic.models import Application, Decision, Station, User
from radiolic.workflow import issuance

from ..conftest import TODAY
from ..issuance_cases import station_rows
from tests.redirects import redirects_to


def _text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def big_case(app, make_case, reviewer):
    """A case under review with 120 base stations over five districts (24 in 英德市)."""
    number = make_case("ST-NEW", "under_review", reviewer=reviewer)
    with app.app_context():
        case = db.session.scalar(select(Application).where(Application.number == number))
        issuance.add_stations(case, station_rows(120), by=db.session.get(User, reviewer.id), on=TODAY)
        db.session.commit()
    return number


def _outcomes(app, number) -> dict:
    with app.app_context():
        rows = db.session.execute(select(Station.outcome, func.count()).join(Application).where(
            Application.number == number).group_by(Station.outcome)).all()
        return {k or "undecided": v for k, v in rows}


def _reasons(app, number) -> dict[int, str | None]:
    with app.app_context():
        return dict(db.session.execute(select(Station.seq, Station.refused_reason).join(Application).where(
            Application.number == number)).all())


def test_the_table_is_paginated_and_filtered_on_the_server(as_reviewer, big_case):
    page = _text(as_reviewer.get(f"/cases/{big_case}/stations"))
    assert page.count('name="seq"') == 50 and 'data-total="120"' in page      # one page of checkboxes, never 120
    filtered = _text(as_reviewer.get(f"/cases/{big_case}/stations?q=英德市"))
    assert re.search(r'id="matching" data-total="24"', filtered) and filtered.count('name="seq"') == 24
    second = _text(as_reviewer.get(f"/cases/{big_case}/stations?page=3"))
    assert second.count('name="seq"') == 20 and 'data-seq="101"' in second
    none = _text(as_reviewer.get(f"/cases/{big_case}/stations?freq=460"))
    assert 'id="matching" data-total="0"' in none
    bad = as_reviewer.get(f"/cases/{big_case}/stations?freq=abc&type=nonsense")
    assert bad.status_code == 422 and "频率筛选" in _text(bad) and 'data-total="120"' in _text(bad)
    assert as_reviewer.get(f"/cases/{big_case}/stations?page=x").status_code == 400


def test_refuse_everything_a_filter_matches_then_undo(app, as_reviewer, big_case):
    data = {"scope": "filter", "f_q": "英德市", "expected": "24", "reason": "台址位于自然保护区核心区"}
    done = as_reviewer.post(f"/cases/{big_case}/stations/refuse", data=data)
    redirects_to(done, f"/cases/{big_case}/stations?q=英德市")                 # the filter is kept
    assert _outcomes(app, big_case) == {"refused": 24, "undecided": 96}
    page = _text(as_reviewer.get(done.headers["Location"]))
    assert "已将 24 个台站标记为不予许可" in page and 'id="refusal-batches"' in page
    # The same filter again: nothing undecided is left in it, and nothing changes.
    again = as_reviewer.post(f"/cases/{big_case}/stations/refuse", data={**data, "expected": "0"})
    assert again.status_code == 422 and "没有待决定的台站" in _text(again)
    batch = re.search(r'/stations/undo/(\d+)"', page).group(1)
    undone = as_reviewer.post(f"/cases/{big_case}/stations/undo/{batch}", data={})
    redirects_to(undone, f"/cases/{big_case}/stations")
    assert _outcomes(app, big_case) == {"undecided": 120}
    assert as_reviewer.post(f"/cases/{big_case}/stations/undo/{batch}", data={}).status_code == 422
    assert as_reviewer.post(f"/cases/{big_case}/stations/undo/999999", data={}).status_code == 404


def test_a_filter_that_changed_since_the_page_was_shown_changes_nothing(app, as_reviewer, big_case):
    response = as_reviewer.post(f"/cases/{big_case}/stations/refuse", data={
        "scope": "filter", "f_q": "英德市", "expected": "30", "reason": "干扰"})
    assert response.status_code == 422 and "筛选结果已变化" in _text(response)
    assert _outcomes(app, big_case) == {"undecided": 120}


def test_refuse_checked_rows_and_take_one_back(app, as_reviewer, big_case):
    done = as_reviewer.post(f"/cases/{big_case}/stations/refuse", data={
        "scope": "checked", "seq": ["3", "7"], "reason": "发射功率超出规定"})
    redirects_to(done, f"/cases/{big_case}/stations")
    assert _reasons(app, big_case)[7] == "发射功率超出规定"
    redirects_to(as_reviewer.post(f"/cases/{big_case}/stations/restore", data={"scope": "checked", "seq": ["7"]}),
                 f"/cases/{big_case}/stations")
    assert _outcomes(app, big_case) == {"refused": 1, "undecided": 119}
    for data, message in [({"scope": "checked", "reason": "x"}, "请先勾选"),
                          ({"scope": "checked", "seq": ["abc"], "reason": "x"}, "台站序号无效"),
                          ({"scope": "checked", "seq": ["999"], "reason": "x"}, "不属于本案")]:
        bad = as_reviewer.post(f"/cases/{big_case}/stations/refuse", data=data)
        assert bad.status_code == 422 and message in _text(bad)
    assert _outcomes(app, big_case) == {"refused": 1, "undecided": 119}


def _upload(client, number, text: str, name="refused.csv"):
    return client.post(f"/cases/{number}/stations/upload", data={
        "file": (io.BytesIO(text.encode("utf-8-sig")), name)}, content_type="multipart/form-data")


def test_csv_of_refusals_is_all_or_none_with_an_error_report(app, as_reviewer, big_case):
    bad = _upload(as_reviewer, big_case, "台站名称或序号,理由\n清远基站00002,干扰\n清远基站99999,x\n5,\n")
    body = _text(bad)
    assert bad.status_code == 422 and "共 2 处错误，没有标记任何台站" in body
    assert re.search(r"<td>3</td><td>清远基站99999</td><td>本案没有", body)   # line numbers as the file's
    assert re.search(r"<td>4</td><td>5</td><td>请写明", body) and "data:text/csv;base64," in body
    assert _outcomes(app, big_case) == {"undecided": 120}
    good = _upload(as_reviewer, big_case, "台站名称或序号,理由\n清远基站00002,与机场导航台干扰\n5,台址不符\n")
    redirects_to(good, f"/cases/{big_case}/stations")
    reasons = _reasons(app, big_case)
    assert (reasons[2], reasons[5], reasons[6]) == ("与机场导航台干扰", "台址不符", None)
    template = as_reviewer.get("/review/stations/refusal-template.csv")
    assert template.mimetype == "text/csv" and "台站名称或序号,理由" in template.get_data(as_text=True)


def test_only_the_reviewer_marks_and_only_under_review(app, make_user, login, big_case, make_case):
    supervisor = app.test_client()
    login(supervisor, make_user("supervisor"))
    assert supervisor.get(f"/cases/{big_case}/stations").status_code == 200
    assert 'id="refuse-panel"' not in _text(supervisor.get(f"/cases/{big_case}/stations"))
    assert supervisor.post(f"/cases/{big_case}/stations/refuse", data={"scope": "filter", "reason": "x"}).status_code == 403
    clerk = app.test_client()
    login(clerk, make_user("clerk"))
    assert clerk.get(f"/cases/{big_case}/stations").status_code == 403
    permit = make_case("FP-NEW", "under_review")
    reviewer = app.test_client()
    login(reviewer, make_user("reviewer"))
    assert reviewer.get(f"/cases/{permit}/stations").status_code == 404
    assert _outcomes(app, big_case) == {"undecided": 120}


def _check(client, number, data):
    response = client.post(f"/cases/{number}/decide", data=data)
    return response, _text(response)


def test_check_your_answers_then_preview_then_confirm(app, as_reviewer, big_case):
    as_reviewer.post(f"/cases/{big_case}/stations/refuse", data={
        "scope": "filter", "f_q": "英德市", "expected": "24", "reason": "台址位于自然保护区核心区"})
    data = {"decide-outcome": "approve", "decide-reason": "申请材料齐全，符合设台条件"}
    response, body = _check(as_reviewer, big_case, data)
    assert response.status_code == 200 and 'data-approved="96" data-refused="24"' in body
    assert "《中华人民共和国行政许可法》第三十八条第一款" in body and "准予行政许可决定书" in body
    assert "13800138000" in body and "已作出准予许可决定" in body and "颁发 96 份无线电台执照" in body
    with app.app_context():                     # nothing is decided yet, no number taken
        assert db.session.scalar(select(func.count()).select_from(Decision)) == 0
        assert db.session.scalar(select(Application.state).where(Application.number == big_case)) == "under_review"
    preview = as_reviewer.post(f"/cases/{big_case}/decide/preview", data=data)
    assert preview.mimetype == "application/pdf" and preview.data.startswith(b"%PDF")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Decision)) == 0
    seen = re.search(r'name="decide-stations_seen" value="([^"]*)"', body).group(1)
    assert seen == "24/120"
    # A station refused after the check: the confirmation shows the check again instead of deciding.
    as_reviewer.post(f"/cases/{big_case}/stations/refuse", data={"scope": "checked", "seq": ["1"], "reason": "干扰"})
    stale, stale_body = _check(as_reviewer, big_case, {**data, "decide-confirm": "1", "decide-stations_seen": seen})
    assert stale.status_code == 200 and "请重新核对" in stale_body and 'data-refused="25"' in stale_body
    done = as_reviewer.post(f"/cases/{big_case}/decide", data={
        **data, "decide-confirm": "1", "decide-stations_seen": "25/120"})
    redirects_to(done, f"/cases/{big_case}")
    assert _outcomes(app, big_case) == {"approved": 95, "refused": 25}
    page = _text(as_reviewer.get(f"/cases/{big_case}"))
    assert "准予 95 个，不予 25 个" in page


def test_the_check_refuses_what_the_decision_would_refuse(app, as_reviewer, make_case, reviewer):
    number = make_case("ST-NEW", "under_review", reviewer=reviewer)
    page = _text(as_reviewer.get(f"/cases/{number}"))
    assert "准予许可前须至少录入一个台站" in page
    response, body = _check(as_reviewer, number, {"decide-outcome": "approve", "decide-reason": "符合条件"})
    assert response.status_code == 422 and "须至少录入一个台站" in body and 'id="decide-check"' not in body
    with app.app_context():
        assert db.session.scalar(select(Application.state).where(Application.number == number)) == "under_review"


def test_odd_filter_and_form_values_never_answer_a_server_error(app, as_reviewer, make_case, reviewer):
    from tests.hardening.test_page_fuzz import VALUES, _encode
    number = make_case("ST-NEW", "under_review", reviewer=reviewer, stations=3)
    answers = set()
    for value in VALUES:
        for name in ("type", "q", "freq", "outcome", "page"):
            answers.add(as_reviewer.get(f"/cases/{number}/stations?{name}={_encode(value)}").status_code)
        if value == "\ud800":            # not encodable in a form body
            continue
        answers.add(as_reviewer.post(f"/cases/{number}/stations/refuse", data={
            "scope": "filter", "f_freq": value, "f_q": value, "reason": value, "expected": value}).status_code)
        answers.add(as_reviewer.post(f"/cases/{number}/decide", data={
            "decide-outcome": "approve", "decide-reason": value, "decide-confirm": value,
            "decide-stations_seen": value}).status_code)
    assert max(answers) < 500, answers
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Decision)) == 0
