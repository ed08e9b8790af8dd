"""The huey instance: SQLite storage in instance/ by default, Redis when RADIOLIC_REDIS_URL is set.

It is built at import time (the consumer imports it by name: ``huey_consumer radiolic.jobs.worker.huey``),
so it reads its settings from the environment, not from the Flask config:

- ``RADIOLIC_REDIS_URL``   redis://host:6379/0 — use Redis (several hosts, or heavy use);
- ``RADIOLIC_JOBS_QUEUE``  path of the SQLite queue file (default instance/jobs-queue.sqlite);
- ``RADIOLIC_JOBS_IMMEDIATE=true``  run each job inside the call that enqueues it (tests, one-off scripts).
"""
import os

from huey import RedisHuey, SqliteHuey
from huey.storage import RedisStorage, SqliteStorage

from .. import ROOT

NAME = "radiolic"


def _default_queue_file() -> str:
    folder = ROOT / "instance"
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder / "jobs-queue.sqlite")


def make_huey():
    immediate = os.environ.get("RADIOLIC_JOBS_IMMEDIATE", "").lower() == "true"
    url = os.environ.get("RADIOLIC_REDIS_URL")
    if url:
        return RedisHuey(NAME, url=url, results=False, utc=True, immediate=immediate)
    # timeout: SQLite's busy timeout for the queue file (several gunicorn workers enqueue at once).
    return SqliteHuey(NAME, filename=os.environ.get("RADIOLIC_JOBS_QUEUE") or _default_queue_file(),
                      results=False, utc=True, immediate=immediate, timeout=15)


huey = make_huey()


def use_storage(*, sqlite_path: str | None = None, redis_url: str | None = None) -> None:
    """Point the queue at another store (tests: a temporary file, or a Redis database)."""
    huey.immediate = False
    if redis_url:
        huey.storage_class = RedisStorage
        huey.storage_kwargs = {"url": redis_url}
    else:
        huey.storage_class = SqliteStorage
        huey.storage_kwargs = {"filename": sqlite_path or _default_queue_file(), "timeout": 15}
    huey.storage = huey.create_storage()


def storage_kind() -> str:
    return "redis" if isinstance(huey.storage, RedisStorage) else (
        "sqlite" if isinstance(huey.storage, SqliteStorage) else type(huey.storage).__name__)


def reachable() -> bool:
    """Whether the queue's store answers (for /healthz)."""
    try:
        huey.storage.queue_size()
    except Exception:
        return False
    return True
