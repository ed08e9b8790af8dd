"""Issuance verbs: stations, issue (permit or licence batch), print, delivery, and the licence lifecycle."""
import gc
import os
import signal
import time
from contextlib import contextmanager
from itertools import repeat
from operator import itemgetter
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.orm import selectinload

from .. import numbering, summaries
from ..extensions import db
from ..issuance.sealing import e_identifier, new_verify_codes, seal_all, signing_key
from ..licence_face import PERMIT_CONDITIONS, STATION_CONDITIONS, frequency_bounds, parse_frequencies
from ..models import Application, Delivery, Licence, PrintLog, Station, User
from ..models.cases import FORMATS
from ..issuance.station_import import COLUMNS as STATION_COLUMNS
from ..vocabulary import LicenceKind
from . import clock
from ..texts import N_, Msg, Name, Names
from .core import WorkflowError, record, transition
from .intake import ensure_no_outstanding_deferred
from .states import STATE_NAMES, can

# Station text columns the model keeps as '' rather than NULL.
_TEXT_COLUMNS = ("rx_mhz", "emission", "type_approval_code", "call_sign")
_STATION_TABLE = Station.__table__
_LICENCE_TABLE = Licence.__table__


@dataclass
class IssueResult:
    count: int
    first_number: str | None
    last_number: str | None


