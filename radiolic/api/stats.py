"""GET /stats?from=&to=: the indicators of domain.md §5 under their own names."""
from datetime import date

from flask import jsonify, request

from .. import indicators
from ..access import api_roles
from ..office_date import today
from . import bp
from .. import inputs as layer
from .errors import ApiError
from .inputs import iso_date, invalid

BREAKDOWNS = ("item", "channel", "reviewer", "month")


PARAMETERS = ("from", "to", "year")


def period_from_args(args, on: date) -> tuple[date, date]:
    """The [from, to] of a query string: `from`/`to` (default: this year up to today) or a whole `year`.

    Refuses bad or reversed dates, a year outside the supported years, `year` together with dates, and
    any parameter it does not know (naming it)."""
    try:
        layer.only_args(args, PARAMETERS)
        year = layer.arg_int(args, "year", low=layer.SUPPORTED_YEARS[0], high=layer.SUPPORTED_YEARS[1])
    except layer.InputError as err:
        code = "invalid" if err.field == "year" else "bad_request"
        raise ApiError(422 if err.field == "year" else 400, code, err.message, {err.field: err.message}) from None
    if year is not None:
        if args.get("from") or args.get("to"):
            raise invalid("year", "year 不能与 from/to 同时使用。")
        return date(year, 1, 1), date(year, 12, 31)
    start = iso_date(args, "from") or date(on.year, 1, 1)
    end = iso_date(args, "to") or on
    if start > end:
        raise invalid("from", "开始日期不能晚于结束日期。")
    return start, end


@bp.get("/stats")
@api_roles("supervisor")
def stats():
    on = today()
    start, end = period_from_args(request.args, on)
    figures = indicators.compute(start, end, on)
    figures["breakdowns"] = {f"by_{name}": indicators.breakdown(name, start, end) for name in BREAKDOWNS}
    return jsonify(figures)


_RATE = {"type": "number", "nullable": True, "minimum": 0, "maximum": 1}
OPENAPI = {"/stats": {"get": {
    "summary": "The audited indicators of a period (domain.md §5)", "tags": ["statistics"],
    "description": "Rates are fractions in [0, 1], null where the denominator is 0. `completed` counts cases that "
                   "reached issued, rejected, not_accepted, withdrawn or terminated, dated by completion. "
                   "Percentiles: median (mean of the middle two), p90 by nearest rank. Breakdowns by item, channel, "
                   "reviewer and month follow.",
    "parameters": [
        {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"},
         "description": "first day (default: 1 January of this year)"},
        {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"},
         "description": "last day, inclusive (default: today)"},
        {"name": "year", "in": "query", "schema": {"type": "integer", "minimum": 2000, "maximum": 2100},
         "description": "a whole calendar year instead of from/to"}],
    "responses": {
        "200": {"description": "The indicators", "content": {"application/json": {"schema": {
            "type": "object", "properties": {
                "cases": {"type": "object", "properties": {k: {"type": "integer"} for k in (
                    "received", "accepted", "accepted_with_deferral", "completed")}},
                "permits_issued": {"type": "integer"},
                "station_licences_issued": {"type": "object", "properties": {
                    k: {"type": "integer"} for k in ("total", "paper", "electronic")}},
                "single_window_rate": _RATE, "zero_trip_item_rate": _RATE, "zero_trip_case_rate": _RATE,
                "time_reduction_rate": _RATE, "actual_time_reduction_rate": _RATE,
                "online_depth": {"type": "object", "properties": {
                    "min_level": {"type": "integer", "nullable": True}, "level4_item_rate": _RATE}},
                "turnaround_workdays": {"type": "object", "properties": {
                    k: {"type": "number", "nullable": True} for k in ("mean", "median", "p90")}},
                "on_time_rate": {"type": "object", "properties": {"promised": _RATE, "statutory": _RATE,
                                                                  "unextended": _RATE}},
                "extended_cases": {"type": "integer", "description": "completed cases with an Art. 42 extension"},
                "deemed_accepted_cases": {"type": "integer",
                                          "description": "completed cases deemed accepted from receipt (Art. 32)"},
                "deferrals": {"type": "object", "properties": {k: {"type": "integer"} for k in (
                    "cases", "materials", "supplied_on_time", "overdue", "terminated")}},
                "ratings": {"type": "object", "properties": {
                    "count": {"type": "integer"}, "coverage": _RATE, "very_satisfied_rate": _RATE,
                    "window_very_satisfied_rate": _RATE, "good_rate": _RATE, "bad": {"type": "integer"},
                    "bad_rectified_on_time_rate": _RATE, "defaulted": {"type": "integer"}}},
                "first_time_right_rate": _RATE,
                "breakdowns": {"type": "object"}}}}}},
        "400": {"description": "An unknown query parameter (named in `fields`)", "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Error"}}}},
        "401": {"description": "No valid token"}, "403": {"description": "Not a supervisor"},
        "422": {"description": "A bad or reversed date", "content": {"application/json": {"schema": {
            "$ref": "#/components/schemas/Error"}}}}}}}}
