"""The code sets: one class per set, each member the stored code, its Chinese text and a badge style.

    CaseState("issued").title        # lazy-translated title for a page (已发证 / Issued)
    CaseState.text_of("issued")      # the Chinese text, for event notes, notices and exports
    CaseState.badge_of("issued")     # Bootstrap colour for a badge: "success"
    Role.choices()                   # [(value, title), …] for a SelectField

The value is what the database stores and the API sends; it never changes. Titles are marked with N_ so
Babel extracts them; `title` translates at render time. Nothing here imports the models.
"""
from enum import Enum

from flask_babel import lazy_gettext


def N_(text: str) -> str:
    """Mark a Chinese text for the catalogue; it is translated where it is shown."""
    return text


class Vocabulary(Enum):
    """Base of every code set. Members are `(value, text[, badge[, short]])`."""

    def __new__(cls, value, text: str, badge: str = "secondary", short: str | None = None):
        member = cls._member_type_.__new__(cls, value)
        member._value_ = value
        member.text = text
        member.badge = badge
        member.short = short or text
        return member

    @classmethod
    def values(cls) -> tuple:
        return tuple(m.value for m in cls)

    @classmethod
    def choices(cls, values=None) -> list[tuple]:
        """(value, title) pairs for a form, in declaration order (or for `values`, in that order)."""
        return [(m.value, m.title) for m in (cls.__members__.values() if values is None else map(cls, values))]

    @classmethod
    def get(cls, value):
        try:
            return cls(value)
        except ValueError:
            return None

    @classmethod
    def text_of(cls, value, default: str | None = None) -> str:
        member = cls.get(value)
        return member.text if member else (value if default is None else default)

    @classmethod
    def title_of(cls, value, default=None):
        member = cls.get(value)
        return member.title if member else (value if default is None else default)

    @classmethod
    def badge_of(cls, value) -> str:
        member = cls.get(value)
        return member.badge if member else "secondary"

    @classmethod
    def texts(cls) -> dict:
        """value -> Chinese text."""
        return {m.value: m.text for m in cls}


class _Shown:
    """Placed before the data type so that `title` and `str()` are these, not str.title and Enum's str."""

    @property
    def title(self):
        """The text in the page's language (a lazy string: translated when rendered)."""
        return lazy_gettext(self.text)

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)


class CodeSet(_Shown, str, Vocabulary):
    """A code set whose values are short strings."""


class NumberSet(_Shown, int, Vocabulary):
    """A code set whose values are small integers."""


class CaseState(CodeSet):
    submitted = "submitted", N_("待受理"), "secondary"
    awaiting_correction = "awaiting_correction", N_("待补正"), "warning"
    accepted = "accepted", N_("已受理"), "info"
    under_review = "under_review", N_("审查中"), "primary"
    approved = "approved", N_("准予许可"), "success"
    issued = "issued", N_("已发证"), "success"
    rejected = "rejected", N_("不予许可"), "danger"
    not_accepted = "not_accepted", N_("不予受理"), "danger"
    withdrawn = "withdrawn", N_("已撤回"), "dark"
    terminated = "terminated", N_("已终止"), "danger"


class Action(CodeSet):
    """What an event records (Event.action): the verbs and the in-place steps."""
    submit = "submit", N_("提交申请")
    accept = "accept", N_("受理")
    accept_deferred = "accept_deferred", N_("容缺受理")
    request_correction = "request_correction", N_("一次性告知补正")
    resubmit = "resubmit", N_("补正后重新提交")
    refuse = "refuse", N_("不予受理")
    start_review = "start_review", N_("开始审查")
    approve = "approve", N_("准予许可")
    reject = "reject", N_("不予许可")
    issue = "issue", N_("发证")
    withdraw = "withdraw", N_("撤回申请")
    terminate = "terminate", N_("终止办理")
    supply = "supply", N_("补齐材料")
    pause = "pause", N_("暂停计时")
    resume = "resume", N_("恢复计时")
    add_stations = "add_stations", N_("录入台站")
    rate = "rate", N_("评价")
    overdue = "overdue", N_("容缺材料逾期")
    print = "print", N_("打印证照")
    deliver = "deliver", N_("送达")
    cancel_licence = "cancel_licence", N_("注销证照")
    revoke_licence = "revoke_licence", N_("撤销证照")
    restore_licence = "restore_licence", N_("恢复证照")
    supersede_licences = "supersede_licences", N_("证照被换发替换")
    credit_repair = "credit_repair", N_("信用修复")
    format_override = "format_override", N_("调整证照形式")
    expire_licences = "expire_licences", N_("证照到期")
    extension_approved = "extension_approved", N_("批准延期")
    check_material = "check_material", N_("核对网上补交材料")
    return_material = "return_material", N_("退回网上补交材料")
    withdraw_approval = "withdraw_approval", N_("撤回准予许可决定")
    calendar_restated = "calendar_restated", N_("期限按放假安排重算")
    refuse_stations = "refuse_stations", N_("标记不予许可台站")
    restore_stations = "restore_stations", N_("取消台站不予许可标记")
    request_extension = "request_extension", N_("申请延长审查期限")
    extension_declined = "extension_declined", N_("不批准延期")
    work_order_verify = "work_order_verify", N_("差评核实")
    work_order_rectify = "work_order_rectify", N_("差评整改/说明")
    work_order_reply = "work_order_reply", N_("差评答复")
    work_order_callback = "work_order_callback", N_("差评回访")
    work_order_appeal = "work_order_appeal", N_("差评申诉")
    work_order_appeal_decided = "work_order_appeal_decided", N_("申诉裁定")


