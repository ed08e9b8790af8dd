"""Issuance pages: station import and entry, issue, downloads, print and delivery."""
import csv
import io
import zipfile

from sqlalchemy import event, func, select

from radiolic.extensions import db
from radiolic.models import Event, Licence, PrintLog, Station
from tests.conftest import TODAY
from tests.issuance_cases import approved_with_stations, get_case, issued_with_stations, station_csv, station_xlsx
from tests.redirects import redirects_to


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _upload(client, number, data: bytes, name: str, mode: str = "append"):
    return client.post(f"/cases/{number}/stations/import",
                       data={"file": (io.BytesIO(data), name), "mode": mode}, content_type="multipart/form-data")


def test_import_with_errors_writes_nothing_and_names_row_and_column(app, client, make_case, make_user, login):
    clerk = make_user("clerk")
    number = make_case("ST-NEW", "accepted", clerk=clerk)
    login(client, clerk)
    text = station_csv(3).decode().splitlines()
    bad = text[2].split(",")
    bad[3] = "200"                                   # longitude of data row 2 (spreadsheet row 3)
    text[2] = ",".join(bad)
    response = _upload(client, number, ("\n".join(text) + "\n").encode(), "stations.csv")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "没有导入任何台站" in body and "<td>3</td><td>longitude</td>" in body and "经度应在 73–136 之间" in body
    assert 'download="station-import-errors.csv"' in body
    with app.app_context():
        assert _count(Station) == 0
        assert _count(Event, Event.action == "add_stations") == 0


def test_import_xlsx_then_replace(app, client, make_case, make_user, login):
    clerk = make_user("clerk")
    number = make_case("ST-NEW", "accepted", clerk=clerk)
    login(client, clerk)
    response = _upload(client, number, station_xlsx(12), "stations.xlsx")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/cases/{number}#issuance")
    response = _upload(client, number, station_csv(2, "替换站"), "s.csv", mode="replace")
    redirects_to(response, f"/cases/{number}#issuance")
    with app.app_context():
        assert db.session.scalars(select(Station.station_name).order_by(Station.seq)).all() == ["替换站00001",
                                                                                              "替换站00002"]
    page = client.get(f"/cases/{number}").get_data(as_text=True)
    assert 'id="station-count">2<' in page and "替换站00002" in page


def test_import_refused_for_wrong_state_leaves_nothing(app, client, make_case, make_user, login):
    clerk = make_user("clerk")
    number = make_case("ST-NEW", "approved", clerk=clerk)
    login(client, clerk)
    response = _upload(client, number, station_csv(2), "s.csv")
    assert response.status_code == 422 and "不能再录入台站" in response.get_data(as_text=True)
    with app.app_context():
        assert _count(Station) == 1           # the one station it was approved with; nothing added


def test_templates_download(client, make_user, login):
    login(client, make_user("clerk"))
    csv_body = client.get("/issuance/station-template.csv")
    assert csv_body.data.startswith("\ufeff台站名称,台站类型".encode())
    xlsx = client.get("/issuance/station-template.xlsx")
    assert xlsx.data[:2] == b"PK" and "attachment" in xlsx.headers["Content-Disposition"]


def test_single_station_entry_checks_like_import(app, client, make_case, make_user, login):
    clerk = make_user("clerk")
    number = make_case("ST-NEW", "under_review", clerk=clerk)
    login(client, clerk)
    form = {"station_name": "公交调度台", "station_type": "repeater", "address": "清远市清城区松岗大道 1 号",
            "longitude": "113.04", "latitude": "93.7", "tx_mhz": "460.125", "bandwidth_khz": "12.5",
            "power_w": "25", "equipment_model": "RP-460U", "format_override": "paper"}
    response = client.post(f"/cases/{number}/stations", data=form)
    assert response.status_code == 422 and "纬度应在 3–54 之间" in response.get_data(as_text=True)
    response = client.post(f"/cases/{number}/stations", data={**form, "latitude": "23.7"})
    redirects_to(response, f"/cases/{number}#issuance")
    with app.app_context():
        station = db.session.scalar(select(Station))
        assert (station.station_name, station.format_override, station.rx_mhz) == ("公交调度台", "paper", "")


def test_issue_refused_before_approval_changes_nothing(app, client, make_case, make_user, login):
    clerk = make_user("clerk")
    number = make_case("ST-NEW", "under_review", clerk=clerk)
    login(client, clerk)
    response = client.post(f"/cases/{number}/issue", data={"format": "electronic"})
    assert response.status_code == 422 and "只有准予许可的案件才能发证" in response.get_data(as_text=True)
    with app.app_context():
        assert _count(Licence) == 0 and get_case(number).state == "under_review"


def test_issue_refused_while_deferred_outstanding(app, client, make_case, make_user, login):
    # Only an office that decides before supply (DEFER_DECIDE_BEFORE_SUPPLY) has an approved case still owing.
    app.config["DEFER_DECIDE_BEFORE_SUPPLY"] = True
    clerk = make_user("clerk")
    number = make_case("ST-NEW", "approved", deferred=["site_proof"], clerk=clerk)
    login(client, clerk)
    page = client.get(f"/cases/{number}").get_data(as_text=True)
    assert "先补后证" in page
    response = client.post(f"/cases/{number}/issue", data={"format": "electronic"})
    assert response.status_code == 422 and "容缺材料尚未补齐" in response.get_data(as_text=True)
    with app.app_context():
        assert _count(Licence) == 0 and get_case(number).state == "approved"


