"""Forms of the applicant's pages: lookup, online application, supplying materials."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp


class LookupForm(FlaskForm):
    number = StringField(_l("申请编号"), validators=[DataRequired(message=_l("请输入申请编号")), Length(max=40)],
                         render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"})
    # A normal text field (a random code typed blind is hard to get right on a phone); not kept in form history.
    query_code = StringField(_l("查询码"), validators=[DataRequired(message=_l("请输入查询码")), Length(max=40)],
                             render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false",
                                        "autocorrect": "off",
                                        "inputmode": "text"})


class ApplyForm(FlaskForm):
    kind = SelectField(_l("申请人类型"), choices=[("organisation", _l("单位")), ("person", _l("个人"))])
    name = StringField(_l("申请人名称（单位全称或个人姓名）"), validators=[DataRequired(message=_l("请填写申请人名称")),
                                                                 Length(max=200)])
    id_code = StringField(_l("统一社会信用代码 / 身份证号码"),
                          validators=[DataRequired(message=_l("请填写证件号码")), Length(max=30)])
    contact = StringField(_l("经办人"), validators=[DataRequired(message=_l("请填写经办人")), Length(max=100)])
    phone = StringField(_l("手机号码（接收短信通知）"), validators=[
        DataRequired(message=_l("请填写手机号码")),
        Regexp(r"^\+?[0-9][0-9 -]{6,19}$", message=_l("手机号码格式有误"))])
    email = EmailField(_l("电子邮箱（选填）"), validators=[Optional(), Length(max=200),
                                                    Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("邮箱格式有误"))])
    address = StringField(_l("通讯地址（选填）"), validators=[Optional(), Length(max=300)])
    summary = TextAreaField(_l("申请内容（简述台站或频率用途）"), validators=[DataRequired(message=_l("请简述申请内容")),
                                                                Length(max=1000)])
    format = SelectField(_l("证照形式"), choices=[("electronic", _l("电子证照（网上下载，零跑动）")),
                                              ("paper", _l("纸质证照（邮寄或窗口领取）"))])
    stations = FileField(_l("台站清单（选填，CSV 或 XLSX）"))
    truthful = BooleanField(_l("本人承诺所填信息和上传材料真实、有效"),
                            validators=[InputRequired(message=_l("请确认承诺"))])


class SupplyForm(FlaskForm):
    material = HiddenField(validators=[DataRequired(), Length(max=40)])
    file = FileField(_l("选择文件（PDF、JPG 或 PNG）"))


class CorrectionForm(FlaskForm):
    """Files come as material_<code>, one per item of the correction notice."""
