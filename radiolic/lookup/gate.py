"""The applicant's key: application number + query code, checked under per-case and per-address limits."""
import unicodedata
from datetime import datetime, timedelta

from flask import current_app, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from .. import throttle
from ..database import reading
from ..extensions import db
from ..models import Application, Attempt
from ..models.base import utcnow
from ..workflow.intake import QUERY_HASH_METHOD
from .forms import LookupForm
from ..texts import N_

NUMBER_MAX = 24
CODE_MAX = 32
# Checked when the number is unknown, so an unknown number costs the same hash as a wrong code.
_DUMMY = generate_password_hash("radiolic-no-such-case", QUERY_HASH_METHOD)
FAILED = "申请编号或查询码不正确。"
LIMITED = N_("查询失败次数过多，请 %(wait)s后再试；如忘记查询码，请携带身份证明到窗口重置。")


class TooManyAttempts(Exception):
    """Refused before the code is checked: this address must wait `wait` seconds (radiolic.throttle)."""

    def __init__(self, wait: int):
        super().__init__(wait)
        self.wait = wait


def limited_message(err: "TooManyAttempts") -> str:
    return _(LIMITED, wait=throttle.wait_text(err.wait))


def normalise(raw, limit: int) -> str:
    # Full-width input from Chinese IMEs folds to ASCII; spaces and dashes people type are dropped.
    text = unicodedata.normalize("NFKC", raw if isinstance(raw, str) else "")
    return "".join(c for c in text if c not in " -\t").upper()[:limit]


def address() -> str:
    return (request.remote_addr or "-")[:64]


def check(number_raw, code_raw, addr: str) -> Application | None:
    """Return the case when number and code match, else None — alike for an unknown number and a wrong code.

    The try is charged in one short write (radiolic.throttle.charge: count the failures, record this try
    as one) before the code is hashed, so parallel guesses in other workers and hosts see it at once; the
    hashing happens outside any transaction; a match turns the charged try into a success.
    """
    number = matched(number_raw, code_raw, addr)
    return db.session.scalar(select(Application).where(Application.number == number)) if number else None


def matched(number_raw, code_raw, addr: str) -> str | None:
    """`check` without loading the case: the normalised number when number and code match, else None.

    Three short transactions: a read of the stored hash (no lock), the charge (one write), and after the
    hashing — outside any transaction — the success (one write). The sign-in page needs no more than the number.
    """
    number, code = normalise(number_raw, NUMBER_MAX), normalise(code_raw, CODE_MAX)
    stored = None
    if number:
        with reading():
            stored = db.session.scalar(select(Application.query_hash).where(Application.number == number))
    try:
        attempt_id = throttle.charge("lookup", number or "-", addr)
    except throttle.Throttled as err:
        raise TooManyAttempts(err.wait) from None
    ok = check_password_hash(stored or _DUMMY, code) and stored is not None
    if not ok:
        return None
    throttle.succeeded(attempt_id)
    db.session.commit()
    g.lookup_grant = attempt_id
    return number


def sign_in_page(template: str, endpoint: str):
    """The number + query code form of a public page (status lookup, QR rating): on a match go to `endpoint`.

    A refusal shows a fresh form: nothing typed is echoed, so an unknown number and a wrong code give the same page.
    """
    form = LookupForm()
    if not form.validate_on_submit():
        return render_template(template, form=form, error=None)
    try:
        number = matched(form.number.data, form.query_code.data, address())
    except TooManyAttempts as err:
        return render_template(template, form=LookupForm(formdata=None), error=limited_message(err)), 429
    if number is None:
        return render_template(template, form=LookupForm(formdata=None), error=_(FAILED))
    remember(number)
    return redirect(url_for(endpoint, number=number))


# --- the applicant's session: the code is checked once, then only the number travels ----------------------

def remember(number: str, grant: int | None = None) -> None:
    """Open the applicant's session for `number` on the server (a successful lookup row) and in the cookie.

    `grant` is the id of the lookup that succeeded; without one (an online application just filed) a grant
    is recorded here and committed.
    """
    grant = grant or g.pop("lookup_grant", None)
    if grant is None:
        row = Attempt(scope="lookup", key=number, address=address(), ok=True)
        db.session.add(row)
        db.session.commit()
        grant = row.id
    cases = {k: v for k, v in (session.get("applicant_cases") or {}).items() if isinstance(v, list)}
    cases[number] = [utcnow().isoformat(), grant]
    session["applicant_cases"] = dict(sorted(cases.items(), key=lambda kv: kv[1][0])[-5:])


def _grant(number: str) -> int | None:
    """The grant (successful lookup id) the cookie holds for this case, if within APPLICANT_SESSION_MINUTES."""
    seen = (session.get("applicant_cases") or {}).get(number)
    if not isinstance(seen, list) or len(seen) != 2 or not isinstance(seen[1], int):
        return None
    try:
        at = datetime.fromisoformat(seen[0])
    except (TypeError, ValueError):
        return None
    minutes = current_app.config["APPLICANT_SESSION_MINUTES"]
    if utcnow() - at > timedelta(minutes=minutes):
        return None
    return seen[1]


def open_grant(grant, number):
    return select(Attempt.id).where(Attempt.id == grant, Attempt.scope == "lookup", Attempt.key == number,
                                    Attempt.ok.is_(True), Attempt.closed.is_(False))


def authorised(number: str) -> bool:
    """The cookie names this case, within APPLICANT_SESSION_MINUTES, and its grant is still open on the server."""
    grant = _grant(number)
    return grant is not None and db.session.scalar(open_grant(grant, number)) is not None


def authorised_case(number: str, *options) -> Application | None:
    """The case the applicant's session has opened (`options`: loader options, e.g. the status page's eager loads).

    One query: the grant's check is a condition of the case's own SELECT.
    """
    number = normalise(number, NUMBER_MAX)
    grant = _grant(number)
    if grant is None:
        return None
    return db.session.scalar(select(Application).where(Application.number == number,
                                                       open_grant(grant, number).exists()).options(*options))


def forget_all() -> None:
    """"退出查询": close the grants on the server too, so a copied cookie no longer opens the cases (caller commits)."""
    grants = [v[1] for v in (session.get("applicant_cases") or {}).values()
              if isinstance(v, list) and len(v) == 2 and isinstance(v[1], int)]
    if grants:
        db.session.execute(update(Attempt).where(Attempt.id.in_(grants), Attempt.scope == "lookup")
                           .values(closed=True))
    session.pop("applicant_cases", None)
