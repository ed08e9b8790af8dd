"""The 2024 demo year (domain.md §6), built through the workflow verbs, plus a few open cases before today."""
import random
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, update

from .workflow import accounts
from .cli import DEMO_ACCOUNTS
from .extensions import db
from .identifiers import _ID_CHECK, _ID_WEIGHTS, _credit_check_char
from .models import Applicant, Application, OutboxMessage, ServiceItem, User
from .issuance.station_import import validate_rows
from .texts import N_, Msg, Name
from .workflow import clock, intake, issuance, ratings, review

# Operators file the base-station batches; the other organisations the small station sets and the permits.
OPERATORS = [("中国移动通信集团广东有限公司清远分公司", "移动"), ("中国联合网络通信有限公司清远市分公司", "联通"),
             ("中国电信股份有限公司清远分公司", "电信")]
ORGANISATIONS = ["清远市公共交通集团有限公司", "广东电网有限责任公司清远供电局", "清远市城市出租车有限公司",
                 "清远市保安服务有限公司", "清远长隆森林度假区有限公司", "广东省建筑工程集团清远分公司",
                 "清远市水利水电工程有限公司", "清远港华燃气有限公司", "广清城际铁路运营有限公司",
                 "清远市碧桂园物业服务有限公司", "英德市宝晶宫旅游开发有限公司", "连州地下河旅游有限公司",
                 "清远市应急管理局", "清远市气象局", "清远市人民医院", "广东清远抽水蓄能发电有限公司",
                 "清远市高速公路管理中心", "佛冈县恒大酒店管理有限公司"]
AMATEURS = ["黄志强", "陈伟明", "李建华", "吴国栋", "周海涛", "梁永康"]
PLACES = [("清城区", 113.05, 23.70), ("清新区", 112.98, 23.73), ("英德市", 113.40, 24.19), ("连州市", 112.38, 24.78),
          ("佛冈县", 113.53, 23.88), ("阳山县", 112.64, 24.47), ("连山县", 112.09, 24.57), ("连南县", 112.29, 24.73)]
# Operator bands: 5G NR (n41 for 移动, n78 for 联通 and 电信) with LTE on some sites.
OPERATOR_BANDS = {"移动": ("2515-2675", 160000, "160MG7W", "华为 AAU5639w", "2020CP4021"),
                  "联通": ("3500-3600", 100000, "100MG7W", "中兴 A9631A S35", "2019CP5188"),
                  "电信": ("3400-3500", 100000, "100MG7W", "华为 AAU5613", "2019CP3466")}
SMALL_KINDS = [("walkie_talkie", "对讲机系统", "460.125", 12.5, "11K0F3E", 5, "摩托罗拉 XiR P8668i", "2017FP1002"),
               ("repeater", "中继台", "459.550", 12.5, "11K0F3E", 25, "海能达 RD988S", "2018FP2231"),
               ("trunked", "集群基站", "351.0125", 25, "25K0G7W", 25, "海能达 DS-6250", "2016FP3377"),
               ("microwave", "微波站", "7442", 28000, "28M0D7W", 1, "华为 RTN 950A", "2018CP1788"),
               ("other", "数传电台", "230.525", 25, "16K0F1D", 10, "国电南瑞 DTU-230", "2019FP0811")]

PAPER_SMALL = [("walkie_talkie", 8), ("repeater", 12), ("walkie_talkie", 6), ("trunked", 4)]   # 30 paper licences
OPERATOR_PAPER_OVERRIDES = 8                 # one operator batch wants 8 paper copies for its own archive
ELECTRONIC_SMALL = 36                        # small electronic cases; with 10 operator batches, 2 permits and the
OPERATOR_BATCHES = 10                        # 6 amateurs: 4 + 6 + 36 + 10 = 56 station cases + 2 permits = 58
STATION_TOTAL, PAPER_TOTAL = 19203, 44


class DemoRefused(Exception):
    """The database already holds cases."""