def crash_point(name: str) -> None:
    """Test-only: SIGKILL this process at a named point of the batch (config CRASH_AT, TESTING only)."""
    app = current_app
    if app.testing and app.config.get("CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


def add_years(day: date, years: int) -> date:
    """The same day `years` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def last_valid_day(start: date, years: int) -> date:
    """Validity of `years` starting on `start` ends the day before the anniversary."""
    return add_years(start, years) - timedelta(days=1)


# ---------------------------------------------------------------------------------------------------- stations

def add_stations(case: Application, rows: list[dict], *, mode: str = "append", by: User, on: date) -> int:
    """Add validated station rows (station_import output) to the case, all or none; `replace` drops the old list."""
    if case.service_item.licence_kind != "station_licence":
        raise WorkflowError(N_("只有无线电台执照事项需要录入台站。"), field="stations")
    if not can(case.state, "add_stations"):
        raise WorkflowError(N_("当前状态为“%(state)s”，不能再录入台站（须在作出决定前录入）。"), code="conflict",
                            params={"state": Name(STATE_NAMES[case.state])})
    if mode not in ("append", "replace"):
        raise WorkflowError(N_("导入方式须为追加（append）或替换（replace）。"), field="mode")
    if not rows:
        raise WorkflowError(N_("没有任何台站数据。"), field="stations")
    existing = 0
    if mode == "replace":
        db.session.execute(delete(Station).where(Station.application_id == case.id))
    else:
        taken = {(n, a): s for n, a, s in db.session.execute(
            select(Station.station_name, Station.address, Station.seq).where(Station.application_id == case.id))}
        clashes = [Msg(N_("第 %(row)s 行“%(name)s”（已有第 %(seq)s 号台站）"), row=i, name=r["station_name"],
                       seq=taken[(r["station_name"], r["address"])])
                   for i, r in enumerate(rows, start=1) if (r["station_name"], r["address"]) in taken]
        if clashes:
            raise WorkflowError(N_("以下台站与本案已录入的台站名称和地址相同：%(clashes)s。请改用“替换”方式或删除重复行。"),
                                field="stations", params={"clashes": Names(clashes, limit=10, sep="；")})
        existing = db.session.scalar(select(func.max(Station.seq)).where(Station.application_id == case.id)) or 0
    values = []
    for seq, row in enumerate(rows, start=existing + 1):
        value = {name: row.get(name) for name in STATION_COLUMNS}
        for name in _TEXT_COLUMNS:
            value[name] = value[name] or ""
        value.update(application_id=case.id, seq=seq, format_override=row.get("format_override"),
                     replaces_licence_id=row.get("replaces_licence_id"))
        values.append(value)
    db.session.execute(insert(_STATION_TABLE), values)
    added = {"n": len(values), "first": existing + 1, "last": existing + len(values)}
    record(case, "add_stations", by=by, on=on, from_state=case.state, to_state=case.state,
           note=Msg(N_("替换为 %(n)s 个台站（第 %(first)s–%(last)s 号）"), **added) if mode == "replace" else
           Msg(N_("追加 %(n)s 个台站（第 %(first)s–%(last)s 号）"), **added))
    return len(values)


def set_format_override(case: Application, seq: int, value: str | None, *, by: User, on: date) -> Station:
    """Give one station's licence a format other than the case's (paper for one, electronic for the rest)."""
    if case.state not in ("submitted", "awaiting_correction", "accepted", "under_review", "approved"):
        raise WorkflowError(N_("证照已发放，不能再修改证照形式。"), code="conflict")
    if value not in (None, *FORMATS):
        raise WorkflowError(N_("证照形式须为纸质或电子。"), field="format_override")
    station = db.session.scalar(select(Station).where(Station.application_id == case.id, Station.seq == seq))
    if station is None:
        raise WorkflowError(N_("本案没有第 %(seq)s 号台站。"), code="not_found", params={"seq": seq})
    station.format_override = value
    label = {"paper": N_("纸质"), "electronic": N_("电子"), None: N_("随案件")}[value]
    record(case, "format_override", by=by, on=on, from_state=case.state, to_state=case.state, obj=station,
           note=Msg(N_("第 %(seq)s 号台站“%(station)s”的执照形式：%(format)s"), seq=seq, station=station.station_name,
                    format=Name(label)))
    return station


# ---------------------------------------------------------------------------------------------------- issue

def issue(case: Application, *, format: str, by: User, on: date, permit: dict | None = None,
          valid_until: date | None = None) -> IssueResult:
    """Issue the case's permit or one licence per approved station, in one transaction with contiguous numbers."""
    since = idle_mark()
    with _collector_paused():
        return _issue(since, case, format=format, by=by, on=on, permit=permit, valid_until=valid_until)


@contextmanager
def _collector_paused():
    """Pause Python's cyclic garbage collector for a batch: building tens of thousands of rows (none of them in
    a cycle) set off full collections over the whole heap, ~15% of a 20,000-licence batch. Reference counting
    still frees everything; the collector resumes (if it ran before) when the batch is done."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _issue(since, case: Application, *, format: str, by: User, on: date, permit: dict | None,
           valid_until: date | None) -> IssueResult:
    if case.state != "approved":
        raise WorkflowError(N_("当前状态为“%(state)s”，只有准予许可的案件才能发证。"), code="conflict",
                            params={"state": Name(STATE_NAMES[case.state])})
    ensure_no_outstanding_deferred(case)
    if format not in FORMATS:
        raise WorkflowError(N_("证照形式须为纸质（paper）或电子（electronic）。"), field="format")
    item = case.service_item
    if item.licence_kind is None:
        raise WorkflowError(N_("事项“%(item)s”不发放证照。"), code="conflict", params={"item": Name.of(item)})
    if item.action == "cancellation":
        raise WorkflowError(N_("注销事项不发新证：请在本案登记注销的证照。"), code="conflict")
    holder = case.applicant
    base = {"kind": item.licence_kind, "application_id": case.id, "applicant_id": holder.id, "status": "valid",
            "issued_on": on, "valid_from": on, "holder_name": holder.name, "holder_code": holder.id_code,
            "office": current_app.config["OFFICE_NAME"], "e_identifier": None, "supersedes_id": None,
            "status_changed_on": None, "status_reason": "", "superseded_by_id": None, "previous_seal": ""}
    if item.licence_kind == "frequency_permit":
        rows, stations = [_permit_row(case, base, permit, format, on)], {}
    else:
        rows, stations = _station_rows(case, base, format, on, valid_until)
    crash_point("issue:before_numbers")
    numbers = numbering.licence_numbers(item.licence_kind, on.year, current_app.config["REGION_CODE"], len(rows))
    crash_point("issue:numbers")
    key, issuer = signing_key(), current_app.config["OFFICE_USCC"]
    for row, number, code in zip(rows, numbers, new_verify_codes(len(rows))):
        row["number"], row["verify_code"] = number, code
        if row["format"] == "electronic":
            row["e_identifier"] = e_identifier(row["kind"], number, issuer)
    electronic = sum(row["format"] == "electronic" for row in rows)
    issued = {"kind": Name(LicenceKind.text_of(item.licence_kind)), "n": len(rows), "electronic": electronic,
              "paper": len(rows) - electronic, "first": numbers[0], "last": numbers[-1]}
    note = (Msg(N_("发放%(kind)s %(n)s 份（电子 %(electronic)s、纸质 %(paper)s），编号 %(first)s 至 %(last)s"), **issued)
            if len(numbers) > 1 else Msg(N_("发放%(kind)s %(n)s 份（电子 %(electronic)s、纸质 %(paper)s），编号 %(first)s"),
                                         **issued))
    # The issue event comes first: every new licence's seal covers its hash.
    event = transition(case, "issue", by=by, on=on, note=note,
                       changes={"issued_on": on, "completed_on": on, "format": format})
    crash_point("issue:event")
    event_hash = event.hash       # read once: an ORM attribute costs per access
    for row in rows:
        row["status_event_hash"] = event_hash
    # Written part by part as sealed: with forked signers, this process writes while they still sign.
    seal_all(rows, stations, key, processes=seal_processes(since), sealed=lambda part: insert_many(_LICENCE_TABLE, part))
    summaries.licences_issued(db.session, on)
    crash_point("issue:rows")
    if any(row["supersedes_id"] for row in rows):
        _mark_superseded(case, on, by)
    clock.refresh(case, on)
    # The rating invitation is queued by workflow.ratings when any verb completes a case.
    return IssueResult(len(rows), numbers[0], numbers[-1])


def insert_many(table, rows: list[dict]) -> None:
    """INSERT `rows` (dicts with the same keys) in one executemany.

    On SQLite the statement is written once and the parameters go to the driver as tuples: SQLAlchemy's Core
    executemany builds and type-processes a parameter dict per row, which cost more than SQLite's own insert
    (20,000 licences: 0.35 s of the batch). The columns the rows leave out get their scalar defaults, as Core
    gives them; other databases, and a table with a default computed per row, take the Core path.
    """
    connection = db.session.connection()
    dialect = connection.dialect
    keys = list(rows[0])
    left_out = [c for c in table.columns if c.key not in rows[0] and c.default is not None]
    if dialect.name != "sqlite" or not dialect.positional or any(not c.default.is_scalar for c in left_out):
        connection.execute(insert(table), rows)
        return
    quote = dialect.identifier_preparer
    columns = [table.c[key] for key in keys] + left_out
    sql = (f"INSERT INTO {quote.format_table(table)} ({', '.join(quote.format_column(c) for c in columns)}) "
           f"VALUES ({', '.join('?' * len(columns))})")
    constant = tuple(_bound(c, c.default.arg, dialect) for c in left_out)
    get = itemgetter(*keys) if len(keys) > 1 else (lambda row: (row[keys[0]],))
    processors = [c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns[:len(keys)]]
    if not any(processors):
        params = [(*values, *constant) for values in map(get, rows)] if constant else list(map(get, rows))
    else:
        # Column by column: typed columns (dates) are converted once per distinct value (a batch shares its
        # few dates), with no Python work per row.
        values_of = list(zip(*map(get, rows)))
        for i, process in enumerate(processors):
            if process is not None:
                values_of[i] = _processed(values_of[i], process)
        params = list(zip(*values_of, *(repeat(value, len(rows)) for value in constant)))
    connection.exec_driver_sql(sql, params)


def _processed(values: tuple, process) -> list:
    try:
        converted = {value: process(value) for value in set(values) if value is not None}
    except TypeError:                    # unhashable: convert each
        return [None if value is None else process(value) for value in values]
    converted[None] = None
    return list(map(converted.__getitem__, values))


def _bound(column, value, dialect):
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    return process(value) if process is not None and value is not None else value


def seal_processes(since: tuple[float, float] | None = None) -> int:
    """Processes that sign a large batch: SEAL_PROCESSES if set, else 1 + the cores free of other work.

    Forking signers only wins when a core is free: on a host busy with other work the pool's start-up and the
    scheduler's sharing cost more than they save (bench/scale.py measures both ways). Free cores are the CPU
    time the host left idle since `since` (an `idle_mark()` taken as the batch began: the last fraction of a
    second); without that measure, the load average (which lags by a minute and counts this process).
    """
    configured = current_app.config.get("SEAL_PROCESSES") or 0
    if configured:
        return int(configured)
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    try:
        busy = os.getloadavg()[0]        # includes this request's own process
    except OSError:
        busy = 0.0
    idle = _idle_cores(since)
    free = idle if idle is not None else cores - busy + 0.5
    return max(1, min(cores, 1 + int(free + 0.25)))      # a signer per ¾ of a free core


def idle_mark() -> tuple[float, float] | None:
    """(now, idle CPU-seconds of the host so far) from /proc/stat; None where there is none."""
    try:
        with open("/proc/stat", "rb") as handle:
            fields = handle.readline().split()
        return time.monotonic(), (int(fields[4]) + int(fields[5])) / _CLOCK_TICKS    # idle + iowait
    except (OSError, ValueError, IndexError):
        return None


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _idle_cores(since: tuple[float, float] | None) -> float | None:
    """Cores the host left idle, on average, since the mark (None: no mark, or too short to tell)."""
    now = idle_mark()
    if since is None or now is None or now[0] - since[0] < 0.05:
        return None
    return (now[1] - since[1]) / (now[0] - since[0])


# What issuing reads of each station: the columns the licence copies or seals, and those that decide it.
_STATION_READ = [c for c in _STATION_TABLE.columns
                 if c.key not in ("application_id", "seq", "outcome", "refused_reason", "outcome_event_id")]


def _station_rows(case, base, format, on, valid_until) -> tuple[list[dict], dict]:
    # Core, not the ORM: the ORM's per-row loading cost more than SQLite's reading of the rows.
    db.session.flush()
    result = db.session.connection().execute(
        select(*_STATION_READ).where(Station.application_id == case.id, Station.outcome == "approved")
        .order_by(Station.seq))
    names = list(result.keys())
    stations = list(map(dict, map(zip, repeat(names), result.fetchall())))      # plain dicts, read per licence
    if not stations:
        raise WorkflowError(N_("本案没有准予许可的台站：请先录入台站。"), field="stations")
    from . import coverage
    caps = coverage.check(stations, coverage.holder_permits(case.applicant_id, on))
    replaced = _replacements(case, stations) if case.service_item.action in ("change", "renewal") else {}
    rows, untils, bounds = [], {}, {}
    for s in stations:
        try:
            low, high = bounds[s["tx_mhz"]]       # a batch's stations share their few bands
        except KeyError:
            low, high = bounds[s["tx_mhz"]] = frequency_bounds(s["tx_mhz"])
        cap = caps[s["id"]]
        try:
            until = untils[cap]          # one date object per distinct cap: a batch shares its few end dates
        except KeyError:
            until = untils[cap] = _station_until(case, on, valid_until, cap)
        rows.append({**base, "station_id": s["id"], "format": s["format_override"] or format, "valid_until": until,
                     "conditions": STATION_CONDITIONS, "freq_low_mhz": low, "freq_high_mhz": high,
                     "supersedes_id": replaced.get(s["id"])})
    return rows, {s["id"]: s for s in stations}


def _station_until(case, on, valid_until, permit_until: date | None) -> date:
    """≤ 5 years (setting), and ≤ the frequency use permit that covers the station's frequencies, if one does."""
    cap = last_valid_day(on, current_app.config["STATION_LICENCE_MAX_YEARS"])
    if permit_until is not None:
        cap = min(cap, permit_until)
    if valid_until is None:
        return cap
    if valid_until <= on:
        raise WorkflowError(N_("有效期截止日须晚于发证日。"), field="valid_until")
    if valid_until > cap:
        why = (Msg(N_("持证人的频率使用许可证有效期至 %(on)s"), on=permit_until.isoformat()) if permit_until == cap
               else Msg(N_("电台执照有效期不超过 %(n)s 年"), n=current_app.config["STATION_LICENCE_MAX_YEARS"]))
        raise WorkflowError(N_("有效期截止日不能晚于 %(cap)s（%(why)s）。"), field="valid_until",
                            params={"cap": cap.isoformat(), "why": why})
    return valid_until


def _replacements(case, stations) -> dict[int, int]:
    """For a change or renewal: which valid licence of the holder each station's new licence supersedes."""
    current = {name: lid for lid, name in db.session.execute(
        select(Licence.id, Station.station_name).join(Station, Licence.station_id == Station.id).where(
            Licence.applicant_id == case.applicant_id, Licence.kind == "station_licence",
            Licence.status == "valid"))}
    valid_ids = set(current.values())
    out, missing = {}, []
    for s in stations:
        lid = s["replaces_licence_id"] or current.get(s["station_name"])
        if lid is None or lid not in valid_ids:
            missing.append(s["station_name"])
        else:
            out[s["id"]] = lid
    if missing:
        raise WorkflowError(N_("变更或延续须对应持证人现有的有效执照，以下台站没有找到：%(stations)s"), field="stations",
                            params={"stations": Names(missing, limit=10)})
    if len(set(out.values())) != len(out):
        raise WorkflowError(N_("多个台站对应同一份原执照，请核对台站名称。"), field="stations")
    return out


def _permit_row(case, base, permit, format, on) -> dict:
    if not isinstance(permit, dict):
        raise WorkflowError(N_("请填写频率使用许可证的频率、用途、使用范围、使用率要求和期限。"), field="permit")
    try:
        frequencies = parse_frequencies(str(permit.get("frequencies") or ""))
    except ValueError as err:
        raise WorkflowError(N_("%(error)s"), field="permit.frequencies", params={"error": err.args[0]}) from None
    texts = {}
    for name, label in (("use", N_("用途")), ("area", N_("使用范围")), ("usage_rate", N_("使用率要求"))):
        value = permit.get(name)
        if not isinstance(value, str) or not value.strip():
            raise WorkflowError(N_("请填写%(label)s。"), field=f"permit.{name}", params={"label": Name(label)})
        if len(value) > 500:
            raise WorkflowError(N_("%(label)s不能超过 500 个字符。"), field=f"permit.{name}",
                                params={"label": Name(label)})
        texts[name] = value.strip()
    conditions = permit.get("conditions") or PERMIT_CONDITIONS
    if not isinstance(conditions, str) or len(conditions) > 1000:
        raise WorkflowError(N_("附加条件须为不超过 1000 个字符的文字。"), field="permit.conditions")
    low, high = frequency_bounds(frequencies)
    supersedes = _permit_replaced(case, permit) if case.service_item.action in ("change", "renewal") else None
    return {**base, "station_id": None, "format": format, "valid_until": _permit_until(permit, on),
            "frequencies": frequencies, **texts, "conditions": conditions.strip(), "freq_low_mhz": low,
            "freq_high_mhz": high, "supersedes_id": supersedes}


def _permit_until(permit, on) -> date:
    limit = current_app.config["PERMIT_MAX_YEARS"]
    term, until = permit.get("term_years"), permit.get("valid_until")
    if isinstance(until, str):
        try:
            until = date.fromisoformat(until)
        except ValueError:
            raise WorkflowError(N_("有效期截止日须为 YYYY-MM-DD 格式的日期。"), field="permit.valid_until") from None
    if until is not None:
        if not isinstance(until, date):
            raise WorkflowError(N_("有效期截止日须为日期。"), field="permit.valid_until")
        if until <= on:
            raise WorkflowError(N_("有效期截止日须晚于发证日。"), field="permit.valid_until")
        if until > last_valid_day(on, limit):
            raise WorkflowError(N_("频率使用许可期限不超过 %(limit)s 年（至 %(last)s）。"), field="permit.valid_until",
                                params={"limit": limit, "last": last_valid_day(on, limit).isoformat()})
        return until
    if isinstance(term, bool) or not isinstance(term, int) or not 1 <= term <= limit:
        raise WorkflowError(N_("许可期限须为 1–%(limit)s 年的整数，或给出有效期截止日。"), field="permit.term_years",
                            params={"limit": limit})
    return last_valid_day(on, term)


def _permit_replaced(case, permit) -> int:
    query = select(Licence).where(Licence.applicant_id == case.applicant_id, Licence.kind == "frequency_permit",
                                  Licence.status == "valid")
    number = (permit.get("replaces") or "").strip() if isinstance(permit.get("replaces"), str) else ""
    found = db.session.scalars(query.where(Licence.number == number) if number else query).all()
    if len(found) != 1:
        if not number:
            raise WorkflowError(N_("变更或延续须写明被替换的原许可证编号。"), field="permit.replaces")
        raise WorkflowError(N_("没有找到持证人编号为 %(number)s 的有效频率使用许可证。"), field="permit.replaces",
                            params={"number": number})
    return found[0].id


def _mark_superseded(case, on, by) -> None:
    """Mark each licence the case's new licences replace as superseded (linked both ways), re-sealed under one
    event per case the replaced licences belong to."""
    successors = dict(db.session.execute(select(Licence.supersedes_id, Licence.id).where(
        Licence.application_id == case.id, Licence.supersedes_id.is_not(None))).all())
    reason = f"{case.service_item.name}：由案件 {case.number} 换发的新证替换"
    restatus(Licence.id.in_(select(Licence.supersedes_id).where(
        Licence.application_id == case.id, Licence.supersedes_id.is_not(None)).scalar_subquery()),
        status="superseded", reason=reason, on=on, by=by, action="supersede_licences",
        note=lambda n, first: (Msg(N_("%(n)s 份证照由案件 %(case)s 换发的新证替换：%(first)s等"), n=n, case=case.number,
                                   first=first) if n > 1 else
                               Msg(N_("%(n)s 份证照由案件 %(case)s 换发的新证替换：%(first)s"), n=n, case=case.number,
                                   first=first)),
        extra=lambda row: {"superseded_by_id": successors[row["id"]]})


_SEALED = ("status", "status_changed_on", "status_reason", "superseded_by_id", "status_event_hash",
           "previous_seal", "key_id", "content_hash", "signature")


def restatus(where, *, status: str, reason: str, on: date, by: User | None, action: str, note,
             event=None, extra=None) -> int:
    """Change the status of the licences matching `where` and re-seal each one under the event that changes it.

    Without `event`, one event `action` is recorded per case the licences belong to (`note(n, first_number)`);
    with `event`, that event (e.g. the cancellation case's) sets them all. Each new seal covers the previous
    seal, so a licence's seal covers its whole status history. Returns the number of licences changed.
    """
    rows = [dict(r) for r in db.session.execute(
        select(_LICENCE_TABLE).where(where).order_by(_LICENCE_TABLE.c.id)).mappings()]
    if not rows:
        return 0
    if event is not None:
        events = {row["application_id"]: event for row in rows}
    else:
        groups: dict[int, list[dict]] = {}
        for row in rows:
            groups.setdefault(row["application_id"], []).append(row)
        cases = _cases(list(groups))
        events = {}
        for application_id, members in groups.items():
            case = cases[application_id]
            events[application_id] = record(case, action, by=by, on=on, from_state=case.state, to_state=case.state,
                                            note=note(len(members), members[0]["number"]),
                                            obj=db.session.get(Licence, members[0]["id"]) if len(members) == 1 else None)
    station_ids = [row["station_id"] for row in rows if row["station_id"] is not None]
    stations = {}
    for i in range(0, len(station_ids), 5000):
        stations.update({s["id"]: dict(s) for s in db.session.execute(
            select(_STATION_TABLE).where(_STATION_TABLE.c.id.in_(station_ids[i:i + 5000]))).mappings()})
    for row in rows:
        row.update(previous_seal=row["content_hash"], status=status, status_changed_on=on, status_reason=reason,
                   status_event_hash=events[row["application_id"]].hash, **(extra(row) if extra else {}))
    seal_all(rows, stations, signing_key())
    table = _LICENCE_TABLE
    db.session.execute(update(table).where(table.c.id == bindparam("row_id")).values(
        {name: bindparam(f"new_{name}") for name in _SEALED}),
        [{"row_id": row["id"], **{f"new_{name}": row[name] for name in _SEALED}} for row in rows],
        execution_options={"synchronize_session": False})
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Licence):
            db.session.expire(obj)
    return len(rows)


