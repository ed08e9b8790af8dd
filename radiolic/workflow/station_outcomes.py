"""Per-station outcomes of a station-licence case, as data.

During the review the reviewer marks stations refused (each with its reason), in batches chosen by a filter, by
sequence numbers or by an uploaded list; each batch is one event on the timeline and can be undone until the
decision. The decision then approves every station not refused (or, refusing the whole application, refuses the
rest). Verbs never commit; the caller commits once.
"""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select, update

from ..extensions import db
from ..models import Application, Event, Station, User
from . import coverage
from ..texts import N_, Msg, Names
from .core import WorkflowError, in_place

REASON_MAX = 1000
LISTED_IN_NOTE = 20


@dataclass(frozen=True)
class StationFilter:
    """The reviewer's filter over a case's stations: type, address/name text, a frequency (value or range, MHz),
    and the outcome so far ('' any, 'undecided', 'refused', 'approved')."""
    station_type: str = ""
    text: str = ""
    freq: str = ""
    outcome: str = ""

    def freq_bounds(self) -> tuple[float, float] | None:
        """The frequency filter as (low, high) MHz; None when empty. Raises WorkflowError when unreadable."""
        value = (self.freq or "").strip().replace("－", "-").replace("～", "-").replace("~", "-")
        if not value:
            return None
        found = coverage.intervals(value)
        if len(found) != 1:
            raise WorkflowError(N_("频率筛选应为一个数值（如 460.125）或一个范围（如 1885-1915），单位 MHz。"), field="freq")
        return found[0]

    def conditions(self, case: Application) -> list:
        out = [Station.application_id == case.id]
        if self.station_type:
            out.append(Station.station_type == self.station_type)
        text = (self.text or "").strip()
        if text:
            like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            out.append(or_(Station.address.like(like, escape="\\"), Station.station_name.like(like, escape="\\")))
        if self.outcome == "undecided":
            out.append(Station.outcome.is_(None))
        elif self.outcome in ("refused", "approved"):
            out.append(Station.outcome == self.outcome)
        bounds = self.freq_bounds()
        if bounds is not None:
            out.append(_frequency_condition(case, bounds))
        return out


def _frequency_condition(case: Application, bounds: tuple[float, float]):
    """Stations whose transmit or receive frequencies overlap `bounds`. Frequencies are stored as text; the
    distinct texts of a case are few (a batch shares its plan), so they are parsed here and matched by value."""
    low, high = bounds
    eps = coverage.EPSILON

    def overlaps(text: str) -> bool:
        return any(lo - eps <= high and low <= hi + eps for lo, hi in coverage.intervals(text))

    tx = [t for t in db.session.scalars(select(Station.tx_mhz).where(Station.application_id == case.id).distinct())
          if overlaps(t)]
    rx = [t for t in db.session.scalars(select(Station.rx_mhz).where(Station.application_id == case.id).distinct())
          if t and overlaps(t)]
    if not tx and not rx:
        return Station.id.is_(None)           # matches nothing
    return or_(Station.tx_mhz.in_(tx), Station.rx_mhz.in_(rx))


def _check_case(case: Application) -> None:
    item = case.service_item
    if item.licence_kind != "station_licence" or item.action == "cancellation":
        raise WorkflowError(N_("只有设置、变更、延续电台执照的事项可以逐台作出决定。"), field="refused_stations")


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError(N_("请写明不予许可的理由（将写入决定书）。"), field="reason")
    if len(reason) > REASON_MAX:
        raise WorkflowError(N_("理由不能超过 %(n)s 个字。"), field="reason", params={"n": REASON_MAX})
    return reason


def counts(case: Application) -> dict:
    """Stations of the case by outcome: total, refused, approved, undecided."""
    rows = dict(db.session.execute(select(Station.outcome, func.count()).where(Station.application_id == case.id)
                                   .group_by(Station.outcome)).all())
    total = sum(rows.values())
    return {"total": total, "refused": rows.get("refused", 0), "approved": rows.get("approved", 0),
            "undecided": rows.get(None, 0)}


