"""A licence's register seal: the canonical record its hash and Ed25519 signature cover, the office's keys,
sealing at issue (a large batch in worker processes), checking a stored licence against its seal and the event
that set its status, and the codes and identifiers a licence gets at issue.

Issuing, rendering and verification all go through `record_of`, so a PDF rendered today, a
verification next year and the hash stored at issue describe the same content (the printed face itself:
`licence_face.py`).
"""
from __future__ import annotations

import binascii
import functools
import hashlib
import json
import os
import secrets
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from itertools import repeat
from json.encoder import encode_basestring as _encode_string
from math import isfinite as _isfinite
from multiprocessing import get_context
from operator import eq, is_, itemgetter

from flask import current_app, has_app_context

from sqlalchemy import select

from ..documents.signing import _json_default
from ..documents import content_hash, key_id_of, load_or_create_key, load_public_key, public_key_pem, sign, verify_with
from ..extensions import db
from ..texts import N_
from ..identifiers import e_licence_identifier, mod37_36_check_char, mod37_36_state

# e-licence type codes (the {type} part of 1.2.156.3005.2.{type}.…)
E_TYPE_CODES = {"frequency_permit": "WXPL", "station_licence": "WXDT"}

STATION_COLUMNS = ("station_name", "station_type", "address", "longitude", "latitude", "altitude_m", "tx_mhz",
                   "rx_mhz", "bandwidth_khz", "emission", "power_w", "antenna_gain_dbi", "antenna_height_m",
                   "azimuth_deg", "equipment_model", "type_approval_code", "call_sign")
PERMIT_COLUMNS = ("frequencies", "use", "area", "usage_rate")
COMMON_COLUMNS = ("kind", "number", "format", "holder_name", "holder_code", "office", "issued_on", "valid_from",
                  "valid_until", "verify_code", "e_identifier", "conditions")
# What the seal covers beyond the printed face: the status, the link to the event that set it (whose hash
# chains every earlier event), the seal it replaced (so each seal covers the licence's whole status history),
# the licences it replaces or is replaced by, and the id of the key that signed it.
SEAL_COLUMNS = ("status", "status_changed_on", "status_reason", "supersedes_id", "superseded_by_id",
                "status_event_hash", "previous_seal", "key_id")
# What a failed check reports (shown translated on the staff and public pages).
CHECK_PROBLEMS = {"hash": N_("登记记录与封签摘要不一致"), "signature": N_("封签签名无效"), "key": N_("封签密钥未知"),
                  "event": N_("状态事件缺失或被改动"), "event_fit": N_("状态与审计事件不符")}
# Which events may set each status (the licence's status_event_hash must name one of these).
STATUS_ACTIONS = {"valid": ("issue", "restore_licence"), "revoked": ("revoke_licence",),
                  "cancelled": ("cancel_licence",), "expired": ("expire_licences",),
                  "superseded": ("supersede_licences",)}


def value_of(obj, name: str):
    """A column's value from a row (a dict) or a stored object alike."""
    return obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name)


def _values(obj, names) -> dict:
    if type(obj) is dict or isinstance(obj, Mapping):      # a plain dict first: the ABC check costs per call
        return {name: obj[name] for name in names}
    return {name: getattr(obj, name) for name in names}


def record_of(licence, station=None, sealed: bool = True) -> dict:
    """The canonical content of a licence from its stored columns (and its station's), as plain data.

    `sealed=False` gives the face alone (what is printed, fixed at issue): its hash is the one a PDF prints.
    """
    record = _values(licence, COMMON_COLUMNS)
    if sealed:
        record.update(_values(licence, SEAL_COLUMNS))
    if record["kind"] == "frequency_permit":
        record.update(_values(licence, PERMIT_COLUMNS))
    else:
        record["station"] = _values(station, STATION_COLUMNS)
    return record


VERIFY_CODE_LENGTH = 26      # base32 characters: 130 random bits


