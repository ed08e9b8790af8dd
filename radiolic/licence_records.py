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
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from multiprocessing import get_context

from flask import current_app

from .documents import LicenceFace, content_hash, load_or_create_key, public_key_pem, sign, verify
from .identifiers import e_licence_identifier, mod37_36_check_char, mod37_36_state
from .station_import import STATION_TYPES

KIND_NAMES = {"frequency_permit": "无线电频率使用许可证", "station_licence": "无线电台执照"}
FORMAT_NAMES = {"paper": "纸质", "electronic": "电子"}
STATUS_NAMES = {"valid": "有效", "superseded": "已被替换", "cancelled": "已注销", "revoked": "已撤销",
                "expired": "已过期"}
# e-licence type codes (the {type} part of 1.2.156.3005.2.{type}.…)
E_TYPE_CODES = {"frequency_permit": "WXPL", "station_licence": "WXDT"}

STATION_CONDITIONS = ("按核定的项目和参数设置、使用无线电台（站）；不得对依法开展的无线电业务产生有害干扰；"
                      "接受无线电管理机构的监督检查；有效期届满三十个工作日前申请延续，停用须办理注销。")
PERMIT_CONDITIONS = ("按许可的频率、用途和使用范围使用；达到规定的使用率要求；不得擅自转让或出租；"
                     "有效期届满三十个工作日前申请延续。")

STATION_COLUMNS = ("station_name", "station_type", "address", "longitude", "latitude", "altitude_m", "tx_mhz",
                   "rx_mhz", "bandwidth_khz", "emission", "power_w", "antenna_gain_dbi", "antenna_height_m",
                   "azimuth_deg", "equipment_model", "type_approval_code", "call_sign")
PERMIT_COLUMNS = ("frequencies", "use", "area", "usage_rate")
COMMON_COLUMNS = ("kind", "number", "format", "holder_name", "holder_code", "office", "issued_on", "valid_from",
                  "valid_until", "verify_code", "e_identifier", "conditions")

_FREQ_PART = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:-\s*(\d+(?:\.\d+)?))?\s*$")


def _get(obj, name: str):
    return obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name)


def _values(obj, names) -> dict:
    if isinstance(obj, Mapping):
        return {name: obj[name] for name in names}
    return {name: getattr(obj, name) for name in names}


def record_of(licence, station=None) -> dict:
    """The canonical content of a licence from its stored columns (and its station's), as plain data."""
    record = _values(licence, COMMON_COLUMNS)
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


def new_verify_code() -> str:
    return new_verify_codes(1)[0]


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


def seal(row: dict, station=None, key=None) -> None:
    """Set the content hash (and for electronic copies the signature) of a licence row being issued."""
    digest = content_hash(record_of(row, station))
    row["content_hash"] = digest
    row["signature"] = sign(key or signing_key(), digest) if row["format"] == "electronic" else ""


# Sealing is CPU-bound (JSON, SHA-256, Ed25519): a large batch is sealed by forked worker processes.
PARALLEL_SEAL_MIN = 4000
_fork_key = None     # the signing key the forked workers inherit


def _seal_chunk(chunk: list[tuple[dict, dict | None]]) -> list[tuple[str, str]]:
    sealed = []
    for row, station in chunk:
        seal(row, station, _fork_key)
        sealed.append((row["content_hash"], row["signature"]))
    return sealed


def seal_all(rows: list[dict], stations: Mapping, key, processes: int | None = None) -> None:
    """Seal every row of a batch in place; batches of PARALLEL_SEAL_MIN rows or more use all cores."""
    global _fork_key
    pairs = [(row, dict(stations[row["station_id"]]) if row.get("station_id") in stations else None)
             for row in rows]
    processes = processes or os.cpu_count() or 1
    if processes < 2 or len(pairs) < PARALLEL_SEAL_MIN:
        for row, station in pairs:
            seal(row, station, key)
        return
    _fork_key = key
    size = -(-len(pairs) // (processes * 4))
    chunks = [pairs[i:i + size] for i in range(0, len(pairs), size)]
    # Workers only compute; they never touch the database connection the parent holds open.
    with ProcessPoolExecutor(processes, mp_context=get_context("fork")) as pool:
        for chunk, sealed in zip(chunks, pool.map(_seal_chunk, chunks)):
            for (row, _station), (digest, signature) in zip(chunk, sealed):
                row["content_hash"], row["signature"] = digest, signature


@dataclass
class Check:
    """Result of checking a stored licence against its hash and signature."""

    hash_matches: bool
    signature_valid: bool | None     # None for paper copies (not signed)

    @property
    def ok(self) -> bool:
        return self.hash_matches and self.signature_valid is not False


def check(licence) -> Check:
    """Recompute the content hash from the stored record and check the signature against it."""
    matches = content_hash(record_of(licence, licence.station)) == licence.content_hash
    signed = None
    if licence.format == "electronic":
        signed = verify(public_key(), licence.content_hash, licence.signature or "")
    return Check(matches, signed)


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
        raise ValueError("请填写频率（MHz），如 460.125 或 1885-1915，多个用分号分隔")
    out = []
    for part in parts:
        m = _FREQ_PART.match(part.replace("–", "-").replace("~", "-"))
        if not m:
            raise ValueError(f"频率“{part}”格式不正确，应为数值（如 460.125）或范围（如 1885-1915）")
        low, high = float(m.group(1)), float(m.group(2)) if m.group(2) else None
        if low <= 0 or (high is not None and high <= low) or max(low, high or 0) > 300_000:
            raise ValueError(f"频率“{part}”超出范围或上下限颠倒")
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
        fields = [("频率", _freq(_get(licence, "frequencies"))), ("用途", _get(licence, "use")),
                  ("使用范围", _get(licence, "area")), ("使用率要求", _get(licence, "usage_rate"))]
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
            ("台站名称", _get(s, "station_name")),
            ("台站类型", STATION_TYPES.get(_get(s, "station_type"), _get(s, "station_type"))),
            ("台址", _get(s, "address")),
            ("台址坐标", site),
            ("发射频率", _freq(_get(s, "tx_mhz"))),
            ("接收频率", _freq(_get(s, "rx_mhz"))),
            ("必要带宽", _num(_get(s, "bandwidth_khz"), "kHz")),
            ("发射标识", _get(s, "emission") or "—"),
            ("发射功率", _num(_get(s, "power_w"), "W")),
            ("天线", antenna),
            ("设备型号", _get(s, "equipment_model")),
            ("型号核准代码", _get(s, "type_approval_code") or "—"),
            ("呼号", _get(s, "call_sign") or "—"),
        ]
    fields.append(("使用条件" if _get(licence, "kind") == "station_licence" else "附加条件",
                   _get(licence, "conditions") or "—"))
    if _get(licence, "e_identifier"):
        fields.append(("电子证照标识", _get(licence, "e_identifier")))
    return fields


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
        electronic=_get(licence, "format") == "electronic", content_hash=_get(licence, "content_hash"),
        signature=_get(licence, "signature") or "", font_path=current_app.config.get("PDF_FONT_PATH"))


def live_status(licence, today: date) -> str:
    """The status anyone checking sees today (a valid licence past its date reads expired before the nightly run)."""
    status = _get(licence, "status")
    if status == "valid" and _get(licence, "valid_until") < today:
        return "expired"
    return status
