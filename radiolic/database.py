"""Engine set-up that the measured reliability rules require (reliability.md, Database)."""
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from .extensions import db

AUDIT_LOCK_KEY = 7260001   # pg advisory lock id serialising audit-chain appends
COUNTER_LOCK_KEY = 7260002


def configure_engine(engine: Engine) -> None:
    """Give SQLite WAL, FULL sync, foreign keys, a busy timeout and BEGIN IMMEDIATE."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Take transaction control away from pysqlite so "begin" below decides how it starts.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=15000"):
            cur.execute(f"PRAGMA {pragma}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # A deferred transaction that reads then writes fails at once with "database is locked".
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def serialise(lock_key: int) -> None:
    """Serialise this transaction against others taking the same key (PostgreSQL; SQLite already is)."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key})


def is_sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"
