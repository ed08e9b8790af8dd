from functools import partial

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..access import roles
from ..extensions import db
from ..models import CalendarYear, HolidayOverride, MaterialRequirement, ServiceItem, User
from ..office_date import today
from ..views_common import refusal, run_verb
from ..texts import N_, Msg, Name
from ..vocabulary import Role
from ..workdays import CalendarGap
from .. import calendar_notice as calendar_notice_parser
from ..workflow import accounts
from ..workflow import calendar as calendar_verbs
from ..workflow import catalogue as catalogue_verbs
from ..workflow import clock, verify_chain
from .forms import HolidayForm, ItemForm, MaterialForm, ResetForm, UserForm

bp = Blueprint("admin", __name__)


def _user(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


@bp.route("/users", methods=["GET", "POST"])
@roles("admin")
def users():
    form = UserForm()
    if form.validate_on_submit():
        run_verb(lambda: accounts.create(
            form.username.data, role=form.role.data, display_name=form.display_name.data,
            password=form.password.data, window_no=form.window_no.data or None, by=current_user, on=today(),
            note=Msg(N_("%(user)s（%(role)s）"), user=form.username.data, role=Name(Role.text_of(form.role.data)))), form=form,
            done=lambda user: _("已添加账号 %(name)s。", name=user.username),
            again=lambda: (_users_page(form), 200 if refusal().field == "username" else 422))
        return redirect(url_for("admin.users"))
    return _users_page(form)


def _users_page(form: UserForm):
    staff = db.session.scalars(select(User).order_by(User.role, User.username)).all()
    return render_template("admin/users.html", form=form, staff=staff, reset=ResetForm())


def _back_to_users():
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/active")
@roles("admin")
def toggle_user(user_id: int):
    run_verb(lambda: accounts.toggle_active(_user(user_id), by=current_user, on=today()), again=_back_to_users,
             done=lambda user: _("账号 %(name)s 已启用。", name=user.username) if user.active
             else _("账号 %(name)s 已停用。", name=user.username))
    return _back_to_users()


@bp.post("/users/<int:user_id>/password")
@roles("admin")
def reset_password(user_id: int):
    user, form = _user(user_id), ResetForm()
    form.target_names = (user.username, user.display_name)
    if not form.validate_on_submit():
        flash("；".join(map(str, form.password.errors)) or _("请输入新密码。"), "danger")
        return _back_to_users()
    run_verb(lambda: accounts.reset_password(user, form.password.data, by=current_user, on=today()),
             again=_back_to_users, done=_("已重置 %(name)s 的密码，其已登录的会话均已失效。", name=user.username))
    return _back_to_users()


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
        values = {name: form[name].data for name in catalogue_verbs.ITEM_FIELDS}
        run_verb(lambda: catalogue_verbs.edit_item(item, by=current_user, on=today(), **values), form=form,
                 done=_("事项已保存。"),
                 again=lambda: render_template("admin/item.html", item=item, form=form, material_form=material_form))
        return redirect(url_for("admin.item", item_id=item.id))
    return render_template("admin/item.html", item=item, form=form, material_form=material_form)


@bp.post("/catalogue/<int:item_id>/materials")
@roles("admin")
def add_material(item_id: int):
    item = db.session.get(ServiceItem, item_id) or abort(404)
    form = MaterialForm(prefix="m")
    back = partial(_to_item, item_id)
    if not form.validate_on_submit():
        flash(_("材料未添加：") + "；".join(str(e) for errs in form.errors.values() for e in errs), "danger")
        return back()
    run_verb(lambda: catalogue_verbs.add_material(
        item, code=form.code.data, name=form.name.data, name_en=form.name_en.data, core=form.core.data,
        defer_days=form.defer_days.data, sample=form.sample.data, by=current_user, on=today()),
        again=back, done=_("材料已添加。"))
    return back()


@bp.post("/catalogue/<int:item_id>/materials/<int:material_id>/delete")
@roles("admin")
def remove_material(item_id: int, material_id: int):
    req = db.session.get(MaterialRequirement, material_id)
    if req is None or req.item_id != item_id:
        abort(404)
    run_verb(lambda: catalogue_verbs.remove_material(req, by=current_user, on=today()),
             again=partial(_to_item, item_id), done=_("材料已从清单移除（已受理案件不受影响）。"))
    return _to_item(item_id)


@bp.route("/calendar", methods=["GET", "POST"])
@roles("admin")
def calendar():
    from .forms import YearForm
    form, year_form = HolidayForm(prefix="d"), YearForm(prefix="y")
    back = _to_calendar
    if form.submit.data and form.validate_on_submit():
        run_verb(lambda: calendar_verbs.set_day(form.day.data, workday=form.kind.data == "workday",
                                                note=form.note.data, by=current_user, on=today()),
                 again=back, done=_("已保存，所有案件的期限已按新日历重算。"))
        return back()
    if year_form.submit.data and year_form.validate_on_submit():
        year = year_form.year.data
        run_verb(lambda: calendar_verbs.mark_year_complete(year, year_form.source.data, by=current_user, on=today()),
                 again=back, done=_("%(year)s 年已标记为录入完整。", year=year))
        return back()
    overrides = db.session.scalars(select(HolidayOverride).order_by(HolidayOverride.day.desc())).all()
    years = db.session.scalars(select(CalendarYear).order_by(CalendarYear.year)).all()
    return render_template("admin/calendar.html", form=form, year_form=year_form, overrides=overrides,
                           years=years, calendar_status=calendar_verbs.status(today()))


@bp.post("/calendar/<day>/delete")
@roles("admin")
def delete_override(day: str):
    row = db.session.scalar(select(HolidayOverride).where(HolidayOverride.day == _parse_day(day))) or abort(404)
    back = _to_calendar
    run_verb(lambda: calendar_verbs.remove_day(row, by=current_user, on=today()), again=back,
             done=_("已删除，期限已重算。"))
    return back()


def _to_item(item_id: int):
    return redirect(url_for("admin.item", item_id=item_id))


def _to_calendar():
    return redirect(url_for("admin.calendar"))


def _parse_day(day: str):
    from datetime import date
    try:
        return date.fromisoformat(day)
    except ValueError:
        abort(404)


NOTICE_UPLOAD_LIMIT = 256 * 1024


@bp.route("/calendar/notice", methods=["GET", "POST"])
@roles("admin")
def calendar_notice():
    """Enter a year's whole notice at once: paste or upload, preview with the statutory check, confirm."""
    from .forms import NoticeForm
    form = NoticeForm(prefix="n")
    if request.method == "GET" and not form.year.data:
        form.year.data = today().year + 1
    notice = missing = current = None
    if form.validate_on_submit():
        text = form.text.data or ""
        upload = form.file.data
        if upload and getattr(upload, "filename", ""):
            raw = upload.read(NOTICE_UPLOAD_LIMIT + 1)
            if len(raw) > NOTICE_UPLOAD_LIMIT:
                form.file.errors.append(_("文件过大（不超过 256 KB）。"))
                raw = None
            else:
                try:
                    text = raw.decode("utf-8-sig")
                except UnicodeDecodeError:
                    try:
                        text = raw.decode("gb18030")
                    except UnicodeDecodeError:
                        form.file.errors.append(_("无法读取文件：请使用 UTF-8 或 GB18030 编码的 CSV / ICS。"))
                        raw = None
            if raw is None:
                return render_template("admin/calendar_notice.html", form=form), 422
        if not text.strip():
            form.text.errors.append(_("请粘贴放假安排或上传文件。"))
            return render_template("admin/calendar_notice.html", form=form), 422
        notice = calendar_notice_parser.parse(form.year.data, text)
        form.text.data = notice.canonical() if not notice.errors else text
        if notice.errors:
            return render_template("admin/calendar_notice.html", form=form, notice=notice), 422
        missing = calendar_notice_parser.missing_statutory(notice)
        cal = clock.load_calendar()
        current = {d: cal.is_workday(d) for d in notice.days}
        if form.confirm.data and not missing:
            run_verb(lambda: calendar_verbs.apply_notice(form.year.data, notice.days, form.source.data.strip(),
                                                         by=current_user, on=today()),
                     done=lambda done: _("%(year)s 年放假安排已录入；%(seen)s 件在办案件已重算，%(moved)s 件的期限有变化并已"
                                         "记入办理过程。", year=form.year.data, seen=done[0], moved=done[1]),
                     again=lambda: (render_template("admin/calendar_notice.html", form=form, notice=notice,
                                                    missing=missing, current=current), 422))
            return redirect(url_for("admin.calendar"))
        status = 422 if missing else 200
        return render_template("admin/calendar_notice.html", form=form, notice=notice, missing=missing,
                               current=current), status
    if request.method == "POST":
        return render_template("admin/calendar_notice.html", form=form), 422
    return render_template("admin/calendar_notice.html", form=form)


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
                           calendar_gap=calendar_gap, calendar_status=calendar_verbs.status(today()),
                           db_url=db.engine.url.render_as_string(hide_password=True),
                           transport_warnings=transport_warnings())


