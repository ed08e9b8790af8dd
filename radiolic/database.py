"""Engine set-up that the measured reliability rules require (reliability.md, Database).

Transactions on SQLite start in one of two modes:

- **read** (a plain deferred ``BEGIN``): GET/HEAD/OPTIONS requests, the public pages and the
  read-only API.  In WAL mode a reader never waits for the writer, so a public ``/verify`` keeps
  answering while an issuance of 20,000 licences holds the write lock.
- **write** (``BEGIN IMMEDIATE``): every other request, CLI commands and jobs.  A deferred
  transaction that reads and then writes fails at once with "database is locked" when another
  writer got in between, so anything that may write takes the lock up front.

A write request holds the lock only for its writes: slow work that comes first (parsing an
upload, hashing a password, rendering) runs inside ``reading()``, which ends the transaction the
request opened, runs the block in read mode and ends that read transaction too; the verb that
follows opens a fresh ``BEGIN IMMEDIATE`` and reloads what it touches under the lock.

On PostgreSQL readers never block either, and writers serialise through the advisory locks of
``serialise()``. A read there runs in autocommit: each statement sees its own snapshot, as it would in
the READ COMMITTED transaction it replaces, but without the BEGIN and ROLLBACK round trips, and psycopg
keeps the statements it has prepared (it forgets them all at every ROLLBACK, so every public page was
planned again on every request).
"""
from contextlib import contextmanager

from flask import g, has_app_context, has_request_context, request
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from .extensions import db

AUDIT_LOCK_KEY = 7260001   # pg advisory lock id serialising audit-chain appends
COUNTER_LOCK_KEY = 7260002

READ_METHODS = frozenset(("GET", "HEAD", "OPTIONS"))


def transaction_mode() -> str:
    """"read" or "write": how the next transaction on this app context starts."""
    if has_app_context():
        forced = g.get("_transaction_mode")
        if forced:
            return forced
    if has_request_context() and request.method in READ_METHODS:
        return "read"
    return "write"


def configure_engine(engine: Engine, busy_seconds: float = 15.0) -> None:
    """Give SQLite WAL, FULL sync, foreign keys, a busy timeout and the two transaction modes.

    A writer that waits longer than `busy_seconds` for the lock fails with "database is locked"; the web
    layer answers that with 503 and Retry-After (nothing was written)."""
    if engine.dialect.name == "postgresql":
        @event.listens_for(engine, "checkout")
        def _read_in_autocommit(dbapi_conn, _record, _proxy):
            if transaction_mode() == "read":
                dbapi_conn.autocommit = True

        @event.listens_for(engine, "checkin")
        def _back_to_transactions(dbapi_conn, _record):
            if dbapi_conn is not None and not dbapi_conn.closed and dbapi_conn.autocommit:
                dbapi_conn.autocommit = False
        return
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Take transaction control away from pysqlite so "begin" below decides how it starts.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON",
                       f"busy_timeout={int(busy_seconds * 1000)}"):
            cur.execute(f"PRAGMA {pragma}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN" if transaction_mode() == "read" else "BEGIN IMMEDIATE")


def end_transaction() -> None:
    """End the session's transaction; refuse if it holds unflushed or uncommitted changes."""
    session = db.session
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("reading() needs a session without pending changes")
    # Nothing was written: a rollback ends the transaction and expires the loaded objects, so the
    # next transaction reloads them (under the lock when it is a write).
    session.rollback()


@contextmanager
def reading():
    """Run the block in a read (deferred) transaction, outside any write lock; see the module doc."""
    end_transaction()
    previous = g.get("_transaction_mode")
    g._transaction_mode = "read"
    try:
        yield
    finally:
        db.session.rollback()
        if previous is None:
            g.pop("_transaction_mode", None)
        else:
            g._transaction_mode = previous


def serialise(lock_key: int) -> None:
    """Serialise this transaction against others taking the same key (PostgreSQL; SQLite already is)."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key})
