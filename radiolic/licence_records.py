"""A licence's canonical record: what its hash and signature cover and what its face prints.

Issuing, rendering and verification all go through `record_of`, so a PDF rendered today, a
verification next year and the hash stored at issue describe the same content.
"""
from __future__ import annotations

import base64
import functools
import os
import re
import secrets
from collections.abc import Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from multiprocessing import get_context

from flask import current_app

from sqlalchemy import select

from .documents import (LicenceFace, content_hash, key_id_of, load_or_create_key, load_public_key, public_key_pem,
                        sign, verify_with)
from .extensions import db
from . import texts
from .texts import N_, Msg
from .identifiers import e_licence_identifier, mod37_36_check_char, mod37_36_state
from .models import Licence, Station
from .vocabulary import StationType

# e-licence type codes (the {type} part of 1.2.156.3005.2.{type}.…)
E_TYPE_CODES = {"frequency_permit": "WXPL", "station_licence": "WXDT"}

STATION_CONDITIONS = N_("按核定的项目和参数设置、使用无线电台（站）；不得对依法开展的无线电业务产生有害干扰；"
                        "接受无线电管理机构的监督检查；有效期届满三十个工作日前申请延续，停用须办理注销。")
PERMIT_CONDITIONS = N_("按许可的频率、用途和使用范围使用；达到规定的使用率要求；不得擅自转让或出租；"
                       "有效期届满三十个工作日前申请延续。")

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

_FREQ_PART = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:-\s*(\d+(?:\.\d+)?))?\s*$")


def _get(obj, name: str):
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

    One encoding call for the whole batch: base64.b32encode is pure Python and per-call cost dominated.
    """
    chars = VERIFY_CODE_LENGTH * n
    text = base64.b32encode(secrets.token_bytes((chars * 5 + 7) // 8)).decode("ascii")
    return [text[i:i + VERIFY_CODE_LENGTH] for i in range(0, chars, VERIFY_CODE_LENGTH)]


def e_identifier(kind: str, number: str, issuer: str | None = None) -> str:
    return _e_identifier(E_TYPE_CODES[kind], issuer or current_app.config["OFFICE_USCC"], number.replace("-", ""))


@functools.lru_cache(maxsize=64)
def _e_identifier_prefix(type_code: str, issuer: str) -> tuple[str, int]:
    """The fixed part of a batch's identifiers (validated by identifiers.e_licence_identifier) and its check state."""
    prefix = e_licence_identifier(type_code, issuer, "0").rsplit(".", 3)[0]
    return prefix, mod37_36_state(prefix.replace(".", ""))


def _e_identifier(type_code: str, issuer: str, serial: str) -> str:
    # ISO 7064 MOD 37,36 runs left to right, so the state after the fixed prefix is computed once per batch:
    # the full check over ~50 characters was a third of a 20,000-licence batch's issuing time.
    prefix, state = _e_identifier_prefix(type_code, issuer)
    check = mod37_36_check_char(mod37_36_state(serial + "1", state))
    return f"{prefix}.{serial}.1.{check}"


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


# Sealing is CPU-bound (JSON, SHA-256, Ed25519): a large batch may be shared with forked worker processes.
PARALLEL_SEAL_MIN = 4000
_fork_key = None     # what the forked workers inherit: the signing key, its id and the batch itself
_fork_kid = ""
_fork_pairs: list = []


def _seal_range(start: int, stop: int) -> list[tuple[str, str]]:
    """In a worker: seal rows [start, stop) of the inherited batch; only the hashes and signatures go back."""
    sealed = []
    for row, station in _fork_pairs[start:stop]:
        seal(row, station, _fork_key, _fork_kid)
        sealed.append((row["content_hash"], row["signature"]))
    return sealed


