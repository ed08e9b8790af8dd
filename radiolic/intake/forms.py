"""Forms of the intake pages; the checklist rows are read from the request by the view (they vary by item)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, HiddenField, IntegerField, SelectField, SelectMultipleField, StringField,
                     TextAreaField)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

KIND_CHOICES = [("organisation", _l("单位（统一社会信用代码）")), ("person", _l("个人（居民身份证）"))]
CHANNEL_CHOICES = [("window", _l("窗口")), ("online", _l("网上")), ("mail", _l("邮寄"))]
FORMAT_CHOICES = [("electronic", _l("电子证照")), ("paper", _l("纸质证照"))]
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
MATERIAL_CHOICES = [("received", _l("收到")), ("missing", _l("缺")), ("defective", _l("有误"))]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


# A telephone number as the verbs accept it: digits, spaces, + and -, 7 to 20 digits (13800138000, 0763-3388123).
PHONE = r"^(?=(?:[^0-9]*[0-9]){7,20}[^0-9]*$)[0-9 +-]+$"
PHONE_MESSAGE = _l("联系电话格式有误：只能包含数字、空格、+ 和 -，7 至 20 位。")


class ApplicantFields:
    """Applicant fields shared by the applicant page and the intake form."""

    kind = SelectField(_l("申请人类型"), choices=KIND_CHOICES)
    id_code = StringField(_l("统一社会信用代码 / 身份证号码"), validators=[DataRequired(_l("请填写证件号码")), Length(max=40)],
                          render_kw={"autocomplete": "off", "spellcheck": "false"})
    name = StringField(_l("申请人名称 / 姓名"), validators=[Optional(), Length(max=200)])
    code_override_reason = StringField(_l("校验位不符时的放行理由"), validators=[Optional(), Length(max=300)],
                                       description=_l("仅当系统提示统一社会信用代码校验位不符、且核实无误时填写（如早期试点代码）。"))
    contact = StringField(_l("联系人"), validators=[Optional(), Length(max=100)])
    phone = StringField(_l("联系电话"), validators=[Optional(), Regexp(PHONE, message=PHONE_MESSAGE), Length(max=32)])
    email = StringField(_l("电子邮箱"), validators=[Optional(), Regexp(EMAIL, message=_l("电子邮箱格式有误")), Length(max=200)])
    address = StringField(_l("地址"), validators=[Optional(), Length(max=300)])


class ApplicantForm(ApplicantFields, FlaskForm):
    pass


class ContactForm(FlaskForm):
    contact = StringField(_l("联系人"), validators=[Optional(), Length(max=100)])
    phone = StringField(_l("联系电话"), validators=[Optional(), Regexp(PHONE, message=PHONE_MESSAGE), Length(max=32)])
    email = StringField(_l("电子邮箱"), validators=[Optional(), Regexp(EMAIL, message=_l("电子邮箱格式有误")), Length(max=200)])
    address = StringField(_l("地址"), validators=[Optional(), Length(max=300)])


class IntakeForm(ApplicantFields, FlaskForm):
    service_item = SelectField(_l("申请事项"), validators=[DataRequired(_l("请选择申请事项"))])
    agent_name = StringField(_l("经办人（代理人）"), validators=[Optional(), Length(max=100)])
    agent_phone = StringField(_l("经办人电话"), validators=[Optional(), Regexp(PHONE, message=PHONE_MESSAGE),
                                                           Length(max=32)])
    channel = SelectField(_l("收件渠道"), choices=CHANNEL_CHOICES, default="window")
    single_window = BooleanField(_l("综合窗口收件（一窗受理）"), default=True)
    visits = IntegerField(_l("本次申请跑动次数"), default=1,
                          validators=[NumberRange(0, 20, _l("跑动次数须为 0 到 20"))])
    format = SelectField(_l("证照形式"), choices=FORMAT_CHOICES, default="electronic")
    summary = StringField(_l("申请内容（一句话）"), validators=[Optional(), Length(max=300)])
    form_key = HiddenField()
    confirm_duplicate = BooleanField(_l("确认另行收件（不是重复提交）"))


class AcceptForm(FlaskForm):
    deferred = MultiCheckboxField(_l("容缺材料（只能选可容缺的材料）"), choices=[], validate_choice=False)
    signed_by = StringField(_l("承诺书签署人"), validators=[Optional(), Length(max=100)])
    due_on = DateField(_l("补齐期限（不填则按各材料的容缺期限计算）"), validators=[Optional()])
    method = StringField(_l("补齐方式"), default="窗口递交或网上上传", validators=[Optional(), Length(max=100)])
    query_code = HiddenField()


class CorrectionForm(FlaskForm):
    reason = TextAreaField(_l("再次补正的理由（第二次起必填）"), validators=[Optional(), Length(max=1000)])
    query_code = HiddenField()


class RefuseForm(FlaskForm):
    reason = TextAreaField(_l("不予受理的理由"), validators=[DataRequired(_l("请写明不予受理的理由")), Length(max=2000)])
    query_code = HiddenField()
    confirm = HiddenField()      # "1" on the confirmation page's button: only then is the refusal made


class ResubmitForm(FlaskForm):
    received = MultiCheckboxField(_l("本次收到的补正材料"), choices=[], validate_choice=False)
    visit = BooleanField(_l("申请人本次到窗口递交（计一次跑动）"))


class WithdrawForm(FlaskForm):
    reason = StringField(_l("撤回原因"), validators=[DataRequired(_l("请写明撤回原因")), Length(max=500)])


class SupplyForm(FlaskForm):
    received_on = DateField(_l("收到日期"), validators=[DataRequired(_l("请填写收到日期"))])
    supplied_from = StringField(_l("递交人"), validators=[Optional(), Length(max=100)])
    note = StringField(_l("备注"), validators=[Optional(), Length(max=300)])


class TerminateForm(FlaskForm):
    reason = TextAreaField(_l("终止办理的理由"), validators=[DataRequired(_l("请写明终止办理的理由")), Length(max=2000)])


class RepairForm(FlaskForm):
    reason = TextAreaField(_l("信用修复理由"), validators=[DataRequired(_l("请写明信用修复的理由")), Length(max=2000)])
