"""Verification by anyone (/verify/{code}, the JSON twin, the public key) and the public register."""
import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from radiolic.documents import verify
from radiolic.extensions import db
from radiolic.models import Licence, User
from radiolic.workflow import issuance
from tests.conftest import TODAY
from tests.issuance_cases import approved_with_stations, get_case


@pytest.fixture
def issued(app, make_case, make_user, make_applicant):
    """Four licences of one holder: valid, superseded (by a change), cancelled, revoked; plus the successor."""
    holder = make_applicant()
    reviewer = make_user("reviewer")
    first = approved_with_stations(app, make_case, make_user, 3, applicant_id=holder, reviewer=reviewer)
    change = approved_with_stations(app, make_case, make_user, 1, item_code="ST-CHANGE", applicant_id=holder,
                                    reviewer=reviewer)
    cancel = make_case("ST-CANCEL", "approved", applicant_id=holder, reviewer=reviewer)
    with app.app_context():
        by = db.session.get(User, reviewer.id)
        issuance.issue(get_case(first), format="electronic", by=by, on=TODAY)
        issuance.issue(get_case(change), format="electronic", by=by, on=TODAY)
        issuance.cancel_licences(get_case(cancel), numbers=["441800-2024-S-000002"], returned=True, by=by, on=TODAY)
        db.session.commit()
        codes = dict(db.session.execute(select(Licence.number, Licence.verify_code)).all())
    return {"valid": codes["441800-2024-S-000003"], "superseded": codes["441800-2024-S-000001"],
            "cancelled": codes["441800-2024-S-000002"], "successor": codes["441800-2024-S-000004"]}


@pytest.mark.parametrize("which, status, text", [("valid", "valid", "有效"), ("superseded", "superseded", "已被替换"),
                                                 ("cancelled", "cancelled", "已注销")])
def test_verify_page_shows_live_status(client, issued, which, status, text):
    page = client.get(f"/verify/{issued[which]}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and f'data-status="{status}"' in body and f"<strong>{text}</strong>" in body
    if which == "superseded":
        assert "已由 441800-2024-S-000004 替换" in body


def test_verify_masks_holder_code_and_shows_hash(app, client, issued):
    body = client.get(f"/verify/{issued['valid']}").get_data(as_text=True)
    with app.app_context():
        lic = db.session.scalar(select(Licence).where(Licence.verify_code == issued["valid"]))
        assert lic.content_hash in body and lic.holder_code not in body and lic.holder_code[:4] in body


def test_unknown_code_reveals_nothing(client, issued):
    page = client.get("/verify/AAAAAAAAAAAAAAAAAAAAAAAAAA")
    body = page.get_data(as_text=True)
    assert page.status_code == 404 and "未找到该核验码对应的证照" in body and "441800" not in body
    api = client.get("/api/v1/public/licences/AAAAAAAAAAAAAAAAAAAAAAAAAA")
    assert api.status_code == 404 and api.get_json()["error"]["code"] == "not_found"


def test_verify_api_and_offline_signature_check(client, issued):
    data = client.get(f"/api/v1/public/licences/{issued['valid']}").get_json()
    assert data["status"] == "valid" and data["number"] == "441800-2024-S-000003" and data["record_intact"]
    pem = client.get("/verify/public-key").get_data(as_text=True)
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    assert verify(pem, data["content_hash"], data["signature"])
    assert not verify(pem, data["content_hash"].replace(data["content_hash"][0], "f", 1)
                      if data["content_hash"][0] != "f" else "0" * 64, data["signature"])
    superseded = client.get(f"/api/v1/public/licences/{issued['superseded']}").get_json()
    assert superseded["status"] == "superseded" and superseded["superseded_by"] == "441800-2024-S-000004"


def test_expired_and_revoked_read_as_such(app, client, issued, make_user):
    supervisor = make_user("supervisor")
    with app.app_context():
        lic = db.session.scalar(select(Licence).where(Licence.verify_code == issued["valid"]))
        lic.valid_from, lic.valid_until = TODAY - timedelta(days=900), TODAY - timedelta(days=1)
        successor = db.session.scalar(select(Licence).where(Licence.verify_code == issued["successor"]))
        issuance.revoke_licence(successor, reason="擅自改变台址", by=db.session.get(User, supervisor.id), on=TODAY)
        db.session.commit()
    assert client.get(f"/api/v1/public/licences/{issued['valid']}").get_json()["status"] == "expired"
    assert client.get(f"/api/v1/public/licences/{issued['successor']}").get_json()["status"] == "revoked"


def test_public_register_search_and_csv(app, client, make_case, make_user, make_applicant):
    person = make_applicant(kind="person", name="欧阳娜娜", id_code="441802199001010017")
    reviewer = make_user("reviewer")
    number = approved_with_stations(app, make_case, make_user, 2, applicant_id=person, reviewer=reviewer,
                                    prefix="业余站")
    with app.app_context():
        issuance.issue(get_case(number), format="electronic", by=db.session.get(User, reviewer.id), on=TODAY)
        db.session.commit()
    page = client.get("/register?low=1900&high=1950").get_data(as_text=True)
    # a natural person: masked holder, and the station shown by holder and type (its name carries the person)
    assert "欧阳**" in page and "欧阳娜娜" not in page and "业余站00001" not in page and "北江路 1 号" not in page
    assert "欧阳**的" in page and "有效证照 2 份" in page
    # a person is not found by name: the search must not confirm that someone holds a licence
    assert "有效证照 0 份" in client.get("/register?holder=欧阳娜娜").get_data(as_text=True)
    assert "有效证照 0 份" in client.get("/register?low=3000").get_data(as_text=True)
    assert "有效证照 0 份" in client.get("/register?station_type=microwave").get_data(as_text=True)
    exported = client.get("/register.csv?low=1900&high=1950")
    rows = list(csv.reader(io.StringIO(exported.get_data().decode("utf-8-sig"))))
    assert rows[0][0] == "编号" and len(rows) == 3 and rows[1][4] == "欧阳**" and rows[1][5].startswith("欧阳**的")
    assert "441802199001010017" not in exported.get_data(as_text=True)
    assert "核验码" not in rows[0]


def test_verify_page_reads_licence_holder_station_and_successor_in_one_query(app, client, issued):
    from sqlalchemy import event
    statements = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        page = client.get(f"/verify/{issued['superseded']}")
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert page.status_code == 200 and "441800-2024-S-000004" in page.get_data(as_text=True)
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 1, reads
    assert all(table in reads[0] for table in ("licence", "station", "applicant"))