class Channel(CodeSet):
    """How an application came in; `short` is the column text of the case export."""
    window = "window", N_("窗口受理"), "secondary", N_("窗口")
    online = "online", N_("网上申请"), "primary", N_("网上")
    mail = "mail", N_("邮寄申请"), "secondary", N_("邮寄")


class Format(CodeSet):
    """Paper or electronic: the format a case asks for and a licence is issued in."""
    paper = "paper", N_("纸质")
    electronic = "electronic", N_("电子")


class MaterialStatus(CodeSet):
    """A material's state on the checklist. 需补正 is the Art. 32 word for a material that must be corrected."""
    received = "received", N_("已收"), "success"
    missing = "missing", N_("缺"), "danger"
    defective = "defective", N_("需补正"), "warning"
    deferred = "deferred", N_("容缺待补"), "warning"
    unchecked = "unchecked", N_("网上已上传，待核对"), "info"
    supplied = "supplied", N_("已补齐"), "success"
    waived = "waived", N_("免交"), "light"


class StopKind(CodeSet):
    """Periods not counted (行政许可法 Art. 45; 条例 Art. 83). `extension` only names rows written before an
    Art. 42 extension stopped being a clock stop."""
    hearing = "hearing", N_("听证")
    tendering = "tendering", N_("招标、拍卖")
    testing = "testing", N_("检验、检测、检疫")
    appraisal = "appraisal", N_("鉴定")
    expert_review = "expert_review", N_("专家评审")
    coordination = "coordination", N_("频率协调")
    extension = "extension", N_("延长审查期限")


class CommitmentStatus(CodeSet):
    open = "open", N_("履行中")
    fulfilled = "fulfilled", N_("已履行")
    broken = "broken", N_("未履行")


class Role(CodeSet):
    clerk = "clerk", N_("窗口人员")
    reviewer = "reviewer", N_("审核人员")
    supervisor = "supervisor", N_("主管")
    admin = "admin", N_("系统管理员")


class RatingLevel(NumberSet):
    very_satisfied = 5, N_("非常满意"), "success"
    satisfied = 4, N_("满意"), "success"
    basically_satisfied = 3, N_("基本满意"), "secondary"
    dissatisfied = 2, N_("不满意"), "danger"
    very_dissatisfied = 1, N_("非常不满意"), "danger"


class RatingChannel(CodeSet):
    window = "window", N_("窗口评价器")
    qr = "qr", N_("二维码")
    online = "online", N_("网上查询页")
    sms = "sms", N_("短信链接")


class WorkOrderStatus(CodeSet):
    open = "open", N_("处理中"), "warning"
    replied = "replied", N_("已答复待回访"), "warning"
    closed = "closed", N_("已办结"), "success"
    appealed = "appealed", N_("申诉中"), "warning"
    appeal_upheld = "appeal_upheld", N_("申诉成立"), "success"


class LicenceKind(CodeSet):
    """What a service item issues, and what a renewal reminder is about."""
    frequency_permit = "frequency_permit", N_("无线电频率使用许可证")
    station_licence = "station_licence", N_("无线电台执照")


class LicenceStatus(CodeSet):
    valid = "valid", N_("有效"), "success"
    superseded = "superseded", N_("已被替换")
    cancelled = "cancelled", N_("已注销")
    revoked = "revoked", N_("已撤销")
    expired = "expired", N_("已过期")


class StationType(CodeSet):
    public_mobile_base = "public_mobile_base", N_("公众移动通信基站")
    repeater = "repeater", N_("中继站")
    walkie_talkie = "walkie_talkie", N_("对讲机系统")
    trunked = "trunked", N_("集群")
    microwave = "microwave", N_("微波站")
    satellite_earth = "satellite_earth", N_("卫星地球站")
    amateur = "amateur", N_("业余无线电台")
    other = "other", N_("其他")


class ThrottleScope(CodeSet):
    login = "login", N_("员工登录")
    lookup = "lookup", N_("进度查询")
    pair = "pair", N_("评价平板配对")


class OpenBucket(CodeSet):
    """The supervisor's open cases by working days left."""
    overdue = "overdue", N_("已逾期")
    days_0_2 = "0-2", N_("剩 0–2 个工作日")
    days_3_5 = "3-5", N_("剩 3–5 个工作日")
    days_6_10 = "6-10", N_("剩 6–10 个工作日")
    days_11_up = "11+", N_("剩 11 个工作日以上")
    paused = "paused", N_("暂停计时")


ALL = (CaseState, Action, Channel, Format, MaterialStatus, StopKind, CommitmentStatus, Role, RatingLevel,
       RatingChannel, WorkOrderStatus, LicenceKind, LicenceStatus, StationType, ThrottleScope, OpenBucket)
