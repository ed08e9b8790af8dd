"""On a phone: apply online with uploads, get accepted with one material deferred, upload it, rate at the window."""
import pytest
from sqlalchemy import select

from radiolic.extensions import db
from radiolic.models import Application, Rating, Upload, User
from radiolic.ratings import kiosk
from radiolic.workflow import intake
from tests.conftest import TODAY

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _file(name: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF}


def _fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_applicant_applies_supplies_and_rates_without_visiting(app, phone, browser, live_server, make_user):
    clerk = make_user("clerk", display_name="陈窗口")        # serves at window 3
    supervisor = make_user("supervisor")

    # 1. Apply online from the phone, leaving the deferrable site proof for later.
    phone.goto(live_server + "/apply")
    phone.click('[data-item="ST-NEW"]')
    assert _fits_the_screen(phone)
    phone.fill("#name", "清远浏览器通信有限公司")
    phone.fill("#id_code", "914418000000001070")
    phone.fill("#contact", "王工")
    phone.fill("#phone", "13900139000")
    phone.fill("#summary", "新设 1 个对讲机中继台")
    for code in ("application_form", "technical_data", "applicant_identity", "type_approval", "permit_copy",
                 "emc_report", "agent_authorisation"):
        phone.set_input_files(f"#material_{code}", _file(f"{code}.pdf"))
    phone.check("#truthful")
    phone.click("#apply-submit")
    number = phone.inner_text("#case-number").strip()
    assert len(phone.inner_text("#query-code").strip()) == 10

    # 2. A clerk pre-checks it and accepts with the site proof deferred (the intake stage's verb).
    with app.app_context():
        case = db.session.scalar(select(Application).where(Application.number == number))
        assert (case.channel, case.visits, case.state) == ("online", 0, "submitted")
        intake.accept(case, deferred=["site_proof"], commitment={"signed_by": "王工"},
                      by=db.session.get(User, clerk.id), on=TODAY)
        db.session.commit()

    # 3. The applicant follows the case and uploads the deferred material from the status page.
    phone.click("#to-status")
    assert phone.get_attribute("#applicant-case", "data-state") == "accepted"
    item = phone.locator('#deferred [data-material="site_proof"]')
    item.locator('input[type="file"]').set_input_files(_file("台址证明.pdf"))
    item.locator('button[type="submit"]').click()
    phone.wait_for_selector(".alert-success")
    # Received, not yet checked: the page says so until a clerk accepts the upload.
    assert phone.locator('#deferred [data-checking="site_proof"]').count() == 1
    assert _fits_the_screen(phone)
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
        tablet = tablet_context.new_page()
        tablet.set_default_timeout(10_000)
        tablet.goto(live_server + "/window")
        tablet.fill("#code", pair_code)
        tablet.click("#pair-submit")
        assert tablet.get_attribute("#kiosk-rate", "data-number") == number
        assert "陈窗口" in tablet.inner_text("#kiosk-rate")
        tablet.click("#kiosk-level-5")
        assert "谢谢您的评价" in tablet.inner_text("#kiosk-thanks")
    finally:
        tablet_context.close()
    with app.app_context():
        rating = db.session.scalar(select(Rating))
        assert (rating.channel, rating.level, rating.window_user_id) == ("window", 5, clerk.id)
