"""Forms of the issuance pages: stations, import, issue, print, delivery, cancellation, revocation."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, DateField, IntegerField, RadioField, SelectField, StringField, SubmitField,
                     TextAreaField)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..station_import import COLUMN_LABELS, STATION_TYPES

FORMAT_CHOICES = [("electronic", "电子证照"), ("paper", "纸质证照")]


class StationForm(FlaskForm):
    """One station typed in at the window; checked by the same rules as an imported row."""

    station_name = StringField(COLUMN_LABELS["station_name"], validators=[DataRequired(), Length(max=100)])
    station_type = SelectField(COLUMN_LABELS["station_type"], choices=list(STATION_TYPES.items()))
    address = StringField(COLUMN_LABELS["address"], validators=[DataRequired(), Length(max=200)])
    longitude = StringField(COLUMN_LABELS["longitude"], validators=[DataRequired()])
    latitude = StringField(COLUMN_LABELS["latitude"], validators=[DataRequired()])
    altitude_m = StringField(COLUMN_LABELS["altitude_m"])
    tx_mhz = StringField(COLUMN_LABELS["tx_mhz"], validators=[DataRequired()], description="如 460.125 或 1885-1915，多个用分号分隔")
    rx_mhz = StringField(COLUMN_LABELS["rx_mhz"])
    bandwidth_khz = StringField(COLUMN_LABELS["bandwidth_khz"], validators=[DataRequired()])
    emission = StringField(COLUMN_LABELS["emission"])
    power_w = StringField(COLUMN_LABELS["power_w"], validators=[DataRequired()])
    antenna_gain_dbi = StringField(COLUMN_LABELS["antenna_gain_dbi"])
    antenna_height_m = StringField(COLUMN_LABELS["antenna_height_m"])
    azimuth_deg = StringField(COLUMN_LABELS["azimuth_deg"])
    equipment_model = StringField(COLUMN_LABELS["equipment_model"], validators=[DataRequired(), Length(max=100)])
    type_approval_code = StringField(COLUMN_LABELS["type_approval_code"])
    call_sign = StringField(COLUMN_LABELS["call_sign"])
    format_override = SelectField("执照形式", choices=[("", "随案件")] + FORMAT_CHOICES, default="")
    replaces = StringField("原执照编号（变更、延续时）", validators=[Optional(), Length(max=32)])
    submit = SubmitField("添加台站")


class ImportForm(FlaskForm):
    file = FileField("台站清单（CSV 或 XLSX）", validators=[FileRequired("请选择要导入的文件。")])
    mode = RadioField("导入方式", choices=[("append", "追加到已有台站"), ("replace", "替换已有台站")], default="append")
    submit = SubmitField("导入")


class IssueForm(FlaskForm):
    format = SelectField("证照形式", choices=FORMAT_CHOICES, default="electronic")
    valid_until = DateField("有效期至（留空按上限）", validators=[Optional()])
    # Frequency use permit only
    frequencies = StringField("频率（MHz）", validators=[Optional(), Length(max=500)],
                              description="如 351.0125;351.0375 或 1885-1915")
    use = StringField("用途", validators=[Optional(), Length(max=500)])
    area = StringField("使用范围", validators=[Optional(), Length(max=500)])
    usage_rate = StringField("使用率要求", validators=[Optional(), Length(max=500)])
    term_years = IntegerField("许可期限（年）", validators=[Optional(), NumberRange(1, 10)], default=5)
    conditions = TextAreaField("附加条件（留空用标准条件）", validators=[Optional(), Length(max=1000)])
    replaces = StringField("被替换的原许可证编号（变更、延续时）", validators=[Optional(), Length(max=32)])
    submit = SubmitField("发证")

    def permit(self) -> dict:
        return {"frequencies": self.frequencies.data or "", "use": self.use.data or "", "area": self.area.data or "",
                "usage_rate": self.usage_rate.data or "", "term_years": self.term_years.data,
                "valid_until": self.valid_until.data if self.term_years.data is None else None,
                "conditions": self.conditions.data or "", "replaces": self.replaces.data or ""}


class FormatForm(FlaskForm):
    format_override = SelectField("执照形式", choices=[("", "随案件")] + FORMAT_CHOICES)


class PrintForm(FlaskForm):
    copies = IntegerField("份数", validators=[DataRequired(), NumberRange(1, 10)], default=1)
    submit = SubmitField("打印并记录")


class DeliveryForm(FlaskForm):
    method = RadioField("送达方式", choices=[("pickup", "窗口领取"), ("post", "邮寄")], default="pickup")
    receiver = StringField("领取人姓名", validators=[Optional(), Length(max=100)])
    tracking_no = StringField("快递单号", validators=[Optional(), Length(max=40)])
    submit = SubmitField("登记送达")


class CancelForm(FlaskForm):
    numbers = TextAreaField("注销的证照编号（每行一个）", validators=[DataRequired(), Length(max=200_000)])
    returned = BooleanField("原证已交回", default=True)
    reason = StringField("注销原因", validators=[Optional(), Length(max=500)])
    submit = SubmitField("登记注销并办结")


class RevokeForm(FlaskForm):
    reason = TextAreaField("撤销/吊销的理由和依据", validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField("撤销证照")
