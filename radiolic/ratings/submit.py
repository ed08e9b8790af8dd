"""A rating from the applicant's side (QR page, SMS link, status page): the form checked, the verb run once."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Application
from ..office_date import today
from ..views_common import refusal, run_verb
from ..workflow import ratings as verbs
from .forms import RatingForm


def refused():
    """A staff session never rates: ratings are the applicant's own (domain.md §4)."""
    return render_template("ratings/refused.html"), 403


def submit_rating(case: Application, channel: str, *, on_error, done: str):
    """Validate the rating form and rate; shared by the status page, the QR page and the SMS link."""
    if current_user.is_authenticated:
        return refused()
    form = RatingForm()
    if not form.validate_on_submit():
        return on_error(_("请选择评价等级。"))
    try:
        run_verb(lambda: verbs.rate(case, channel=channel, level=form.level.data, tags=form.tags.data or (),
                                    comment=form.comment.data or "", on=today()),
                 flash_refusal=False, again=lambda: on_error(refusal().translated()))
    except IntegrityError:
        db.session.rollback()     # a parallel online rating won the race
        return on_error(_("本案已网上评价过，每个案件只能网上评价一次。"))
    if done != url_for("ratings.thanks"):     # the thanks page says it itself: once is enough
        flash(_("感谢您的评价！"), "success")
    return redirect(done)