def new_verify_codes(n: int) -> list[str]:
    """`n` codes of 26 random base32 letters and digits (130 bits from the OS CSPRNG; easy to read out).

    One C call for the whole batch (base64.b32encode is pure Python: per-call cost dominated).
    """
    chars = VERIFY_CODE_LENGTH * n
    # One random byte per character, its low 5 bits picking the letter (256 = 8 × 32: every letter equally
    # likely, 5 random bits each): the same codes base32 gives, in one C call rather than a Python loop.
    text = secrets.token_bytes(chars).translate(_BASE32_OF_BYTE).decode("ascii")
    return [text[i:i + VERIFY_CODE_LENGTH] for i in range(0, chars, VERIFY_CODE_LENGTH)]


_BASE32_OF_BYTE = bytes(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[i % 32] for i in range(256))


def e_identifier(kind: str, number: str, issuer: str | None = None) -> str:
    return _e_identifier(E_TYPE_CODES[kind], issuer or current_app.config["OFFICE_USCC"], number.replace("-", ""))


@functools.lru_cache(maxsize=64)
def _e_identifier_prefix(type_code: str, issuer: str) -> tuple[str, int]:
    """The fixed part of a batch's identifiers (validated by identifiers.e_licence_identifier) and its check state."""
    prefix = e_licence_identifier(type_code, issuer, "0").rsplit(".", 3)[0]
    return prefix, mod37_36_state(prefix.replace(".", ""))


@functools.lru_cache(maxsize=256)
def _serial_head_state(type_code: str, issuer: str, head: str) -> int:
    return mod37_36_state(head, _e_identifier_prefix(type_code, issuer)[1])


def _e_identifier(type_code: str, issuer: str, serial: str) -> str:
    # ISO 7064 MOD 37,36 runs left to right, so the state after the fixed prefix is computed once per batch:
    # the full check over ~50 characters was a third of a 20,000-licence batch's issuing time.
    # The serials of a batch differ in their last digits: the state after the rest is kept too.
    head = _serial_head_state(type_code, issuer, serial[:-4])
    check = mod37_36_check_char(mod37_36_state(serial[-4:] + "1", head))
    return f"{_e_identifier_prefix(type_code, issuer)[0]}.{serial}.1.{check}"


@functools.lru_cache(maxsize=4)
def _key(path: str):
    return load_or_create_key(path)


def signing_key():
    """The office's Ed25519 key from the instance folder (created on first use)."""
    return _key(current_app.config["SIGNING_KEY_PATH"])


def public_key() -> str:
    return public_key_pem(signing_key())


def current_key_id() -> str:
    return key_id_of(signing_key())


def public_keys() -> dict:
    """Every public key a seal may name: the current one and the retired ones kept for verification."""
    return _public_keys(current_app.config["SIGNING_KEY_PATH"], _retired_listing())


def _retired_listing() -> tuple:
    folder = current_app.config.get("RETIRED_KEYS_DIR") or ""
    if not folder or not os.path.isdir(folder):
        return ()
    return tuple(sorted((name, os.path.getmtime(os.path.join(folder, name))) for name in os.listdir(folder)
                        if name.endswith(".pem")))


@functools.lru_cache(maxsize=8)
def _public_keys(path: str, retired: tuple) -> dict:
    keys = {}
    folder = current_app.config.get("RETIRED_KEYS_DIR") or ""
    for name, _mtime in retired:
        with open(os.path.join(folder, name), "rb") as handle:
            public = load_public_key(handle.read())
        if public is not None:
            keys[key_id_of(public)] = public
    current = _key(path).public_key()
    keys[key_id_of(current)] = current
    return keys


def face_hash(licence, station=None) -> str:
    """SHA-256 of the printed face (never changes after issue; the seal's hash also covers the status)."""
    return content_hash(record_of(licence, station, sealed=False))


def seal(row: dict, station=None, key=None, key_id: str | None = None) -> None:
    """Set the key id, content hash and signature of a licence row (paper and electronic alike)."""
    key = key or signing_key()
    row["key_id"] = key_id or key_id_of(key)
    digest = content_hash(_dates_as_text(record_of(row, station)))
    row["content_hash"] = digest
    row["signature"] = sign(key, digest)


