from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..access import roles
from ..auth import accounts, passwords
from ..extensions import db
from ..models import CalendarYear, HolidayOverride, MaterialRequirement, ServiceItem, User
from ..office_date import today
from ..views_common import run_verb
from ..vocabulary import Role
from ..workdays import CalendarGap
from .. import calendar_notice as calendar_notice_parser
from ..workflow import calendar as calendar_verbs
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
            run_verb(lambda: accounts.create(
                form.username.data, role=form.role.data, display_name=form.display_name.data,
                password=form.password.data, window_no=form.window_no.data or None, by=current_user, on=today(),
                note=f"{form.username.data}（{Role.text_of(form.role.data)}）"), form=form,
                done=lambda user: _("已添加账号 %(name)s。", name=user.username), again=lambda: (_users_page(form), 422))
            return redirect(url_for("admin.users"))
    return _users_page(form)


def _users_page(form: UserForm):
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
        passwords.revoke_token(user)
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
    form.target_names = (user.username, user.display_name)
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
            code=form.code.data, name=form.name.data, name_en=(form.name_en.data or "").strip(), core=form.core.data,
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
        old = clock.load_calendar()
        db.session.add(row)
        _restate(f"{form.day.data.isoformat()} 设为{'工作日' if row.workday else '休息日'}", old)
        flash(_("已保存，所有案件的期限已按新日历重算。"), "success")
        return redirect(url_for("admin.calendar"))
    if year_form.submit.data and year_form.validate_on_submit():
        row = db.session.get(CalendarYear, year_form.year.data) or CalendarYear(year=year_form.year.data)
        old = clock.load_calendar()
        row.source = year_form.source.data
        db.session.add(row)
        _restate(f"{row.year} 年节假日录入完整：{row.source}", old)
        flash(_("%(year)s 年已标记为录入完整。", year=row.year), "success")
        return redirect(url_for("admin.calendar"))
    overrides = db.session.scalars(select(HolidayOverride).order_by(HolidayOverride.day.desc())).all()
    years = db.session.scalars(select(CalendarYear).order_by(CalendarYear.year)).all()
    return render_template("admin/calendar.html", form=form, year_form=year_form, overrides=overrides,
                           years=years, calendar_status=calendar_verbs.status(today()))


@bp.post("/calendar/<day>/delete")
@roles("admin")
def delete_override(day: str):
    row = db.session.scalar(select(HolidayOverride).where(HolidayOverride.day == _parse_day(day))) or abort(404)
    old = clock.load_calendar()
    db.session.delete(row)
    _restate(f"删除日历调整 {day}", old)
    flash(_("已删除，期限已重算。"), "success")
    return redirect(url_for("admin.calendar"))


def _parse_day(day: str):
    from datetime import date
    try:
        return date.fromisoformat(day)
    except ValueError:
        abort(404)


def _restate(note: str, old) -> None:
    """Recompute every case's derived clock after a calendar change, in the same transaction.

    `old` is the calendar before the change: open cases whose dates moved get a timeline entry.
    """
    db.session.flush()
    clock.forget_calendar()
    on = today()
    record(None, "calendar_edit", by=current_user, on=on, note=note)
    calendar_verbs.restate_all(on, old, clock.load_calendar(), by=current_user, reason=f"日历调整（{note}）")
    db.session.commit()


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
