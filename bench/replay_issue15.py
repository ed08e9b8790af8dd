"""Replay every reproduction of issue 15 against a fresh app and print the new answer of each.

    .venv/bin/python bench/replay_issue15.py
"""
import json
import os
import stat
import tempfile
from pathlib import Path

from sqlalchemy import select

from radiolic import create_app
from radiolic.auth import passwords
from radiolic.workflow import accounts
from radiolic.catalogue import load_catalogue
from radiolic.extensions import db
from radiolic.models import Applicant, ServiceItem
from radiolic.models.base import utcnow
from radiolic.spreadsheets import formula_safe
from radiolic.workflow import WorkflowError, intake

PASSWORD = "a long enough passphrase 93"
folder = Path(tempfile.mkdtemp())
app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'replay.sqlite'}", "SECRET_KEY": "replay",
                  "WTF_CSRF_ENABLED": False, "PASSWORD_METHOD": "scrypt:1024:8:1", "FIXED_TODAY": "2024-09-23",
                  "UPLOAD_FOLDER": str(folder / "up"), "SIGNING_KEY_PATH": str(folder / "k.pem"),
                  "PUBLIC_BASE_URL": "http://127.0.0.1:5000"})
with app.app_context():
    db.create_all()
    load_catalogue()
    users = {role: accounts.create(f"{role}1", role=role, display_name=role, password=PASSWORD, by=None,
                                   on=utcnow().date(), note="replay") for role in ("clerk", "reviewer", "supervisor")}
    db.session.commit()
    tokens = {role: {"Authorization": f"Bearer {passwords.new_token(u)}"} for role, u in users.items()}
    db.session.commit()
    item = db.session.scalar(select(ServiceItem).where(ServiceItem.code == "ST-NEW"))
    applicant = Applicant(kind="person", name="李建华", id_code="440101199001011234", contact="李建华", phone="13800138000")
    db.session.add(applicant)
    case, code = intake.submit(item, applicant, channel="window", single_window=True, visits=1, materials={},
                               by=users["clerk"], on=utcnow().date())
    db.session.commit()
    number = case.number


def show(label, response):
    if response.mimetype not in ("text/html", "application/json"):
        print(f"{response.status_code}  {label:58s} {response.mimetype}, {len(response.get_data())} bytes")
        return
    body = response.get_data(as_text=True)
    if response.is_json:
        error = (response.get_json() or {}).get("error") or {}
        detail = json.dumps(error.get("fields") or error.get("message") or "", ensure_ascii=False)[:110]
    else:
        import re
        m = re.search(r'data-field="([^"]+)">([^<]+)<', body) or re.search(r'alert[^>]*>([^<]+)<', body)
        detail = (" ".join(m.groups()) if m else "")[:110]
    print(f"{response.status_code}  {label:58s} {detail}")


def page(client, role):
    client.post("/auth/logout")
    client.post("/auth/login", data={"username": f"{role}1", "password": PASSWORD})
    return client


c = app.test_client()
print("== JSON API")
show('POST /applications {"number": "\\ud800"}', c.post("/api/v1/applications", data='{"service_item": "\\ud800"}',
                                                    headers={**tokens["clerk"], "Content-Type": "application/json"}))
show("POST /public/status with a lone surrogate", c.post("/api/v1/public/status", data='{"number": "\\ud800"}',
                                                          headers={"Content-Type": "application/json"}))
show(f"GET /applications/{number}/licences?page=²", c.get(f"/api/v1/applications/{number}/licences?page=²",
                                                          headers=tokens["clerk"]))
show("GET /stats?from=0001-01-01&to=9999-12-31", c.get("/api/v1/stats?from=0001-01-01&to=9999-12-31",
                                                       headers=tokens["supervisor"]))