# ---------------------------------------------------------------------------------------------------- paper copies

def record_print(case: Application, licences: list[Licence], *, copies: int, by: User, on: date) -> int:
    """Log who printed which paper licences, when, and how many copies."""
    if not licences:
        raise WorkflowError(N_("没有可打印的纸质证照。"), code="conflict")
    if not isinstance(copies, int) or not 1 <= copies <= 10:
        raise WorkflowError(N_("打印份数须为 1–10。"), field="copies")
    electronic = [lic.number for lic in licences if lic.format != "paper"]
    if electronic:
        raise WorkflowError(N_("电子证照无需打印，请下载：%(numbers)s"), field="licences",
                            params={"numbers": Names(electronic[:5])})
    db.session.execute(insert(PrintLog), [{"licence_id": lic.id, "by_id": by.id, "copies": copies}
                                          for lic in licences])
    first, last = licences[0].number, licences[-1].number
    record(case, "print", by=by, on=on, from_state=case.state, to_state=case.state,
           note=Msg(N_("打印纸质证照 %(n)s 份 × %(copies)s：%(first)s 至 %(last)s"), n=len(licences), copies=copies,
                    first=first, last=last) if len(licences) > 1 else
           Msg(N_("打印纸质证照 %(n)s 份 × %(copies)s：%(first)s"), n=len(licences), copies=copies, first=first))
    return len(licences)


