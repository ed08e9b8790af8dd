from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from ..models import ROLE_NAMES


class UserForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired(), Length(max=64),
                                              Regexp(r"^[A-Za-z0-9_.-]+$", message="用户名只能包含字母、数字和 _ . -")])
    display_name = StringField("姓名", validators=[DataRequired(), Length(max=100)])
    role = SelectField("角色", choices=list(ROLE_NAMES.items()))
    window_no = StringField("窗口号", validators=[Optional(), Length(max=16)])
    password = PasswordField("初始密码", validators=[DataRequired(), Length(min=10, message="密码至少 10 位")])
    submit = SubmitField("添加账号")


class ResetForm(FlaskForm):
    password = PasswordField("新密码", validators=[DataRequired(), Length(min=10, message="密码至少 10 位")])
    submit = SubmitField("重置密码")


class ItemForm(FlaskForm):
    name = StringField("事项名称", validators=[DataRequired(), Length(max=120)])
    statutory_days = IntegerField("法定时限（工作日）", validators=[DataRequired(), NumberRange(1, 120)])
    promised_days = IntegerField("承诺时限（工作日）", validators=[NumberRange(0, 120)])
    online_depth = SelectField("网办深度", coerce=int, choices=[(1, "一级"), (2, "二级"), (3, "三级"), (4, "四级")])
    zero_trip = BooleanField("零跑动")
    active = BooleanField("启用")
    submit = SubmitField("保存")


class MaterialForm(FlaskForm):
    code = StringField("材料编码", validators=[DataRequired(), Length(max=40),
                                            Regexp(r"^[a-z0-9_]+$", message="编码只能包含小写字母、数字和下划线")])
    name = StringField("材料名称", validators=[DataRequired(), Length(max=160)])
    core = BooleanField("核心材料（不可容缺）")
    defer_days = IntegerField("容缺补齐期限（工作日）", validators=[Optional(), NumberRange(1, 60)])
    submit = SubmitField("添加材料")


class HolidayForm(FlaskForm):
    day = DateField("日期", validators=[DataRequired(message="请输入日期")])
    kind = SelectField("类型", choices=[("holiday", "休息日（节假日）"), ("workday", "工作日（调休上班）")])
    note = StringField("说明", validators=[Optional(), Length(max=200)])
    submit = SubmitField("保存")


class YearForm(FlaskForm):
    year = IntegerField("年份", validators=[DataRequired(), NumberRange(2000, 2100)])
    source = StringField("依据（如国务院办公厅通知文号）", validators=[DataRequired(), Length(max=200)])
    submit = SubmitField("确认该年节假日已录入完整")
