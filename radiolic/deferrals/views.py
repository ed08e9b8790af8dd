"""The deferred materials board, supplying a material, and terminating an overdue case."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import roles
from ..intake.forms import SupplyForm, TerminateForm
from ..views_common import case_or_404 as _case, case_page_again, moved, run_verb
from ..office_date import today
from ..workflow import intake as verbs
from .reminders import days_left, outstanding

bp = Blueprint("deferrals", __name__)


def _board(status: int = 200):
    on = today()
    rows = [(m, days_left(m, on)) for m in outstanding()]
    rows.sort(key=lambda r: (not r[0].due_on < on, r[0].due_on))
    return render_template("deferrals/board.html", rows=rows, on=on), status


def _back(number: str) -> str:
    target = request.form.get("next") or ""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("main.case", number=number)


@bp.route("/deferrals")
@roles("clerk", "reviewer", "supervisor")
def board():
    return _board()


@bp.post("/cases/<number>/materials/<code>/supply")
@roles("clerk")
def supply(number: str, code: str):
    case, form = _case(number), SupplyForm()
    if not form.validate_on_submit():
        flash(_("补齐登记未保存：%(errors)s", errors="；".join(str(e) for errs in form.errors.values() for e in errs)),
              "danger")
        return _board(422)
    m = run_verb(lambda: verbs.supply(
        case, code, by=current_user, on=today(), received_on=form.received_on.data,
        supplied_from=form.supplied_from.data or "", note=form.note.data or ""), prefix=f"{number}：",
        again=lambda: _board(422))
    left = len(case.outstanding_deferred)
    if left:
        flash(_("已登记 %(number)s 的“%(name)s”补齐。尚有 %(left)s 项容缺材料未补齐。", number=number, name=m.name,
                left=left), "success")
    else:
        flash(_("已登记 %(number)s 的“%(name)s”补齐。容缺材料已全部补齐。", number=number, name=m.name), "success")
    return redirect(_back(number))


@bp.post("/cases/<number>/materials/<code>/check")
@roles("clerk")
def check(number: str, code: str):
    """Accept or return a deferred material the applicant uploaded online."""
    case = _case(number)
    accept = request.form.get("decision") == "accept"
    if not accept and request.form.get("decision") != "return":
        flash(_("请选择核对结果。"), "danger")
        return case_page_again(number)
    m = run_verb(lambda: verbs.check_supplied(case, code, accept=accept, by=current_user, on=today(),
                                              reason=request.form.get("reason", "")[:500]),
                 again=lambda: case_page_again(number))
    if accept:
        flash(_("已核对“%(name)s”，该项容缺材料已补齐。", name=m.name), "success")
    else:
        flash(_("已退回“%(name)s”并短信告知申请人。", name=m.name), "success")
    return redirect(url_for("main.case", number=number))


@bp.post("/cases/<number>/terminate")
@roles("supervisor")
def terminate(number: str):
    case, form = _case(number), TerminateForm()
    if not form.validate_on_submit():
        flash(_("请写明终止办理的理由。"), "danger")
        return case_page_again(number)
    run_verb(lambda: verbs.terminate(case, reason=form.reason.data, by=current_user, on=today()),
             again=lambda: case_page_again(number))
    flash(_("已终止办理 %(number)s（%(doc_number)s），申请人的信用记录已登记承诺未履行。请送达《终止办理通知书》。",
            number=number, doc_number=case.outcome_doc_number), "success")
    if case.decision is not None and case.decision.withdrawn_on is not None:
        flash(_("已撤回准予行政许可决定（%(doc_number)s），请一并送达《撤回行政许可决定书》。",
                doc_number=case.decision.withdrawal_doc_number), "warning")
    return redirect(url_for("main.case", number=number))


@bp.app_context_processor
def _case_page_helpers():
    return {"deferral_days_left": lambda m: days_left(m, today()), "supply_form": SupplyForm,
            "overdue_materials": lambda case: verbs.overdue_materials(case, today())}


# Old URLs of these pages (before every case action lived under /cases/<number>/): a 308 redirect, so a
# form opened before the change still posts to the right place.
for _old, _view, _methods in (
        ("/deferrals/cases/<number>/materials/<code>/supply", supply, ("POST",)),
        ("/deferrals/cases/<number>/materials/<code>/check", check, ("POST",)),
        ("/deferrals/cases/<number>/terminate", terminate, ("POST",)),
):
    moved(bp, _old, _view, _methods)