def record_delivery(case: Application, *, method: str, receiver: str = "", tracking_no: str = "", by: User,
                    on: date) -> Delivery:
    """Paper licences handed over at the window (receiver's name) or posted (tracking number)."""
    if case.state != "issued":
        raise WorkflowError(N_("证照发放后才能登记送达。"), code="conflict")
    if not db.session.scalar(select(func.count()).select_from(Licence).where(
            Licence.application_id == case.id, Licence.format == "paper")):
        raise WorkflowError(N_("本案没有纸质证照，电子证照无需送达登记。"), code="conflict")
    receiver, tracking_no = (receiver or "").strip(), (tracking_no or "").strip()
    if method == "pickup" and not receiver:
        raise WorkflowError(N_("窗口领取须登记领取人姓名。"), field="receiver")
    if method == "post" and not tracking_no:
        raise WorkflowError(N_("邮寄须登记快递单号。"), field="tracking_no")
    if method not in ("pickup", "post"):
        raise WorkflowError(N_("送达方式须为窗口领取或邮寄。"), field="method")
    delivery = Delivery(application_id=case.id, method=method, receiver=receiver, tracking_no=tracking_no, on=on,
                        by_id=by.id)
    db.session.add(delivery)
    db.session.flush()
    record(case, "deliver", by=by, on=on, from_state=case.state, to_state=case.state, obj=delivery,
           note=Msg(N_("窗口领取，领取人 %(receiver)s"), receiver=receiver) if method == "pickup" else
           Msg(N_("邮寄送达，单号 %(tracking)s"), tracking=tracking_no))
    return delivery


