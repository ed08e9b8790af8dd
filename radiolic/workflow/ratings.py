"""好差评 verbs: rate a case; follow a bad rating through its work order (verify, rectify, reply, call back, appeal)."""
from datetime import date

from flask import current_app, has_app_context
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from .. import outbox
from ..extensions import db
from ..models import RATING_CHANNELS, Application, Rating, User, WorkOrder
from . import clock
from ..texts import N_, Msg, Name, Names
from ..vocabulary import RatingChannel, RatingLevel
from .core import WorkflowError, record

# Chinese names for messages and notes; derived (kept while messages become templates, issue 16e).
CHANNEL_NAMES = RatingChannel.texts()
LEVEL_NAMES = RatingLevel.texts()
# 一次一评 (国办发〔2019〕51号): the window tablet rates a counter visit; QR, status page and SMS link are
# three doors to the same online occasion, so a case gets one online rating whichever door is used.
ONLINE_CHANNELS = ("qr", "online", "sms")

# One tag list per level (codes are stored; names are shown). The 差评 tags follow the ones
# Guangdong publishes most often (domain-research §5.2).
TAGS: dict[int, dict[str, str]] = {
    5: {"fast": N_("办事效率高"), "friendly": N_("服务态度好"), "once": N_("一次办成"), "online_easy": N_("网上办理便捷")},
    4: {"quick": N_("办理较快"), "clear_guide": N_("指引清晰"), "polite": N_("态度良好")},
    3: {"waiting": N_("等候时间较长"), "guide_unclear": N_("指引不够清楚"), "on_time": N_("基本按时办结")},
    2: {"slow": N_("办理慢"), "extra_materials": N_("要求办事指南之外的材料"), "attitude": N_("服务态度不好"),
        "many_trips": N_("多次跑动")},
    1: {"overdue": N_("无理由超过法定办理时间"), "extra_conditions": N_("在办事指南之外增加审批条件"),
        "extra_materials": N_("需提供办事指南之外的申报材料"), "attitude": N_("服务态度恶劣"), "shirking": N_("推诿扯皮")},
}
COMMENT_MAX = 500
HANDLERS = ("clerk", "reviewer", "supervisor")
CLOSED = ("closed", "appeal_upheld")
SMS_SALT = "radiolic-rating-sms"


def tag_names(level: int, tags) -> list[str]:
    return [TAGS.get(level, {}).get(t, t) for t in tags or ()]


def _level(level) -> int:
    if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 5:
        raise WorkflowError(N_("评价等级须为 1–5（非常不满意 … 非常满意）。"), field="level", code="invalid")
    return level


def intake_has_outcome(case: Application) -> bool:
    """Online rating opens once intake has an outcome: accepted, told to correct (一次性告知) or refused."""
    return case.accepted_on is not None or case.state == "not_accepted" or bool(case.corrections)


def online_rating(case: Application) -> Rating | None:
    """The case's one online rating (QR, status page or SMS link), if it has been given."""
    return db.session.scalar(select(Rating).where(Rating.application_id == case.id,
                                                  Rating.channel.in_(ONLINE_CHANNELS)).order_by(Rating.id).limit(1))


def already_rated_message(rating: Rating) -> str:
    return Msg(N_("本案已于 %(on)s 通过“%(channel)s”评价为“%(level)s”，每个案件只能网上评价一次。"), **_rated(rating))


def _rated(rating: Rating) -> dict:
    return {"on": rating.on.isoformat(), "channel": Name(CHANNEL_NAMES[rating.channel]),
            "level": Name(LEVEL_NAMES[rating.level])}


