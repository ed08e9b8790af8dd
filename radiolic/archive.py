"""Instruments archived as issued: bytes stored once under the archive folder, named by their SHA-256.

`store(kind, ref, data, case=..., on=...)` keeps a document (in the caller's transaction: the file is written
at once, the row with the caller's commit; an orphan file after a rollback is harmless and never served);
`fetch(kind, ref)` gives the current bytes (None when not archived); a second `store` for the same instrument
with different bytes is a re-issue: a new row that supersedes the old one, whose file is kept.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from .extensions import db
from .models import Application, ArchivedDocument


class ArchiveError(Exception):
    """An archived file is missing or no longer matches its recorded SHA-256."""


def folder() -> Path:
    return Path(current_app.config["ARCHIVE_FOLDER"])


def path_of(sha256: str) -> Path:
    """Where the bytes with this SHA-256 live: archive/ab/abcdef….pdf (two-level fan-out)."""
    return folder() / sha256[:2] / f"{sha256}.pdf"


def write_file(data: bytes, sync: bool = True) -> str:
    """Write `data` under its SHA-256 (once: an existing file with that name is left alone); return the hash.

    `sync=False` leaves flushing to the caller (a batch syncs once before it commits: see store_many)."""
    digest = hashlib.sha256(data).hexdigest()
    target = path_of(digest)
    if target.exists() and target.stat().st_size == len(data):
        return digest
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, temp = tempfile.mkstemp(prefix=".arch-", dir=target.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if sync:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
    return digest


def current(kind: str, ref: str) -> ArchivedDocument | None:
    """The instrument's archived document in force (the newest not superseded)."""
    return db.session.scalar(select(ArchivedDocument).where(
        ArchivedDocument.kind == kind, ArchivedDocument.ref == ref, ArchivedDocument.superseded_by_id.is_(None))
        .order_by(ArchivedDocument.id.desc()).limit(1))


def store(kind: str, ref: str, data: bytes, *, case: Application | None = None, on: date,
          filename: str | None = None) -> ArchivedDocument:
    """Archive `data` as instrument (kind, ref); identical bytes already in force are kept as they are."""
    digest = write_file(data)
    existing = current(kind, ref)
    if existing is not None and existing.sha256 == digest:
        return existing
    doc = ArchivedDocument(kind=kind, ref=ref, application_id=case.id if case is not None else None, sha256=digest,
                           size=len(data), filename=filename or f"{ref}-{kind}.pdf", on=on)
    db.session.add(doc)
    db.session.flush()
    if existing is not None:
        existing.superseded_by_id = doc.id
    return doc


def store_many(kind: str, items: list[tuple[str, bytes, int | None, str]], *, on: date) -> int:
    """Archive many instruments of one kind at once: (ref, bytes, application_id, filename) each (first issue)."""
    rows = []
    for ref, data, application_id, filename in items:
        digest = write_file(data, sync=False)
        rows.append({"kind": kind, "ref": ref, "application_id": application_id, "sha256": digest,
                     "size": len(data), "filename": filename, "on": on})
    if rows:
        os.sync()           # every file of the batch on disk before the rows that name them can commit
        db.session.execute(ArchivedDocument.__table__.insert(), rows)
    return len(rows)


def read(doc: ArchivedDocument) -> bytes:
    """The archived bytes, checked against the recorded SHA-256 (ArchiveError when missing or changed)."""
    target = path_of(doc.sha256)
    try:
        data = target.read_bytes()
    except FileNotFoundError:
        raise ArchiveError(f"存档文件缺失：{doc.kind} {doc.ref}（{doc.sha256}）") from None
    if hashlib.sha256(data).hexdigest() != doc.sha256:
        raise ArchiveError(f"存档文件与登记的 SHA-256 不一致：{doc.kind} {doc.ref}")
    return data


def fetch(kind: str, ref: str) -> bytes | None:
    """The bytes of the instrument in force, or None when it was never archived."""
    doc = current(kind, ref)
    return read(doc) if doc is not None else None


@dataclass
class FileProblem:
    doc_id: int
    kind: str
    ref: str
    message: str


def verify_files(batch: int = 2000):
    """Yield a FileProblem for every archived document whose file is missing or differs from its hash."""
    last = 0
    while True:
        docs = db.session.execute(select(ArchivedDocument.id, ArchivedDocument.kind, ArchivedDocument.ref,
                                         ArchivedDocument.sha256).where(ArchivedDocument.id > last)
                                  .order_by(ArchivedDocument.id).limit(batch)).all()
        if not docs:
            return
        for doc_id, kind, ref, sha in docs:
            target = path_of(sha)
            if not target.exists():
                yield FileProblem(doc_id, kind, ref, "存档文件缺失")
            else:
                digest = hashlib.sha256()
                with open(target, "rb") as handle:
                    for chunk in iter(lambda: handle.read(1 << 20), b""):
                        digest.update(chunk)
                if digest.hexdigest() != sha:
                    yield FileProblem(doc_id, kind, ref, "存档文件与登记的 SHA-256 不一致")
            last = doc_id
