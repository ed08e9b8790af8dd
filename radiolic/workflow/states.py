"""The whole case workflow on one screen: which verb moves a case from which state to which."""
from ..models.cases import STATES, TERMINAL_STATES

OPEN_STATES = tuple(s for s in STATES if s not in TERMINAL_STATES)

# verb -> (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset, str]] = {
    "accept": (frozenset({"submitted"}), "accepted"),
    "request_correction": (frozenset({"submitted"}), "awaiting_correction"),
    "resubmit": (frozenset({"awaiting_correction"}), "submitted"),
    "refuse": (frozenset({"submitted", "awaiting_correction"}), "not_accepted"),
    "start_review": (frozenset({"accepted"}), "under_review"),
    "approve": (frozenset({"under_review"}), "approved"),
    "reject": (frozenset({"under_review"}), "rejected"),
    "issue": (frozenset({"approved"}), "issued"),
    "withdraw": (frozenset(OPEN_STATES), "withdrawn"),
    "terminate": (frozenset({"accepted", "under_review", "approved"}), "terminated"),
}

# Steps that record an event but keep the state.
IN_PLACE = {
    "supply": frozenset({"submitted", "awaiting_correction", "accepted", "under_review", "approved"}),
    "check_material": frozenset({"accepted", "under_review", "approved"}),
    "return_material": frozenset({"accepted", "under_review", "approved"}),
    "pause": frozenset({"under_review"}),
    "resume": frozenset({"under_review"}),
    "request_extension": frozenset({"under_review"}),
    "extension_approved": frozenset({"under_review"}),
    "extension_declined": frozenset({"under_review"}),
    "add_stations": frozenset({"submitted", "awaiting_correction", "accepted", "under_review"}),
    "refuse_stations": frozenset({"under_review"}),
    "restore_stations": frozenset({"under_review"}),
}

NEXT: dict[str, frozenset] = {
    state: frozenset(to for sources, to in TRANSITIONS.values() if state in sources) for state in STATES
}

STATE_NAMES = {
    "submitted": "待受理", "awaiting_correction": "待补正", "accepted": "已受理",
    "under_review": "审查中", "approved": "准予许可", "issued": "已发证", "rejected": "不予许可",
    "not_accepted": "不予受理", "withdrawn": "已撤回", "terminated": "已终止",
}

ACTION_NAMES = {
    "submit": "提交申请", "accept": "受理", "accept_deferred": "容缺受理", "request_correction": "一次性告知补正",
    "resubmit": "补正后重新提交", "refuse": "不予受理", "start_review": "开始审查", "approve": "准予许可",
    "reject": "不予许可", "issue": "发证", "withdraw": "撤回申请", "terminate": "终止办理",
    "supply": "补齐材料", "pause": "暂停计时", "resume": "恢复计时", "add_stations": "录入台站",
    "rate": "评价", "overdue": "容缺材料逾期", "print": "打印证照", "deliver": "送达",
    "cancel_licence": "注销证照", "revoke_licence": "撤销证照", "restore_licence": "恢复证照",
    "supersede_licences": "证照被换发替换", "credit_repair": "信用修复",
    "format_override": "调整证照形式", "expire_licences": "证照到期",
    "extension_approved": "批准延期", "check_material": "核对网上补交材料", "return_material": "退回网上补交材料",
    "withdraw_approval": "撤回准予许可决定",
    "calendar_restated": "期限按放假安排重算",
    "refuse_stations": "标记不予许可台站", "restore_stations": "取消台站不予许可标记",
    "request_extension": "申请延长审查期限", "extension_declined": "不批准延期",
    "work_order_verify": "差评核实", "work_order_rectify": "差评整改/说明", "work_order_reply": "差评答复",
    "work_order_callback": "差评回访", "work_order_appeal": "差评申诉", "work_order_appeal_decided": "申诉裁定",
}


def can(state: str, verb: str) -> bool:
    """Whether `verb` is allowed on a case in `state` (templates use it to show buttons)."""
    if verb in TRANSITIONS:
        return state in TRANSITIONS[verb][0]
    return state in IN_PLACE.get(verb, frozenset())
