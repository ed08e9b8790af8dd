"""Tampering with a copy of the database is caught by `audit verify`, the verify page and the public API."""
from datetime import date

import pytest
from sqlalchemy import select, text, update

from radiolic import audit
from radiolic.documents import content_hash
from radiolic.extensions import db
from radiolic.issuance.sealing import check, record_of
from radiolic.models import Checkpoint, Event, Licence, User
from radiolic.workflow import issuance
from tests.conftest import TODAY
from tests.issuance_cases import approved_with_stations, get_case


@pytest.fixture
def issued(app, make_case, make_user, make_applicant):
    """S-1 electronic valid, S-2 paper valid, S-3 electronic revoked; a checkpoint after everything."""
    reviewer = make_user("reviewer")
    number = approved_with_stations(app, make_case, make_user, 3, applicant_id=make_applicant(), reviewer=reviewer)
    with app.app_context():
        by = db.session.get(User, reviewer.id)
        case = get_case(number)
        issuance.set_format_override(case, 2, "paper", by=by, on=TODAY)
        issuance.issue(case, format="electronic", by=by, on=TODAY)
        db.session.commit()
        lic = db.session.scalar(select(Licence).where(Licence.number == "441800-2024-S-000003"))
        issuance.revoke_licence(lic, reason="擅自改变台址（条例第七十条）", by=by, on=TODAY)
        db.session.commit()
        codes = dict(db.session.execute(select(Licence.number, Licence.verify_code)).all())
    return {"valid": codes["441800-2024-S-000001"], "paper": codes["441800-2024-S-000002"],
            "revoked": codes["441800-2024-S-000003"]}


def _audit(app):
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    return result.exit_code, result.output


def _page(client, code):
    body = client.get(f"/verify/{code}").get_data(as_text=True)
    return body


def _api(client, code):
    return client.get(f"/api/v1/public/licences/{code}").get_json()


def _resealed_without_key(number: str, **changes) -> None:
    """What a forger with database access (but not the office key) can do: change columns, recompute the hash."""
    lic = db.session.scalar(select(Licence).where(Licence.number == number))
    for name, value in changes.items():
        setattr(lic, name, value)
    db.session.flush()
    lic.content_hash = content_hash(record_of(lic, lic.station))
    db.session.commit()


def assert_caught(app, client, code, *, problem: str):
    exit_code, output = _audit(app)
    assert exit_code == 1 and problem in output
    body = _page(client, code)
    assert "记录校验失败" in body and 'data-check="failed"' in body and "alert-success" not in body
    data = _api(client, code)
    assert data["record_check"] == "failed" and problem in "".join(data["record_problems"]) + output


def test_untouched_record_verifies_everywhere(app, client, issued):
    exit_code, output = _audit(app)
    assert exit_code == 0 and "证照 3 份" in output
    body = _page(client, issued["valid"])
    assert 'data-status="valid"' in body and "alert-success" in body and "记录校验失败" not in body
    assert _api(client, issued["revoked"])["record_check"] == "intact"
    assert _api(client, issued["revoked"])["status"] == "revoked"
    with app.app_context():
        revoked = db.session.scalar(select(Licence).where(Licence.verify_code == issued["revoked"]))
        event = db.session.scalar(select(Event).where(Event.hash == revoked.status_event_hash))
        assert event.action == "revoke_licence" and event.object_id == revoked.id
        assert revoked.previous_seal and revoked.previous_seal != revoked.content_hash
        paper = db.session.scalar(select(Licence).where(Licence.verify_code == issued["paper"]))
        assert paper.signature and check(paper).ok


def test_revoked_set_back_to_valid(app, client, issued):
    with app.app_context():
        db.session.execute(update(Licence).where(Licence.verify_code == issued["revoked"]).values(status="valid"))
        db.session.commit()
    assert_caught(app, client, issued["revoked"], problem="登记记录与封签摘要不一致")
    # ...and with the hash recomputed, the signature (office key) gives it away
    with app.app_context():
        _resealed_without_key("441800-2024-S-000003")
    assert_caught(app, client, issued["revoked"], problem="封签签名无效")


