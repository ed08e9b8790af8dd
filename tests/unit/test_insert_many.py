"""issuance.insert_many (SQLite's executemany of tuples) stores what SQLAlchemy's Core insert stores."""
from sqlalchemy import insert, select

from radiolic.extensions import db
from radiolic.models import Licence, User
from radiolic.workflow import issuance
from tests.conftest import TODAY
from tests.issuance_cases import approved_with_stations, get_case


def test_insert_many_matches_core_insert(make_app, make_case, make_user):
    app = make_app(SEAL_PROCESSES=1)
    number = approved_with_stations(app, make_case, make_user, 3)
    reviewer = make_user("reviewer")
    with app.app_context():
        issuance.issue(get_case(number), format="electronic", by=db.session.get(User, reviewer.id), on=TODAY)
        db.session.commit()
        table = Licence.__table__
        stored = [dict(r) for r in db.session.execute(select(table).order_by(table.c.id)).mappings()]
        # the columns a station licence leaves out (the permit's) got their defaults, dates their stored form
        assert all(r["frequencies"] == "" and r["use"] == "" and r["issued_on"] == TODAY for r in stored)
        given = [{k: v for k, v in r.items() if k not in ("id", "frequencies", "use", "area", "usage_rate")}
                 for r in stored]
        for r in given:
            r["number"], r["verify_code"] = r["number"] + "X", r["verify_code"] + "X"
        again = [{**r, "number": r["number"] + "Y", "verify_code": r["verify_code"] + "Y"} for r in given]
        issuance.insert_many(table, given)
        db.session.execute(insert(table), again)
        ours = db.session.execute(select(table).where(table.c.number.like("%X")).order_by(table.c.id)).mappings().all()
        core = db.session.execute(select(table).where(table.c.number.like("%Y")).order_by(table.c.id)).mappings().all()
        strip = ("id", "number", "verify_code")
        assert [{k: v for k, v in r.items() if k not in strip} for r in ours] == \
               [{k: v for k, v in r.items() if k not in strip} for r in core]
        assert len(ours) == 3
        db.session.rollback()
