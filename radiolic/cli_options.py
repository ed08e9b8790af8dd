"""Options shared by the daily commands."""
import click


def office_date_option(command):
    """`--date YYYY-MM-DD`, passed to the command as `on` (a date, or None for today in China)."""
    def to_date(_ctx, _param, value):
        return value.date() if value else None
    return click.option("--date", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                        callback=to_date, help="office date YYYY-MM-DD (default: today in China)")(command)