def _dates_as_text(record: dict) -> dict:
    """The record with its dates as the ISO text the canonical JSON writes for them (the same bytes, without
    the encoder calling back into Python for each date)."""
    for name in ("issued_on", "valid_from", "valid_until", "status_changed_on"):
        value = record.get(name)
        if isinstance(value, date):
            record[name] = value.isoformat()
    return record


# ---- a batch's canonical JSON from a template ----------------------------------------------------------------------
#
# Every record of a batch has the same keys, and many values are the same for the whole batch (holder, office,
# dates, kind, format, key id...). The canonical JSON (sorted keys, no whitespace, ensure_ascii=False) of such a
# batch is a fixed text with the varying values spliced in: the template is written once, by the canonical
# encoder itself, and each record encodes only its varying values, each exactly as that encoder writes it.
# tests/unit/test_seal_template.py compares the bytes with `content_hash(record_of(...))`.

_ENCODE = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_json_default,
                           allow_nan=False).encode
_float_repr, _int_repr = float.__repr__, int.__repr__
# A value shared by the whole batch: the same object in every record, or (types whose equality implies the same
# JSON text) an equal value of the same type.
_SHARED_BY_EQUALITY = (str, int, bool, date, type(None))
TEMPLATE_MIN = 64         # smaller batches: the template's planning would cost more than it saves


def _json_scalar(value) -> str:
    """One value as the canonical encoder writes it inside a record (compact, so context-free)."""
    kind = type(value)
    if kind is str:
        return _encode_string(value)
    if value is None:
        return "null"
    if kind is int:
        return _int_repr(value)
    if kind is float and _isfinite(value):
        return _float_repr(value)
    if kind is date:
        return f'"{value.isoformat()}"'
    return _ENCODE(value)        # anything else (datetimes, decimals, NaN refused...) exactly as the encoder does


def _column(values: tuple):
    """How a batch's column goes into the template: ("shared", its JSON) when every value encodes as the first
    one does, else ("vary", the fastest encoder that writes each value exactly as the canonical encoder does)."""
    first = values[0]
    kinds = set(map(type, values))
    if len(kinds) == 1:
        kind = type(first)
        if kind is float:
            # Equal non-zero finite floats are the same double, so the same text; 0.0 == -0.0 is not.
            by_equality = first != 0.0 and _isfinite(first)
        else:
            by_equality = kind in _SHARED_BY_EQUALITY
        if all(map(eq if by_equality else is_, values, repeat(first))):
            return "shared", _ENCODE(first)
        if kind is str:
            return "vary", _encode_string
        if kind is int:
            return "vary", _int_repr
        if kind is float and all(map(_isfinite, values)):
            return "vary", _float_repr
    return "vary", _json_scalar


def batch_canonical(pairs: list, kid: str):
    """For a batch of (row, station) of one kind (rows as dicts; stations as dicts), each pair's canonical JSON
    text, with the rows' key id set to `kid`; None when the batch does not fit a template (mixed kinds, objects,
    small batches): then `seal` encodes each record in turn.

    The varying values are encoded column by column (C functions mapped over a column, for strings and
    numbers) and spliced into the template with one `%` per record: no Python code runs per record."""
    if len(pairs) < TEMPLATE_MIN:
        return None
    rows = [row for row, _ in pairs]
    if set(map(type, rows)) != {dict}:
        return None
    kinds = set(map(itemgetter("kind"), rows))
    if len(kinds) != 1:
        return None
    permit = kinds == {"frequency_permit"}
    top = sorted(COMMON_COLUMNS + SEAL_COLUMNS + (PERMIT_COLUMNS if permit else ("station",)))
    names = [name for name in top if name not in ("station", "key_id")]
    columns = dict(zip(names, zip(*map(itemgetter(*names), rows))))
    if not permit:
        stations = [station for _, station in pairs]
        if set(map(type, stations)) != {dict}:
            return None
        inner_names = sorted(STATION_COLUMNS)
        inner_columns = dict(zip(inner_names, zip(*map(itemgetter(*inner_names), stations))))
    parts, varying = ["{"], []           # varying: (encoder, the column's values) in the template's order
    for i, name in enumerate(top):
        parts.append(("," if i else "") + _encode_string(name) + ":")
        if name == "station":
            parts.append("{")
            for j, column in enumerate(inner_names):
                parts.append(("," if j else "") + _encode_string(column) + ":")
                how, what = _column(inner_columns[column])
                parts.append(what if how == "shared" else None)
                if how == "vary":
                    varying.append((what, inner_columns[column]))
            parts.append("}")
            continue
        how, what = ("shared", _ENCODE(kid)) if name == "key_id" else _column(columns[name])
        parts.append(what if how == "shared" else None)
        if how == "vary":
            varying.append((what, columns[name]))
    parts.append("}")
    template = "".join("%s" if part is None else part.replace("%", "%%") for part in parts)
    if not varying:
        return [template % ()] * len(pairs)
    return list(map(template.__mod__, zip(*(map(encoder, values) for encoder, values in varying))))