# ---------------------------------------------------------------------------------------------------- lifecycle

def cancel_licences(case: Application, *, numbers: list[str], returned: bool, by: User, on: date,
                    reason: str = "") -> int:
    """注销: a cancellation case ends with the holder's listed licences cancelled (and returned)."""
    if case.state != "approved":
        raise WorkflowError(N_("当前状态为“%(state)s”，只有准予注销的案件才能登记注销。"), code="conflict",
                            params={"state": Name(STATE_NAMES[case.state])})
    if case.service_item.action != "cancellation":
        raise WorkflowError(N_("只有注销事项可以注销证照；吊销或撤销请在证照页面办理。"), code="conflict")
    ensure_no_outstanding_deferred(case)
    wanted = list(dict.fromkeys(n.strip() for n in numbers if n and n.strip()))
    if not wanted:
        raise WorkflowError(N_("请列出要注销的证照编号。"), field="numbers")
    found = db.session.scalars(select(Licence).where(
        Licence.number.in_(wanted), Licence.applicant_id == case.applicant_id,
        Licence.kind == case.service_item.licence_kind)).all()
    by_number = {lic.number: lic for lic in found}
    unknown = [n for n in wanted if n not in by_number]
    if unknown:
        raise WorkflowError(N_("以下编号不是本申请人的此类证照：%(numbers)s"), field="numbers",
                            params={"numbers": Names(unknown[:10])})
    not_valid = [n for n in wanted if by_number[n].status != "valid"]
    if not_valid:
        raise WorkflowError(N_("以下证照不是有效状态，无需注销：%(numbers)s"), field="numbers",
                            params={"numbers": Names(not_valid[:10])})
    why = (reason or "").strip() or "持证人申请注销"
    event = transition(case, "issue", by=by, on=on, action="cancel_licence",
                       note=Msg(N_("注销证照 %(n)s 份：%(numbers)s；原证已交回"), n=len(found), numbers=Names(wanted, limit=5))
                       if returned else
                       Msg(N_("注销证照 %(n)s 份：%(numbers)s；原证未交回"), n=len(found), numbers=Names(wanted, limit=5)),
                       changes={"issued_on": on, "completed_on": on})
    restatus(Licence.id.in_([lic.id for lic in found]), status="cancelled", on=on, by=by, action="cancel_licence",
             reason=why + ("（原证已交回）" if returned else "（原证未交回）"), note=None, event=event)
    clock.refresh(case, on)
    return len(found)


