"""A licence as the public sees it: found by its verification code, its public view, its PDF as issued.

Shared by the issuance pages (/verify), the status lookup (the applicant's download) and the API.
"""
from datetime import date

from flask import Response, abort
from sqlalchemy import select
from sqlalchemy.orm import aliased, joinedload

from . import disclosure, instruments
from .archive import ArchiveError
from .extensions import db
from .identifiers import mask_id
from .issuance.sealing import check, face_hash
from .licence_face import face_fields, live_status
from .models import Event, Licence
from .office_date import today
from .vocabulary import LicenceKind, LicenceStatus, StationType


def pdf_download(lic: Licence, *, archive_missing: bool = False) -> Response:
    """The licence's PDF as issued: the archived bytes, read-only. Not archived yet (the archive job of a large issue
    has not reached it): 503 with a page that retries by itself; a write request (`archive_missing`, e.g. printing)
    archives it now instead."""
    try:
        if archive_missing:
            data = instruments.archive_licence(lic, today())
            db.session.commit()
        else:
            data = instruments.licence_pdf(lic)
    except instruments.NotArchived:
        return instruments.pending_response()
    except ArchiveError as err:
        db.session.rollback()
        abort(409, description=str(err))
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f"attachment; filename={lic.number}.pdf"})


_SUCCESSOR = aliased(Licence)


def find_for_verification(code: str) -> tuple[Licence, str | None, Event | None] | None:
    """The licence of a verification code with its holder, station, successor's number and the event that set
    its status (which its seal names): one query."""
    row = db.session.execute(
        select(Licence, _SUCCESSOR.number, Event).outerjoin(_SUCCESSOR, _SUCCESSOR.id == Licence.superseded_by_id)
        .outerjoin(Event, Event.hash == Licence.status_event_hash)
        .options(joinedload(Licence.applicant), joinedload(Licence.station))
        .where(Licence.verify_code == code.strip().upper()[:40])).first()
    return None if row is None else (row[0], row[1], row[2])


_UNKNOWN = object()


def public_view(lic: Licence, on: date, successor_number=_UNKNOWN, status_event: Event | None = None) -> dict:
    """What anyone holding the code may see: live status, masked holder, the hash to compare.

    `successor_number` comes from find_for_verification(); without it the successor is looked up.
    """
    a = lic.applicant
    person = disclosure.person_of(a.kind, lic.holder_name, lic.holder_code, a.phone)
    station_type = StationType.text_of(lic.station.station_type, "") if lic.station is not None else ""
    fields = list(disclosure.mask(dict(face_fields(lic, lic.station)), person, station_type=station_type).items())
    shown = disclosure.mask({"holder": lic.holder_name, "holder_code": mask_id(lic.holder_code)}, person)
    if successor_number is _UNKNOWN:
        successor = db.session.get(Licence, lic.superseded_by_id) if lic.superseded_by_id else None
        successor_number = successor.number if successor else None
    result, status = check(lic, event=status_event), live_status(lic, on)
    renewal = None
    if lic.status == "valid" and lic.valid_until < on:
        from .workflow.renewals import renewal_pending
        pending = renewal_pending(lic)
        if pending is not None:     # Art. 50 ¶2: valid until the renewal applied for in time is decided
            status, renewal = "valid", {"number": pending.number, "received_on": pending.received_on}
    return {
        "renewal_pending": renewal,
        "verify_code": lic.verify_code, "number": lic.number, "kind": lic.kind, "kind_name": LicenceKind.text_of(lic.kind),
        "format": lic.format, "status": status, "status_name": LicenceStatus.text_of(status),
        "status_changed_on": lic.status_changed_on, "holder": shown["holder"],
        "holder_code": shown["holder_code"], "issued_on": lic.issued_on, "valid_from": lic.valid_from,
        "valid_until": lic.valid_until, "office": lic.office, "content_hash": lic.content_hash,
        "face_hash": face_hash(lic, lic.station),
        "signature": lic.signature or None, "e_identifier": lic.e_identifier, "record_intact": result.hash_matches,
        "signature_valid": result.signature_valid, "superseded_by": successor_number,
        "fields": fields, "key_id": lic.key_id, "status_event_hash": lic.status_event_hash,
        # record_check: "intact" only when the row, its seal's signature and the event that set its status agree;
        # otherwise "failed" (记录校验失败) and the status shown must not be relied on.
        "events_match": result.event_matches, "record_check": "intact" if result.ok else "failed",
        "record_problems": list(result.problems),
    }