def test_issue_then_zip_and_extract(app, client, make_case, make_user, login):
    number = approved_with_stations(app, make_case, make_user, 3)
    with app.app_context():
        station = db.session.scalar(select(Station).where(Station.seq == 3))
        station.station_name = "=HYPERLINK(\"http://x\")"
        db.session.commit()
    clerk = make_user("clerk")
    login(client, clerk)
    response = client.post(f"/cases/{number}/issue", data={"format": "electronic"})
    redirects_to(response, f"/cases/{number}#issuance")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已发证 3 份：441800-2024-S-000001 至 441800-2024-S-000003" in page and 'id="download-zip"' in page
    download = client.get(f"/cases/{number}/licences.zip")
    assert download.is_streamed and download.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(download.get_data()))
    assert archive.namelist() == [f"441800-2024-S-00000{i}.pdf" for i in (1, 2, 3)]
    assert all(info.compress_type == zipfile.ZIP_STORED for info in archive.infolist())
    assert archive.read("441800-2024-S-000001.pdf").startswith(b"%PDF")
    extract = client.get(f"/cases/{number}/register.csv").get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(extract)))
    assert rows[0][0] == "编号" and len(rows) == 4 and rows[3][5].startswith("'=")
    xlsx = client.get(f"/cases/{number}/register.xlsx")
    assert xlsx.data[:2] == b"PK"


def test_paper_print_log_and_delivery(app, client, make_case, make_user, login):
    number = approved_with_stations(app, make_case, make_user, 2)
    clerk = make_user("clerk")
    login(client, clerk)
    redirects_to(client.post(f"/cases/{number}/issue", data={"format": "paper"}), f"/cases/{number}#issuance")
    pdf = client.post("/licences/441800-2024-S-000001/print", data={"copies": "2"})
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    bundle = client.post(f"/cases/{number}/print", data={"copies": "1"})
    assert len(zipfile.ZipFile(io.BytesIO(bundle.get_data())).namelist()) == 2
    refused = client.post(f"/cases/{number}/delivery", data={"method": "post", "tracking_no": ""})
    assert refused.status_code == 422 and "快递单号" in refused.get_data(as_text=True)
    redirects_to(client.post(f"/cases/{number}/delivery", data={"method": "post", "tracking_no": "SF123"}),
                 f"/cases/{number}#issuance")
    with app.app_context():
        logs = db.session.execute(select(PrintLog.copies, PrintLog.by_id).order_by(PrintLog.id)).all()
        assert logs == [(2, clerk.id), (1, clerk.id), (1, clerk.id)]
    licence_page = client.get("/licences/441800-2024-S-000001").get_data(as_text=True)
    assert "内容完整" in licence_page and "2 份" in licence_page


def test_queue_and_expiring_pages(app, client, make_case, make_user, login):
    number = approved_with_stations(app, make_case, make_user, 1)
    clerk = make_user("clerk")
    login(client, clerk)
    assert number in client.get("/issuance").get_data(as_text=True)
    client.post(f"/cases/{number}/issue", data={"format": "electronic"})
    with app.app_context():
        lic = db.session.scalar(select(Licence))
        lic.valid_until = TODAY.replace(month=10, day=20)
        db.session.commit()
    page = client.get("/issuance/expiring").get_data(as_text=True)
    assert "2024-10-20" in page and number in page


def test_revoke_only_for_reviewer_or_supervisor(app, client, make_case, make_user, login):
    issued_with_stations(app, make_case, make_user, 1)
    clerk = make_user("clerk")
    login(client, clerk)
    assert client.post("/licences/441800-2024-S-000001/revoke", data={"reason": "x"}).status_code == 403
    supervisor_client = app.test_client()
    login(supervisor_client, make_user("supervisor"))
    response = supervisor_client.post("/licences/441800-2024-S-000001/revoke", data={"reason": "擅自改变台址"})
    redirects_to(response, "/licences/441800-2024-S-000001")
    with app.app_context():
        assert db.session.scalar(select(Licence.status)) == "revoked"


def _queries(app, fetch) -> int:
    seen = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: seen.append(1)     # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        fetch()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(seen)


def test_queue_and_licence_list_query_per_page_not_per_row(app, client, make_case, make_user, login):
    app.config["DEFER_DECIDE_BEFORE_SUPPLY"] = True      # approved before supply: only with the setting on
    clerk = make_user("clerk")
    login(client, clerk)
    one = make_case("ST-NEW", "approved", deferred=["site_proof"])
    issued = issued_with_stations(app, make_case, make_user, 2, format="paper")
    page = lambda: client.get("/issuance").get_data(as_text=True)       # noqa: E731
    licences = lambda: client.get(f"/cases/{issued}/licences").get_data(as_text=True)     # noqa: E731
    few, few_licences = _queries(app, page), _queries(app, licences)
    for _ in range(3):
        make_case("ST-NEW", "approved", deferred=["site_proof"])
        issued_with_stations(app, make_case, make_user, 1, format="paper")
    more = issued_with_stations(app, make_case, make_user, 6, format="paper")
    text = page()
    assert one in text and issued in text and more in text
    assert _queries(app, page) == few
    assert "441800-2024-S-000011" in client.get(f"/cases/{more}/licences").get_data(as_text=True)
    assert _queries(app, lambda: client.get(f"/cases/{more}/licences")) == few_licences
