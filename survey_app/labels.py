"""Plain Vietnamese for every code people may see: one catalogue for pages, documents and messages.

Codes (``in_progress``, ``contact_viewed``) stay in the database and the code; whatever a person reads goes
through :func:`label` (the ``vi`` template filter). A code with no entry is shown as a neutral phrase, never as
itself, and a test fails when a known code reaches a rendered page.
"""

from __future__ import annotations

#: One line each, shown beside the choice on the citizen's feedback form.
KIND_HINTS = {
    "gop_y": "Ý kiến để UBND phục vụ tốt hơn; có thể gửi ẩn danh.",
    "phan_anh": "Báo cho UBND một việc đang xảy ra (vướng mắc, sai sót, hành vi chưa đúng) để kiểm tra, xử lý; "
                "cần họ tên và cách liên hệ.",
    "kien_nghi": "Đề nghị UBND thực hiện, sửa đổi hoặc bổ sung một quy định, chính sách, việc cụ thể; "
                 "cần họ tên và cách liên hệ.",
}