def _seal_with(pairs: list, texts: list, key, kid: str) -> None:
    """Seal pairs in place from their canonical texts: the same hash and signature `seal` gives, less work."""
    sha256, sign_with, b64 = hashlib.sha256, key.sign, binascii.b2a_base64
    for (row, _station), text in zip(pairs, texts):
        digest = sha256(text.encode("utf-8")).hexdigest()
        row["key_id"], row["content_hash"] = kid, digest
        row["signature"] = b64(sign_with(digest.encode("ascii")), newline=False).decode("ascii")


def _seal_pairs(pairs: list, texts, key, kid: str, start: int = 0) -> None:
    """Seal `pairs` (the batch's from `start` on), from the batch's texts if it has them."""
    if texts is None:
        for row, station in pairs:
            seal(row, station, key, kid)
    else:
        _seal_with(pairs, texts[start:start + len(pairs)], key, kid)


# Sealing is CPU-bound (JSON, SHA-256, Ed25519): a large batch may be shared with forked worker processes.
PARALLEL_SEAL_MIN = 4000
PARALLEL_CHUNK = 1000     # rows per task of a worker: the parent takes them back in order, as they are done
_fork_key = None     # what the forked workers inherit: the signing key, its id, the batch and its texts
_fork_kid = ""
_fork_text = None
_fork_pairs: list = []


def _seal_range(start: int, stop: int) -> list[tuple[str, str]]:
    """In a worker: seal rows [start, stop) of the inherited batch; only the hashes and signatures go back."""
    part = _fork_pairs[start:stop]
    _seal_pairs(part, _fork_text, _fork_key, _fork_kid, start)
    return [(row["content_hash"], row["signature"]) for row, _station in part]


def parent_share(processes: int) -> float:
    """The part of a parallel batch the issuing process seals itself: less than an equal share, as it also
    writes the sealed rows while the workers sign (SEAL_PARENT_SHARE overrides)."""
    configured = current_app.config.get("SEAL_PARENT_SHARE") if has_app_context() else None
    if configured:
        return float(configured)
    return 0.25 if processes == 2 else 1 / processes


