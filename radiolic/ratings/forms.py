"""Forms of the rating pages, the window tablet and the 差评 work orders."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from ..vocabulary import RatingLevel
from ..workflow.ratings import COMMENT_MAX, TAGS

ALL_TAGS = sorted({code for tags in TAGS.values() for code in tags})


class RatingForm(FlaskForm):
    level = RadioField(_l("评价"), coerce=int, choices=RatingLevel.choices(),
                       validators=[InputRequired(message=_l("请选择评价等级"))])
    # Which tags fit the level is the rating verb's rule; the form only bounds the vocabulary.
    tags = SelectMultipleField(_l("评价标签"), choices=[(t, t) for t in ALL_TAGS], validate_choice=True)
    comment = TextAreaField(_l("意见建议（选填）"), validators=[Length(max=COMMENT_MAX)])


class KioskRatingForm(FlaskForm):
    number = HiddenField(validators=[DataRequired(), Length(max=24)])
    level = RadioField(coerce=int, choices=RatingLevel.choices(),
                       validators=[InputRequired()])
    tags = SelectMultipleField(choices=[(t, t) for t in ALL_TAGS], validate_choice=True)


class PairForm(FlaskForm):
    code = StringField(_l("配对码"), validators=[DataRequired(message=_l("请输入配对码")), Length(max=40)],
                       render_kw={"autocomplete": "off", "autocapitalize": "characters"})


class DeviceForm(FlaskForm):
    window_no = StringField(_l("窗口号"), validators=[DataRequired(message=_l("请填写窗口号")), Length(max=16)])
    label = StringField(_l("设备名称"), validators=[Length(max=100)])


class VerifyForm(FlaskForm):
    finding = TextAreaField(_l("核实情况"), validators=[DataRequired(message=_l("请填写核实情况")), Length(max=2000)])


class RectifyForm(FlaskForm):
    kind = SelectField(_l("处理方式"), choices=[("rectify", _l("整改")), ("explain", _l("解释说明"))])
    action = TextAreaField(_l("整改措施或解释说明"), validators=[DataRequired(message=_l("请填写内容")),
                                                         Length(max=2000)])


class ReplyForm(FlaskForm):
    text = TextAreaField(_l("答复申请人"), validators=[DataRequired(message=_l("请填写答复内容")), Length(max=500)])


class CallbackForm(FlaskForm):
    satisfied = RadioField(_l("申请人对答复"), choices=[("yes", _l("满意")), ("no", _l("不满意"))],
                           validators=[InputRequired(message=_l("请选择"))])
    view = TextAreaField(_l("回访记录（申请人的意见）"), validators=[DataRequired(message=_l("请填写回访记录")),
                                                             Length(max=2000)])


class AppealForm(FlaskForm):
    reason = TextAreaField(_l("申诉理由（如评价对象错误、与服务无关）"),
                           validators=[DataRequired(message=_l("请填写申诉理由")), Length(max=2000)])


class DecideAppealForm(FlaskForm):
    uphold = RadioField(_l("裁定"), choices=[("yes", _l("申诉成立（评价不计入）")), ("no", _l("申诉不成立（继续整改）"))],
                        validators=[InputRequired(message=_l("请选择"))])
    decision = TextAreaField(_l("裁定意见"), validators=[DataRequired(message=_l("请填写裁定意见")), Length(max=2000)])
