"""The counter visit end to end, as named steps: a clerk logs and accepts a case and prints one bundle with the
query code; the applicant, on a phone, types the code from the SMS and sees days left and the documents.

Set RADIOLIC_SCREENSHOTS=/some/dir to keep screenshots of the pages (and the bundle's pages as PNG).
"""
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from radiolic.extensions import db
from radiolic.models import OutboxMessage
from tests.browser.navigators import SCREENSHOTS as SHOTS
from tests.browser.navigators import ApplicantNavigator, ClerkNavigator
from tests.browser.navigators import keep_screenshot as _shot

pytestmark = pytest.mark.browser


def test_counter_visit_bundle_and_the_applicants_phone(app, page, phone, live_server, make_user, tmp_path):
    make_user("clerk", username="chen", display_name="陈窗口")
    clerk = ClerkNavigator(page, live_server).login("chen")

    # 1. Log the case: the code is on the decide page, and an SMS with number and code is queued.
    number, code = clerk.logs_case(item="ST-NEW", id_code="91441800123456788U", name="清远北江通信有限公司",
                                   phone="13800138000", missing=("site_proof",))
    assert len(code) == 10
    with app.app_context():
        sms = db.session.scalars(select(OutboxMessage.body).where(OutboxMessage.kind == "intake_receipt")).all()
    assert len(sms) == 1 and number in sms[0] and code in sms[0]

    # 2. Reload: still one case, still the same code (post/redirect/get; the code stays for the visit).
    clerk.page.reload()
    assert clerk.query_code_shown() == code

    # 3. Accept with the site proof deferred; the print page offers one bundle.
    clerk.accepts_with_deferral()
    assert clerk.query_code_shown() == code
    _shot(clerk.page, "counter-done")
    bundle = clerk.prints_bundle()
    assert bundle.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        (tmp_path / "bundle.pdf").write_bytes(bundle)
        text = subprocess.run(["pdftotext", str(tmp_path / "bundle.pdf"), "-"], capture_output=True,
                              text=True).stdout
        pages = text.split("\f")
        assert code in pages[0] and "收件凭证" in pages[0].replace(" ", "")
        joined = text.replace(" ", "")
        assert "受理通知书" in joined and "申请容缺受理承诺书" in joined
        deferral = [p for p in pages if p.strip()][-1].replace(" ", "")       # 容缺受理通知书: the list, then 特此通知
        assert "容缺受理通知书" in deferral and deferral.index("台址使用证明") < deferral.index("特此通知")
        if SHOTS and shutil.which("pdftoppm"):
            subprocess.run(["pdftoppm", "-png", "-r", "60", str(tmp_path / "bundle.pdf"),
                            str(Path(SHOTS) / "bundle")], check=True)

    # 4. The applicant, on a phone, looks the case up from the login page's link.
    applicant = ApplicantNavigator(phone, live_server).looks_up(number, code)
    assert applicant.state() == "accepted"
    assert re.fullmatch(r"剩 \d+ 个工作日", applicant.days_left())
    assert len(applicant.documents()) >= 3
    _shot(phone, "applicant-phone")
