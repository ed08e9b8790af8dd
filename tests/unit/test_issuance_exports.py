"""The ZIP streams while it is built; extracts escape formulas."""
import io
import zipfile

from radiolic.extensions import db
from radiolic.issuance import exports
from radiolic.models import Licence
from tests.issuance_cases import get_case, issued_with_stations


def test_zip_yields_each_licence_as_it_is_rendered(app, make_case, make_user, monkeypatch):
    number = issued_with_stations(app, make_case, make_user, 12)
    rendered = []
    real = exports.render_licence
    monkeypatch.setattr(exports, "render_licence", lambda face: rendered.append(face.number) or real(face))
    with app.app_context():
        case_id = get_case(number).id
        # as if the archive job had not reached them yet (issued licences are archived at the act): rendered here
        from sqlalchemy import delete
        from radiolic.models import ArchivedDocument
        db.session.execute(delete(ArchivedDocument).where(ArchivedDocument.kind == "licence"))
        db.session.commit()
        stream = exports.zip_stream(exports.licence_rows(Licence.application_id == case_id, first=2, batch=5))
        first = next(chunk for chunk in stream if chunk)
        assert first.startswith(b"PK\x03\x04") and len(rendered) == 1     # first bytes after one PDF, not twelve
        data = first + b"".join(stream)
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert len(archive.namelist()) == 12 and archive.testzip() is None
    assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_STORED}


def test_cells_are_formula_escaped():
    assert [exports.cell(v) for v in ("=1+1", "+86", "-3", "@SUM", "清远", None, 1.5)] == [
        "'=1+1", "'+86", "'-3", "'@SUM", "清远", "", "1.5"]


def test_zip_with_two_render_processes_matches_in_process(app, make_case, make_user):
    issued_with_stations(app, make_case, make_user, 3)
    with app.app_context():
        one = b"".join(exports.zip_stream(exports.licence_rows(), processes=1))
        two = b"".join(exports.zip_stream(exports.licence_rows(), processes=2))
    assert one == two                    # rendering is deterministic wherever it runs
