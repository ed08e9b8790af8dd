"""Forms of the review stage; they check input, the workflow checks the rules."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, IntegerField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..vocabulary import StopKind
from ..workflow.review import MAX_EXPECTED_DAYS, SPECIAL_PROCEDURES

class StartReviewForm(FlaskForm):
    submit = SubmitField(_l("开始审查"))


class PauseForm(FlaskForm):
    kind = SelectField(_l("暂停类型"), choices=StopKind.choices(SPECIAL_PROCEDURES))
    reason = TextAreaField(_l("理由（写入告知书）"), validators=[DataRequired(_l("请写明理由。")), Length(max=1000)])
    expected_days = IntegerField(_l("预计时长（工作日）"), validators=[
        InputRequired(_l("请填写预计时长。")), NumberRange(1, MAX_EXPECTED_DAYS, _l("预计时长须为 1–%(n)s 个工作日。", n=MAX_EXPECTED_DAYS))])
    submit = SubmitField(_l("暂停计时并出具告知书"))


class ResumeForm(FlaskForm):
    note = TextAreaField(_l("结果说明（可选）"), validators=[Optional(), Length(max=1000)])
    submit = SubmitField(_l("恢复计时"))


class ExtensionRequestForm(FlaskForm):
    days = IntegerField(_l("延长工作日数"), validators=[InputRequired(_l("请填写延长天数。")), NumberRange(1, 60, _l("延长天数须为 1–60 的整数（法定上限另行校验）。"))])
    reason = TextAreaField(_l("延期理由（将告知申请人）"), validators=[DataRequired(_l("请写明理由。")), Length(max=1000)])
    submit = SubmitField(_l("提交延期申请"))


class ExtensionDecisionForm(FlaskForm):
    note = TextAreaField(_l("意见（不批准时必填）"), validators=[Optional(), Length(max=1000)])
    approve = SubmitField(_l("批准延期"))
    decline = SubmitField(_l("不批准"))


class DecideForm(FlaskForm):
    outcome = RadioField(_l("决定"), choices=[("approve", _l("准予许可")), ("reject", _l("不予许可"))],
                         validators=[InputRequired(_l("请选择准予或不予许可。"))])
    reason = TextAreaField(_l("审查意见 / 不予许可的理由"), validators=[Optional(), Length(max=4000)])
    legal_basis = TextAreaField(_l("法律依据（不予许可时必填）"), validators=[Optional(), Length(max=2000)])
    # "check your answers": the first submit shows what will be decided and sent; this field confirms it.
    confirm = HiddenField()
    # The station counts the reviewer confirmed ("refused/total"): a change in between shows the check again.
    stations_seen = HiddenField()
    submit = SubmitField(_l("核对决定"))


class StationMarkForm(FlaskForm):
    reason = TextAreaField(_l("不予许可的理由（写入决定书）"), validators=[Optional(), Length(max=1000)])
    scope = RadioField(_l("范围"), choices=[("checked", _l("本页勾选的台站")), ("filter", _l("全部符合筛选条件的台站"))],
                       default="checked")
    expected = IntegerField(validators=[Optional()])


class RefusalUploadForm(FlaskForm):
    file = FileField(_l("不予许可台站清单（CSV：台站名称或序号,理由）"), validators=[FileRequired(_l("请选择要上传的文件。"))])