def rate(case: Application, *, channel: str, level: int, tags=(), comment: str = "", on: date,
         window_user: User | None = None) -> Rating:
    """The applicant rates the case through `channel`; a 差评 (level 1–2) opens a work order."""
    if channel not in RATING_CHANNELS:
        raise WorkflowError(N_("评价渠道无效：%(channel)s"), field="channel", code="invalid", params={"channel": channel})
    level = _level(level)
    tags = list(dict.fromkeys(tags or ()))
    unknown = [t for t in tags if t not in TAGS[level]]
    if unknown:
        raise WorkflowError(N_("评价标签不属于“%(level)s”：%(tags)s"), field="tags", code="invalid",
                            params={"level": Name(LEVEL_NAMES[level]), "tags": Names(unknown)})
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise WorkflowError(N_("评价意见不能超过 %(n)s 字。"), field="comment", code="invalid", params={"n": COMMENT_MAX})
    if channel == "window":
        if window_user is None or window_user.role != "clerk":
            raise WorkflowError(N_("窗口评价须对应为本案服务的窗口人员。"), field="window_user")
    elif window_user is not None:
        raise WorkflowError(N_("只有窗口评价器的评价对应窗口人员。"), field="window_user")
    if channel in ONLINE_CHANNELS:
        if not intake_has_outcome(case):
            raise WorkflowError(N_("申请尚未作出受理、补正或不予受理的处理，暂不能评价；请在收到处理结果后再评价。"),
                                field="application", code="refused")
        given = online_rating(case)
        if given is not None:
            raise WorkflowError(N_("本案已于 %(on)s 通过“%(channel)s”评价为“%(level)s”，每个案件只能网上评价一次。"),
                                field="channel", code="conflict", params=_rated(given))
    elif db.session.scalar(select(Rating.id).where(Rating.application_id == case.id, Rating.channel == channel)):
        raise WorkflowError(N_("本次窗口服务已评价过，每次服务只能评价一次。"), field="channel", code="conflict")
    if level <= 2 and not tags and not comment:
        raise WorkflowError(N_("差评（不满意、非常不满意）请选择至少一个原因标签或填写评价意见。"), field="tags", code="invalid")
    rating = Rating(application_id=case.id, channel=channel, level=level, tags=tags, comment=comment, on=on,
                    window_user_id=window_user.id if window_user else None)
    db.session.add(rating)
    db.session.flush()
    rated = {"channel": Name(RatingChannel.text_of(channel)), "level": Name(RatingLevel.text_of(level))}
    note = Msg(N_("%(channel)s：%(level)s"), **rated)
    if rating.bad:
        due = clock.load_calendar().add(on, current_app.config["BAD_RATING_FOLLOWUP_WORKDAYS"])
        db.session.add(WorkOrder(rating_id=rating.id, status="open", opened_on=on, due_on=due))
        note = Msg(N_("%(channel)s：%(level)s（差评，已生成整改工单，%(due)s 前办结）"), due=due.isoformat(), **rated)
    # The comment stays out of the event: the audit trail carries no free text from the public.
    record(case, "rate", by=None, on=on, note=note, actor_name="申请人", obj=rating)
    return rating


# --- work orders -------------------------------------------------------------------------------------------

def is_overdue(order: WorkOrder, today: date) -> bool:
    return order.status not in CLOSED and order.due_on < today


def _handler(order: WorkOrder, by: User, *, not_rated_clerk: bool = True) -> None:
    if by.role not in HANDLERS:
        raise WorkflowError(N_("只有窗口、审核人员或主管可以处理差评工单。"), code="forbidden")
    if not_rated_clerk and order.rating.window_user_id == by.id:
        raise WorkflowError(N_("被评价的窗口人员不能处理针对自己的差评工单，请由其他人员处理；如认为评价有误可提出申诉。"),
                            code="forbidden")
    if order.status == "appealed":
        raise WorkflowError(N_("工单正在申诉中，请等待主管裁定。"), code="conflict")
    if order.status in CLOSED:
        raise WorkflowError(N_("工单已办结。"), code="conflict")