@dataclass
class Plan:
    """One case of the year: who, what, when, and how it goes."""

    item: str
    applicant: Applicant
    received: date
    stations: list[dict]
    format: str = "electronic"
    channel: str = "online"
    deferred: str | None = None
    correction: str | None = None
    stop: str | None = None
    permit: dict | None = None
    summary: str = ""


def uscc(rng: random.Random) -> str:
    body = "914418" + "".join(rng.choice("0123456789") for _ in range(3)) + \
        "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
    return body + _credit_check_char(body)


def id_number(rng: random.Random) -> str:
    body = f"441802{rng.randint(1960, 1998)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(100, 999)}"
    return body + _ID_CHECK[sum(int(c) * w for c, w in zip(body, _ID_WEIGHTS)) % 11]


def demo_users(on: date, created: list[tuple[str, str]] | None = None) -> dict[str, User]:
    """The demo-accounts users, created (with a random password reported in `created`) when missing."""
    import secrets
    users = {}
    for username, role, name, window in DEMO_ACCOUNTS:
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            password = secrets.token_urlsafe(9)
            user = accounts.create(username, role=role, display_name=name, password=password, window_no=window,
                                   by=None, on=on, note=Msg(N_("%(user)s（%(role)s），演示数据"), user=username, role=role))
            if created is not None:
                created.append((username, password))
        users[username] = user
    return users


def working_days(cal, year: int) -> list[date]:
    """Every working day of `year`, in order."""
    days, day = [], date(year - 1, 12, 31)
    while True:
        day = cal.add(day, 1)
        if day.year > year:
            return days
        days.append(day)


def _station_rows(rng, owner: str, count: int, kind: tuple, *, prefix: str) -> list[dict]:
    stype, label, freq, bw, emission, power, model, approval = kind
    place, lon, lat = rng.choice(PLACES)
    rows = []
    for n in range(count):
        rows.append({"station_name": f"{prefix}{label}{n + 1:03d}", "station_type": stype,
                     "address": f"广东省清远市{place}{rng.choice(['凤城街道', '太和镇', '石角镇', '龙塘镇', '英城街道'])}"
                                f"{rng.randint(1, 300)}号",
                     "longitude": round(lon + rng.uniform(-0.05, 0.05), 5),
                     "latitude": round(lat + rng.uniform(-0.05, 0.05), 5), "altitude_m": rng.randint(20, 400),
                     "tx_mhz": freq, "rx_mhz": freq, "bandwidth_khz": bw, "emission": emission, "power_w": power,
                     "antenna_gain_dbi": 2.15 if stype == "walkie_talkie" else 9, "antenna_height_m": rng.randint(2, 40),
                     "azimuth_deg": rng.randint(0, 359), "equipment_model": model,
                     "type_approval_code": f"CMIIT ID: {approval}", "call_sign": ""})
    return rows


def _base_stations(rng, short: str, count: int, batch: int) -> list[dict]:
    freq, bw, emission, model, approval = OPERATOR_BANDS[short]
    rows = []
    for n in range(count):
        place, lon, lat = PLACES[n % len(PLACES)]
        rows.append({"station_name": f"清远{place}{short}5G基站-{batch:02d}{n + 1:05d}", "station_type": "public_mobile_base",
                     "address": f"广东省清远市{place}站址{batch:02d}{n + 1:05d}",
                     "longitude": round(lon + rng.uniform(-0.25, 0.25), 5),
                     "latitude": round(lat + rng.uniform(-0.2, 0.2), 5), "altitude_m": rng.randint(15, 900),
                     "tx_mhz": freq, "rx_mhz": freq, "bandwidth_khz": bw, "emission": emission, "power_w": 200,
                     "antenna_gain_dbi": 24, "antenna_height_m": rng.randint(20, 45), "azimuth_deg": (n * 120) % 360,
                     "equipment_model": model, "type_approval_code": f"CMIIT ID: {approval}", "call_sign": ""})
    return rows


