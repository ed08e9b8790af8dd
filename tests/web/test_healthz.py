"""/healthz: database, queue, disk and calendar, public and without secrets."""
import json

from radiolic.models import CalendarYear
from radiolic.extensions import db


def test_healthz_reports_every_check_without_secrets(app, client):
    response = client.get("/healthz")
    body = response.get_json()
    assert response.status_code == 200 and body["status"] in ("ok", "warn")
    assert body["database"]["ok"] is True and body["database"]["kind"] in ("sqlite", "postgresql") and body["queue"]["ok"] is True
    assert body["disk"]["ok"] is True and body["disk"]["uploads"]["free_mb"] > 0
    assert body["calendar"]["year"] == 2024 and body["calendar"]["covered"] is True
    text = json.dumps(body)
    for secret in ("test-secret", app.config["SQLALCHEMY_DATABASE_URI"], "postgres@", app.instance_path):
        assert secret not in text


def test_healthz_fails_when_the_disk_is_short_and_warns_about_next_year(app, client):
    app.config["HEALTH_MIN_FREE_BYTES"] = 1 << 62
    response = client.get("/healthz")
    assert response.status_code == 503 and response.get_json()["status"] == "fail"
    assert response.get_json()["disk"]["ok"] is False


def test_healthz_next_year_status_follows_the_calendar(app, client):
    app.config["FIXED_TODAY"] = "2031-06-01"          # chinesecalendar does not know 2032
    body = client.get("/healthz").get_json()
    assert body["calendar"]["next_year"] == 2032 and body["calendar"]["next_year_covered"] is False
    with app.app_context():
        db.session.add_all([CalendarYear(year=2031, source="test"), CalendarYear(year=2032, source="test")])
        db.session.commit()
    body = client.get("/healthz").get_json()
    assert body["calendar"]["next_year_covered"] is True and body["status"] == "ok"