def refuse(case: Application, *, where: StationFilter | None = None, seqs=(), reason: str, by: User, on: date,
           expected: int | None = None) -> tuple[Event, int]:
    """Mark refused, with one reason, the undecided stations of the filter or of the listed sequence numbers.

    Stations already refused keep their reason (undo that batch to change it). `expected` is the count the
    reviewer saw: when the filter now matches a different number, nothing changes.
    """
    _check_case(case)
    reason = _reason(reason)
    conditions = _selection(case, where, seqs)
    target = conditions + [Station.outcome.is_(None)]
    n = db.session.scalar(select(func.count(Station.id)).where(*target))
    if expected is not None and n != expected:
        raise WorkflowError(N_("筛选结果已变化：现有 %(n)s 个待决定的台站符合条件（页面显示 %(expected)s 个），请重新核对后再提交。"),
                            code="conflict", params={"n": n, "expected": expected})
    if not n:
        raise WorkflowError(N_("所选台站中没有待决定的台站（已不予许可的台站保持原理由，如需修改请先撤销）。"),
                            field="stations")
    event = in_place(case, "refuse_stations", by=by, on=on, note=Msg(N_("标记不予许可台站 %(n)s 个：%(reason)s"), n=n,
                                                                             reason=reason))
    db.session.execute(update(Station).where(*target).values(outcome="refused", refused_reason=reason,
                                                             outcome_event_id=event.id)
                       .execution_options(synchronize_session=False))
    db.session.expire_all()
    return event, n


def _selection(case: Application, where: StationFilter | None, seqs) -> list:
    if seqs:
        wanted = sorted({int(s) for s in seqs})
        found = db.session.scalar(select(func.count(Station.id)).where(Station.application_id == case.id,
                                                                        Station.seq.in_(wanted)))
        if found != len(wanted):
            raise WorkflowError(N_("所选台站有的不属于本案，请刷新页面后重选。"), field="stations")
        return [Station.application_id == case.id, Station.seq.in_(wanted)]
    if where is None:
        raise WorkflowError(N_("请先勾选台站或选择“全部符合筛选条件的台站”。"), field="stations")
    return where.conditions(case)


def restore(case: Application, *, where: StationFilter | None = None, seqs=(), by: User, on: date) -> tuple[Event, int]:
    """Take the refusal off the selected stations: they are undecided again (approved by the decision)."""
    _check_case(case)
    target = _selection(case, where, seqs) + [Station.outcome == "refused"]
    n = db.session.scalar(select(func.count(Station.id)).where(*target))
    if not n:
        raise WorkflowError(N_("所选台站中没有已标记不予许可的台站。"), field="stations")
    event = in_place(case, "restore_stations", by=by, on=on, note=Msg(N_("取消 %(n)s 个台站的不予许可标记"), n=n))
    _clear(target)
    return event, n


def undo(case: Application, event_id: int, *, by: User, on: date) -> tuple[Event, int]:
    """Undo one refusal batch: its stations that still carry it become undecided again."""
    _check_case(case)
    batch = db.session.get(Event, event_id)
    if batch is None or batch.application_id != case.id or batch.action != "refuse_stations":
        raise WorkflowError(N_("没有这次不予许可标记。"), code="not_found")
    target = [Station.application_id == case.id, Station.outcome_event_id == event_id, Station.outcome == "refused"]
    n = db.session.scalar(select(func.count(Station.id)).where(*target))
    if not n:
        raise WorkflowError(N_("这次标记已撤销或其台站已另行处理。"), code="conflict")
    event = in_place(case, "restore_stations", by=by, on=on, obj=batch,
                     note=Msg(N_("撤销 %(on)s 的不予许可标记（%(n)s 个台站）"), on=batch.on.isoformat(), n=n))
    _clear(target)
    return event, n


def _clear(target: list) -> None:
    db.session.execute(update(Station).where(*target).values(outcome=None, refused_reason=None, outcome_event_id=None)
                       .execution_options(synchronize_session=False))
    db.session.expire_all()


def batches(case: Application) -> list[tuple[Event, int]]:
    """The refusal batches of the case still in effect, newest first, with how many stations each still holds."""
    live = dict(db.session.execute(select(Station.outcome_event_id, func.count()).where(
        Station.application_id == case.id, Station.outcome == "refused", Station.outcome_event_id.is_not(None))
        .group_by(Station.outcome_event_id)).all())
    if not live:
        return []
    events = db.session.scalars(select(Event).where(Event.id.in_(list(live)), Event.action == "refuse_stations")
                                .order_by(Event.id.desc())).all()
    return [(e, live[e.id]) for e in events]


class ListProblems(WorkflowError):
    """A refusal list with problems: every (row, station, message) is reported; nothing was changed."""

    def __init__(self, problems: list[tuple[int, str, str]]):
        first = problems[0]
        super().__init__(N_("不予许可清单有 %(n)s 处错误，未作任何更改（第 %(row)s 行：%(problem)s）。"),
                         field="refused_stations", params={"n": len(problems), "row": first[0], "problem": first[2]})
        self.problems = problems


