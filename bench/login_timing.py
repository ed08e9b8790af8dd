"""Login timing of the three kinds of account (issue 15): unknown, disabled, active with a wrong password.

Runs the real login form with the production password method (scrypt N=2^17) on a throwaway SQLite
database; prints the median of N tries each and the spread between the kinds (target: within 10 %).

    .venv/bin/python bench/login_timing.py [N]
"""
import sys
import tempfile
import time
from pathlib import Path

from radiolic import create_app
from radiolic.workflow import accounts
from radiolic.extensions import db
from radiolic.models.base import utcnow

PASSWORD = "a long enough passphrase 93"


def median(values: list[float]) -> float:     # (bench/statistics.py shadows the standard module here)
    ordered, mid = sorted(values), len(values) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def main(n: int = 50) -> dict:
    folder = Path(tempfile.mkdtemp())
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite'}", "SECRET_KEY": "bench",
                      "WTF_CSRF_ENABLED": False, "THROTTLE_PAIR_FREE_FAILURES": 10**6,
                      "THROTTLE_KEY_FREE_FAILURES": 10**6, "THROTTLE_ADDRESS_FREE_FAILURES": 10**6,
                      "UPLOAD_FOLDER": str(folder / "up"), "SIGNING_KEY_PATH": str(folder / "k.pem")})
    with app.app_context():
        db.create_all()
        for name, active in (("active1", True), ("disabled1", False)):
            user = accounts.create(name, role="clerk", display_name=name, password=PASSWORD, by=None,
                                   on=utcnow().date(), note="bench")
            user.active = active
        db.session.commit()
    client = app.test_client()
    client.post("/auth/login", data={"username": "warm-up", "password": "x"})     # the dummy hash, computed once
    kinds = {"unknown": "nobody-here", "disabled": "disabled1", "active": "active1"}
    times = {k: [] for k in kinds}
    for _ in range(n):
        for kind, name in kinds.items():
            started = time.perf_counter()
            response = client.post("/auth/login", data={"username": name, "password": "wrong password 1"})
            times[kind].append(time.perf_counter() - started)
            assert response.status_code == 200
    medians = {k: median(v) * 1000 for k, v in times.items()}
    spread = (max(medians.values()) - min(medians.values())) / min(medians.values())
    for kind, ms in medians.items():
        print(f"{kind:9s} median {ms:7.1f} ms  (n={n})")
    print(f"spread    {spread * 100:5.1f} %  (target: within 10 %)")
    return {"medians_ms": medians, "spread": spread}


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