def seal_all(rows: list[dict], stations: Mapping, key, processes: int | None = None, sealed=None) -> None:
    """Seal every row of a batch in place; batches of PARALLEL_SEAL_MIN rows or more are shared between this
    process and `processes - 1` forked workers (default: one process per core).

    `sealed(part)`, if given, is called with consecutive parts of `rows` (in order, covering them all) as soon as
    each is sealed: the issuing process writes its part while the workers still sign theirs.
    """
    global _fork_key, _fork_kid, _fork_text, _fork_pairs
    kid = key_id_of(key)
    pairs = [(row, stations.get(row.get("station_id"))) for row in rows]
    texts = batch_canonical(pairs, kid)
    processes = processes or os.cpu_count() or 1
    if processes < 2 or len(pairs) < PARALLEL_SEAL_MIN:
        _seal_pairs(pairs, texts, key, kid)
        if sealed is not None:
            sealed(rows)
        return
    # The workers are forked after the batch is built, so they read it from their copy of this process's
    # memory: nothing but (start, stop) goes to them, and 128 bytes per row come back. This process seals
    # the first share itself and hands it to `sealed` while they work, then takes their chunks back in order;
    # while the next one is not done, it takes the last chunk no worker has started and seals it itself (so a
    # worker slowed by other work on the host costs little).
    _fork_key, _fork_kid, _fork_text, _fork_pairs = key, kid, texts, pairs
    own = max(1, min(len(pairs), int(len(pairs) * parent_share(processes))))
    try:
        # Workers only compute; they never touch the database connection the parent holds open.
        with ProcessPoolExecutor(processes - 1, mp_context=get_context("fork")) as pool:
            chunks = [(start, min(start + PARALLEL_CHUNK, len(pairs))) for start in range(own, len(pairs),
                                                                                      PARALLEL_CHUNK)]
            futures = [pool.submit(_seal_range, start, stop) for start, stop in chunks]
            _seal_pairs(pairs[:own], texts, key, kid)
            if sealed is not None:
                sealed(rows[:own])
            taken, stolen = 0, len(chunks)       # chunks[stolen:] are sealed here
            while taken < len(chunks):
                if taken < stolen and not futures[taken].done() and futures[stolen - 1].cancel():
                    stolen -= 1
                    start, stop = chunks[stolen]
                    _seal_pairs(pairs[start:stop], texts, key, kid, start)
                    continue
                start, stop = chunks[taken]
                if taken < stolen:
                    for row, (digest, signature) in zip(rows[start:stop], futures[taken].result()):
                        row["content_hash"], row["signature"], row["key_id"] = digest, signature, kid
                if sealed is not None:
                    sealed(rows[start:stop])
                taken += 1
    finally:
        _fork_key, _fork_kid, _fork_text, _fork_pairs = None, "", None, []


@dataclass
class Check:
    """Result of checking a stored licence against its seal and the event that set its status."""

    hash_matches: bool
    signature_valid: bool
    event_matches: bool = True
    problems: tuple = ()

    @property
    def ok(self) -> bool:
        return self.hash_matches and self.signature_valid and self.event_matches


def check(licence, event=None, keys=None) -> Check:
    """Recompute the seal from the stored record, check its signature, and check the status event it names.

    `event` (the Event whose hash the licence names) is looked up when not given; `keys` are `public_keys()`.
    """
    from ..models import Event
    from ..workflow.core import event_digest
    problems = []
    station = value_of(licence, "station") if not isinstance(licence, Mapping) else None
    matches = content_hash(record_of(licence, station)) == value_of(licence, "content_hash")
    if not matches:
        problems.append(CHECK_PROBLEMS["hash"])
    keys = public_keys() if keys is None else keys
    public = keys.get(value_of(licence, "key_id") or "")
    signed = public is not None and verify_with(public, value_of(licence, "content_hash"),
                                                value_of(licence, "signature") or "")
    if not signed:
        problems.append(CHECK_PROBLEMS["signature" if public is not None else "key"])
    wanted = value_of(licence, "status_event_hash") or ""
    if event is None and wanted:
        event = db.session.scalar(select(Event).where(Event.hash == wanted))
    event_ok = event is not None and event.hash == wanted and event_digest(event.prev_hash, event) == event.hash
    if not event_ok:
        problems.append(CHECK_PROBLEMS["event"])
    else:
        event_ok = _event_fits(licence, event)
        if not event_ok:
            problems.append(CHECK_PROBLEMS["event_fit"])
    return Check(matches, signed, event_ok, tuple(problems))


def _event_fits(licence, event) -> bool:
    """The event that set the status is of the right kind, for this licence's case (or the licence), that day."""
    status = value_of(licence, "status")
    if event.action not in STATUS_ACTIONS.get(status, ()):
        return False
    if event.action == "revoke_licence" or event.action == "restore_licence":
        if event.object_type != "Licence" or event.object_id != value_of(licence, "id"):
            return False
    elif event.action != "cancel_licence" and event.application_id != value_of(licence, "application_id"):
        return False
    changed = value_of(licence, "issued_on") if event.action == "issue" else value_of(licence, "status_changed_on")
    return event.on == changed