def seal_all(rows: list[dict], stations: Mapping, key, processes: int | None = None) -> None:
    """Seal every row of a batch in place; batches of PARALLEL_SEAL_MIN rows or more are shared between this
    process and `processes - 1` forked workers (default: one process per core)."""
    global _fork_key, _fork_kid, _fork_pairs
    kid = key_id_of(key)
    pairs = [(row, stations.get(row.get("station_id"))) for row in rows]
    processes = processes or os.cpu_count() or 1
    if processes < 2 or len(pairs) < PARALLEL_SEAL_MIN:
        for row, station in pairs:
            seal(row, station, key, kid)
        return
    # The workers are forked after the batch is built, so they read it from their copy of this process's
    # memory: nothing but (start, stop) goes to them, and 128 bytes per row come back. This process seals
    # the first share itself while they work.
    _fork_key, _fork_kid, _fork_pairs = key, kid, pairs
    share = -(-len(pairs) // processes)
    try:
        # Workers only compute; they never touch the database connection the parent holds open.
        with ProcessPoolExecutor(processes - 1, mp_context=get_context("fork")) as pool:
            futures = [(start, pool.submit(_seal_range, start, min(start + share, len(pairs))))
                       for start in range(share, len(pairs), share)]
            for row, station in pairs[:share]:
                seal(row, station, key, kid)
            for start, future in futures:
                for (row, _station), (digest, signature) in zip(pairs[start:start + share], future.result()):
                    row["content_hash"], row["signature"], row["key_id"] = digest, signature, kid
    finally:
        _fork_key, _fork_kid, _fork_pairs = None, "", []


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
    from .models import Event
    from .workflow.core import event_digest
    problems = []
    station = _get(licence, "station") if not isinstance(licence, Mapping) else None
    matches = content_hash(record_of(licence, station)) == _get(licence, "content_hash")
    if not matches:
        problems.append(CHECK_PROBLEMS["hash"])
    keys = public_keys() if keys is None else keys
    public = keys.get(_get(licence, "key_id") or "")
    signed = public is not None and verify_with(public, _get(licence, "content_hash"), _get(licence, "signature") or "")
    if not signed:
        problems.append(CHECK_PROBLEMS["signature" if public is not None else "key"])
    wanted = _get(licence, "status_event_hash") or ""
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
    status = _get(licence, "status")
    if event.action not in STATUS_ACTIONS.get(status, ()):
        return False
    if event.action == "revoke_licence" or event.action == "restore_licence":
        if event.object_type != "Licence" or event.object_id != _get(licence, "id"):
            return False
    elif event.action != "cancel_licence" and event.application_id != _get(licence, "application_id"):
        return False
    changed = _get(licence, "issued_on") if event.action == "issue" else _get(licence, "status_changed_on")
    return event.on == changed


@functools.lru_cache(maxsize=4096)
def frequency_bounds(text: str) -> tuple[float | None, float | None]:
    """Lowest and highest MHz named in '460.125;1885-1915' (None when none can be read)."""
    values = []
    for part in re.split(r"[;；,，]", text or ""):
        m = _FREQ_PART.match(part)
        if m:
            values += [float(v) for v in m.groups() if v is not None]
    return (min(values), max(values)) if values else (None, None)


def parse_frequencies(text: str) -> str:
    """Normalise a frequency list; raise ValueError naming the first unreadable part."""
    parts = [p.strip() for p in re.split(r"[;；]", text or "") if p.strip()]
    if not parts:
        raise ValueError(Msg(N_("请填写频率（MHz），如 460.125 或 1885-1915，多个用分号分隔")))
    out = []
    for part in parts:
        m = _FREQ_PART.match(part.replace("–", "-").replace("~", "-"))
        if not m:
            raise ValueError(Msg(N_("频率“%(part)s”格式不正确，应为数值（如 460.125）或范围（如 1885-1915）"), part=part))
        low, high = float(m.group(1)), float(m.group(2)) if m.group(2) else None
        if low <= 0 or (high is not None and high <= low) or max(low, high or 0) > 300_000:
            raise ValueError(Msg(N_("频率“%(part)s”超出范围或上下限颠倒"), part=part))
        out.append(f"{m.group(1)}-{m.group(2)}" if high is not None else m.group(1))
    return ";".join(out)


def _num(value, unit: str = "") -> str:
    if value is None or value == "":
        return "—"
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return f"{text} {unit}".strip()


def _degrees(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _coordinates(lon: float, lat: float) -> str:
    return f"东经 {_degrees(lon)}°，北纬 {_degrees(lat)}°"


def _freq(text: str) -> str:
    return ("；".join(text.split(";")) + " MHz") if text else "—"


def face_fields(licence, station=None) -> list[tuple[str, str]]:
    """The labelled fields printed on a face (and shown on the verification page)."""
    if _get(licence, "kind") == "frequency_permit":
        fields = [(N_("频率"), _freq(_get(licence, "frequencies"))), (N_("用途"), _get(licence, "use")),
                  (N_("使用范围"), _get(licence, "area")), (N_("使用率要求"), _get(licence, "usage_rate"))]
    else:
        s = station
        antenna = "，".join(x for x in (
            f"增益 {_num(_get(s, 'antenna_gain_dbi'), 'dBi')}" if _get(s, "antenna_gain_dbi") is not None else "",
            f"高度 {_num(_get(s, 'antenna_height_m'), 'm')}" if _get(s, "antenna_height_m") is not None else "",
            f"方位角 {_num(_get(s, 'azimuth_deg'), '°')}" if _get(s, "azimuth_deg") is not None else "",
        ) if x) or "—"
        site = _coordinates(_get(s, "longitude"), _get(s, "latitude"))
        if _get(s, "altitude_m") is not None:
            site += f"，海拔 {_num(_get(s, 'altitude_m'), 'm')}"
        fields = [
            (N_("台站名称"), _get(s, "station_name")),
            (N_("台站类型"), StationType.text_of(_get(s, "station_type"))),
            (N_("台址"), _get(s, "address")),
            (N_("台址坐标"), site),
            (N_("发射频率"), _freq(_get(s, "tx_mhz"))),
            (N_("接收频率"), _freq(_get(s, "rx_mhz"))),
            (N_("必要带宽"), _num(_get(s, "bandwidth_khz"), "kHz")),
            (N_("发射标识"), _get(s, "emission") or "—"),
            (N_("发射功率"), _num(_get(s, "power_w"), "W")),
            (N_("天线"), antenna),
            (N_("设备型号"), _get(s, "equipment_model")),
            (N_("型号核准代码"), _get(s, "type_approval_code") or "—"),
            (N_("呼号"), _get(s, "call_sign") or "—"),
        ]
    fields.append((N_("使用条件") if _get(licence, "kind") == "station_licence" else N_("附加条件"),
                   _get(licence, "conditions") or "—"))
    if _get(licence, "e_identifier"):
        fields.append((N_("电子证照标识"), _get(licence, "e_identifier")))
    return fields


# The generated parts of a face's values, in English (the face itself, its PDF and its hash stay Chinese).
_FACE_WORDS = (("东经 ", "longitude E "), ("西经 ", "longitude W "), ("北纬 ", "latitude N "), ("南纬 ", "latitude S "),
               ("海拔 ", "altitude "), ("增益 ", "gain "), ("高度 ", "height "), ("方位角 ", "azimuth "), ("，", ", "))


def shown_fields(fields) -> list[tuple[str, str]]:
    """A face's fields as a page shows them: on an English page the labels, the station type, the generated
    coordinates and antenna lines and the standard conditions in English; entered data (names, addresses, the
    permit's use and area) as entered."""
    if not texts.english():
        return list(fields)
    out = []
    for label, value in fields:
        if label in ("台址坐标", "天线") and isinstance(value, str):
            for zh, en in _FACE_WORDS:
                value = value.replace(zh, en)
        elif label == "台站类型" or value in (STATION_CONDITIONS, PERMIT_CONDITIONS):
            value = texts.catalogue_text(value)
        out.append((texts.catalogue_text(label), value))
    return out


def verify_url(code: str) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/verify/{code}"


def face_of(licence, station=None) -> LicenceFace:
    """The printable face of a stored licence (deterministic: same record, same PDF bytes)."""
    return LicenceFace(
        kind=_get(licence, "kind"), number=_get(licence, "number"), holder=_get(licence, "holder_name"),
        holder_code=_get(licence, "holder_code"), fields=face_fields(licence, station),
        valid_from=_get(licence, "valid_from"), valid_until=_get(licence, "valid_until"),
        issued_on=_get(licence, "issued_on"), office=_get(licence, "office"),
        verify_url=verify_url(_get(licence, "verify_code")), verify_code=_get(licence, "verify_code"),
        electronic=_get(licence, "format") == "electronic", content_hash=face_hash(licence, station),
        signature="", font_path=current_app.config.get("PDF_FONT_PATH"))


def live_status(licence, today: date) -> str:
    """The status anyone checking sees today (a valid licence past its date reads expired before the nightly run)."""
    status = _get(licence, "status")
    if status == "valid" and _get(licence, "valid_until") < today:
        return "expired"
    return status


# The first batch is small so the first bytes leave within a second; later ones keep both cores busy.
FIRST_BATCH, BATCH = 8, 400


def licence_rows(*conditions, batch: int = BATCH, first: int = FIRST_BATCH) -> Iterator[list[tuple[dict, dict]]]:
    """(licence, station) rows as plain dicts in id order, a batch at a time.

    The read transaction ends after each batch: on SQLite every transaction starts BEGIN IMMEDIATE,
    and a ZIP that takes minutes must not hold the write lock while it renders.
    """
    last, size = 0, first
    station_cols = [c.label(f"s_{c.name}") for c in Station.__table__.columns]
    while True:
        rows = db.session.execute(
            select(Licence.__table__, *station_cols).outerjoin(Station, Licence.station_id == Station.id)
            .where(Licence.id > last, *conditions).order_by(Licence.id).limit(size)).mappings().all()
        db.session.rollback()
        if not rows:
            return
        yield [(dict(r), {k[2:]: v for k, v in r.items() if k.startswith("s_")}) for r in rows]
        last, size = rows[-1]["id"], batch
