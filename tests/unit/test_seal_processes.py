"""SEAL_PROCESSES: a shared host can sign licence batches in the issuing process instead of on every core."""
import pytest

from radiolic.issuance import sealing
from radiolic.extensions import db
from radiolic.models import Licence, User
from radiolic.workflow import issuance
from tests.conftest import TODAY
from tests.issuance_cases import approved_with_stations, get_case


@pytest.mark.parametrize("setting, load, idle, forks", [
    (1, 0.2, 1.0, False), (0, 0.2, 1.0, True), (2, 6.0, 0.0, True),
    (0, 0.2, 0.3, False),        # the load average lags: the host has just got busy
    (0, 6.0, 1.0, True),         # ...or has just become idle
    (0, 0.2, None, True), (0, 6.0, None, False),     # no measure of idle time: the load average decides
])
def test_seal_processes_setting(make_app, make_case, make_user, monkeypatch, setting, load, idle, forks):
    """Set, it decides; unset (0), the signers fork only onto a core the host left idle since the batch began
    (or, without that measure, one the load average shows free)."""
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
    monkeypatch.setattr(issuance.os, "sched_getaffinity", lambda _pid: {0, 1})
    monkeypatch.setattr(issuance, "_idle_cores", lambda since: idle)
    with app.app_context():
        issuance.issue(get_case(number), format="electronic", by=db.session.get(User, reviewer.id), on=TODAY)
        db.session.commit()
        licences = db.session.query(Licence).all()
        assert len(licences) == 3 and all(sealing.check(lic).ok for lic in licences)
    assert bool(pools) is forks


def test_idle_cores_from_the_host_cpu_time(monkeypatch):
    """Two CPU-seconds left idle over one second: two cores free; too short a window tells nothing."""
    marks = iter([(11.0, 502.0)])
    monkeypatch.setattr(issuance, "idle_mark", lambda: next(marks))
    assert issuance._idle_cores((10.0, 500.0)) == pytest.approx(2.0)
    monkeypatch.setattr(issuance, "idle_mark", lambda: (10.01, 500.0))
    assert issuance._idle_cores((10.0, 500.0)) is None
    assert issuance._idle_cores(None) is None
