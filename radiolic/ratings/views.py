"""Ratings: QR, SMS and window-tablet rating pages; counter devices; the 差评 work orders."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import throttle
from ..access import public, roles
from ..extensions import db
from ..identifiers import mask_name
from ..lookup import gate
from ..models import Application, Rating, RatingDevice, User, WorkOrder
from ..models.base import utcnow
from ..office_date import today
from ..views_common import refusal, run_verb
from ..workflow import ratings as verbs
from . import kiosk
from .forms import (AppealForm, CallbackForm, DecideAppealForm, DeviceForm, KioskRatingForm, PairForm, RatingForm,
                    RectifyForm, ReplyForm, VerifyForm)
from .submit import refused, submit_rating

bp = Blueprint("ratings", __name__)

HANDLERS = ("clerk", "reviewer", "supervisor")


@bp.app_context_processor
def _helpers():
    return {"case_ratings": case_ratings, "RATING_TAGS": verbs.TAGS}


def case_ratings(case: Application) -> list[tuple[Rating, WorkOrder | None]]:
    rows = db.session.execute(select(Rating, WorkOrder).outerjoin(WorkOrder, WorkOrder.rating_id == Rating.id)
                              .where(Rating.application_id == case.id).order_by(Rating.id)).all()
    return [(r, w) for r, w in rows]


def _rate_page(case: Application, channel: str, action: str, error: str | None = None, status: int = 200):
    rated = verbs.online_rating(case)
    return render_template("ratings/rate.html", case=case, form=RatingForm(), action=action, rated=rated,
                           rated_note=verbs.already_rated_message(rated).localised() if rated else "",
                           is_open=verbs.intake_has_outcome(case), applicant=_public_name(case),
                           error=error), status


def _public_name(case: Application) -> str:
    a = case.applicant
    return a.name if a.kind == "organisation" else mask_name(a.name)


# --- QR code: /rate with number + query code ------------------------------------------------------------------

@bp.route("/rate", methods=["GET", "POST"])
@public
def qr():
    return gate.sign_in_page("ratings/qr.html", "ratings.qr_case")


@bp.route("/rate/case/<number>", methods=["GET", "POST"])
@public
def qr_case(number: str):
    case = gate.authorised_case(number)
    if case is None:
        flash(_("请先输入申请编号和查询码。"), "warning")
        return redirect(url_for("ratings.qr"))
    action = url_for("ratings.qr_case", number=case.number)
    if request.method == "GET":
        return _rate_page(case, "qr", action)
    return submit_rating(case, "qr", on_error=lambda msg: _rate_page(case, "qr", action, msg, 422),
                         done=url_for("ratings.thanks"))


# --- SMS link: a signed, expiring token naming the case -------------------------------------------------------

@bp.route("/rate/s/<token>", methods=["GET", "POST"])
@public
def sms(token: str):
    case = verbs.case_for_token(token)
    if case is None:
        return render_template("ratings/link_invalid.html"), 404
    action = url_for("ratings.sms", token=token)
    if request.method == "GET":
        return _rate_page(case, "sms", action)
    return submit_rating(case, "sms", on_error=lambda msg: _rate_page(case, "sms", action, msg, 422),
                         done=url_for("ratings.thanks"))


@bp.route("/rate/thanks")
@public
def thanks():
    return render_template("ratings/thanks.html")


# --- the window tablet ----------------------------------------------------------------------------------------

def _device() -> RatingDevice | None:
    return kiosk.device_for(request.cookies.get(kiosk.COOKIE))


@bp.route("/window")
@public
def window():
    device = _device()
    if device is None:
        return render_template("ratings/window_pair.html", form=PairForm(), error=None)
    served = kiosk.served(device.window_no, today())
    if served is not None:
        case, clerk = served
        if db.session.scalar(select(Rating.id).where(Rating.application_id == case.id, Rating.channel == "window")):
            served = None
    if served is None:
        return render_template("ratings/window_wait.html", device=device)
    case, clerk = served
    return render_template("ratings/window.html", device=device, case=case, clerk=clerk,
                           applicant=_public_name(case), form=KioskRatingForm(number=case.number))


@bp.route("/window/pair", methods=["POST"])
@public
def window_pair():
    if current_user.is_authenticated:
        return refused()
    form = PairForm()
    addr = gate.address()
    if not form.validate_on_submit():
        return render_template("ratings/window_pair.html", form=form, error=None), 422
    try:
        attempt_id = throttle.charge("pair", "window", addr)
    except throttle.Throttled as err:
        return render_template("ratings/window_pair.html", form=PairForm(formdata=None),
                               error=_("配对失败次数过多，请 %(wait)s后再试。", wait=throttle.wait_text(err.wait))), 429

    def step():
        paired = kiosk.pair(form.code.data, on=today())
        throttle.succeeded(attempt_id)
        return paired
    device, token = run_verb(step, flash_refusal=False, again=lambda: (render_template(
        "ratings/window_pair.html", form=PairForm(formdata=None), error=refusal().translated()), 422))
    response = redirect(url_for("ratings.window"))
    response.set_cookie(kiosk.COOKIE, token, max_age=365 * 86400, httponly=True, samesite="Strict",
                        secure=request.is_secure)
    return response


@bp.route("/window/rate", methods=["POST"])
@public
def window_rate():
    if current_user.is_authenticated:
        return refused()
    device = _device()
    if device is None:
        return render_template("ratings/window_pair.html", form=PairForm(), error=_("本设备尚未配对。")), 403
    form = KioskRatingForm()
    if not form.validate_on_submit():
        return redirect(url_for("ratings.window"))
    case = db.session.scalar(select(Application).where(Application.number == form.number.data))

    def again():
        if refusal().field == "tags" and case is not None:     # a 差评 needs a reason: ask for it on the tablet
            clerk = kiosk.clerk_who_served(case, device.window_no, today())
            return render_template("ratings/window.html", device=device, case=case, clerk=clerk,
                                   applicant=_public_name(case), form=KioskRatingForm(number=case.number),
                                   reason_level=form.level.data), 422
        return redirect(url_for("ratings.window"))
    try:
        run_verb(lambda: kiosk.rate(device, case, level=form.level.data, tags=form.tags.data or (), on=today()),
                 flash_refusal=False, again=again)
    except IntegrityError:
        db.session.rollback()
        return redirect(url_for("ratings.window"))
    return redirect(url_for("ratings.window_thanks"))


@bp.route("/window/thanks")
@public
def window_thanks():
    return render_template("ratings/window_thanks.html")


# --- devices (supervisor, admin) ------------------------------------------------------------------------------

@bp.route("/ratings/devices", methods=["GET", "POST"])
@roles("supervisor", "admin")
def devices():
    form, code, device = DeviceForm(), None, None
    if form.validate_on_submit():
        device, code = run_verb(lambda: kiosk.issue(window_no=form.window_no.data, label=form.label.data or "",
                                                    by=db.session.get(User, current_user.id), on=today()),
                                again=lambda: _devices_page(form, None, None))
    return _devices_page(form, code, device)


def _devices_page(form, code, device):
    rows = db.session.scalars(select(RatingDevice).order_by(RatingDevice.revoked_at.is_not(None),
                                                            RatingDevice.window_no, RatingDevice.id)).all()
    windows = db.session.scalars(select(User.window_no).where(User.role == "clerk", User.window_no.is_not(None))
                                 .distinct().order_by(User.window_no)).all()
    return render_template("ratings/devices.html", form=form, devices=rows, code=code, new=device, windows=windows,
                           now=utcnow())


@bp.route("/ratings/devices/<int:device_id>/revoke", methods=["POST"])
@roles("supervisor", "admin")
def revoke_device(device_id: int):
    device = db.session.get(RatingDevice, device_id) or abort(404)
    run_verb(lambda: kiosk.revoke(device, by=db.session.get(User, current_user.id), on=today()),
             done=_("设备已停用。"), again=lambda: redirect(url_for("ratings.devices")))
    return redirect(url_for("ratings.devices"))


# --- 差评 work orders ------------------------------------------------------------------------------------------

FILTERS = ("open", "overdue", "closed", "all")


@bp.route("/ratings/work-orders")
@roles(*HANDLERS)
def work_orders():
    which = request.args.get("status", "open")
    which = which if which in FILTERS else "open"
    on = today()
    query = (select(WorkOrder, Rating, Application).join(Rating, WorkOrder.rating_id == Rating.id)
             .join(Application, Rating.application_id == Application.id))
    closed = WorkOrder.status.in_(verbs.CLOSED)
    if which == "open":
        query = query.where(~closed)
    elif which == "overdue":
        query = query.where(~closed, WorkOrder.due_on < on)
    elif which == "closed":
        query = query.where(closed)
    rows = db.session.execute(query.options(
        selectinload(Application.applicant), selectinload(Application.accepted_by),
        selectinload(Application.reviewer)).order_by(WorkOrder.due_on, WorkOrder.id).limit(500)).all()
    counts = {
        "open": _count(~closed), "overdue": _count(~closed, WorkOrder.due_on < on), "closed": _count(closed),
    }
    return render_template("ratings/work_orders.html", rows=rows, which=which, counts=counts,
                           overdue=lambda o: verbs.is_overdue(o, on))


def _count(*conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(WorkOrder).where(*conditions)) or 0


STEPS = {
    "verify": (VerifyForm, lambda o, f, by, on: verbs.verify(o, finding=f.finding.data, by=by, on=on)),
    "rectify": (RectifyForm, lambda o, f, by, on: verbs.rectify(o, kind=f.kind.data, action=f.action.data, by=by,
                                                                 on=on)),
    "reply": (ReplyForm, lambda o, f, by, on: verbs.reply(o, text=f.text.data, by=by, on=on)),
    "callback": (CallbackForm, lambda o, f, by, on: verbs.callback(o, view=f.view.data,
                                                                    satisfied=f.satisfied.data == "yes", by=by, on=on)),
    "appeal": (AppealForm, lambda o, f, by, on: verbs.appeal(o, reason=f.reason.data, by=by, on=on)),
    "decide": (DecideAppealForm, lambda o, f, by, on: verbs.decide_appeal(o, uphold=f.uphold.data == "yes",
                                                                          decision=f.decision.data, by=by, on=on)),
}


def _order_page(order: WorkOrder, forms: dict | None = None, error: str | None = None, status: int = 200):
    forms = {name: (forms or {}).get(name) or cls(formdata=None) for name, (cls, _fn) in STEPS.items()}
    rated_clerk = db.session.get(User, order.rating.window_user_id) if order.rating.window_user_id else None
    return render_template("ratings/work_order.html", order=order, rating=order.rating,
                           case=order.rating.application, forms=forms, error=error, rated_clerk=rated_clerk,
                           overdue=verbs.is_overdue(order, today()), tag_names=verbs.tag_names), status


@bp.route("/ratings/work-orders/<int:order_id>")
@roles(*HANDLERS)
def work_order(order_id: int):
    return _order_page(db.session.get(WorkOrder, order_id) or abort(404))


@bp.route("/ratings/work-orders/<int:order_id>/<step>", methods=["POST"])
@roles(*HANDLERS)
def work_order_step(order_id: int, step: str):
    order = db.session.get(WorkOrder, order_id) or abort(404)
    if step not in STEPS:
        abort(404)
    form_cls, verb = STEPS[step]
    form = form_cls()
    if not form.validate_on_submit():
        return _order_page(order, {step: form}, _("请完整填写表单。"), 422)
    run_verb(lambda: verb(order, form, db.session.get(User, current_user.id), today()), done=_("已保存。"),
             flash_refusal=False, again=lambda: _order_page(order, {step: form}, refusal().translated(),
                                                             403 if refusal().code == "forbidden" else 422))
    return redirect(url_for("ratings.work_order", order_id=order.id))

