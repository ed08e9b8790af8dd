"""The office's date: `today()` for the web, the API, the jobs and the CLI, and the CLI's `--date` option."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

import click
from flask import current_app

CHINA = ZoneInfo("Asia/Shanghai")


def today() -> date:
    """The office's date, read once at the edge and passed down (tests may fix it with FIXED_TODAY)."""
    fixed = current_app.config.get("FIXED_TODAY")
    if fixed:
        return fixed if isinstance(fixed, date) else date.fromisoformat(fixed)
    return datetime.now(CHINA).date()


def date_option(command):
    """`--date YYYY-MM-DD` for a daily command, passed to it as `on` (a date, or None: `on or today()`)."""
    def to_date(_ctx, _param, value):
        return value.date() if value else None
    return click.option("--date", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                        callback=to_date, help="office date YYYY-MM-DD (default: today in China)")(command)
