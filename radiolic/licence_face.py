"""A licence's face: the labelled fields it prints (and the verification page shows), their English reading on an
English page, the printed conditions, frequency lists, the printable face of a stored licence, and the status
anyone checking sees today. The seal over the face: `issuance/sealing.py`.
"""
from __future__ import annotations

import functools
import re
from datetime import date

from flask import current_app

from . import texts
from .documents import LicenceFace
from .issuance.sealing import face_hash, value_of as _get
from .texts import N_, Msg
from .vocabulary import StationType

STATION_CONDITIONS = N_("按核定的项目和参数设置、使用无线电台（站）；不得对依法开展的无线电业务产生有害干扰；"
                        "接受无线电管理机构的监督检查；有效期届满三十个工作日前申请延续，停用须办理注销。")
PERMIT_CONDITIONS = N_("按许可的频率、用途和使用范围使用；达到规定的使用率要求；不得擅自转让或出租；"
                       "有效期届满三十个工作日前申请延续。")

_FREQ_PART = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:-\s*(\d+(?:\.\d+)?))?\s*$")


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