def refuse_listed(case: Application, entries: list[dict], *, by: User, on: date, source: str = "") -> tuple[Event, int]:
    """Refuse the listed stations, each with its own reason: [{"station": name or sequence number, "reason": ...}].

    All or none: every problem is collected (row numbers count from 1) and reported together.
    """
    _check_case(case)
    stations = db.session.execute(select(Station.id, Station.seq, Station.station_name, Station.outcome)
                                  .where(Station.application_id == case.id)).all()
    by_seq = {str(s.seq): s for s in stations}
    by_name: dict[str, list] = {}
    for s in stations:
        by_name.setdefault(s.station_name, []).append(s)
    problems, chosen = [], {}
    for row, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            problems.append((row, "", Msg(N_("每一项须写明台站和理由"))))
            continue
        key = str(entry.get("station") if entry.get("station") is not None else "").strip()
        why = (entry.get("reason") or "").strip() if isinstance(entry.get("reason"), str) else ""
        if not key:
            problems.append((row, key, Msg(N_("缺少台站名称或序号"))))
            continue
        station, problem = _find(key, by_seq, by_name)
        if problem:
            problems.append((row, key, problem))
        elif not why:
            problems.append((row, key, Msg(N_("请写明不予许可台站“%(key)s”的理由"), key=key)))
        elif len(why) > REASON_MAX:
            problems.append((row, key, Msg(N_("理由不能超过 %(n)s 个字"), n=REASON_MAX)))
        elif station.id in chosen:
            problems.append((row, key, Msg(N_("台站“%(key)s”重复列出"), key=key)))
        elif station.outcome is not None:
            problems.append((row, key, Msg(N_("台站“%(key)s”已标记不予许可，如需修改理由请先撤销原标记"), key=key)))
        else:
            chosen[station.id] = (station, why)
    if not entries:
        problems.append((0, "", Msg(N_("清单中没有任何台站"))))
    if problems:
        raise ListProblems(problems)
    picked = sorted(chosen.values(), key=lambda p: p[0].seq)
    shown = Names((Msg(N_("%(station)s（%(reason)s）"), station=s.station_name, reason=why)
                   for s, why in picked[:LISTED_IN_NOTE]), sep="；")
    note = (Msg(N_("标记不予许可台站 %(n)s 个：%(stations)s等"), n=len(picked), stations=shown)
            if len(picked) > LISTED_IN_NOTE else Msg(N_("标记不予许可台站 %(n)s 个：%(stations)s"), n=len(picked), stations=shown))
    if source:      # where the list came from (a Name or Msg: 随决定列出, 上传清单 …)
        note = Msg(N_("%(source)s：%(note)s"), source=source, note=note)
    event = in_place(case, "refuse_stations", by=by, on=on, note=note)
    by_reason: dict[str, list[int]] = {}
    for s, why in picked:
        by_reason.setdefault(why, []).append(s.id)
    for why, ids in by_reason.items():
        for i in range(0, len(ids), 500):
            db.session.execute(update(Station).where(Station.id.in_(ids[i:i + 500]))
                               .values(outcome="refused", refused_reason=why, outcome_event_id=event.id)
                               .execution_options(synchronize_session=False))
    db.session.expire_all()
    return event, len(picked)


def _find(key: str, by_seq: dict, by_name: dict):
    if key in by_name:
        if len(by_name[key]) > 1:
            return None, Msg(N_("有多个台站名为“%(key)s”，请用序号指明"), key=key)
        return by_name[key][0], ""
    digits = key.lstrip("0") or key
    if key.isdigit() and digits in by_seq:
        return by_seq[digits], ""
    return None, Msg(N_("本案没有名称或序号为“%(key)s”的台站"), key=key)


def finalise(case: Application, outcome: str, event: Event, doc_number: str) -> None:
    """At the decision: every undecided station is approved (or refused with the whole application)."""
    values = {"outcome": "approved", "outcome_event_id": event.id} if outcome == "approve" else {
        "outcome": "refused", "refused_reason": f"整体不予许可（见不予行政许可决定书 {doc_number}）", "outcome_event_id": event.id}
    db.session.execute(update(Station).where(Station.application_id == case.id, Station.outcome.is_(None))
                       .values(**values).execution_options(synchronize_session=False))
    db.session.expire_all()


def check_approvable(case: Application) -> dict:
    """A station-licence approval needs at least one station entered and at least one not refused."""
    c = counts(case)
    item = case.service_item
    if item.licence_kind != "station_licence" or item.action == "cancellation":
        return c
    if not c["total"]:
        raise WorkflowError(N_("电台执照事项须至少录入一个台站才能作出准予许可决定（请先导入台站）。"), field="stations")
    if c["refused"] >= c["total"]:
        raise WorkflowError(N_("所有台站均不予许可时，请作出不予许可决定。"), field="refused_stations")
    return c


__all__ = ["StationFilter", "ListProblems", "counts", "refuse", "restore", "undo", "batches", "refuse_listed",
           "finalise", "check_approvable"]
