"""Which of the holder's frequency use permits covers a station's frequencies (条例 Art. 32: a station licence
lasts no longer than the permit it relies on; where a permit is needed, every frequency must be covered)."""
import re
from datetime import date

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..licence_face import frequency_bounds
from ..models import Licence
from ..texts import N_, Names
from .core import WorkflowError

EPSILON = 1e-6      # MHz: frequencies are stored as decimal text


def intervals(text: str) -> list[tuple[float, float]]:
    """'460.125;1885-1915' -> [(460.125, 460.125), (1885.0, 1915.0)] (unreadable parts are skipped)."""
    out = []
    for part in re.split(r"[;；,，]", text or ""):
        low, high = frequency_bounds(part)
        if low is not None:
            out.append((low, high))
    return out


def permit_covers(permit: list[tuple[float, float]], station: list[tuple[float, float]]) -> bool:
    return bool(station) and all(any(lo - EPSILON <= s_lo and s_hi <= hi + EPSILON for lo, hi in permit)
                                 for s_lo, s_hi in station)


def holder_permits(applicant_id: int, on: date) -> list[tuple[date, list[tuple[float, float]], str]]:
    rows = db.session.execute(select(Licence.valid_until, Licence.frequencies, Licence.number).where(
        Licence.applicant_id == applicant_id, Licence.kind == "frequency_permit", Licence.status == "valid",
        Licence.valid_until >= on)).all()
    return [(until, intervals(freqs or ""), number) for until, freqs, number in rows]


def covering_until(permits, station_freqs: str) -> date | None:
    """The latest expiry among the holder's permits that cover every frequency of the station (None: none does)."""
    if not permits:
        return None
    wanted = intervals(station_freqs)
    dates = [until for until, freqs, _n in permits if permit_covers(freqs, wanted)]
    return max(dates) if dates else None


def check(stations, permits) -> dict[int, date | None]:
    """Per station id, the expiry of the permit covering it; refuse, naming them, stations that need a permit
    (PERMIT_REQUIRED_STATION_TYPES) and have none covering their frequencies."""
    needed = set(current_app.config["PERMIT_REQUIRED_STATION_TYPES"])
    caps, missing = {}, []
    for s in stations:
        caps[s["id"]] = covering_until(permits, s["tx_mhz"])
        if caps[s["id"]] is None and s["station_type"] in needed:
            missing.append(f"{s['station_name']}（{s['tx_mhz']} MHz）")
    if missing:
        raise WorkflowError(N_("以下 %(n)s 个台站的频率没有持证人有效的频率使用许可证覆盖，不能发证：%(stations)s"),
                            field="stations", code="conflict",
                            params={"n": len(missing), "stations": Names(missing, limit=10)})
    return caps
