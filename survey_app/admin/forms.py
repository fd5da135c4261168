"""Forms of the set-up pages. Choices are filled per user, so only in-scope rows can be picked."""

from __future__ import annotations

from sqlalchemy import or_, select
from wtforms import BooleanField, DateField, IntegerField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..extensions import db
from ..forms_base import BaseForm
from ..models import CaseCategory, Counter, Role, ServiceCentre, User
from ..models.answer_templates import BODY_MAX
from ..services.answer_templates import PLACEHOLDERS
from ..services.scoping import scoped, visible_units

REQUIRED = "Vui lòng nhập {}."


class ScopedForm(BaseForm):
    """A form whose select fields list only what ``user`` may see."""

    def setup(self, user: User) -> ScopedForm:
        self.user = user
        if hasattr(self, "unit_id"):
            self.unit_id.choices = [(u.id, u.full_name) for u in visible_units(user)]
            if not user.city_wide:
                self.unit_id.data = user.unit_id
        return self


class CentreForm(ScopedForm):
    unit_id = SelectField("Đơn vị", coerce=int)
    name = StringField("Tên trung tâm / điểm tiếp nhận",
                       validators=[DataRequired(REQUIRED.format("tên")), Length(max=200)])
    address = StringField("Địa chỉ", validators=[Optional(), Length(max=300)])


class CounterForm(ScopedForm):
    centre_id = SelectField("Trung tâm", coerce=int)
    number = IntegerField("Số quầy", validators=[
        InputRequired("Vui lòng nhập số quầy (số nguyên dương)."),
        NumberRange(min=1, max=999, message="Số quầy từ 1 đến 999.")])
    label = StringField("Lĩnh vực tiếp nhận", validators=[Optional(), Length(max=200)])

    def setup(self, user: User) -> CounterForm:
        super().setup(user)
        centres = db.session.execute(scoped(ServiceCentre, user).order_by(ServiceCentre.name)).scalars()
        self.centre_id.choices = [(c.id, c.name) for c in centres]
        return self


class OfficerForm(ScopedForm):
    unit_id = SelectField("Đơn vị", coerce=int)
    full_name = StringField("Họ và tên", validators=[DataRequired(REQUIRED.format("họ và tên")),
                                                     Length(max=120)])
    title = StringField("Chức danh", validators=[Optional(), Length(max=120)])
    counter_id = SelectField("Quầy", coerce=lambda v: int(v) if v not in (None, "", "None") else None)

    def setup(self, user: User) -> OfficerForm:
        super().setup(user)
        counters = db.session.execute(scoped(Counter, user).order_by(Counter.centre_id, Counter.number)).scalars()
        self.counter_id.choices = [(None, "— Không gắn quầy —")] + [
            (c.id, f"{c.centre.name} – {c.display_name}") for c in counters
        ]
        return self

    def validate_counter_id(self, field):
        if field.data is not None:
            counter = db.session.get(Counter, field.data)
            if counter is None or counter.unit_id != self.unit_id.data:
                raise ValidationError("Quầy đã chọn không thuộc đơn vị này.")


class DepartmentForm(ScopedForm):
    unit_id = SelectField("Đơn vị", coerce=int)
    name = StringField("Tên phòng ban", validators=[DataRequired(REQUIRED.format("tên phòng ban")),
                                                    Length(max=200)])
    email = StringField("Thư điện tử", validators=[Optional(), Length(max=200)])


class UserForm(ScopedForm):
    username = StringField("Tên đăng nhập", validators=[DataRequired(REQUIRED.format("tên đăng nhập")),
                                                        Length(min=3, max=64)])
    full_name = StringField("Họ và tên", validators=[DataRequired(REQUIRED.format("họ và tên")),
                                                     Length(max=120)])
    email = StringField("E-mail (nhận cảnh báo; để trống nếu không dùng)", validators=[Optional(), Length(max=200)])
    role = SelectField("Vai trò")
    unit_id = SelectField("Đơn vị", coerce=lambda v: int(v) if v not in (None, "", "None") else None)
    password = PasswordField("Mật khẩu (để trống nếu không đổi)", validators=[Optional(), Length(max=256)])
    active = BooleanField("Đang hoạt động", default=True)

    def setup(self, user: User) -> UserForm:
        super().setup(user)
        roles = list(Role) if user.city_wide else [Role.COMMUNE_ADMIN, Role.COMMUNE_STAFF, Role.VIEWER]
        self.role.choices = [(r.value, r.label) for r in roles]
        if user.city_wide:
            self.unit_id.choices = [(None, "— Cấp thành phố —")] + self.unit_id.choices
        return self

    def validate_email(self, field):
        if field.data and ("@" not in field.data or " " in field.data.strip()):
            raise ValidationError("Địa chỉ e-mail không hợp lệ.")

    def validate_username(self, field):
        if not field.data.replace(".", "").replace("_", "").replace("-", "").isalnum() or not field.data.isascii():
            raise ValidationError("Tên đăng nhập chỉ gồm chữ không dấu, số và . _ -")

    def validate_unit_id(self, field):
        role = Role(self.role.data) if self.role.data in {r.value for r in Role} else None
        if role is not None and not role.city_wide and field.data is None:
            raise ValidationError("Tài khoản cấp xã/phường phải thuộc một đơn vị.")


class SuggestionBoxForm(ScopedForm):
    unit_id = SelectField("Đơn vị", coerce=int)
    location_kind = SelectField("Vị trí")
    location_name = StringField("Tên vị trí (ví dụ: Nhà văn hóa tổ dân phố số 5)",
                                validators=[DataRequired(REQUIRED.format("tên vị trí")), Length(max=200)])
    installed_on = DateField("Ngày lắp đặt (dd/mm/yyyy)", format="%d/%m/%Y",
                             validators=[DataRequired("Vui lòng nhập ngày lắp đặt dạng dd/mm/yyyy.")])

    def setup(self, user: User) -> SuggestionBoxForm:
        super().setup(user)
        self.location_kind.choices = [("ubnd", "Trụ sở UBND"), ("to_dan_pho", "Nhà văn hóa tổ dân phố")]
        return self


def _optional_id(value):
    return int(value) if value not in (None, "", "None") else None


class AnswerTemplateForm(ScopedForm):
    unit_id = SelectField("Đơn vị", coerce=int)
    category_id = SelectField("Lĩnh vực", coerce=_optional_id)
    title = StringField("Tiêu đề (để chọn mẫu)", validators=[DataRequired(REQUIRED.format("tiêu đề")),
                                                              Length(max=120)])
    body = TextAreaField(
        "Nội dung trả lời",
        description="Có thể dùng: " + "; ".join(f"{{{k}}} – {v}" for k, v in PLACEHOLDERS.items())
        + ". Số điện thoại, thư điện tử, số CCCD trong câu trả lời được tự động ẩn khi công khai.",
        validators=[DataRequired(REQUIRED.format("nội dung trả lời")), Length(max=BODY_MAX)],
        render_kw={"rows": 8, "maxlength": BODY_MAX})

    def setup(self, user: User) -> AnswerTemplateForm:
        super().setup(user)
        # the template's own category stays a choice after it goes out of use, so the template can still be saved
        current = self.category_id.object_data
        categories = db.session.execute(select(CaseCategory).where(
            or_(CaseCategory.active.is_(True), CaseCategory.id == current)).order_by(CaseCategory.id)).scalars()
        self.category_id.choices = [(None, "— Dùng chung cho mọi lĩnh vực —")] + [
            (c.id, c.name if c.active else f"{c.name} (ngừng sử dụng)") for c in categories]
        return self
