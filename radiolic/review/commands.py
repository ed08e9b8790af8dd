"""`flask --app radiolic review clocks`: restate the stored deadlines of open cases (run daily from cron)."""
from datetime import date

import click
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..office_date import date_option
from ..extensions import db
from ..office_date import today
from ..models import Application
from ..models.cases import TERMINAL_STATES
from ..workflow import clock

review_cli = AppGroup("review", help="Review and the statutory clocks.")


def restate_open_clocks(on: date) -> tuple[int, int]:
    """Refresh the stored clock columns of every accepted open case; return (cases, changed due dates).

    A paused case's deadlines move every working day it stays paused, and the statistics and the home
    page read the stored columns: this keeps them current without an event (nothing happened to the case).
    """
    cal, seen, changed = clock.load_calendar(), 0, 0
    query = select(Application).where(Application.accepted_on.is_not(None),
                                      Application.state.not_in(TERMINAL_STATES)).options(
        selectinload(Application.clock_stops))
    for case in db.session.scalars(query):
        before = (case.due_promised, case.due_statutory, case.due_issue)
        clock.refresh(case, on, cal)
        seen += 1
        changed += before != (case.due_promised, case.due_statutory, case.due_issue)
    return seen, changed


@review_cli.command("clocks")
@date_option
def clocks_command(on):
    """Recompute the deadlines of open cases from their events (after a calendar fix, or daily)."""
    from ..workflow.calendar import restate_after_upgrade
    day = on or today()
    # A newly installed chinesecalendar year first: those cases get a timeline entry (old → new).
    upgraded, moved = restate_after_upgrade(day)
    seen, changed = restate_open_clocks(day)
    db.session.commit()
    click.echo(f"{day.isoformat()}：重算 {seen} 件在办案件的期限，{changed} 件的届满日有变化。")
    if upgraded:
        click.echo(f"其中 {upgraded} 件的暂定期限已按新公布的放假安排重算，{moved} 件有变化（已记入办理过程）。")


commands: list = [review_cli]