def _applicant(name: str, rng, kind: str = "organisation") -> Applicant:
    applicant = Applicant(kind=kind, name=name, id_code=uscc(rng) if kind == "organisation" else id_number(rng),
                          contact=name if kind == "person" else rng.choice(["李工", "王经理", "陈主任", "张工"]),
                          phone=f"139{rng.randint(10000000, 99999999)}")
    db.session.add(applicant)
    return applicant


def plan_year(year: int, rng: random.Random, days: list[date]) -> list[Plan]:
    """58 cases over the year's working days, whose licences add up to the report's figures."""
    plans: list[Plan] = []
    operators = [(_applicant(name, rng), short) for name, short in OPERATORS]
    orgs = [_applicant(name, rng) for name in ORGANISATIONS]
    bus, grid = orgs[0], orgs[1]
    plans.append(Plan("FP-NEW", bus, date(year, 1, 1), [], channel="window", deferred="equipment_info",
                      summary="公交调度数字集群频率",
                      permit={"frequencies": "351.0125-351.1000", "use": "公交车辆调度数字集群通信",
                              "area": "清远市中心城区及清新区", "usage_rate": "忙时信道占用度不低于 30%",
                              "term_years": 5}))
    plans.append(Plan("FP-NEW", grid, date(year, 1, 1), [], stop="coordination", summary="230MHz 电力负荷管理数传频率",
                      permit={"frequencies": "230.525;230.550", "use": "电力负荷管理系统数据传输", "area": "清远市全境",
                              "usage_rate": "年平均时间占用度不低于 10%", "term_years": 10}))
    for n, (stype, count) in enumerate(PAPER_SMALL):
        kind = next(k for k in SMALL_KINDS if k[0] == stype)
        owner = orgs[2 + n]
        plans.append(Plan("ST-NEW", owner, date(year, 1, 1), _station_rows(rng, owner.name, count, kind, prefix=owner.name[:4]),
                          format="paper", channel="window", summary=f"{kind[1]} {count} 台"))
    for name in AMATEURS:
        person = _applicant(name, rng, kind="person")
        rows = _station_rows(rng, name, 1, ("amateur", "业余电台", "144.640", 16, "16K0F3E", 25, "八重洲 FT-991A",
                                            "2016FP1517"), prefix=name)
        rows[0]["call_sign"] = f"BG7{''.join(rng.choice('ABCDEFGHJKLMNPQRSTUVWXYZ') for _ in range(3))}"
        plans.append(Plan("ST-NEW", person, date(year, 1, 1), rows, format="paper", channel="window",
                          summary="业余无线电台 1 台"))
    for n in range(ELECTRONIC_SMALL):
        kind = SMALL_KINDS[n % len(SMALL_KINDS)]
        owner = orgs[(n + 6) % len(orgs)]
        count = rng.randint(2, 30)
        plans.append(Plan("ST-NEW", owner, date(year, 1, 1), _station_rows(rng, owner.name, count, kind,
                                                                              prefix=f"{owner.name[:4]}{n:02d}"),
                          channel="online" if n % 3 else "window", summary=f"{kind[1]} {count} 台"))
    small = sum(len(p.stations) for p in plans)
    remaining = STATION_TOTAL - small
    weights = [rng.uniform(0.6, 1.4) for _ in range(OPERATOR_BATCHES)]
    sizes = [int(remaining * w / sum(weights)) for w in weights]
    sizes[-1] += remaining - sum(sizes)
    for n, size in enumerate(sizes):
        applicant, short = operators[n % 3]
        rows = _base_stations(rng, short, size, n + 1)
        plans.append(Plan("ST-NEW", applicant, date(year, 1, 1), rows, summary=f"5G 基站 {size} 个（第 {n + 1} 批）"))
    for row in plans[-1].stations[:OPERATOR_PAPER_OVERRIDES]:
        row["format_override"] = "paper"
    # Spread over the year in a shuffled order; a few cases get a deferral, a correction or a clock stop.
    order = plans[2:]
    rng.shuffle(order)
    order = plans[:1] + order[:20] + plans[1:2] + order[20:]
    extra = {3: ("deferred", "site_proof"), 17: ("deferred", "site_proof"), 40: ("deferred", "agent_authorisation"),
             9: ("stop", "testing"), 29: ("stop", "expert_review"), 12: ("correction", "type_approval"),
             45: ("correction", "site_proof")}
    step = (len(days) - 12) / len(order)
    for n, plan in enumerate(order):
        plan.received = days[2 + int(n * step)]
        if n in extra:
            setattr(plan, extra[n][0], extra[n][1])
    return order


