"""Year end without next year's notice: provisional (暂定) dates, the bulk notice form, restatement, status."""
from datetime import date

import pytest
from sqlalchemy import func, select

from radiolic.extensions import db
from radiolic.models import Application, CalendarYear, Event, HolidayOverride
from tests.web.test_lookup import lookup, with_code

DEC1 = date(2026, 12, 1)

# A hypothetical 2027 notice (the real one is not out on 2026-12-01): every statutory day off, plus
# a make-up working day on Sat 2027-01-09.
NOTICE = """# 2027 年部分节假日安排（测试用）
2027-01-01~2027-01-03,休,元旦
2027-01-09,班,元旦调休上班
2027-02-05~2027-02-13,休,春节
2027-02-20,班,春节调休上班
2027-04-03~2027-04-05,休,清明节
2027-05-01~2027-05-05,休,劳动节
2027-06-09,休,端午节
2027-09-15,休,中秋节
2027-10-01~2027-10-07,休,国庆节
"""


@pytest.fixture
def dec_app(make_app):
    return make_app(FIXED_TODAY=DEC1)


@pytest.fixture
def dec_case(dec_app, make_user, make_applicant):
    """A station-licence case accepted 2026-12-01 with two deferred materials."""
    from radiolic.models import Applicant, User
    from radiolic.workflow import intake
    from tests.conftest import item
    clerk, applicant_id = make_user("clerk"), make_applicant()
    with dec_app.app_context():
        service = item("ST-NEW")
        materials = {m.code: ("missing" if m.code in ("site_proof", "agent_authorisation") else "received", "")
                     for m in service.materials}
        case, _ = intake.submit(service, db.session.get(Applicant, applicant_id), channel="window",
                                single_window=True, visits=1, materials=materials,
                                by=db.session.get(User, clerk.id), on=DEC1)
        intake.accept(case, deferred=["site_proof", "agent_authorisation"], commitment={"signed_by": "李工"},
                      by=db.session.get(User, clerk.id), on=DEC1)
        db.session.commit()
        return case.number


def _case(app, number):
    with app.app_context():
        case = db.session.scalar(select(Application).where(Application.number == number))
        db.session.expunge(case)
        return case


def test_accepted_in_december_gets_provisional_dates(dec_app, dec_case, make_user, login, token_for):
    # Accepted Tue 2026-12-01, statutory 30 working days: December has 22 after 12-01 (3+5+5+5+4);
    # Fri 2027-01-01 元旦 off; 01-04..01-08 (23-27), 01-11 (28), 01-12 (29), Wed 01-13 (30).
    case = _case(dec_app, dec_case)
    assert case.due_statutory == date(2027, 1, 13)
    assert case.due_promised == date(2026, 12, 2)
    assert case.provisional_from == 2027
    client = dec_app.test_client()
    login(client, make_user("reviewer"))
    page = client.get(f"/cases/{dec_case}").get_data(as_text=True)
    assert "2027-01-13" in page and "暂定" in page
    api = client.get(f"/api/v1/applications/{dec_case}", headers=token_for(make_user("clerk"))).get_json()
    assert api["due_on"]["statutory"] == "2027-01-13"
    assert api["due_on"]["provisional"] is True and api["due_on"]["provisional_year"] == 2027
    with_code(dec_app, dec_case)
    public = dec_app.test_client()
    status = lookup(public, dec_case, follow_redirects=True).get_data(as_text=True)
    assert "2027-01-13" in status and "暂定" in status


def test_acceptance_notice_prints_the_provisional_wording(dec_app, dec_case):
    from radiolic.intake import notices
    with dec_app.app_context():
        case = db.session.scalar(select(Application).where(Application.number == dec_case))
        rows = dict(notices.acceptance(case).table)
        assert rows["法定办结期限"] == "30个工作日，至2027年1月13日（暂按法定节假日推算，以国务院公布的放假安排为准）"
        assert "暂按" not in rows["承诺办结期限"]


def _post_notice(client, text, confirm=False, year=2027):
    data = {"n-year": str(year), "n-source": "国办发明电〔2026〕7号", "n-text": text}
    data["n-confirm" if confirm else "n-preview"] = "1"
    return client.post("/admin/calendar/notice", data=data)


def test_notice_missing_a_statutory_day_is_refused_and_changes_nothing(dec_app, dec_case, make_user, login):
    client = dec_app.test_client()
    login(client, make_user("admin"))
    incomplete = NOTICE.replace("2027-06-09,休,端午节\n", "")
    response = _post_notice(client, incomplete, confirm=True)
    assert response.status_code == 422
    assert "2027-06-09（端午节）" in response.get_data(as_text=True)
    bad = _post_notice(client, "2027-13-01,休,x\n2027-01-02 上学")
    assert bad.status_code == 422
    body = bad.get_data(as_text=True)
    assert "第 1 行" in body and "第 2 行" in body
    with dec_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(HolidayOverride)) == 0
        assert db.session.get(CalendarYear, 2027) is None


