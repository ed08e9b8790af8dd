"""The timeline in English: a note the system wrote keeps its catalogue template and parameters beside the
hashed Chinese note, so an English page shows it in English (names of materials, stop kinds and licence kinds
too); the Chinese page and the stored note are what they always were, the chain still verifies, and a row
written before the template was kept (or a note a person typed) is shown as stored."""
import html
from datetime import date

from sqlalchemy import select, update

from radiolic.extensions import db
from radiolic.models import Application, Event, User
from tests.conftest import TODAY
from tests.web.test_english import CJK, both
from tests.web.test_lookup import lookup, with_code


def _case(number: str) -> Application:
    return db.session.scalar(select(Application).where(Application.number == number))


def _events(number: str) -> dict[str, Event]:
    case = _case(number)
    return {e.action: e for e in db.session.scalars(select(Event).where(Event.application_id == case.id)
                                                    .order_by(Event.id))}


def _walk(app, make_case, make_user) -> tuple[str, User, User]:
    """Accept with a deferred material, stop and restart the clock, supply, decide (one station refused), issue."""
    from radiolic.workflow import intake, issuance, review
    clerk, reviewer = make_user("clerk", display_name="Clerk One"), make_user("reviewer", display_name="Reviewer One")
    number = make_case("ST-NEW", "under_review", deferred=["site_proof"], stations=2, clerk=clerk, reviewer=reviewer)
    with app.app_context():
        case, by = _case(number), db.session.get(User, reviewer.id)
        review.pause(case, kind="testing", reason="送检", expected_days=5, by=by, on=TODAY)
        review.resume(case, by=by, on=TODAY)
        intake.supply(case, "site_proof", by=db.session.get(User, clerk.id), on=TODAY, supplied_from="王五")
        review.decide(case, outcome="approve", reason="", by=by, on=TODAY,
                      refused_stations=[{"station": "2", "reason": "与机场导航频率冲突"}])
        issuance.issue(case, format="electronic", by=by, on=TODAY)
        db.session.commit()
    return number, clerk, reviewer


def test_system_notes_are_stored_in_chinese_with_their_template(app, make_case, make_user):
    from radiolic.workflow import verify_chain
    number, _clerk, _reviewer = _walk(app, make_case, make_user)
    with app.app_context():
        events = _events(number)
        assert events["accept_deferred"].note == "容缺受理：台址使用证明（产权或租赁合同）"
        assert events["accept_deferred"].note_key == "容缺受理：%(materials)s"
        assert events["pause"].note == "检验、检测、检疫：送检（预计 5 个工作日）"
        assert events["resume"].note == "检验、检测、检疫结束"
        assert events["supply"].note == "台址使用证明（产权或租赁合同）（递交人：王五）"
        assert events["refuse_stations"].note == "随决定列出：标记不予许可台站 1 个：清远测试基站002（与机场导航频率冲突）"
        assert events["approve"].note == "准予台站 1 个，不予许可台站 1 个"
        issued = events["issue"].note
        assert issued.startswith("发放无线电台执照 1 份（电子 1、纸质 0），编号 ") and "至" not in issued
        # the template and parameters are outside the hash: the chain verifies, and changing them breaks nothing
        assert verify_chain() == (db.session.scalar(select(db.func.count(Event.id))), None)
        db.session.execute(update(Event).where(Event.id == events["pause"].id).values(note_key=None, note_args=None))
        db.session.commit()
        assert verify_chain()[1] is None


def test_english_case_page_shows_system_notes_in_english(app, client, make_case, make_user, login):
    number, _clerk, reviewer = _walk(app, make_case, make_user)
    login(client, reviewer)
    zh, en = both(client, f"/cases/{number}")
    body_en, body_zh = html.unescape(en.get_data(as_text=True)), html.unescape(zh.get_data(as_text=True))
    assert "Accepted with deferred materials: Proof of the right to use the site (title deed or lease)" in body_en
    assert "Inspection, testing or quarantine: 送检 (expected 5 working days)" in body_en    # the reason as typed
    assert "Inspection, testing or quarantine ended" in body_en
    assert "Proof of the right to use the site (title deed or lease) (handed in by 王五)" in body_en
    assert ("Listed with the decision: 1 stations marked as refused: 清远测试基站002 (与机场导航频率冲突)"
            in body_en)
    assert "1 stations approved, 1 stations refused" in body_en
    assert "Issued 1 × Radio station licence (electronic 1, paper 0), number " in body_en
    with app.app_context():
        notes = [e.note for e in _events(number).values() if e.note]
    for note in notes:                     # the Chinese page shows exactly the stored notes
        assert note in body_zh
    for note in notes:                     # and the English page none of the generated ones
        assert note not in body_en
    assert "Accepted with deferred materials" not in body_zh


def test_old_rows_and_typed_notes_are_shown_as_stored(app, client, make_case, make_user, login):
    from radiolic.workflow import record, review
    reviewer = make_user("reviewer", display_name="Reviewer One")
    number = make_case("ST-NEW", "under_review", reviewer=reviewer)
    with app.app_context():
        case, by = _case(number), db.session.get(User, reviewer.id)
        review.pause(case, kind="testing", reason="送检", expected_days=5, by=by, on=TODAY)
        review.resume(case, by=by, on=TODAY, note="检测报告已收到")        # typed by the reviewer
        record(case, "calendar_restated", by=None, on=TODAY, note="日历调整：法定期限 2024-10-21 → 2024-10-22")
        db.session.commit()
        pause = _events(number)["pause"]
        # a row written before the template was kept
        db.session.execute(update(Event).where(Event.id == pause.id).values(note_key=None, note_args=None))
        db.session.commit()
    login(client, reviewer)
    _zh, en = both(client, f"/cases/{number}")
    body = html.unescape(en.get_data(as_text=True))
    assert "检验、检测、检疫：送检（预计 5 个工作日）" in body
    assert "检测报告已收到" in body
    assert "日历调整：法定期限 2024-10-21 → 2024-10-22" in body
    assert ">System" in body and ">系统" not in body          # the actor of a system step is named in English


def test_applicant_page_shows_a_calendar_restatement_in_english(app, client, make_case, make_user):
    from radiolic.workflow import calendar as calendar_verbs
    admin = make_user("admin")
    number = with_code(app, make_case("ST-NEW", "accepted"))
    with app.app_context():
        before = _case(number).due_statutory
        calendar_verbs.set_day(date(2024, 10, 8), workday=False, note="", by=db.session.get(User, admin.id), on=TODAY)
        db.session.commit()
        case = _case(number)
        after = case.due_statutory
        restated = db.session.scalars(select(Event).where(Event.application_id == case.id,
                                                          Event.action == "calendar_restated")).one()
        assert restated.note == (f"日历调整（2024-10-08 设为休息日）：法定期限 {before.isoformat()} → "
                                 f"{after.isoformat()}") or restated.note.startswith("日历调整（2024-10-08 设为休息日）：")
    assert before != after
    lookup(client, number)
    client.get("/lang/zh")
    zh = html.unescape(client.get(f"/status/case/{number}").get_data(as_text=True))
    client.get("/lang/en")
    en = html.unescape(client.get(f"/status/case/{number}").get_data(as_text=True))
    client.get("/lang/zh")
    assert f"{before.isoformat()} → {after.isoformat()}" in zh and "法定期限" in zh
    restated_en = en.split('id="restated-note">', 1)[1].split("</div>", 1)[0]
    assert f"Statutory deadline {before.isoformat()} → {after.isoformat()}" in restated_en
    assert not CJK.search(restated_en), restated_en