def revoke_licence(licence: Licence, *, reason: str, by: User, on: date) -> Licence:
    """撤销/吊销 a licence, with the reason and legal basis in `reason`."""
    if not (reason or "").strip():
        raise WorkflowError(N_("撤销或吊销须写明理由和依据。"), field="reason")
    if licence.status != "valid":
        raise WorkflowError(N_("证照 %(number)s 当前不是有效状态，不能撤销。"), code="conflict",
                            params={"number": licence.number})
    case = licence.application
    event = record(case, "revoke_licence", by=by, on=on, from_state=case.state, to_state=case.state, obj=licence,
                   note=Msg(N_("%(number)s：%(reason)s"), number=licence.number, reason=reason.strip()))
    restatus(Licence.id == licence.id, status="revoked", reason=reason.strip(), on=on, by=by,
             action="revoke_licence", note=None, event=event)
    return licence


def restore_licence(licence: Licence, *, reason: str, by: User, on: date) -> Licence:
    """恢复 a revoked or cancelled licence to valid (e.g. the revocation was set aside on review), with the reason."""
    if not (reason or "").strip():
        raise WorkflowError(N_("恢复证照须写明理由和依据（如复议决定书文号）。"), field="reason")
    if licence.status not in ("revoked", "cancelled"):
        raise WorkflowError(N_("证照 %(number)s 不是已撤销或已注销状态，无需恢复。"), code="conflict",
                            params={"number": licence.number})
    if licence.valid_until < on:
        raise WorkflowError(N_("证照 %(number)s 已过有效期，不能恢复，请申请新证。"), code="conflict",
                            params={"number": licence.number})
    case = licence.application
    event = record(case, "restore_licence", by=by, on=on, from_state=case.state, to_state=case.state, obj=licence,
                   note=Msg(N_("%(number)s 恢复有效：%(reason)s"), number=licence.number, reason=reason.strip()))
    restatus(Licence.id == licence.id, status="valid", reason=reason.strip(), on=on, by=by,
             action="restore_licence", note=None, event=event)
    return licence


