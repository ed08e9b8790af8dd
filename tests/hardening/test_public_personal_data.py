"""Issue 15, point 9: no public response of the demo year carries a natural person's name, ID or phone."""
import pytest
from sqlalchemy import select

from radiolic.extensions import db
from radiolic.models import Applicant, Licence


@pytest.fixture(scope="module")
def demo(demo_year_app):
    return demo_year_app


def _secrets(app) -> tuple[list[str], list[str]]:
    with app.app_context():
        people = db.session.scalars(select(Applicant).where(Applicant.kind == "person")).all()
        secrets = [s for p in people for s in (p.name, p.id_code, p.phone) if s]
        codes = db.session.scalars(select(Licence.verify_code).join(Applicant, Licence.applicant_id == Applicant.id)
                                   .where(Applicant.kind == "person")).all()
        other = db.session.scalars(select(Licence.verify_code).join(Applicant, Licence.applicant_id == Applicant.id)
                                   .where(Applicant.kind == "organisation").limit(20)).all()
    return secrets, codes + other


@pytest.mark.slow
def test_no_public_response_names_a_person(demo):
    secrets, codes = _secrets(demo)
    assert len(secrets) >= 12 and len(codes) >= 6
    client = demo.test_client()
    urls = ["/", "/register", "/register?station_type=amateur", "/register.csv", "/register.csv?station_type=amateur",
            "/status", "/apply", "/verify/public-key", "/api/v1/openapi.json"]
    total = client.get("/register").get_data(as_text=True)
    urls += [f"/verify/{code}" for code in codes] + [f"/api/v1/public/licences/{code}" for code in codes]
    checked = 0
    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, url
        body = response.get_data(as_text=True)
        if response.is_json:
            import json
            body += json.dumps(response.get_json(), ensure_ascii=False)
        leaked = [s for s in secrets if s in body]
        assert not leaked, (url, leaked)
        checked += 1
    for name in secrets[::3]:     # a person is never found by name (the page only echoes the search box)
        assert "有效证照 0 份" in client.get(f"/register?holder={name}").get_data(as_text=True)
    amateur = client.get("/register?station_type=amateur").get_data(as_text=True)
    assert "的业余" in amateur and total
    assert checked == len(urls)
