"""Login and password forms."""

from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from ..forms_base import BaseForm

REQUIRED = "Vui lòng nhập {}."


class LoginForm(BaseForm):
    username = StringField("Tên đăng nhập", validators=[DataRequired(REQUIRED.format("tên đăng nhập")),
                                                        Length(max=64)])
    password = PasswordField("Mật khẩu", validators=[DataRequired(REQUIRED.format("mật khẩu")), Length(max=256)])


class PasswordChangeForm(BaseForm):
    current = PasswordField("Mật khẩu hiện tại", validators=[DataRequired(REQUIRED.format("mật khẩu hiện tại"))])
    new = PasswordField("Mật khẩu mới", validators=[DataRequired(REQUIRED.format("mật khẩu mới")),
                                                    Length(max=256)])
    confirm = PasswordField(
        "Nhập lại mật khẩu mới",
        validators=[DataRequired(REQUIRED.format("lại mật khẩu mới")),
                    EqualTo("new", message="Hai lần nhập mật khẩu mới không khớp.")],
    )
