from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (BooleanField, DateField, IntegerField, PasswordField, SelectField, StringField, SubmitField,
                     TextAreaField)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from ..auth.strength import Strong
from ..vocabulary import Role


class UserForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(), Length(max=64),
                                              Regexp(r"^[A-Za-z0-9_.-]+$", message=_l("用户名只能包含字母、数字和 _ . -"))])
    display_name = StringField(_l("姓名"), validators=[DataRequired(), Length(max=100)])
    role = SelectField(_l("角色"), choices=Role.choices())
    window_no = StringField(_l("窗口号"), validators=[Optional(), Length(max=16)])
    password = PasswordField(_l("初始密码"), validators=[DataRequired(), Strong()])
    submit = SubmitField(_l("添加账号"))


class ResetForm(FlaskForm):
    password = PasswordField(_l("新密码"), validators=[DataRequired(), Strong()])
    submit = SubmitField(_l("重置密码"))
    target_names: tuple = ()      # the account being reset: its names may not carry the password


class ItemForm(FlaskForm):
    name = StringField(_l("事项名称"), validators=[DataRequired(), Length(max=120)])
    name_en = StringField(_l("英文名称（英文页面显示）"), validators=[Optional(), Length(max=160)])
    statutory_days = IntegerField(_l("法定时限（工作日）"), validators=[DataRequired(), NumberRange(1, 120)])
    promised_days = IntegerField(_l("承诺时限（工作日）"), validators=[NumberRange(0, 120)])
    online_depth = SelectField(_l("网办深度"), coerce=int, choices=[(1, _l("一级")), (2, _l("二级")), (3, _l("三级")), (4, _l("四级"))])
    zero_trip = BooleanField(_l("零跑动"))
    active = BooleanField(_l("启用"))
    legal_basis = TextAreaField(_l("设定依据（法律法规）"), validators=[Optional(), Length(max=2000)])
    guide_conditions = TextAreaField(_l("申请条件"), validators=[Optional(), Length(max=4000)])
    guide_limits = TextAreaField(_l("办理时限与数量限制说明"), validators=[Optional(), Length(max=2000)])
    guide_fees = TextAreaField(_l("收费标准"), validators=[Optional(), Length(max=1000)])
    guide_window = TextAreaField(_l("办理窗口地址与办公时间"), validators=[Optional(), Length(max=1000)])
    submit = SubmitField(_l("保存"))


class MaterialForm(FlaskForm):
    code = StringField(_l("材料编码"), validators=[DataRequired(), Length(max=40),
                                            Regexp(r"^[a-z0-9_]+$", message=_l("编码只能包含小写字母、数字和下划线"))])
    name = StringField(_l("材料名称"), validators=[DataRequired(), Length(max=160)])
    name_en = StringField(_l("英文名称（英文页面显示）"), validators=[Optional(), Length(max=240)])
    core = BooleanField(_l("核心材料（不可容缺）"))
    defer_days = IntegerField(_l("容缺补齐期限（工作日）"), validators=[Optional(), NumberRange(1, 60)])
    sample = TextAreaField(_l("材料要求与样例说明"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("添加材料"))


class HolidayForm(FlaskForm):
    day = DateField(_l("日期"), validators=[DataRequired(message=_l("请输入日期"))])
    kind = SelectField(_l("类型"), choices=[("holiday", _l("休息日（节假日）")), ("workday", _l("工作日（调休上班）"))])
    note = StringField(_l("说明"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("保存"))


class YearForm(FlaskForm):
    year = IntegerField(_l("年份"), validators=[DataRequired(), NumberRange(2000, 2100)])
    source = StringField(_l("依据（如国务院办公厅通知文号）"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("确认该年节假日已录入完整"))


class NoticeForm(FlaskForm):
    year = IntegerField(_l("年份"), validators=[DataRequired(message=_l("请输入年份")), NumberRange(2004, 2199)])
    source = StringField(_l("依据（如国务院办公厅通知文号）"), validators=[DataRequired(message=_l("请填写依据")), Length(max=200)])
    text = TextAreaField(_l("放假安排（每行一段：日期或日期~日期，休/班，说明）"), validators=[Optional(), Length(max=20000)])
    file = FileField(_l("或上传 CSV / ICS 文件"))
    preview = SubmitField(_l("预览"))
    confirm = SubmitField(_l("确认录入并重算期限"))
