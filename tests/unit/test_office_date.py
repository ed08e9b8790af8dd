"""One office date: `radiolic.office_date.today()` for web and CLI; every daily command takes `--date`."""
from datetime import date

import pytest
from sqlalchemy import select

from radiolic import office_date
from radiolic.extensions import db
from radiolic.models import Checkpoint
from tests.conftest import TODAY

DAILY_COMMANDS = [
    ["deferrals", "check"], ["review", "clocks"], ["calendar", "status"], ["calendar", "restate"],
    ["licences", "check"], ["licences", "archive"], ["ratings", "invite"], ["register", "publish"],
    ["audit", "checkpoint"],
]


def test_today_is_the_office_date(app):
    with app.app_context():
        assert office_date.today() == TODAY


@pytest.mark.parametrize("command", DAILY_COMMANDS, ids=" ".join)
def test_daily_command_takes_date(app, command):
    result = app.test_cli_runner().invoke(args=[*command, "--help"])
    assert result.exit_code == 0 and "--date" in result.output


def test_bad_date_is_refused(app):
    result = app.test_cli_runner().invoke(args=["licences", "check", "--date", "2024-13-40"])
    assert result.exit_code != 0 and "--date" in result.output


def test_licences_check_runs_on_the_given_date(app):
    result = app.test_cli_runner().invoke(args=["licences", "check", "--date", "2031-05-06"])
    assert result.exit_code == 0 and result.output.startswith("2031-05-06")
    default = app.test_cli_runner().invoke(args=["licences", "check"])
    assert default.output.startswith(TODAY.isoformat())


def test_checkpoint_on_the_given_date(app):
    result = app.test_cli_runner().invoke(args=["audit", "checkpoint", "--date", "2030-02-03"])
    assert result.exit_code == 0
    with app.app_context():
        assert db.session.scalars(select(Checkpoint.on)).all() == [date(2030, 2, 3)]