show("GET /stats?year=2024", c.get("/api/v1/stats?year=2024", headers=tokens["supervisor"]))
show("GET /stats?yaer=2024", c.get("/api/v1/stats?yaer=2024", headers=tokens["supervisor"]))
print("== pages")
show("/register?page=" + "9" * 20, c.get("/register?page=" + "9" * 20))
page(c, "clerk")
show("/intake/new?applicant=" + "9" * 20, c.get("/intake/new?applicant=" + "9" * 20))
page(c, "reviewer")
show("/review/queue?reviewer=²", c.get("/review/queue?reviewer=²"))
page(c, "supervisor")
show("/supervisor?year=²", c.get("/supervisor?year=²"))
custom = "period=custom&from=0001-01-01&to=9999-12-31"
for path in ("/supervisor", "/supervisor/export.csv", "/supervisor/export.xlsx", "/supervisor/report.pdf"):
    show(f"{path}?{custom}", c.get(f"{path}?{custom}"))
print("== control characters in names")
page(c, "clerk")
show("POST /api/v1/applications applicant.name '李\\x0b华'", c.post(
    "/api/v1/applications", json={"service_item": "ST-NEW", "applicant": {"kind": "person", "name": "李\x0b华"}},
    headers=tokens["clerk"]))
with app.app_context():
    db.session.add(Applicant(kind="person", name="王\x00芳", id_code="440101199001011235", contact="", phone=""))
    try:
        db.session.commit()
        print("stored!")
    except WorkflowError as err:
        db.session.rollback()
        print(f"---  verb/CLI/import store of '王\\x00芳'                      refused: {err.message}")
page(c, "supervisor")
show("/supervisor/export.xlsx (whole year)", c.get("/supervisor/export.xlsx?period=year&year=2024"))
print("== lookups and logins by strangers")
for i in range(10):
    c2 = app.test_client()
    c2.post("/status", data={"number": number, "query_code": "WRONGCODE2"}, environ_base={"REMOTE_ADDR": f"10.0.0.{i}"})
r = app.test_client().post("/status", data={"number": number, "query_code": code}, environ_base={"REMOTE_ADDR": "10.9.9.9"})
show("11th lookup (right code, new address) after 10 strangers", r)
with app.app_context():
    from radiolic import throttle
    print(f"---  that address waits {throttle.wait_seconds('lookup', number, '10.9.9.9')} s (growing delay, not an hour)")
app.test_client().post("/auth/login", data={"username": "reviewer1", "password": PASSWORD},
                       environ_base={"REMOTE_ADDR": "127.0.0.1"})     # the owner, earlier, from their own desk
for i in range(10):
    app.test_client().post("/auth/login", data={"username": "reviewer1", "password": "wrong pass 1"},
                           environ_base={"REMOTE_ADDR": f"10.1.0.{i}"})
show("reviewer1 login from a stranger's new address",
     app.test_client().post("/auth/login", data={"username": "reviewer1", "password": PASSWORD},
                            environ_base={"REMOTE_ADDR": "10.2.2.2"}))
show("reviewer1 login from own earlier address after 10 strangers",
     app.test_client().post("/auth/login", data={"username": "reviewer1", "password": PASSWORD},
                            environ_base={"REMOTE_ADDR": "127.0.0.1"}))
print("== tokens and sessions")
page(c, "clerk")
c.post("/auth/password", data={"current": PASSWORD, "new": "another fine passphrase 42",
                               "repeat": "another fine passphrase 42"})
show("API token after a password change", app.test_client().get("/api/v1/service-items", headers=tokens["clerk"]))
print("== files")
for name in ("replay.sqlite", "replay.sqlite-wal", "k.pem"):
    p = folder / name
    if p.exists():
        print(f"---  {name:22s} mode {oct(stat.S_IMODE(os.stat(p).st_mode))}")
print("== formula guard")
print("---  " + ", ".join(f"{v!r}->{formula_safe(v)!r}" for v in ("＝1+1", "＋1", "－1", "＠A1", "\x01=1")))
print("== public register")
print("---  /register shows '李建华'? ", "李建华" in app.test_client().get("/register").get_data(as_text=True))
