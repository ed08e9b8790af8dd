from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo

from .strength import Strong


class LoginForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(message=_l("请输入用户名"))])
    password = PasswordField(_l("密码"), validators=[DataRequired(message=_l("请输入密码"))])
    submit = SubmitField(_l("登录"))


class PasswordForm(FlaskForm):
    current = PasswordField(_l("当前密码"), validators=[DataRequired(message=_l("请输入当前密码"))])
    new = PasswordField(_l("新密码"), validators=[DataRequired(), Strong()])
    repeat = PasswordField(_l("再次输入新密码"), validators=[EqualTo("new", message=_l("两次输入的新密码不一致"))])
    submit = SubmitField(_l("修改密码"))