def test_paper_licence_holder_changed_and_rehashed(app, client, issued):
    with app.app_context():
        _resealed_without_key("441800-2024-S-000002", holder_name="冒名通信有限公司")
    assert_caught(app, client, issued["paper"], problem="封签签名无效")


def test_validity_extended_to_2099(app, client, issued):
    with app.app_context():
        _resealed_without_key("441800-2024-S-000001", valid_until=date(2099, 12, 31))
    assert_caught(app, client, issued["valid"], problem="封签签名无效")


def test_status_event_pointing_elsewhere(app, client, issued):
    """A forger who re-points a revoked licence at its issue event still fails (status/event mismatch + seal)."""
    with app.app_context():
        issue_hash = db.session.scalar(select(Event.hash).where(Event.action == "issue"))
        db.session.execute(update(Licence).where(Licence.verify_code == issued["revoked"]).values(
            status="valid", status_event_hash=issue_hash))
        db.session.commit()
    assert_caught(app, client, issued["revoked"], problem="登记记录与封签摘要不一致")


def test_event_in_the_middle_edited(app, client, issued):
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.action == "issue"))
        db.session.execute(update(Event).where(Event.id == event.id).values(note="发放无线电台执照 1 份"))
        db.session.commit()
        event_id = event.id
    exit_code, output = _audit(app)
    assert exit_code == 1 and f"事件 #{event_id}：内容与其哈希不符" in output
    body = _page(client, issued["valid"])
    assert "记录校验失败" in body and "状态事件缺失或被改动" in body and "alert-success" not in body