@bp.app_template_global()
def calendar_warning():
    """The provisional-calendar status when it deserves a warning (from 1 October while next year is provisional)."""
    state = calendar_verbs.status(today())
    return state if state.warn or state.stale else None


@bp.app_template_global()
def tentative(due, clk=None):
    """A 暂定 badge after a date that depends on a provisional (not yet published) working day."""
    from markupsafe import Markup, escape
    if due is None:
        return ""
    if clk is not None:
        provisional = clk.is_provisional(due)
    else:
        on = today()
        provisional = clock.load_calendar().provisional_from(min(on, due), due) is not None
    if not provisional:
        return ""
    title = _("暂按法定节假日推算，以国务院公布的放假安排为准")
    return Markup('<span class="badge text-bg-warning provisional" title="{}">{}</span>').format(
        escape(title), escape(_("暂定")))


def transport_warnings() -> list[str]:
    """What the administrator must fix about HTTPS and the public address (shown on the system page)."""
    import ipaddress
    from urllib.parse import urlsplit
    from flask import current_app, request
    config, out = current_app.config, []
    https_on = bool(config.get("HTTPS"))
    base = urlsplit(config.get("PUBLIC_BASE_URL") or "")
    if (request.is_secure or base.scheme == "https") and not https_on:
        out.append(_("网站通过 HTTPS 访问，但未设置 HTTPS=true：会话 Cookie 没有 Secure 标记，也未发送 HSTS。"))
    if https_on and not config.get("SESSION_COOKIE_SECURE"):
        out.append(_("已设置 HTTPS=true，但 SESSION_COOKIE_SECURE 被关闭。"))
    host = (base.hostname or "").lower()
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host in ("localhost", "") or host.endswith(".localhost")
    if loopback:
        out.append(_("PUBLIC_BASE_URL（%(url)s）是本机地址：证照二维码和短信链接在其他设备上无法打开。",
                     url=config.get("PUBLIC_BASE_URL") or "—"))
    return out
