"""Forms of the issuance pages: stations, import, issue, print, delivery, cancellation, revocation."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, DateField, IntegerField, RadioField, SelectField, StringField, SubmitField,
                     TextAreaField)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from .station_import import COLUMN_LABELS
from ..vocabulary import StationType

FORMAT_CHOICES = [("electronic", _l("电子证照")), ("paper", _l("纸质证照"))]


class StationForm(FlaskForm):
    """One station typed in at the window; checked by the same rules as an imported row."""

    station_name = StringField(_l(COLUMN_LABELS["station_name"]), validators=[DataRequired(), Length(max=100)])
    station_type = SelectField(_l(COLUMN_LABELS["station_type"]), choices=StationType.choices())
    address = StringField(_l(COLUMN_LABELS["address"]), validators=[DataRequired(), Length(max=200)])
    longitude = StringField(_l(COLUMN_LABELS["longitude"]), validators=[DataRequired()])
    latitude = StringField(_l(COLUMN_LABELS["latitude"]), validators=[DataRequired()])
    altitude_m = StringField(_l(COLUMN_LABELS["altitude_m"]))
    tx_mhz = StringField(_l(COLUMN_LABELS["tx_mhz"]), validators=[DataRequired()], description=_l("如 460.125 或 1885-1915，多个用分号分隔"))
    rx_mhz = StringField(_l(COLUMN_LABELS["rx_mhz"]))
    bandwidth_khz = StringField(_l(COLUMN_LABELS["bandwidth_khz"]), validators=[DataRequired()])
    emission = StringField(_l(COLUMN_LABELS["emission"]))
    power_w = StringField(_l(COLUMN_LABELS["power_w"]), validators=[DataRequired()])
    antenna_gain_dbi = StringField(_l(COLUMN_LABELS["antenna_gain_dbi"]))
    antenna_height_m = StringField(_l(COLUMN_LABELS["antenna_height_m"]))
    azimuth_deg = StringField(_l(COLUMN_LABELS["azimuth_deg"]))
    equipment_model = StringField(_l(COLUMN_LABELS["equipment_model"]), validators=[DataRequired(), Length(max=100)])
    type_approval_code = StringField(_l(COLUMN_LABELS["type_approval_code"]))
    call_sign = StringField(_l(COLUMN_LABELS["call_sign"]))
    format_override = SelectField(_l("执照形式"), choices=[("", _l("随案件"))] + FORMAT_CHOICES, default="")
    replaces = StringField(_l("原执照编号（变更、延续时）"), validators=[Optional(), Length(max=32)])
    submit = SubmitField(_l("添加台站"))


class ImportForm(FlaskForm):
    file = FileField(_l("台站清单（CSV 或 XLSX）"), validators=[FileRequired(_l("请选择要导入的文件。"))])
    mode = RadioField(_l("导入方式"), choices=[("append", _l("追加到已有台站")), ("replace", _l("替换已有台站"))], default="append")
    submit = SubmitField(_l("导入"))


class IssueForm(FlaskForm):
    format = SelectField(_l("证照形式"), choices=FORMAT_CHOICES, default="electronic")
    valid_until = DateField(_l("有效期至（留空按上限）"), validators=[Optional()])
    # Frequency use permit only
    frequencies = StringField(_l("频率（MHz）"), validators=[Optional(), Length(max=500)],
                              description=_l("如 351.0125;351.0375 或 1885-1915"))
    use = StringField(_l("用途"), validators=[Optional(), Length(max=500)])
    area = StringField(_l("使用范围"), validators=[Optional(), Length(max=500)])
    usage_rate = StringField(_l("使用率要求"), validators=[Optional(), Length(max=500)])
    term_years = IntegerField(_l("许可期限（年）"), validators=[Optional(), NumberRange(1, 10)], default=5)
    conditions = TextAreaField(_l("附加条件（留空用标准条件）"), validators=[Optional(), Length(max=1000)])
    replaces = StringField(_l("被替换的原许可证编号（变更、延续时）"), validators=[Optional(), Length(max=32)])
    submit = SubmitField(_l("发证"))

    def permit(self) -> dict:
        return {"frequencies": self.frequencies.data or "", "use": self.use.data or "", "area": self.area.data or "",
                "usage_rate": self.usage_rate.data or "", "term_years": self.term_years.data,
                "valid_until": self.valid_until.data if self.term_years.data is None else None,
                "conditions": self.conditions.data or "", "replaces": self.replaces.data or ""}


class FormatForm(FlaskForm):
    format_override = SelectField(_l("执照形式"), choices=[("", _l("随案件"))] + FORMAT_CHOICES)


class PrintForm(FlaskForm):
    copies = IntegerField(_l("份数"), validators=[DataRequired(), NumberRange(1, 10)], default=1)
    submit = SubmitField(_l("打印并记录"))


class DeliveryForm(FlaskForm):
    method = RadioField(_l("送达方式"), choices=[("pickup", _l("窗口领取")), ("post", _l("邮寄"))], default="pickup")
    receiver = StringField(_l("领取人姓名"), validators=[Optional(), Length(max=100)])
    tracking_no = StringField(_l("快递单号"), validators=[Optional(), Length(max=40)])
    submit = SubmitField(_l("登记送达"))


class CancelForm(FlaskForm):
    numbers = TextAreaField(_l("注销的证照编号（每行一个）"), validators=[DataRequired(), Length(max=200_000)])
    returned = BooleanField(_l("原证已交回"), default=True)
    reason = StringField(_l("注销原因"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("登记注销并办结"))


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("撤销/吊销的理由和依据"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("撤销证照"))


class RestoreForm(FlaskForm):
    reason = TextAreaField(_l("恢复的理由和依据（如复议决定书文号）"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("恢复有效"))


class VerifyPdfForm(FlaskForm):
    """Anyone may upload a PDF to check its seal, that it is the archived instrument, and the live status."""

    file = FileField(_l("选择 PDF 文件"), validators=[FileRequired(_l("请选择要核验的 PDF 文件。"))])
    submit = SubmitField(_l("核验"))
