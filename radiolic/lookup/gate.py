"""The applicant's key: application number + query code, checked under per-case and per-address limits."""
import unicodedata
from datetime import datetime, timedelta

from flask import current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from .. import throttle
from ..database import serialise
from ..extensions import db
from ..models import Application, Attempt
from ..models.base import utcnow
from ..workflow.intake import QUERY_HASH_METHOD
from .forms import LookupForm

LOOKUP_LOCK_KEY = 7260010       # pg advisory lock serialising the count-then-charge of attempts
NUMBER_MAX = 24
CODE_MAX = 32
# Checked when the number is unknown, so an unknown number costs the same hash as a wrong code.
_DUMMY = generate_password_hash("radiolic-no-such-case", QUERY_HASH_METHOD)
FAILED = "申请编号或查询码不正确。"
LIMITED = "查询失败次数过多，请一小时后再试；如忘记查询码，请携带身份证明到窗口重置。"


class TooManyAttempts(Exception):
    """Refused before the code is checked: the case or the address has used up its failed attempts."""


def normalise(raw, limit: int) -> str:
    # Full-width input from Chinese IMEs folds to ASCII; spaces and dashes people type are dropped.
    text = unicodedata.normalize("NFKC", raw if isinstance(raw, str) else "")
    return "".join(c for c in text if c not in " -\t").upper()[:limit]


def address() -> str:
    return (request.remote_addr or "-")[:64]


def check(number_raw, code_raw, addr: str) -> Application | None:
    """Return the case when number and code match, else None — alike for an unknown number and a wrong code.

    Commits its own attempt rows: each try is charged as a failure *before* the code is checked,
    inside one write transaction, so parallel guesses in other workers and hosts see it at once.
    """
    number, code = normalise(number_raw, NUMBER_MAX), normalise(code_raw, CODE_MAX)
    hour = timedelta(hours=1)
    serialise(LOOKUP_LOCK_KEY)
    if (throttle.failures("lookup", number, hour) >= current_app.config["LOOKUP_FAILS_PER_HOUR"]
            or throttle.failures("lookup_ip", addr, hour) >= current_app.config["LOOKUP_FAILS_PER_ADDRESS_HOUR"]):
        db.session.rollback()
        raise TooManyAttempts()
    charged = [Attempt(scope="lookup", key=number, ok=False), Attempt(scope="lookup_ip", key=addr, ok=False)]
    db.session.add_all(charged)
    db.session.commit()
    case = db.session.scalar(select(Application).where(Application.number == number)) if number else None
    ok = check_password_hash(case.query_hash if case is not None else _DUMMY, code) and case is not None
    if ok:
        for attempt in charged:
            attempt.ok = True
        db.session.commit()
    else:
        db.session.rollback()
    return case if ok else None


def sign_in_page(template: str, endpoint: str):
    """The number + query code form of a public page (status lookup, QR rating): on a match go to `endpoint`.

    A refusal shows a fresh form: nothing typed is echoed, so an unknown number and a wrong code give the same page.
    """
    form = LookupForm()
    if not form.validate_on_submit():
        return render_template(template, form=form, error=None)
    try:
        case = check(form.number.data, form.query_code.data, address())
    except TooManyAttempts:
        return render_template(template, form=LookupForm(formdata=None), error=_(LIMITED)), 429
    if case is None:
        return render_template(template, form=LookupForm(formdata=None), error=_(FAILED))
    remember(case.number)
    return redirect(url_for(endpoint, number=case.number))


# --- the applicant's session: the code is checked once, then only the number travels ----------------------

def remember(number: str) -> None:
    cases = dict(session.get("applicant_cases") or {})
    cases[number] = utcnow().isoformat()
    session["applicant_cases"] = dict(sorted(cases.items(), key=lambda kv: kv[1])[-5:])


def authorised(number: str) -> bool:
    seen = (session.get("applicant_cases") or {}).get(number)
    if not seen:
        return False
    minutes = current_app.config["APPLICANT_SESSION_MINUTES"]
    return utcnow() - datetime.fromisoformat(seen) <= timedelta(minutes=minutes)


def authorised_case(number: str) -> Application | None:
    number = normalise(number, NUMBER_MAX)
    if not authorised(number):
        return None
    return db.session.scalar(select(Application).where(Application.number == number))


def forget_all() -> None:
    session.pop("applicant_cases", None)
