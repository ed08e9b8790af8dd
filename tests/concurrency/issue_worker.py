"""A separate process that issues one case's licences (run by the concurrency tests, configured by RADIOLIC_* vars).

Prints "ready", waits for the go-file, issues in one transaction and commits; CRASH_AT kills it at a named point.
"""
import os
import sys
import time

from sqlalchemy import select

from radiolic import create_app
from radiolic.extensions import db
from radiolic.models import Application, User
from radiolic.office_date import today
from radiolic.workflow import issuance


def main(number: str, username: str, go_file: str) -> None:
    app = create_app()
    with app.app_context():
        print("ready", flush=True)
        while not os.path.exists(go_file):
            time.sleep(0.005)
        case = db.session.scalar(select(Application).where(Application.number == number))
        user = db.session.scalar(select(User).where(User.username == username))
        result = issuance.issue(case, format="electronic", by=user, on=today())
        issuance.crash_point("worker:before_commit")
        db.session.commit()
        issuance.crash_point("worker:after_commit")
        print(f"issued {result.count} {result.first_number} {result.last_number}", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