def test_notice_with_make_up_day_moves_the_due_date_and_records_it(dec_app, dec_case, make_user, login):
    client = dec_app.test_client()
    login(client, make_user("admin"))
    preview = _post_notice(client, NOTICE)
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    assert 'id="notice-complete"' in page and 'data-day="2027-01-09"' in page
    with dec_app.app_context():   # a preview saves nothing
        assert db.session.scalar(select(func.count()).select_from(HolidayOverride)) == 0
    done = _post_notice(client, NOTICE, confirm=True)
    assert done.status_code == 302
    # With Sat 01-09 a working day: 01-04..01-08 (23-27), 01-09 (28), 01-11 (29), Tue 01-12 (30).
    case = _case(dec_app, dec_case)
    assert case.due_statutory == date(2027, 1, 12) and case.provisional_from is None
    with dec_app.app_context():
        notes = db.session.scalars(select(Event.note).where(Event.application_id == case.id,
                                                            Event.action == "calendar_restated")).all()
        assert notes == ["按 2027 年放假安排（国办发明电〔2026〕7号）重算：法定期限 2027-01-13（暂定） → 2027-01-12"]
        assert db.session.get(CalendarYear, 2027).source == "国办发明电〔2026〕7号"
        assert db.session.get(HolidayOverride, date(2027, 2, 5)).workday is False
    # The applicant sees the new date, no longer provisional, and why it moved.
    with_code(dec_app, dec_case)
    status = lookup(dec_app.test_client(), dec_case, follow_redirects=True).get_data(as_text=True)
    assert "2027-01-12" in status and "暂定</span>" not in status and "2027-01-13（暂定） → 2027-01-12" in status


def test_notice_upload_as_ics(dec_app, dec_case, make_user, login):
    import io
    events = []
    for start, end, summary in (("20270101", "20270104", "元旦"), ("20270109", "20270110", "元旦 上班"),
                                ("20270205", "20270214", "春节"), ("20270403", "20270406", "清明节"),
                                ("20270501", "20270506", "劳动节"), ("20270609", "20270610", "端午节"),
                                ("20270915", "20270916", "中秋节"), ("20271001", "20271008", "国庆节")):
        events.append(f"BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:{start}\r\nDTEND;VALUE=DATE:{end}\r\n"
                      f"SUMMARY:{summary}\r\nEND:VEVENT\r\n")
    ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + "".join(events) + "END:VCALENDAR\r\n"
    client = dec_app.test_client()
    login(client, make_user("admin"))
    response = client.post("/admin/calendar/notice", data={
        "n-year": "2027", "n-source": "ICS", "n-text": "", "n-preview": "1",
        "n-file": (io.BytesIO(ics.encode()), "2027.ics")}, content_type="multipart/form-data")
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    page = response.get_data(as_text=True)
    assert 'id="notice-complete"' in page and "2027-01-09,班,元旦 上班" in page


def test_warning_on_admin_home_supervisor_dashboard_and_cli(dec_app, dec_case, make_user, login):
    admin = dec_app.test_client()
    login(admin, make_user("admin"))
    home = admin.get("/").get_data(as_text=True)
    assert 'id="calendar-status"' in home and 'data-depending="1"' in home
    supervisor = dec_app.test_client()
    login(supervisor, make_user("supervisor"))
    dashboard = supervisor.get("/supervisor").get_data(as_text=True)
    assert 'id="calendar-status"' in dashboard and "1 件在办案件的期限依赖暂定工作日" in dashboard
    out = dec_app.test_cli_runner().invoke(args=["calendar", "status"]).output
    assert out.startswith("【提醒】2027 年的放假安排尚未录入") and "1 件在办案件" in out
    # Before 1 October there is no warning (next year being provisional is normal then).
    september = dec_app.test_cli_runner().invoke(args=["calendar", "status", "--date", "2026-09-30"]).output
    assert not september.startswith("【提醒】")
    assert dec_app.test_cli_runner().invoke(args=["calendar", "status", "--quiet", "--date", "2026-09-30"]).output == ""
    assert "【提醒】" in dec_app.test_cli_runner().invoke(args=["calendar", "status", "--quiet"]).output
    dec_app.config["FIXED_TODAY"] = date(2026, 9, 30)
    assert 'id="calendar-status"' not in admin.get("/").get_data(as_text=True)


def test_package_upgrade_is_detected_by_review_clocks(dec_app, dec_case, monkeypatch):
    """When chinesecalendar gains 2027, `review clocks` restates the provisional cases with a timeline entry."""
    from radiolic import workdays
    real = workdays._package_days

    def upgraded(year):
        if year != 2027:
            return real(year)
        # The package's 2027, as a later release might have it: statutory days off, Sat 01-09 working.
        days = set(workdays._provisional_days(2027)) | {date(2027, 1, 9).toordinal()}
        return tuple(sorted(days))
    monkeypatch.setattr(workdays, "_package_days", upgraded)
    monkeypatch.setattr(workdays, "_package_day_set", lambda y: None if upgraded(y) is None else frozenset(upgraded(y)))
    out = dec_app.test_cli_runner().invoke(args=["review", "clocks"]).output
    assert "其中 1 件的暂定期限已按新公布的放假安排重算，1 件有变化" in out
    case = _case(dec_app, dec_case)
    assert case.due_statutory == date(2027, 1, 12) and case.provisional_from is None
    with dec_app.app_context():
        note = db.session.scalars(select(Event.note).where(Event.application_id == case.id,
                                                           Event.action == "calendar_restated")).one()
        assert note.endswith("法定期限 2027-01-13（暂定） → 2027-01-12")
    # Once restated, nothing more happens.
    again = dec_app.test_cli_runner().invoke(args=["review", "clocks"]).output
    assert "其中" not in again
