"""Licences over their life: renewal reminders and 行政许可法 Art. 50 ¶2, hand-counted on the official calendar.

A licence valid until Fri 2025-01-24: the last day to apply for renewal is Thu 2024-12-12 — the working days
after it up to the expiry are Dec 13, 16–20, 23–27, 30, 31 (13; Jan 1 is a holiday), Jan 2, 3, 6–10, 13–17,
20–24 = 30. Reminders: 90 calendar days before the last day = 2024-09-13; 60 days = 2024-10-13; 45 working days
before = 2024-10-11 (counting back from 12-12: Dec 12–2 = 9, Nov 29–1 = 30, Oct 31–28 = 34, 25–21 = 39,
18–14 = 44, the make-up Saturday 10-12 = 45).
"""
from datetime import date

import pytest
from sqlalchemy import select

from radiolic.extensions import db
from radiolic.models import Licence, OutboxMessage
from radiolic.workflow import issuance, renewals
from tests.issuance_cases import issued_with_stations

D = date
UNTIL = D(2025, 1, 24)


def test_last_day_to_apply_and_the_reminder_dates(ctx):
    assert renewals.last_day_to_apply(UNTIL) == D(2024, 12, 12)
    assert renewals.reminder_dates(UNTIL) == {"90d": D(2024, 9, 13), "45wd": D(2024, 10, 11), "60d": D(2024, 10, 13)}


# day the daily run happens -> reminders queued that day
RUNS = [(D(2024, 9, 12), 0), (D(2024, 9, 13), 1), (D(2024, 9, 14), 0), (D(2024, 10, 11), 1), (D(2024, 10, 12), 0),
        (D(2024, 10, 13), 1), (D(2024, 12, 12), 0), (D(2024, 12, 13), 0)]


def test_renewal_reminders_at_90_and_60_days_and_45_working_days(app, make_case, make_user, make_applicant):
    issued_with_stations(app, make_case, make_user, 2, applicant_id=make_applicant())
    with app.app_context():
        for lic in db.session.scalars(select(Licence)):
            lic.valid_until = UNTIL
        db.session.commit()
        for day, queued in RUNS:
            assert issuance.queue_renewal_reminders(day) == queued, day
            db.session.commit()
        bodies = db.session.scalars(select(OutboxMessage.body).where(OutboxMessage.kind == "renewal_reminder")
                                    .order_by(OutboxMessage.id)).all()
        assert len(bodies) == 3
        assert all("请于 2024-12-12（有效期届满三十个工作日前）前申请延续" in b and "等 2 份" in b for b in bodies)


# renewal received on -> the licence after the expiry run of 2025-01-27
ART_50 = [("applied on the last day", D(2024, 12, 12), "valid"), ("applied a day late", D(2024, 12, 13), "expired"),
          ("no renewal", None, "expired")]


@pytest.mark.parametrize("label, applied, status", ART_50, ids=[r[0] for r in ART_50])
def test_a_timely_renewal_keeps_the_licence_valid_until_decided(app, client, make_case, make_user, make_applicant,
                                                                 label, applied, status):
    holder = make_applicant()
    issued_with_stations(app, make_case, make_user, 1, applicant_id=holder, valid_until=UNTIL)
    with app.app_context():
        lic = db.session.scalar(select(Licence))
        assert lic.valid_until == UNTIL
        code = lic.verify_code
    if applied:
        make_case("ST-RENEW", "accepted", applicant_id=holder, on=applied)
    with app.app_context():
        issuance.expire_licences(D(2025, 1, 27))
        db.session.commit()
        assert db.session.scalar(select(Licence.status)) == status
    app.config["FIXED_TODAY"] = "2025-01-27"
    page = client.get(f"/verify/{code}").get_data(as_text=True)
    assert f'data-status="{status}"' in page
    assert ('id="renewal-pending"' in page) is (status == "valid")
    if status == "valid":
        assert "第五十条第二款" in page and "2024-12-12" in page
