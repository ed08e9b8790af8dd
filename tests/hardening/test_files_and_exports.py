"""Issue 15, points 7 and 8: files created private; the formula guard covers full-width signs and controls."""
import os
import stat

import pytest

from radiolic.spreadsheets import formula_safe


@pytest.mark.parametrize("raw", ["=1+1", "+1", "-1", "@SUM(A1)", "＝1+1", "＋1", "－1", "＠SUM(A1)", "\t=1",
                                 "\r=1", "\x00=1", "\x1b=1", "\x85=1"])
def test_formula_starts_are_escaped(raw):
    assert formula_safe(raw) == "'" + raw


@pytest.mark.parametrize("value", ["李建华", "2024-01-01", "", 12, None, "a=b", "SQ-1"])
def test_other_cells_pass_unchanged(value):
    assert formula_safe(value) == value


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_files_the_app_creates_are_private(tmp_path, database_template):
    """Database, WAL/SHM, keys, uploads and backups: mode 0600 (umask 077 set at start-up)."""
    if not database_template.startswith("sqlite"):
        pytest.skip("the file modes are those of the SQLite files")
    from radiolic import create_app
    from radiolic.extensions import db
    from radiolic.issuance.sealing import signing_key
    from tests.conftest import base_config
    old = os.umask(0o022)
    try:
        legacy = tmp_path / "old.sqlite"
        legacy.write_bytes(b"")
        os.chmod(legacy, 0o644)
        create_app(base_config(f"sqlite:///{legacy}", tmp_path))
        assert _mode(legacy) == 0o600                     # an existing 0644 database is tightened at start-up
        os.umask(0o022)
        path = tmp_path / "fresh.sqlite"
        app = create_app(base_config(f"sqlite:///{path}", tmp_path))
        with app.app_context():
            db.create_all()
            db.session.execute(db.text("CREATE TABLE t (x int)"))
            db.session.commit()
            assert os.path.exists(f"{path}-wal")
            for name in (path, f"{path}-wal", f"{path}-shm"):
                assert _mode(name) == 0o600, name
            signing_key()
            assert _mode(tmp_path / "signing_key.pem") == 0o600
            upload = tmp_path / "uploads" / "x.pdf"
            upload.parent.mkdir(exist_ok=True)
            upload.write_bytes(b"%PDF")
            assert _mode(upload) == 0o600
            runner = app.test_cli_runner()
            result = runner.invoke(args=["backup", str(tmp_path / "backup.sqlite")])
            assert result.exit_code == 0, result.output
            assert _mode(tmp_path / "backup.sqlite") == 0o600
            db.engine.dispose()
    finally:
        os.umask(old)
