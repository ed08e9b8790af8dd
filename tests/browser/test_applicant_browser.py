"""On a phone (every page audited by axe, none wider than the screen): apply online with uploads, get accepted
with one material deferred, upload it, rate at the window."""
import pytest
from sqlalchemy import select

from radiolic.extensions import db
from radiolic.models import Application, Rating, Upload, User
from radiolic.ratings import kiosk
from radiolic.workflow import intake
from tests.browser.navigators import ApplicantNavigator, WindowTabletNavigator
from tests.conftest import TODAY

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _file(name: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF}


def test_applicant_applies_supplies_and_rates_without_visiting(app, phone, browser, live_server, make_user):
    clerk = make_user("clerk", display_name="陈窗口")        # serves at window 3
    supervisor = make_user("supervisor")

    # 1. Apply online from the phone, leaving the deferrable site proof for later.
    applicant = ApplicantNavigator(phone, live_server)
    number, code = applicant.applies_online(
        "ST-NEW", name="清远浏览器通信有限公司", id_code="914418000000001070", contact="王工", phone="13900139000",
        summary="新设 1 个对讲机中继台",
        files={c: _file(f"{c}.pdf") for c in ("application_form", "technical_data", "applicant_identity",
                                              "type_approval", "permit_copy", "emc_report", "agent_authorisation")})
    assert len(code) == 10

    # 2. A clerk pre-checks it and accepts with the site proof deferred (the intake stage's verb).
    with app.app_context():
        case = db.session.scalar(select(Application).where(Application.number == number))
        assert (case.channel, case.visits, case.state) == ("online", 0, "submitted")
        intake.accept(case, deferred=["site_proof"], commitment={"signed_by": "王工"},
                      by=db.session.get(User, clerk.id), on=TODAY)
        db.session.commit()

    # 3. The applicant follows the case and uploads the deferred material from the status page.
    applicant.follows_the_case()
    assert applicant.state() == "accepted"
    applicant.supplies_deferred("site_proof", _file("台址证明.pdf"))
    assert applicant.awaits_check_of("site_proof")      # received, not yet checked: the page says so
    with app.app_context():
        case = db.session.scalar(select(Application).where(Application.number == number))
        assert {m.code: m.status for m in case.materials}["site_proof"] == "unchecked"
        intake.check_supplied(case, "site_proof", accept=True, by=db.session.get(User, clerk.id), on=TODAY)
        db.session.commit()
        assert {m.code: m.status for m in case.materials}["site_proof"] == "supplied"
        assert db.session.scalar(select(Upload.filename).where(Upload.material_code == "site_proof")) == "台址证明.pdf"
        _device, pair_code = kiosk.issue(window_no="3", label="", by=db.session.get(User, supervisor.id), on=TODAY)
        db.session.commit()

    # 4. At the counter's tablet (paired once, no staff login) the applicant taps 非常满意.
    tablet_context = browser.new_context(locale="zh-CN", viewport={"width": 1024, "height": 768}, has_touch=True)
    try:
        tablet_page = tablet_context.new_page()
        tablet_page.set_default_timeout(10_000)
        tablet = WindowTabletNavigator(tablet_page, live_server).pairs(pair_code)
        assert tablet.case_shown() == number
        assert "陈窗口" in tablet.text("#kiosk-rate")
        assert "谢谢您的评价" in tablet.applicant_taps(5)
    finally:
        tablet_context.close()
    with app.app_context():
        rating = db.session.scalar(select(Rating))
        assert (rating.channel, rating.level, rating.window_user_id) == ("window", 5, clerk.id)
