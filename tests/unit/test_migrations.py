"""The Alembic migrations build exactly the schema the models describe (SQLite, and PostgreSQL when tested there)."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from radiolic import create_app
from radiolic.extensions import db

from ..conftest import PG_URL, _worker, base_config, create_pg_database, db_prefix


def _empty_database(tmp_path) -> str:
    if not PG_URL:
        return f"sqlite:///{tmp_path / 'migrated.sqlite'}"
    return create_pg_database(f"{db_prefix()}_migrate_{_worker()}")


def test_migrations_match_the_models(tmp_path):
    app = create_app(base_config(_empty_database(tmp_path), tmp_path))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), db.metadata)
        db.engine.dispose()
    assert diff == []