def expire_licences(today: date, by: User | None = None) -> int:
    """Mark valid licences past their last day as expired, re-sealed; one event per case.

    行政许可法 Art. 50 ¶2: a licence whose renewal was applied for in time stays valid until the renewal is
    decided, so the run leaves it alone.
    """
    from .renewals import pending_renewals
    past = (Licence.status == "valid") & (Licence.valid_until < today)
    candidates = db.session.execute(select(Licence.id, Licence.applicant_id, Licence.kind, Licence.valid_until)
                                    .where(past)).all()
    kept = set(pending_renewals(candidates)) if candidates else set()
    where = past & Licence.id.not_in(kept) if kept else past
    return restatus(where, status="expired", reason="有效期届满", on=today, by=by, action="expire_licences",
                    note=lambda n, first: (Msg(N_("%(n)s 份证照有效期届满，已标记为过期（%(first)s 等）"), n=n, first=first)
                                           if n > 1 else Msg(N_("%(n)s 份证照有效期届满，已标记为过期（%(first)s）"), n=n,
                                                             first=first)))


def queue_renewal_reminders(today: date) -> int:
    """Renewal reminders at 90 and 60 calendar days and 45 working days before the last day to apply."""
    from .renewals import queue_reminders
    return queue_reminders(today)


def _cases(ids) -> dict[int, Application]:
    """The cases with these ids (and their applicants), in one query rather than one per case."""
    return {case.id: case for case in db.session.scalars(
        select(Application).where(Application.id.in_(set(ids))).options(selectinload(Application.applicant)))}