def _materials(plan: Plan, item: ServiceItem) -> dict:
    absent = {plan.deferred, plan.correction} - {None}
    return {m.code: ("missing" if m.code in absent else "received", "") for m in item.materials}


def run_case(plan: Plan, items: dict, users: dict, days: list[date], rng) -> Application:
    """One case through the verbs: intake, (correction), acceptance, review, (stop), decision, issue, rating."""
    item = items[plan.item]
    clerk = users["clerk"] if plan.received.toordinal() % 2 else users["clerk2"]
    reviewer = users["reviewer"] if plan.received.toordinal() % 3 else users["reviewer2"]
    window = plan.channel == "window"
    case, _code = intake.submit(item, plan.applicant, channel=plan.channel, single_window=True, visits=1 if window else 0,
                                materials=_materials(plan, item), by=clerk if window else None, on=plan.received,
                                summary=plan.summary, format=plan.format,
                                agent_name=plan.applicant.contact, agent_phone=plan.applicant.phone)
    day = plan.received
    nxt = lambda d: days[days.index(d) + 1]  # noqa: E731 - the next working day of the year
    if plan.correction:
        intake.request_correction(case, items=[{"material": plan.correction, "problem": "材料不清晰，请重新提供加盖公章的扫描件"}],
                                  by=clerk, on=day)
        day = nxt(day)
        intake.resubmit(case, received=[plan.correction], by=None, on=day)
    if plan.stations:
        issuance.add_stations(case, _checked(plan.stations), by=clerk, on=day)
    intake.accept(case, deferred=[plan.deferred] if plan.deferred else [],
                  commitment={"signed_by": plan.applicant.contact} if plan.deferred else None, by=clerk, on=day)
    review.start_review(case, by=reviewer, on=day)
    if plan.deferred:
        day = nxt(day)
        intake.supply(case, plan.deferred, by=clerk, on=day, note=Name(N_("申请人按承诺补齐")))
    if plan.stop:
        review.pause(case, kind=plan.stop, reason="委托检测机构对设备进行检测" if plan.stop == "testing"
                     else "组织专家对频率使用方案进行评审" if plan.stop == "expert_review" else "与相邻地市进行频率协调",
                     expected_days=5, by=reviewer, on=day)
        day = days[days.index(day) + 4]
        review.resume(case, by=reviewer, on=day)
    elif not plan.deferred and rng.random() < 0.6:
        day = nxt(day)            # most cases are decided and issued the working day after acceptance
    review.decide(case, outcome="approve", reason="申请材料齐全，符合法定条件", by=reviewer, on=day)
    issuance.issue(case, format=plan.format, by=reviewer, on=day, permit=plan.permit)
    if window:
        ratings.rate(case, channel="window", level=5, tags=["fast", "friendly"], on=day, window_user=clerk)
    else:
        level = 5 if rng.random() < 0.85 else 4
        ratings.rate(case, channel=rng.choice(["online", "qr", "sms"]), level=level,
                     tags=["online_easy"] if level == 5 else ["quick"], on=day)
    return case


def _checked(rows: list[dict]) -> list[dict]:
    """The generated rows through the same checks as an uploaded station list; per-licence formats kept."""
    checked = validate_rows([{k: v for k, v in r.items() if k != "format_override"} for r in rows])
    for row, original in zip(checked, rows):
        row["format_override"] = original.get("format_override")
    return checked


