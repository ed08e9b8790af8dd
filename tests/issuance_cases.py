"""Station lists and cases ready for issuing, shared by the issuance tests (unit, web, api, browser, concurrency)."""
from sqlalchemy import select

from radiolic.extensions import db
from radiolic.models import Application, User
from radiolic.issuance.station_import import COLUMNS, validate_rows

from .conftest import TODAY

DISTRICTS = ("清城区", "清新区", "英德市", "连州市", "佛冈县")


def station_rows(n: int, prefix: str = "清远基站") -> list[dict]:
    """`n` valid, distinct station rows as the import produces them."""
    raw = []
    for i in range(n):
        raw.append({
            "station_name": f"{prefix}{i + 1:05d}", "station_type": "public_mobile_base",
            "address": f"广东省清远市{DISTRICTS[i % len(DISTRICTS)]}北江路 {i + 1} 号楼顶",
            "longitude": round(113.0 + (i % 997) * 0.0007, 6), "latitude": round(23.6 + (i // 997) * 0.001, 6),
            "altitude_m": 30, "tx_mhz": "1885-1915;2010-2025", "rx_mhz": "1885-1915", "bandwidth_khz": 20000,
            "emission": "20M0G7W", "power_w": 40, "antenna_gain_dbi": 15.5, "antenna_height_m": 30,
            "azimuth_deg": (i * 37) % 360, "equipment_model": "RRU-8T8R-F", "type_approval_code": "2019CP1234",
            "call_sign": None})
    return validate_rows(raw)


def station_csv(n: int, prefix: str = "清远基站") -> bytes:
    lines = [",".join(COLUMNS)]
    for row in station_rows(n, prefix):
        lines.append(",".join("" if row[c] is None else str(row[c]) for c in COLUMNS))
    return ("\n".join(lines) + "\n").encode("utf-8")


def station_xlsx(n: int, prefix: str = "清远基站") -> bytes:
    import io

    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(COLUMNS))
    for row in station_rows(n, prefix):
        ws.append([row[c] for c in COLUMNS])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def get_case(number: str) -> Application:
    return db.session.scalar(select(Application).where(Application.number == number))


def approved_with_stations(app, make_case, make_user, n: int = 3, *, item_code: str = "ST-NEW", applicant_id=None,
                           reviewer=None, prefix: str = "清远基站", refuse: tuple = ()) -> str:
    """A station-licence case with `n` stations, approved (minus the station names in `refuse`)."""
    from radiolic.workflow import issuance, review
    reviewer = reviewer or make_user("reviewer")
    number = make_case(item_code, "under_review", reviewer=reviewer, applicant_id=applicant_id)
    with app.app_context():
        case, by = get_case(number), db.session.get(User, reviewer.id)
        issuance.add_stations(case, station_rows(n, prefix), by=by, on=TODAY)
        review.decide(case, outcome="approve", reason="符合条件", by=by, on=TODAY,
                      refused_stations=[{"station": s, "reason": "频率干扰"} for s in refuse])
        db.session.commit()
    return number


PERMIT = {"frequencies": "351.0125;351.0375", "use": "出租车调度通信", "area": "清远市清城区、清新区",
          "usage_rate": "忙时信道占用率不低于 30%", "term_years": 5}


def issued_with_stations(app, make_case, make_user, n: int = 1, *, format: str = "electronic", reviewer=None,
                         valid_until=None, **options) -> str:
    """A station-licence case with `n` stations, approved and issued by a reviewer (options as approved_with_stations)."""
    from radiolic.workflow import issuance
    reviewer = reviewer or make_user("reviewer")
    number = approved_with_stations(app, make_case, make_user, n, reviewer=reviewer, **options)
    with app.app_context():
        issuance.issue(get_case(number), format=format, by=db.session.get(User, reviewer.id), on=TODAY,
                       valid_until=valid_until)
        db.session.commit()
    return number
