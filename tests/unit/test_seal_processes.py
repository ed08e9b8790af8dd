"""SEAL_PROCESSES: a shared host can sign licence batches in the issuing process instead of on every core."""
import pytest

from radiolic.issuance import sealing
from radiolic.extensions import db
from radiolic.models import Licence, User
from radiolic.workflow import issuance
from tests.conftest import TODAY
from tests.issuance_cases import approved_with_stations, get_case


@pytest.mark.parametrize("setting, load, forks", [(1, 0.2, False), (0, 0.2, True), (0, 6.0, False), (2, 6.0, True)])
def test_seal_processes_setting(make_app, make_case, make_user, monkeypatch, setting, load, forks):
    """Set, it decides; unset (0), the signers fork only onto cores the load average shows free."""
    app = make_app(SEAL_PROCESSES=setting)
    number = approved_with_stations(app, make_case, make_user, 3)
    reviewer = make_user("reviewer")
    pools = []

    class Recording(sealing.ProcessPoolExecutor):
        def __init__(self, *args, **kwargs):
            pools.append(args)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(sealing, "PARALLEL_SEAL_MIN", 2)
    monkeypatch.setattr(sealing, "ProcessPoolExecutor", Recording)
    monkeypatch.setattr(sealing.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(issuance.os, "getloadavg", lambda: (load, load, load))
    with app.app_context():
        issuance.issue(get_case(number), format="electronic", by=db.session.get(User, reviewer.id), on=TODAY)
        db.session.commit()
        licences = db.session.query(Licence).all()
        assert len(licences) == 3 and all(sealing.check(lic).ok for lic in licences)
    assert bool(pools) is forks