def open_cases(today: date, items: dict, users: dict, rng, not_before: date) -> list[Application]:
    """A handful of cases in the weeks before today: queues, boards and the at-risk list are not empty."""
    cal = clock.load_calendar()
    clerk, reviewer = users["clerk"], users["reviewer"]

    def back(n: int) -> date:
        """n working days before today (never inside the demo year, so its figures stay as reported)."""
        day = today
        for _ in range(n):
            day = _previous(cal, day)
        return max(day, not_before)

    people = [_applicant(name, rng) for name in ("清远市城市管理和综合执法局", "清远市第一中学", "清远市顺达物流有限公司",
                                                   "阳山县人民医院", "清远市公共交通集团有限公司（第二车队）")]
    made = []
    # 1. accepted with a deferred material falling due in two working days
    case = _open(items["ST-NEW"], people[0], back(8), clerk, deferred="site_proof", rng=rng)
    intake.accept(case, deferred=["site_proof"], commitment={"signed_by": "周科长", "due_on": cal.add(today, 2)},
                  by=clerk, on=back(8))
    made.append(case)
    # 2. under review, clock stopped for an expert review
    case = _open(items["FP-NEW"], people[1], back(10), clerk, rng=rng)
    intake.accept(case, by=clerk, on=back(10))
    review.start_review(case, by=reviewer, on=back(9))
    review.pause(case, kind="expert_review", reason="组织专家对校园广播频率方案进行评审", expected_days=15, by=reviewer,
                 on=back(5))
    made.append(case)
    # 3. overdue: accepted five weeks ago, still under review past the statutory limit
    case = _open(items["FP-NEW"], people[2], back(24), clerk, rng=rng)
    intake.accept(case, by=clerk, on=back(24))
    review.start_review(case, by=reviewer, on=back(22))
    made.append(case)
    # 4. waiting at the window, 5. waiting for a correction
    made.append(_open(items["ST-NEW"], people[3], back(1), None, rng=rng))
    case = _open(items["ST-NEW"], people[4], back(3), clerk, deferred="emc_report", rng=rng)
    intake.request_correction(case, items=[{"material": "emc_report", "problem": "请补充电磁兼容分析报告"}], by=clerk,
                              on=back(3))
    made.append(case)
    for case in made:
        clock.refresh(case, today)
    return made


def _previous(cal, day: date) -> date:
    day = date.fromordinal(day.toordinal() - 1)
    while not cal.is_workday(day):
        day = date.fromordinal(day.toordinal() - 1)
    return day


def _open(item, applicant, on, clerk, *, rng, deferred=None) -> Application:
    materials = {m.code: ("missing" if m.code == deferred else "received", "") for m in item.materials}
    case, _code = intake.submit(item, applicant, channel="window" if clerk else "online", single_window=True,
                                visits=1 if clerk else 0, materials=materials, by=clerk, on=on,
                                summary="演示：在办案件")
    if item.licence_kind == "station_licence":
        kind = SMALL_KINDS[0]
        issuance.add_stations(case, _checked(_station_rows(rng, applicant.name, 3, kind, prefix=applicant.name[:4])),
                              by=clerk or db.session.scalar(select(User).where(User.username == "clerk")), on=on)
    return case


def build(year: int, today: date, *, force: bool = False, seed: int = 2024) -> dict:
    """Build the year and the open cases; the caller commits. Refuses a database with cases unless `force`."""
    if not force and db.session.scalar(select(func.count()).select_from(Application)):
        raise DemoRefused("数据库中已有办件，演示数据不会覆盖它们（使用 --force 仍然加载）。")
    rng = random.Random(seed)
    created: list = []
    users = demo_users(today, created)
    items = {i.code: i for i in db.session.scalars(select(ServiceItem))}
    cal = clock.load_calendar()
    days = working_days(cal, year)
    cases = [run_case(plan, items, users, days, rng) for plan in plan_year(year, rng, days)]
    # The year is history: its rating invitations went out back then.
    db.session.execute(update(OutboxMessage).where(OutboxMessage.application_id.in_([c.id for c in cases]))
                       .values(sent_at=OutboxMessage.created_at), execution_options={"synchronize_session": False})
    opened = open_cases(today, items, users, rng, not_before=date(year + 1, 1, 2))
    return {"cases": len(cases), "open": len(opened), "created_users": created}
