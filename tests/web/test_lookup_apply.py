"""Online application (网上申请): zero trips, uploads per material, a number and a query code shown once."""
import io
import os
import re

from sqlalchemy import func, select

from radiolic.extensions import db
from radiolic.models import Applicant, Application, Event, Station, Upload
from tests.web.test_lookup import PDF, PNG, count, lookup

CSV = ("station_name,station_type,address,longitude,latitude,tx_mhz,bandwidth_khz,power_w,equipment_model\n"
       "清城基站1,public_mobile_base,清远市清城区1号,113.05,23.68,1885-1915,20000,40,ZXSDR\n"
       "清城基站2,public_mobile_base,清远市清城区2号,113.06,23.69,1885-1915,20000,40,ZXSDR\n").encode()
from tests.redirects import redirects_to


def form(**overrides) -> dict:
    data = {"kind": "organisation", "name": "清远网申通信有限公司", "id_code": "91441800123456788U", "contact": "王工",
            "phone": "13900139000", "email": "", "address": "", "summary": "新设 2 个基站", "format": "electronic",
            "truthful": "y", "material_application_form": (io.BytesIO(PDF), "申请表.pdf"),
            "material_technical_data": (io.BytesIO(PDF), "技术资料表.pdf"),
            "material_applicant_identity": (io.BytesIO(PNG), "营业执照.png"),
            "material_type_approval": (io.BytesIO(PDF), "核准证.pdf")}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post(client, data, item="ST-NEW"):
    return client.post(f"/apply/{item}", data=data, content_type="multipart/form-data")


def test_the_item_list_and_form_are_public(client):
    assert 'data-item="ST-NEW"' in client.get("/apply").get_data(as_text=True)
    page = client.get("/apply/ST-NEW").get_data(as_text=True)
    assert 'name="material_site_proof"' in page and 'name="stations"' in page
    assert client.get("/apply/NO-SUCH").status_code == 404


def test_an_online_application_makes_a_case_with_zero_visits(app):
    client = app.test_client()
    response = post(client, form(stations=(io.BytesIO(CSV), "stations.csv")))
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body[:2000]
    number = re.search(r'id="case-number">([^<]+)<', body).group(1)
    code = re.search(r'id="query-code">([^<]+)<', body).group(1)
    with app.app_context():
        case = db.session.scalar(select(Application).where(Application.number == number))
        assert (case.state, case.channel, case.visits, case.single_window, case.created_by_id) == (
            "submitted", "online", 0, True, None)
        assert (case.agent_name, case.agent_phone, case.applicant.name) == ("王工", "13900139000", "清远网申通信有限公司")
        status = {m.code: m.status for m in case.materials}
        assert status["application_form"] == "received" and status["site_proof"] == "missing"
        files = db.session.scalars(select(Upload).where(Upload.application_id == case.id)).all()
        assert sorted(u.material_code for u in files) == ["applicant_identity", "application_form", "station_list",
                                                         "technical_data", "type_approval"]
        stations = select(func.count()).select_from(Station).where(Station.application_id == case.id)
        assert db.session.scalar(stations) == 2
        submit = db.session.scalar(select(Event).where(Event.application_id == case.id, Event.action == "submit"))
        assert submit.actor == "申请人" and code not in submit.note
    assert len(os.listdir(app.config["UPLOAD_FOLDER"])) == 5
    fresh = app.test_client()
    # the code shown works, once stored as a hash only
    redirects_to(lookup(fresh, number, code), f"/status/case/{number}")


def test_an_existing_applicants_record_is_not_changed_by_a_public_form(app, make_applicant):
    make_applicant(name="原登记名称", id_code="91441800123456788U")
    response = post(app.test_client(), form(name="冒名公司", phone="13111111111"))
    assert response.status_code == 200
    with app.app_context():
        applicant = db.session.scalar(select(Applicant).where(Applicant.id_code == "91441800123456788U"))
        assert (applicant.name, applicant.phone) == ("原登记名称", "13800138000")
        assert db.session.scalar(select(Application.agent_phone)) == "13111111111"


def test_a_bad_identifier_or_file_writes_nothing(app):
    client = app.test_client()
    before = (count(app, Application), count(app, Applicant), count(app, Event))
    bad_code = post(client, form(id_code="91441800123456789U"))      # wrong check character
    assert bad_code.status_code == 422 and "校验位" in bad_code.get_data(as_text=True)
    bad_file = post(client, form(material_type_approval=(io.BytesIO(b"GIF89a...."), "核准证.pdf")))
    assert bad_file.status_code == 422 and "型号核准" in bad_file.get_data(as_text=True)
    bad_csv = post(client, form(stations=(io.BytesIO(b"station_name\nx\n"), "s.csv")))
    assert bad_csv.status_code == 422 and "导入被拒绝" in bad_csv.get_data(as_text=True)
    no_files = post(client, {k: v for k, v in form().items() if not k.startswith("material_")})
    assert no_files.status_code == 422
    assert (count(app, Application), count(app, Applicant), count(app, Event)) == before
    folder = app.config["UPLOAD_FOLDER"]
    assert count(app, Upload) == 0 and (not os.path.isdir(folder) or os.listdir(folder) == [])


def test_a_person_can_apply_with_an_id_number(app):
    response = post(app.test_client(), form(kind="person", name="张三", id_code="441802199001010017"), item="FP-NEW")
    assert response.status_code == 200
    with app.app_context():
        applicant = db.session.scalar(select(Applicant).where(Applicant.id_code == "441802199001010017"))
        assert (applicant.kind, applicant.name) == ("person", "张三")
        # Files for materials the item does not list are ignored, not stored.
        assert sorted(db.session.scalars(select(Upload.material_code)).all()) == ["applicant_identity",
                                                                                  "application_form"]
