"""The issue verb and the licence lifecycle: rules, numbers, records, signatures."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from radiolic import licence_face
from radiolic.issuance import sealing
from radiolic.documents import content_hash, public_key_pem, render_licence, verify
from radiolic.extensions import db
from radiolic.identifiers import e_licence_identifier
from radiolic.models import Event, Licence, OutboxMessage, Station, User
from radiolic.workflow import WorkflowError, issuance, review
from tests.conftest import TODAY
from tests.issuance_cases import PERMIT, approved_with_stations, get_case, issued_with_stations, station_rows


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_issue_station_batch(app, make_case, make_user):
    number = approved_with_stations(app, make_case, make_user, 5, refuse=("清远基站00003",))
    reviewer = make_user("reviewer")
    with app.app_context():
        case = get_case(number)
        events_before = _count(Event)
        result = issuance.issue(case, format="electronic", by=db.session.get(User, reviewer.id), on=TODAY)
        db.session.commit()
        assert (result.count, result.first_number, result.last_number) == (4, "441800-2024-S-000001",
                                                                         "441800-2024-S-000004")
        assert case.state == "issued" and case.issued_on == TODAY and case.completed_on == TODAY
        assert _count(Event) == events_before + 1          # one event for the whole batch
        event = db.session.scalars(select(Event).order_by(Event.id.desc())).first()
        assert event.action == "issue" and "4 份" in event.note and "441800-2024-S-000004" in event.note
        licences = db.session.scalars(select(Licence).order_by(Licence.number)).all()
        assert [l.station.station_name for l in licences] == ["清远基站00001", "清远基站00002", "清远基站00004",
                                                               "清远基站00005"]
        lic = licences[0]
        assert lic.valid_until == date(2029, 9, 22) and lic.status == "valid" and lic.format == "electronic"
        assert lic.holder_name == case.applicant.name and lic.office == app.config["OFFICE_NAME"]
        assert len(lic.verify_code) == 26 and len({l.verify_code for l in licences}) == 4
        assert lic.e_identifier == e_licence_identifier("WXDT", app.config["OFFICE_USCC"], "4418002024S000001")
        assert (lic.freq_low_mhz, lic.freq_high_mhz) == (1885.0, 2025.0)
        invites = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "rating_invite")).all()
        assert len(invites) == 1 and invites[0].application_id == case.id      # one invitation, never two


def test_electronic_licence_signature_checks_offline(app, make_case, make_user):
    issued_with_stations(app, make_case, make_user, 1)
    with app.app_context():
        lic = db.session.scalar(select(Licence))
        record = sealing.record_of(lic, lic.station)
        assert content_hash(record) == lic.content_hash
        pem = public_key_pem(sealing.signing_key())
        assert verify(pem, lic.content_hash, lic.signature)
        assert sealing.check(lic).ok
        # A changed record no longer matches its hash; a forged hash fails the signature.
        lic.station.power_w = 400.0
        assert not sealing.check(lic).hash_matches
        assert not verify(pem, "0" * 64, lic.signature)


def test_pdf_is_byte_identical_and_carries_hash(app, make_case, make_user):
    issued_with_stations(app, make_case, make_user, 1)
    with app.app_context():
        lic = db.session.scalar(select(Licence))
        first = render_licence(licence_face.face_of(lic, lic.station))
        second = render_licence(licence_face.face_of(lic, lic.station))
        assert first == second and first.startswith(b"%PDF")
        face = licence_face.face_of(lic, lic.station)
        # the PDF prints the face digest (fixed at issue); the record's seal also covers the status
        assert face.content_hash == sealing.face_hash(lic, lic.station) != lic.content_hash
        assert face.verify_url.endswith("/verify/" + lic.verify_code)
        labels = [label for label, _ in face.fields]
        for label in ("台站名称", "台站类型", "台址", "台址坐标", "发射频率", "必要带宽", "发射标识", "发射功率",
                      "天线", "使用条件", "呼号", "电子证照标识"):
            assert label in labels


def test_per_licence_format_override(app, make_case, make_user):
    number = approved_with_stations(app, make_case, make_user, 3)
    reviewer = make_user("reviewer")
    with app.app_context():
        case, by = get_case(number), db.session.get(User, reviewer.id)
        issuance.set_format_override(case, 2, "paper", by=by, on=TODAY)
        issuance.issue(case, format="electronic", by=by, on=TODAY)
        db.session.commit()
        formats = db.session.execute(select(Licence.number, Licence.format, Licence.signature)
                                     .order_by(Licence.number)).all()
        assert [f for _, f, _ in formats] == ["electronic", "paper", "electronic"]
        assert formats[1][2] and formats[0][2]    # paper licences are sealed too


@pytest.mark.parametrize("state", ["submitted", "accepted", "under_review"])
def test_issue_refused_before_approval(app, make_case, make_user, state):
    number = make_case("ST-NEW", state)
    reviewer = make_user("reviewer")
    with app.app_context():
        with pytest.raises(WorkflowError, match="只有准予许可的案件才能发证") as err:
            issuance.issue(get_case(number), format="electronic", by=db.session.get(User, reviewer.id), on=TODAY)
        assert err.value.code == "conflict"
        db.session.rollback()
        assert _count(Licence) == 0 and get_case(number).state == state


def test_issue_refused_while_deferred_material_outstanding(app, make_case, make_user):
    app.config["DEFER_DECIDE_BEFORE_SUPPLY"] = True      # approved before supply: only with the setting on
    reviewer = make_user("reviewer")
    number = make_case("ST-NEW", "approved", deferred=["site_proof"], reviewer=reviewer)
    with app.app_context():
        with pytest.raises(WorkflowError, match="容缺材料尚未补齐"):
            issuance.issue(get_case(number), format="electronic", by=db.session.get(User, reviewer.id), on=TODAY)
        db.session.rollback()
        assert _count(Licence) == 0 and get_case(number).state == "approved"
        assert _count(OutboxMessage, OutboxMessage.kind == "rating_invite") == 0


def test_station_case_without_stations_is_refused(app, make_case, make_user):
    """No station, no approval; and issuing finds no approved station to license if the list is somehow empty."""
    reviewer = make_user("reviewer")
    number = make_case("ST-NEW", "under_review", reviewer=reviewer)
    with app.app_context():
        by = db.session.get(User, reviewer.id)
        with pytest.raises(WorkflowError, match="须至少录入一个台站"):
            review.decide(get_case(number), outcome="approve", by=by, on=TODAY)
        db.session.rollback()
    approved = make_case("ST-NEW", "approved", reviewer=reviewer)
    with app.app_context():
        case = get_case(approved)
        db.session.execute(update(Station).where(Station.application_id == case.id).values(
            outcome="refused", refused_reason="测试：台站被改为不予许可"))
        with pytest.raises(WorkflowError, match="请先录入台站"):
            issuance.issue(case, format="paper", by=db.session.get(User, reviewer.id), on=TODAY)


# permit frequencies, station types needing a permit (setting) -> the licence's last day, or the refusal
COVERAGE = [
    ("1880-1920;2010-2025", (), date(2026, 9, 22)),     # the 2-year permit covers the station: capped by it
    ("351.0125;351.0375", (), date(2029, 9, 22)),       # it covers none of its frequencies: 5 years (setting)
    ("1880-1920", ("public_mobile_base",), "清远基站00001（1885-1915;2010-2025 MHz）"),   # 2010-2025 uncovered
    ("351.0125", ("public_mobile_base",), "清远基站00001（1885-1915;2010-2025 MHz）"),
]


@pytest.mark.parametrize("frequencies, required, expected", COVERAGE)
def test_station_validity_and_the_permit_that_covers_it(app, make_case, make_user, make_applicant, frequencies,
                                                        required, expected):
    app.config["PERMIT_REQUIRED_STATION_TYPES"] = required
    holder = make_applicant()
    reviewer = make_user("reviewer")
    permit_case = make_case("FP-NEW", "approved", applicant_id=holder, reviewer=reviewer)
    with app.app_context():
        issuance.issue(get_case(permit_case), format="electronic", by=db.session.get(User, reviewer.id),
                       on=TODAY, permit={**PERMIT, "frequencies": frequencies, "term_years": 2})
        db.session.commit()
    number = approved_with_stations(app, make_case, make_user, 1, applicant_id=holder)
    with app.app_context():
        by = db.session.get(User, reviewer.id)
        if isinstance(expected, str):
            with pytest.raises(WorkflowError) as err:
                issuance.issue(get_case(number), format="paper", by=by, on=TODAY)
            assert "没有持证人有效的频率使用许可证覆盖" in err.value.message and expected in err.value.message
            db.session.rollback()
            assert db.session.scalar(select(func.count()).select_from(Licence)
                                     .where(Licence.kind == "station_licence")) == 0
            return
        if expected == date(2026, 9, 22):
            with pytest.raises(WorkflowError, match="2026-09-22"):
                issuance.issue(get_case(number), format="paper", by=by, on=TODAY, valid_until=date(2027, 1, 1))
            db.session.rollback()
        issuance.issue(get_case(number), format="paper", by=by, on=TODAY)
        db.session.commit()
        lic = db.session.scalar(select(Licence).where(Licence.kind == "station_licence"))
        assert lic.valid_until == expected


@pytest.mark.parametrize("change, message", [
    ({"term_years": 11}, "1–10 年"),
    ({"term_years": None, "valid_until": "2035-09-23"}, "不超过 10 年"),
    ({"frequencies": "abc"}, "格式不正确"),
    ({"frequencies": "1915-1885"}, "颠倒"),
    ({"use": " "}, "请填写用途"),
    ({"area": None}, "请填写使用范围"),
    ({"usage_rate": ""}, "请填写使用率要求"),
])
def test_permit_fields_are_validated(app, make_case, make_user, change, message):
    reviewer = make_user("reviewer")
    number = make_case("FP-NEW", "approved", reviewer=reviewer)
    with app.app_context():
        with pytest.raises(WorkflowError, match=message):
            issuance.issue(get_case(number), format="electronic", by=db.session.get(User, reviewer.id), on=TODAY,
                           permit={**PERMIT, **change})
        db.session.rollback()
        assert _count(Licence) == 0


def test_permit_issued_with_its_fields(app, make_case, make_user):
    reviewer = make_user("reviewer")
    number = make_case("FP-NEW", "approved", reviewer=reviewer)
    with app.app_context():
        result = issuance.issue(get_case(number), format="paper", by=db.session.get(User, reviewer.id), on=TODAY,
                                permit={**PERMIT, "term_years": None, "valid_until": "2034-09-22"})
        db.session.commit()
        lic = db.session.scalar(select(Licence))
        assert result.first_number == "441800-2024-P-000001" and lic.kind == "frequency_permit"
        assert (lic.frequencies, lic.use, lic.valid_until) == ("351.0125;351.0375", "出租车调度通信", date(2034, 9, 22))
        assert lic.e_identifier is None and lic.signature and sealing.check(lic).ok


def test_numbers_continue_without_gaps_across_batches(app, make_case, make_user):
    reviewer = make_user("reviewer")
    numbers = [approved_with_stations(app, make_case, make_user, n, reviewer=reviewer, prefix=f"站{n}-")
               for n in (2, 3)]
    with app.app_context():
        by = db.session.get(User, reviewer.id)
        first = issuance.issue(get_case(numbers[0]), format="electronic", by=by, on=TODAY)
        second = issuance.issue(get_case(numbers[1]), format="electronic", by=by, on=TODAY)
        db.session.commit()
        assert (first.last_number, second.first_number) == ("441800-2024-S-000002", "441800-2024-S-000003")


def test_add_stations_all_or_none_and_replace(app, make_case, make_user):
    clerk = make_user("clerk")
    number = make_case("ST-NEW", "accepted", clerk=clerk)
    with app.app_context():
        case, by = get_case(number), db.session.get(User, clerk.id)
        assert issuance.add_stations(case, station_rows(3), by=by, on=TODAY) == 3
        db.session.commit()
        with pytest.raises(WorkflowError, match="已录入的台站名称和地址相同"):
            issuance.add_stations(case, station_rows(2), by=by, on=TODAY)
        db.session.rollback()
        assert _count(Station) == 3
        assert issuance.add_stations(case, station_rows(2, "新站"), mode="replace", by=by, on=TODAY) == 2
        db.session.commit()
        assert db.session.scalars(select(Station.station_name).order_by(Station.seq)).all() == ["新站00001", "新站00002"]


def test_add_stations_refused_after_decision(app, make_case, make_user):
    number = make_case("ST-NEW", "approved")
    clerk = make_user("clerk")
    with app.app_context():
        with pytest.raises(WorkflowError, match="不能再录入台站"):
            issuance.add_stations(get_case(number), station_rows(1), by=db.session.get(User, clerk.id), on=TODAY)


def test_change_supersedes_old_licence_linked_both_ways(app, make_case, make_user, make_applicant):
    holder = make_applicant()
    issued_with_stations(app, make_case, make_user, 2, applicant_id=holder)
    change = approved_with_stations(app, make_case, make_user, 1, item_code="ST-CHANGE", applicant_id=holder)
    reviewer = make_user("reviewer")
    with app.app_context():
        issuance.issue(get_case(change), format="electronic", by=db.session.get(User, reviewer.id), on=TODAY)
        db.session.commit()
        old = db.session.scalar(select(Licence).where(Licence.number == "441800-2024-S-000001"))
        new = db.session.scalar(select(Licence).where(Licence.number == "441800-2024-S-000003"))
        assert old.status == "superseded" and old.superseded_by_id == new.id and new.supersedes_id == old.id
        assert old.status_changed_on == TODAY and change in old.status_reason
        untouched = db.session.scalar(select(Licence).where(Licence.number == "441800-2024-S-000002"))
        assert untouched.status == "valid"


def test_renewal_without_matching_licence_is_refused(app, make_case, make_user):
    number = approved_with_stations(app, make_case, make_user, 1, item_code="ST-RENEW")
    reviewer = make_user("reviewer")
    with app.app_context():
        with pytest.raises(WorkflowError, match="没有找到"):
            issuance.issue(get_case(number), format="electronic", by=db.session.get(User, reviewer.id), on=TODAY)


def test_cancellation_case_cancels_listed_licences(app, make_case, make_user, make_applicant):
    holder = make_applicant()
    issued_with_stations(app, make_case, make_user, 2, applicant_id=holder)
    clerk = make_user("clerk")
    number = make_case("ST-CANCEL", "approved", applicant_id=holder)
    with app.app_context():
        case, by = get_case(number), db.session.get(User, clerk.id)
        with pytest.raises(WorkflowError, match="不是本申请人"):
            issuance.cancel_licences(case, numbers=["441800-2024-S-999999"], returned=True, by=by, on=TODAY)
        db.session.rollback()
        assert issuance.cancel_licences(case, numbers=["441800-2024-S-000002"], returned=True, by=by, on=TODAY) == 1
        db.session.commit()
        lic = db.session.scalar(select(Licence).where(Licence.number == "441800-2024-S-000002"))
        assert lic.status == "cancelled" and "已交回" in lic.status_reason
        assert case.state == "issued" and case.completed_on == TODAY


def test_revoke_needs_reason_and_valid_licence(app, make_case, make_user, make_applicant):
    issued_with_stations(app, make_case, make_user, 1, applicant_id=make_applicant())
    supervisor = make_user("supervisor")
    with app.app_context():
        lic, by = db.session.scalar(select(Licence)), db.session.get(User, supervisor.id)
        with pytest.raises(WorkflowError, match="理由"):
            issuance.revoke_licence(lic, reason=" ", by=by, on=TODAY)
        issuance.revoke_licence(lic, reason="擅自改变台址（条例第七十条）", by=by, on=TODAY)
        db.session.commit()
        assert lic.status == "revoked"
        with pytest.raises(WorkflowError, match="不是有效状态"):
            issuance.revoke_licence(lic, reason="again", by=by, on=TODAY)


def test_daily_check_expires_and_queues_reminders(app, make_case, make_user, make_applicant):
    issued_with_stations(app, make_case, make_user, 3, applicant_id=make_applicant())
    with app.app_context():
        ids = db.session.scalars(select(Licence.id).order_by(Licence.id)).all()
        lic_a, lic_b = db.session.get(Licence, ids[0]), db.session.get(Licence, ids[1])
        lic_a.valid_from = TODAY - timedelta(days=400)
        lic_a.valid_until = TODAY - timedelta(days=1)        # past its last day
        lic_b.valid_until = date(2025, 1, 24)     # last day to apply 2024-12-12; 90-day reminder due from 09-13
        db.session.commit()
        assert issuance.expire_licences(TODAY) == 1
        assert issuance.queue_renewal_reminders(TODAY) == 1
        assert issuance.queue_renewal_reminders(TODAY) == 0  # queued once
        db.session.commit()
        assert db.session.get(Licence, ids[0]).status == "expired"
        assert db.session.get(Licence, ids[2]).status == "valid"
        reminder = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "renewal_reminder"))
        assert lic_b.number in reminder.body and "请于 2024-12-12" in reminder.body and "延续" in reminder.body


def test_print_and_delivery_of_paper_licences(app, make_case, make_user):
    number = approved_with_stations(app, make_case, make_user, 2)
    clerk = make_user("clerk")
    with app.app_context():
        case, by = get_case(number), db.session.get(User, clerk.id)
        with pytest.raises(WorkflowError, match="证照发放后"):
            issuance.record_delivery(case, method="pickup", receiver="王五", by=by, on=TODAY)
        db.session.rollback()
        issuance.issue(case, format="paper", by=by, on=TODAY)
        licences = db.session.scalars(select(Licence).order_by(Licence.number)).all()
        assert issuance.record_print(case, licences, copies=2, by=by, on=TODAY) == 2
        with pytest.raises(WorkflowError, match="快递单号"):
            issuance.record_delivery(case, method="post", by=by, on=TODAY)
        issuance.record_delivery(case, method="pickup", receiver="王五", by=by, on=TODAY)
        db.session.commit()
        assert db.session.scalar(select(Event.note).where(Event.action == "deliver")) == "窗口领取，领取人 王五"


def test_e_identifier_fast_path_matches_reference(app):
    with app.app_context():
        for serial in ("4418002024S000001", "4418002024S019999", "4418002031P000123"):
            assert sealing._e_identifier("WXDT", app.config["OFFICE_USCC"], serial) == \
                e_licence_identifier("WXDT", app.config["OFFICE_USCC"], serial)


def test_daily_check_command(app, make_case, make_user, make_applicant):
    issued_with_stations(app, make_case, make_user, 1, applicant_id=make_applicant())
    with app.app_context():
        lic = db.session.scalar(select(Licence))
        lic.valid_from, lic.valid_until = TODAY - timedelta(days=800), TODAY - timedelta(days=2)
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["licences", "check"])
    assert result.exit_code == 0 and "1 份证照到期失效" in result.output
    with app.app_context():
        assert db.session.scalar(select(Licence.status)) == "expired"
        assert _count(Event, Event.action == "expire_licences") == 1