def _text(value: str, field: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise WorkflowError(N_("请填写%(what)s。"), field=field, params={"what": Name(what)})
    return value


def _log(order: WorkOrder, action: str, by: User, on: date, note) -> None:
    order.handled_by_id = by.id
    record(order.rating.application, action, by=by, on=on, note=note, obj=order)


def verify(order: WorkOrder, *, finding: str, by: User, on: date) -> WorkOrder:
    """核实: what actually happened."""
    _handler(order, by)
    if order.verified_on is not None:
        raise WorkflowError(N_("工单已核实过。"), code="conflict")
    order.verification, order.verified_on = _text(finding, "finding", N_("核实情况")), on
    _log(order, "work_order_verify", by, on, order.verification)
    return order


def rectify(order: WorkOrder, *, kind: str, action: str, by: User, on: date) -> WorkOrder:
    """整改 (fix what was wrong) or 说明 (explain why nothing was wrong)."""
    _handler(order, by)
    if order.verified_on is None:
        raise WorkflowError(N_("请先核实情况，再整改或说明。"), code="conflict")
    if order.rectified_on is not None:
        raise WorkflowError(N_("工单已整改或说明过。"), code="conflict")
    if kind not in ("rectify", "explain"):
        raise WorkflowError(N_("请选择“整改”或“解释说明”。"), field="kind")
    order.rectify_kind, order.rectification = kind, _text(action, "action", N_("整改措施或解释说明"))
    order.rectified_on = on
    _log(order, "work_order_rectify", by, on, Msg(N_("整改：%(text)s"), text=order.rectification) if kind == "rectify"
         else Msg(N_("说明：%(text)s"), text=order.rectification))
    return order


def reply(order: WorkOrder, *, text: str, by: User, on: date) -> WorkOrder:
    """Answer the applicant (queued as an SMS in the same transaction)."""
    _handler(order, by)
    if order.rectified_on is None:
        raise WorkflowError(N_("请先整改或说明，再答复申请人。"), code="conflict")
    if order.replied_on is not None:
        raise WorkflowError(N_("已答复过申请人。"), code="conflict")
    order.reply, order.replied_on, order.status = _text(text, "text", N_("答复内容")), on, "replied"
    case = order.rating.application
    outbox.queue(kind="rating_reply", recipient=contact_phone(case), dedupe_key=f"rating_reply:{order.id}",
                 application=case,
                 body=f"【{current_app.config['OFFICE_NAME']}】关于您对申请 {case.number} 的评价，答复如下：{order.reply}")
    _log(order, "work_order_reply", by, on, order.reply)
    return order


def callback(order: WorkOrder, *, view: str, satisfied: bool, by: User, on: date) -> WorkOrder:
    """回访: record what the applicant thinks of the reply; this closes the work order."""
    _handler(order, by)
    if order.status != "replied":
        raise WorkflowError(N_("请先答复申请人，再回访。"), code="conflict")
    order.callback_view = _text(view, "view", N_("申请人对答复的意见"))
    order.callback_on, order.callback_satisfied = on, bool(satisfied)
    order.status, order.closed_on = "closed", on
    _log(order, "work_order_callback", by, on,
         Msg(N_("满意：%(text)s"), text=order.callback_view) if satisfied
         else Msg(N_("不满意：%(text)s"), text=order.callback_view))
    return order


def appeal(order: WorkOrder, *, reason: str, by: User, on: date) -> WorkOrder:
    """申诉: the rating looks mistaken (wrong case, wrong window, not about the service); a supervisor decides."""
    _handler(order, by, not_rated_clerk=False)
    if order.appealed_on is not None:
        raise WorkflowError(N_("本工单已申诉过一次。"), code="conflict")
    order.appeal_reason = _text(reason, "reason", N_("申诉理由"))
    order.appealed_on, order.appeal_status_before, order.status = on, order.status, "appealed"
    _log(order, "work_order_appeal", by, on, order.appeal_reason)
    return order


def decide_appeal(order: WorkOrder, *, uphold: bool, decision: str, by: User, on: date) -> WorkOrder:
    """A supervisor upholds the appeal (rating set aside, order closed) or rejects it (the follow-up goes on)."""
    if by.role != "supervisor":
        raise WorkflowError(N_("申诉须由主管裁定。"), code="forbidden")
    if order.status != "appealed":
        raise WorkflowError(N_("工单不在申诉中。"), code="conflict")
    order.appeal_decision = _text(decision, "decision", N_("裁定意见"))
    order.appeal_decided_on, order.appeal_decided_by_id = on, by.id
    if uphold:
        order.status, order.closed_on = "appeal_upheld", on
    else:
        order.status = order.appeal_status_before or "open"
    record(order.rating.application, "work_order_appeal_decided", by=by, on=on, obj=order,
           note=Msg(N_("申诉成立：%(text)s"), text=order.appeal_decision) if uphold
           else Msg(N_("申诉不成立：%(text)s"), text=order.appeal_decision))
    return order


# --- invitations -------------------------------------------------------------------------------------------

def contact_phone(case: Application) -> str:
    return case.agent_phone or case.applicant.phone or ""


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SMS_SALT)


def sms_token(case: Application) -> str:
    """A signed token naming the case (never the query code); expires after RATING_LINK_DAYS."""
    return _serializer().dumps({"a": case.id, "n": case.number})


def case_for_token(token: str) -> Application | None:
    max_age = current_app.config["RATING_LINK_DAYS"] * 86400
    try:
        data = _serializer().loads(token, max_age=max_age)
    except BadSignature:      # also SignatureExpired
        return None
    if not isinstance(data, dict):
        return None
    case = db.session.get(Application, data.get("a")) if isinstance(data.get("a"), int) else None
    return case if case is not None and case.number == data.get("n") else None


def invite(case: Application) -> None:
    """Queue the rating invitation (SMS link) for a completed case, once."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    days = current_app.config["RATING_LINK_DAYS"]
    outbox.queue(kind="rating_invite", recipient=contact_phone(case), dedupe_key=f"rating_invite:{case.id}",
                 application=case,
                 body=f"【{current_app.config['OFFICE_NAME']}】您的申请 {case.number}（{case.service_item.name}）已办结，"
                      f"欢迎对本次服务评价：{base}/rate/s/{sms_token(case)} （{days} 天内有效）")


@event.listens_for(Session, "before_flush")
def _invite_on_completion(session, _context, _instances):
    # Whichever verb completes a case (issue, reject, refuse, withdraw, terminate — owned by other
    # stages), the invitation is queued in that same transaction, so it is never lost or sent twice.
    if not has_app_context():
        return
    with session.no_autoflush:
        for obj in list(session.dirty):
            if not isinstance(obj, Application) or obj.completed_on is None:
                continue
            history = inspect(obj).attrs.completed_on.history
            if history.added and not any(history.deleted):
                invite(obj)


def invite_missing(on: date) -> int:
    """Queue invitations for completed cases that have none yet (a safety net run from cron)."""
    from ..models import OutboxMessage
    sent = select(OutboxMessage.application_id).where(OutboxMessage.kind == "rating_invite")
    cases = db.session.scalars(select(Application).where(
        Application.completed_on.is_not(None), Application.completed_on <= on, Application.id.not_in(sent))).all()
    for case in cases:
        invite(case)
    return len(cases)
