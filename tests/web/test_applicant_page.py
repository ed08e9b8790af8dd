"""The applicant's status page on a phone: the code box, working days left, the step after approval, the
decision with refused stations, and every instrument they may download."""
import re

from sqlalchemy import select

from radiolic.extensions import db
from radiolic.models import Application, Station
from tests.web.test_lookup import CODE, known, lookup, with_code  # noqa: F401  (the known fixture)


def test_query_code_box_is_a_plain_uppercase_text_field(client):
    html = client.get("/status").get_data(as_text=True)
    box = re.search(r'<input[^>]*id="query_code"[^>]*>', html).group(0)
    assert 'type="text"' in box and 'autocomplete="off"' in box and 'autocapitalize="characters"' in box
    assert 'type="password"' not in html
    css = client.get("/static/radiolic.css").get_data(as_text=True)
    assert "#query_code { text-transform: uppercase;" in css


def test_accepted_case_shows_working_days_left(client, known):
    number = known("accepted")
    lookup(client, number)
    body = client.get(f"/status/case/{number}").get_data(as_text=True)
    left = re.search(r'id="days-left">([^<]+)<', body).group(1)
    assert re.fullmatch(r"剩 \d+ 个工作日", left.strip())
    docs = re.findall(r'data-doc="([a-z]+)"', body)
    assert docs[:2] == ["receipt", "acceptance"]
    pdf = client.get(f"/status/case/{number}/documents/acceptance.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF") and CODE.encode() not in pdf.data


def test_after_approval_the_decision_step_is_done_and_the_decision_downloadable(app, client, known):
    number = known("approved")
    with app.app_context():
        case = db.session.scalar(select(Application).where(Application.number == number))
        db.session.add(Station(application_id=case.id, seq=2, station_name="北江中继台", outcome="refused", refused_reason="与机场导航频率冲突",
                               **{**_station_fields(), "station_type": "repeater", "longitude": 113.05,
                                  "latitude": 23.68, "tx_mhz": "460.125", "power_w": 25.0}))
        db.session.commit()
    lookup(client, number)
    body = client.get(f"/status/case/{number}").get_data(as_text=True)
    assert 'data-step="decided" data-status="done"' in body
    assert 'data-step="issued" data-status="current"' in body
    assert 'id="days-left"' not in body
    # an approval lists its refused stations once, in the decision's station outcomes
    assert 'id="decision"' in body and "<td>北江中继台</td><td>与机场导航频率冲突</td>" in body
    assert body.count('id="refused-stations"') == 1
    assert 'data-doc="decision"' in body
    pdf = client.get(f"/status/case/{number}/documents/decision.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    # never without the lookup in this session, nor for a kind that does not exist
    assert app.test_client().get(f"/status/case/{number}/documents/decision.pdf").status_code == 404
    assert client.get(f"/status/case/{number}/documents/nonsense.pdf").status_code == 404
    assert client.get(f"/status/case/{number}/documents/refusal.pdf").status_code == 404


def _station_fields() -> dict:
    """The required columns of a station row, filled with plain values."""
    from sqlalchemy import inspect
    values = {}
    for column in inspect(Station).columns:
        if column.name in ("id", "application_id", "seq", "station_name", "refused_reason") or column.nullable \
                or column.default is not None or column.server_default is not None:
            continue
        python_type = column.type.python_type
        values[column.name] = {str: "x", int: 1, float: 1.0}.get(python_type, None)
    return values
