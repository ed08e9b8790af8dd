"""A GET never writes: instruments are archived at the act that issues them; a download serves the archived bytes
or, in the moment before a large batch's archive job reaches it, answers 503 "正在归档" and writes nothing.
The test apps record any INSERT/UPDATE/DELETE run while a GET or HEAD is handled (tests/conftest.py)."""
from sqlalchemy import delete, func, select

from radiolic import archive
from radiolic.extensions import db
from radiolic.models import ArchivedDocument, Licence
from tests import conftest
from tests.issuance_cases import get_case, issued_with_stations


def test_the_guard_catches_a_get_that_writes(app, client):
    from radiolic.access import public
    from radiolic.models import Attempt

    @public
    def writes():
        db.session.add(Attempt(scope="lookup", key="x", address="127.0.0.1", ok=False))
        db.session.commit()
        return "ok"
    app.add_url_rule("/test-writes", "test_writes", writes, methods=["GET", "POST"])
    client.post("/test-writes")
    assert conftest._GET_WRITES == []          # a POST may write
    client.get("/test-writes")
    found, conftest._GET_WRITES[:] = list(conftest._GET_WRITES), []
    assert len(found) == 1 and found[0].startswith("GET /test-writes: INSERT INTO attempt")


def test_an_act_done_outside_a_request_archives_its_instruments(app, make_case):
    number = make_case("ST-NEW", "approved")        # the verbs run in an app context, as a command or a job would
    with app.app_context():
        case = get_case(number)
        refs = set(db.session.scalars(select(ArchivedDocument.ref).where(ArchivedDocument.application_id == case.id)))
    assert f"{number}/decision" in refs and f"{number}/acceptance" in refs


def test_a_licence_is_served_as_archived_and_a_pending_one_is_503_without_writing(app, client, make_case,
                                                                                make_user, login):
    number = issued_with_stations(app, make_case, make_user, 2)
    with app.app_context():
        first, second = db.session.scalars(select(Licence.number).where(Licence.application_id == get_case(number).id)
                                           .order_by(Licence.number)).all()
        assert db.session.scalar(select(func.count()).select_from(ArchivedDocument)
                                 .where(ArchivedDocument.kind == "licence")) == 2     # archived at the issue
        stored = archive.fetch("licence", first)
        # the second as if the archive job of a large batch had not reached it yet
        db.session.execute(delete(ArchivedDocument).where(ArchivedDocument.ref == second))
        db.session.commit()
    login(client, make_user("clerk"))
    response = client.get(f"/licences/{first}/pdf")
    assert response.status_code == 200 and response.data == stored
    pending = client.get(f"/licences/{second}/pdf")
    assert pending.status_code == 503 and pending.headers["Retry-After"].isdigit()
    body = pending.get_data(as_text=True)
    assert "正在归档，请稍候" in body and 'http-equiv="refresh"' in body
    assert client.head(f"/licences/{second}/pdf").status_code == 503
    with app.app_context():
        assert archive.fetch("licence", second) is None          # the GET did not archive it
        db.session.rollback()
        from radiolic.jobs.tasks import archive_pending
        archive_pending.task.call_local()                        # the daily sweep (or the archive job) does
        archived = archive.fetch("licence", second)
    again = client.get(f"/licences/{second}/pdf")
    assert again.status_code == 200 and again.data == archived


def test_printing_a_licence_archives_it_in_the_post(app, client, make_case, make_user, login):
    number = issued_with_stations(app, make_case, make_user, 1, format="paper")
    with app.app_context():
        lic = db.session.scalar(select(Licence.number).where(Licence.application_id == get_case(number).id))
        db.session.execute(delete(ArchivedDocument).where(ArchivedDocument.ref == lic))
        db.session.commit()
    login(client, make_user("clerk"))
    response = client.post(f"/licences/{lic}/print", data={"copies": 1})
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    with app.app_context():
        assert archive.fetch("licence", lic) == response.data


def test_a_notice_whose_archiving_failed_is_pending_until_the_daily_sweep(app, client, make_case, make_user, login):
    number = make_case("ST-NEW", "approved")
    with app.app_context():
        db.session.execute(delete(ArchivedDocument).where(ArchivedDocument.ref == f"{number}/decision"))
        db.session.commit()
    login(client, make_user("reviewer"))
    assert client.get(f"/cases/{number}/decision.pdf").status_code == 503
    from radiolic.jobs.tasks import archive_pending
    with app.app_context():
        archive_pending.task.call_local()
        archived = archive.fetch("notice", f"{number}/decision")
    response = client.get(f"/cases/{number}/decision.pdf")
    assert response.status_code == 200 and response.data == archived