def test_chain_rewritten_from_the_middle_is_caught_by_the_checkpoint(app, client, issued):
    """Editing an event and re-hashing every later one keeps the chain consistent, but not the checkpoint."""
    from radiolic.workflow.core import event_digest
    with app.app_context():
        audit.create_checkpoint(TODAY)
        db.session.commit()
        events = db.session.scalars(select(Event).order_by(Event.id)).all()
        prev = events[len(events) // 2 - 1].hash
        for e in events[len(events) // 2:]:
            if e is events[len(events) // 2]:
                e.note = e.note + "（改）"
            e.prev_hash = prev
            e.hash = event_digest(prev, e)
            prev = e.hash
        db.session.commit()
    exit_code, output = _audit(app)
    assert exit_code == 1 and "哈希与检查点不符（历史被改写）" in output


def test_last_events_deleted_after_checkpoint(app, client, issued):
    with app.app_context():
        audit.create_checkpoint(TODAY)
        db.session.commit()
        last = db.session.scalar(select(Event).order_by(Event.id.desc()).limit(1))
        assert last.action == "revoke_licence"
        db.session.execute(text("DELETE FROM event WHERE id = :id"), {"id": last.id})
        db.session.commit()
    exit_code, output = _audit(app)
    assert exit_code == 1 and "已不存在（历史被截断）" in output
    assert_caught(app, client, issued["revoked"], problem="状态事件缺失或被改动")


def test_forged_checkpoint_signature(app, issued):
    with app.app_context():
        point = audit.create_checkpoint(TODAY)
        point.event_count += 1
        db.session.commit()
    exit_code, output = _audit(app)
    assert exit_code == 1 and "签名无效" in output


def test_checkpoints_listed_and_exported(app, client, issued):
    with app.app_context():
        assert audit.daily_checkpoint(TODAY) is not None
        assert audit.daily_checkpoint(TODAY) is None          # same head the same day: nothing new
        db.session.commit()
        point = db.session.scalar(select(Checkpoint))
    page = client.get("/verify/checkpoints").get_data(as_text=True)
    assert point.head_hash in page and point.signature in page
    exported = client.get("/verify/checkpoints.json").get_json()
    assert exported["checkpoints"][0]["event_count"] == point.event_count
    assert "BEGIN PUBLIC KEY" in exported["public_key"]
    result = app.test_cli_runner().invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 0 and "检查点 #2" in result.output


def test_expiry_supersession_cancellation_reseal(app, make_case, make_user, make_applicant):
    holder = make_applicant()
    reviewer = make_user("reviewer")
    first = approved_with_stations(app, make_case, make_user, 2, applicant_id=holder, reviewer=reviewer)
    change = approved_with_stations(app, make_case, make_user, 1, item_code="ST-CHANGE", applicant_id=holder,
                                    reviewer=reviewer)
    cancel = make_case("ST-CANCEL", "approved", applicant_id=holder, reviewer=reviewer)
    with app.app_context():
        by = db.session.get(User, reviewer.id)
        issuance.issue(get_case(first), format="paper", by=by, on=TODAY, valid_until=date(2025, 1, 31))
        issuance.issue(get_case(change), format="electronic", by=by, on=TODAY)
        issuance.cancel_licences(get_case(cancel), numbers=["441800-2024-S-000002"], returned=True, by=by, on=TODAY)
        db.session.commit()
        assert issuance.expire_licences(date(2030, 1, 1)) == 1       # S-3 (the change's successor)
        db.session.commit()
        rows = {lic.number: lic for lic in db.session.scalars(select(Licence))}
        assert [rows[n].status for n in sorted(rows)] == ["superseded", "cancelled", "expired"]
        actions = {n: db.session.scalar(select(Event.action).where(Event.hash == rows[n].status_event_hash))
                   for n in rows}
        assert actions == {"441800-2024-S-000001": "supersede_licences", "441800-2024-S-000002": "cancel_licence",
                           "441800-2024-S-000003": "expire_licences"}
        assert all(check(lic).ok for lic in rows.values())
        revoked = rows["441800-2024-S-000003"]
        assert revoked.superseded_by_id is None and rows["441800-2024-S-000001"].superseded_by_id == revoked.id
        report = audit.verify_all()
        assert report.ok and report.licences == 3, report.failures


def test_restore_reseals_and_is_an_event(app, client, issued, make_user):
    supervisor = make_user("supervisor")
    with app.app_context():
        lic = db.session.scalar(select(Licence).where(Licence.verify_code == issued["revoked"]))
        before = lic.content_hash
        issuance.restore_licence(lic, reason="复议决定撤销原处罚（清无复〔2024〕3号）",
                                 by=db.session.get(User, supervisor.id), on=TODAY)
        db.session.commit()
        lic = db.session.scalar(select(Licence).where(Licence.verify_code == issued["revoked"]))
        assert lic.status == "valid" and lic.previous_seal == before and check(lic).ok
        with pytest.raises(issuance.WorkflowError):
            issuance.restore_licence(lic, reason="x", by=db.session.get(User, supervisor.id), on=TODAY)
    assert _api(client, issued["revoked"])["status"] == "valid"
    assert _audit(app)[0] == 0


def test_restore_from_the_licence_page_is_for_supervisors(app, issued, make_user, login):
    reviewer_client, supervisor_client = app.test_client(), app.test_client()
    login(reviewer_client, make_user("reviewer"))
    login(supervisor_client, make_user("supervisor"))
    url = "/licences/441800-2024-S-000003/restore"
    assert reviewer_client.post(url, data={"reason": "复议撤销"}).status_code == 403
    assert supervisor_client.post(url, data={"reason": ""}).status_code == 302
    assert _api(app.test_client(), issued["revoked"])["status"] == "revoked"       # nothing changed
    page = supervisor_client.get("/licences/441800-2024-S-000003").get_data(as_text=True)
    assert 'id="restore-form"' in page
    assert supervisor_client.post(url, data={"reason": "复议决定撤销原处罚"}).status_code == 302
    data = _api(app.test_client(), issued["revoked"])
    assert data["status"] == "valid" and data["record_check"] == "intact"
