from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..access import roles
from ..auth import accounts, passwords
from ..extensions import db
from ..models import ROLE_NAMES, Application, CalendarYear, HolidayOverride, MaterialRequirement, ServiceItem, User
from ..web import today
from ..workdays import CalendarGap
from ..workflow import clock, record, verify_chain
from .forms import HolidayForm, ItemForm, MaterialForm, ResetForm, UserForm

bp = Blueprint("admin", __name__)


def _user(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


@bp.route("/users", methods=["GET", "POST"])
@roles("admin")
def users():
    form = UserForm()
    if form.validate_on_submit():
        if db.session.scalar(select(User).where(User.username == form.username.data)):
            form.username.errors.append(_("该用户名已存在"))
        else:
            user = accounts.create(form.username.data, role=form.role.data, display_name=form.display_name.data,
                                   password=form.password.data, window_no=form.window_no.data or None,
                                   by=current_user, on=today(), note=f"{form.username.data}（{ROLE_NAMES[form.role.data]}）")
            db.session.commit()
            flash(_("已添加账号 %(name)s。", name=user.username), "success")
            return redirect(url_for("admin.users"))
    staff = db.session.scalars(select(User).order_by(User.role, User.username)).all()
    return render_template("admin/users.html", form=form, staff=staff, reset=ResetForm())


@bp.post("/users/<int:user_id>/active")
@roles("admin")
def toggle_user(user_id: int):
    user = _user(user_id)
    if user.id == current_user.id:
        flash(_("不能停用自己的账号。"), "danger")
        return redirect(url_for("admin.users"))
    user.active = not user.active
    user.session_version += 1
    if not user.active:
        user.token_hash = None
    record(None, "user_enable" if user.active else "user_disable", by=current_user, on=today(), obj=user,
           note=user.username)
    db.session.commit()
    flash(_("账号 %(name)s 已启用。", name=user.username) if user.active
          else _("账号 %(name)s 已停用。", name=user.username), "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/password")
@roles("admin")
def reset_password(user_id: int):
    user, form = _user(user_id), ResetForm()
    if not form.validate_on_submit():
        flash("；".join(map(str, form.password.errors)) or _("请输入新密码。"), "danger")
        return redirect(url_for("admin.users"))
    passwords.set_password(user, form.password.data)
    record(None, "user_password_reset", by=current_user, on=today(), obj=user, note=user.username)
    db.session.commit()
    flash(_("已重置 %(name)s 的密码，其已登录的会话均已失效。", name=user.username), "success")
    return redirect(url_for("admin.users"))


@bp.route("/catalogue")
@roles("admin")
def catalogue():
    items = db.session.scalars(select(ServiceItem).order_by(ServiceItem.id)).all()
    return render_template("admin/catalogue.html", items=items)


@bp.route("/catalogue/<int:item_id>", methods=["GET", "POST"])
@roles("admin")
def item(item_id: int):
    item = db.session.get(ServiceItem, item_id) or abort(404)
    form, material_form = ItemForm(obj=item, prefix="item"), MaterialForm(prefix="m")
    if form.submit.data and form.validate_on_submit():
        if form.promised_days.data > form.statutory_days.data:
            form.promised_days.errors.append(_("承诺时限不能长于法定时限"))
        else:
            form.populate_obj(item)
            record(None, "catalogue_edit", by=current_user, on=today(), obj=item, note=item.code)
            db.session.commit()
            flash(_("事项已保存。"), "success")
            return redirect(url_for("admin.item", item_id=item.id))
    return render_template("admin/item.html", item=item, form=form, material_form=material_form)


@bp.post("/catalogue/<int:item_id>/materials")
@roles("admin")
def add_material(item_id: int):
    item = db.session.get(ServiceItem, item_id) or abort(404)
    form = MaterialForm(prefix="m")
    if not form.validate_on_submit():
        flash(_("材料未添加：") + "；".join(str(e) for errs in form.errors.values() for e in errs), "danger")
    elif any(m.code == form.code.data for m in item.materials):
        flash(_("材料编码 %(code)s 已存在。", code=form.code.data), "danger")
    elif not form.core.data and not form.defer_days.data:
        flash(_("可容缺材料须填写补齐期限。"), "danger")
    else:
        item.materials.append(MaterialRequirement(
            code=form.code.data, name=form.name.data, core=form.core.data,
            defer_days=None if form.core.data else form.defer_days.data, position=len(item.materials),
            sample=(form.sample.data or "").strip()))
        record(None, "catalogue_edit", by=current_user, on=today(), obj=item, note=f"{item.code} + {form.code.data}")
        db.session.commit()
        flash(_("材料已添加。"), "success")
    return redirect(url_for("admin.item", item_id=item.id))


@bp.post("/catalogue/<int:item_id>/materials/<int:material_id>/delete")
@roles("admin")
def remove_material(item_id: int, material_id: int):
    req = db.session.get(MaterialRequirement, material_id)
    if req is None or req.item_id != item_id:
        abort(404)
    db.session.delete(req)
    record(None, "catalogue_edit", by=current_user, on=today(), note=f"删除材料 {req.code}")
    db.session.commit()
    flash(_("材料已从清单移除（已受理案件不受影响）。"), "success")
    return redirect(url_for("admin.item", item_id=item_id))


@bp.route("/calendar", methods=["GET", "POST"])
@roles("admin")
def calendar():
    from .forms import YearForm
    form, year_form = HolidayForm(prefix="d"), YearForm(prefix="y")
    if form.submit.data and form.validate_on_submit():
        row = db.session.get(HolidayOverride, form.day.data) or HolidayOverride(day=form.day.data)
        row.workday, row.note = form.kind.data == "workday", form.note.data or ""
        db.session.add(row)
        _restate(f"{form.day.data.isoformat()} 设为{'工作日' if row.workday else '休息日'}")
        flash(_("已保存，所有案件的期限已按新日历重算。"), "success")
        return redirect(url_for("admin.calendar"))
    if year_form.submit.data and year_form.validate_on_submit():
        row = db.session.get(CalendarYear, year_form.year.data) or CalendarYear(year=year_form.year.data)
        row.source = year_form.source.data
        db.session.add(row)
        _restate(f"{row.year} 年节假日录入完整：{row.source}")
        flash(_("%(year)s 年已标记为录入完整。", year=row.year), "success")
        return redirect(url_for("admin.calendar"))
    overrides = db.session.scalars(select(HolidayOverride).order_by(HolidayOverride.day.desc())).all()
    years = db.session.scalars(select(CalendarYear).order_by(CalendarYear.year)).all()
    cal, gaps = clock.load_calendar(), []
    for year in (today().year, today().year + 1):
        if not cal.covers(year):
            gaps.append(year)
    return render_template("admin/calendar.html", form=form, year_form=year_form, overrides=overrides,
                           years=years, gaps=gaps)


@bp.post("/calendar/<day>/delete")
@roles("admin")
def delete_override(day: str):
    row = db.session.scalar(select(HolidayOverride).where(HolidayOverride.day == _parse_day(day))) or abort(404)
    db.session.delete(row)
    _restate(f"删除日历调整 {day}")
    flash(_("已删除，期限已重算。"), "success")
    return redirect(url_for("admin.calendar"))


def _parse_day(day: str):
    from datetime import date
    try:
        return date.fromisoformat(day)
    except ValueError:
        abort(404)


def _restate(note: str) -> None:
    """Recompute every case's derived clock after a calendar change, in the same transaction."""
    db.session.flush()
    clock.forget_calendar()
    cal, on = clock.load_calendar(), today()
    # The clock reads each case's stops: load them with the cases, not one query per case.
    for case in db.session.scalars(select(Application).where(Application.accepted_on.is_not(None))
                                   .options(selectinload(Application.clock_stops))):
        clock.refresh(case, on, cal)
    record(None, "calendar_edit", by=current_user, on=on, note=note)
    db.session.commit()


@bp.route("/system")
@roles("admin")
def system():
    from ..documents import cjk_font
    from flask import current_app
    font = cjk_font(current_app.config.get("PDF_FONT_PATH"))
    checked, broken = verify_chain()
    try:
        clock.load_calendar().is_workday(today())
        calendar_gap = None
    except CalendarGap as gap:
        calendar_gap = str(gap)
    return render_template("admin/system.html", font=font, checked=checked, broken=broken,
                           calendar_gap=calendar_gap, db_url=db.engine.url.render_as_string(hide_password=True))
