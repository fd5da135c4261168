"""The base of every form: WTForms' built-in messages in Vietnamese, text normalised to NFC."""

from __future__ import annotations

from flask_wtf import FlaskForm

from .text import clean

MESSAGES = {
    "Not a valid choice.": "Lựa chọn không hợp lệ.",
    "Not a valid choice": "Lựa chọn không hợp lệ.",
    "'%(value)s' is not a valid choice for this field.": "Lựa chọn không hợp lệ.",
    "Not a valid integer value.": "Vui lòng nhập một số nguyên.",
    "Not a valid decimal value.": "Vui lòng nhập một số.",
    "Not a valid float value.": "Vui lòng nhập một số.",
    "Not a valid date value.": "Ngày không hợp lệ (dd/mm/yyyy).",
    "Not a valid datetime value.": "Thời điểm không hợp lệ.",
    "This field is required.": "Trường này là bắt buộc.",
    "Invalid input.": "Giá trị không hợp lệ.",
    "Invalid email address.": "Địa chỉ thư điện tử không hợp lệ.",
    "Field must be equal to %(other_name)s.": "Hai giá trị không khớp.",
    "Field must be at least %(min)d character long.": "Cần ít nhất %(min)d ký tự.",
    "Field must be at least %(min)d characters long.": "Cần ít nhất %(min)d ký tự.",
    "Field cannot be longer than %(max)d character.": "Không được dài quá %(max)d ký tự.",
    "Field cannot be longer than %(max)d characters.": "Không được dài quá %(max)d ký tự.",
    "Field must be between %(min)d and %(max)d characters long.": "Độ dài phải từ %(min)d đến %(max)d ký tự.",
    "Number must be at least %(min)s.": "Số phải từ %(min)s trở lên.",
    "Number must be at most %(max)s.": "Số không được lớn hơn %(max)s.",
    "Number must be between %(min)s and %(max)s.": "Số phải từ %(min)s đến %(max)s.",
    "The CSRF token is missing.": "Thiếu mã bảo mật biểu mẫu (CSRF). Vui lòng tải lại trang.",
    "The CSRF token is invalid.": "Mã bảo mật biểu mẫu (CSRF) không hợp lệ. Vui lòng tải lại trang.",
    "The CSRF token has expired.": "Mã bảo mật biểu mẫu đã hết hạn. Vui lòng tải lại trang.",
    "The CSRF tokens do not match.": "Mã bảo mật biểu mẫu không khớp. Vui lòng tải lại trang.",
}


class VietnameseMessages:
    def gettext(self, message: str) -> str:
        return MESSAGES.get(message, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)


_MESSAGES = VietnameseMessages()


def _nfc(value):
    return clean(value) if isinstance(value, str) else value


class BaseForm(FlaskForm):
    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            return _MESSAGES

        def bind_field(self, form, unbound_field, options):
            filters = [*unbound_field.kwargs.get("filters", ()), _nfc]
            if unbound_field.field_class.__name__ in ("PasswordField", "FileField", "MultipleFileField"):
                filters = list(unbound_field.kwargs.get("filters", ()))
            return unbound_field.bind(form=form, filters=filters, **options)
