"""Whole-record verification (`audit verify`) and signed checkpoints of the event chain (`audit checkpoint`).

`verify_all()` checks: the event chain from its genesis; every checkpoint (its signature, and that the chain
still has exactly that many events up to that id ending in that hash: rewriting or truncating history before
the last checkpoint is caught); every licence (its row against its seal, its signature, and the event that set
its status); every archived document (its file against its recorded SHA-256).

`create_checkpoint(on)` is the plain function a daily job calls (the caller commits).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from . import archive
from .documents import sign, verify_with
from .extensions import db
from .issuance.sealing import check, current_key_id, public_keys, signing_key
from .models import Checkpoint, Event, Licence
from .workflow.core import GENESIS, event_digest


def checkpoint_digest(on: date, event_count: int, last_event_id: int, head_hash: str) -> str:
    """SHA-256 of the statement a checkpoint signs."""
    statement = f"radiolic-checkpoint|{on.isoformat()}|{event_count}|{last_event_id}|{head_hash}"
    return hashlib.sha256(statement.encode("ascii")).hexdigest()


def create_checkpoint(on: date) -> Checkpoint:
    """Sign (date, event count, head hash) with the office key and keep it; the caller commits."""
    count, last_id = db.session.execute(select(func.count(Event.id), func.max(Event.id))).one()
    head = db.session.scalar(select(Event.hash).where(Event.id == last_id)) if last_id else GENESIS
    digest = checkpoint_digest(on, count, last_id or 0, head)
    point = Checkpoint(on=on, event_count=count, last_event_id=last_id or 0, head_hash=head,
                       key_id=current_key_id(), signature=sign(signing_key(), digest))
    db.session.add(point)
    db.session.flush()
    return point


def daily_checkpoint(on: date) -> Checkpoint | None:
    """The daily job's step: a checkpoint for `on` unless one with the same head exists (caller commits)."""
    last = db.session.scalar(select(Checkpoint).order_by(Checkpoint.id.desc()).limit(1))
    head = db.session.scalar(select(Event.hash).order_by(Event.id.desc()).limit(1)) or GENESIS
    if last is not None and last.on == on and last.head_hash == head:
        return None
    return create_checkpoint(on)


def checkpoint_rows() -> list[dict]:
    """Every checkpoint as plain data (the public page and its export)."""
    return [{"id": p.id, "date": p.on.isoformat(), "at": p.at.isoformat(timespec="seconds") + "Z",
             "event_count": p.event_count, "last_event_id": p.last_event_id, "head_hash": p.head_hash,
             "key_id": p.key_id, "signature": p.signature,
             "signed_digest": checkpoint_digest(p.on, p.event_count, p.last_event_id, p.head_hash)}
            for p in db.session.scalars(select(Checkpoint).order_by(Checkpoint.id))]


@dataclass
class Report:
    events: int = 0
    licences: int = 0
    documents: int = 0
    checkpoints: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def verify_events(report: Report, batch: int = 5000) -> dict[int, tuple[int, str]]:
    """Walk the chain; every break is a failure. Returns {event id: (position, hash)} for checkpoint checks."""
    prev, position, last_id = GENESIS, 0, 0
    marks: dict[int, tuple[int, str]] = {}
    wanted = set(db.session.scalars(select(Checkpoint.last_event_id)))
    while True:
        rows = db.session.scalars(select(Event).where(Event.id > last_id).order_by(Event.id).limit(batch)).all()
        if not rows:
            break
        for e in rows:
            position += 1
            if e.prev_hash != prev:
                report.failures.append(f"事件 #{e.id}：前一哈希与链不符（其前的事件被改动、删除或插入）")
            elif event_digest(prev, e) != e.hash:
                report.failures.append(f"事件 #{e.id}：内容与其哈希不符（事件被改动）")
            if e.id in wanted:
                marks[e.id] = (position, e.hash)
            prev, last_id = e.hash, e.id
    report.events = position
    return marks


def verify_checkpoints(report: Report, marks: dict[int, tuple[int, str]]) -> None:
    keys = public_keys()
    for p in db.session.scalars(select(Checkpoint).order_by(Checkpoint.id)):
        report.checkpoints += 1
        label = f"检查点 #{p.id}（{p.on.isoformat()}，{p.event_count} 条事件）"
        public = keys.get(p.key_id)
        digest = checkpoint_digest(p.on, p.event_count, p.last_event_id, p.head_hash)
        if public is None or not verify_with(public, digest, p.signature):
            report.failures.append(f"{label}：签名无效")
            continue
        if p.last_event_id == 0:
            continue
        mark = marks.get(p.last_event_id)
        if mark is None:
            report.failures.append(f"{label}：事件 #{p.last_event_id} 已不存在（历史被截断）")
        elif mark[1] != p.head_hash:
            report.failures.append(f"{label}：事件 #{p.last_event_id} 的哈希与检查点不符（历史被改写）")
        elif mark[0] != p.event_count:
            report.failures.append(f"{label}：至事件 #{p.last_event_id} 现有 {mark[0]} 条事件，检查点记为 "
                                   f"{p.event_count} 条（历史被删改）")


def verify_licences(report: Report, batch: int = 2000) -> None:
    keys, last = public_keys(), 0
    while True:
        rows = db.session.scalars(select(Licence).where(Licence.id > last).order_by(Licence.id).limit(batch)
                                  .options(selectinload(Licence.station))).all()
        if not rows:
            return
        hashes = {lic.status_event_hash for lic in rows if lic.status_event_hash}
        events = {e.hash: e for e in db.session.scalars(select(Event).where(Event.hash.in_(hashes)))} if hashes else {}
        for lic in rows:
            result = check(lic, events.get(lic.status_event_hash), keys)
            if not result.ok:
                report.failures.append(f"证照 {lic.number}：" + "；".join(result.problems))
            last = lic.id
        report.licences += len(rows)
        db.session.expunge_all()


def verify_documents(report: Report) -> None:
    from .models import ArchivedDocument
    report.documents = db.session.scalar(select(func.count(ArchivedDocument.id))) or 0
    for problem in archive.verify_files():
        report.failures.append(f"存档文书 #{problem.doc_id}（{problem.kind} {problem.ref}）：{problem.message}")


def verify_all() -> Report:
    report = Report()
    marks = verify_events(report)
    verify_checkpoints(report, marks)
    verify_licences(report)
    verify_documents(report)
    return report
