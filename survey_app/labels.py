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

#: What happened to a case (case_events.kind).
CASE_EVENTS = {
    "created": "Tiếp nhận", "assigned": "Giao xử lý", "started": "Bắt đầu xử lý", "answered": "Đã trả lời",
    "closed": "Đóng", "rejected": "Không thụ lý", "merged": "Gộp vào phản ánh khác",
    "transferred": "Chuyển cơ quan khác", "reopened": "Mở lại", "published": "Công khai câu trả lời",
    "extension_requested": "Đề nghị gia hạn", "extension_approved": "Đồng ý gia hạn",
    "extension_refused": "Không đồng ý gia hạn", "note": "Ghi chú", "correction": "Đính chính",
    "contact_viewed": "Xem thông tin liên hệ", "rated": "Người dân đánh giá câu trả lời",
    "review_requested": "Cần xem lại (người dân không hài lòng)", "bulk_closed": "Đóng hàng loạt",
}

#: What was done, in the audit log (audit_log.action).
AUDIT_ACTIONS = {
    "create": "Tạo mới", "update": "Sửa", "delete": "Xóa", "activate": "Kích hoạt", "deactivate": "Ngừng hoạt động",
    "login": "Đăng nhập", "login_failed": "Đăng nhập không thành công", "password_change": "Đổi mật khẩu",
    "reissue": "Cấp lại mã QR", "publish": "Ban hành", "import": "Nhập dữ liệu", "request": "Yêu cầu",
    "revoke": "Thu hồi", "paired": "Ghép nối máy", "pairing_code": "Tạo mã ghép nối", "attach": "Đính kèm",
    "submit": "Gửi thẩm định", "lock": "Khóa", "unlock": "Mở khóa", "appraise": "Thẩm định",
    "apology_sent": "Gửi thư xin lỗi", "score_entry": "Nhập điểm", "score_flags": "Đánh dấu mục chấm điểm",
    "scoring_override": "Điều chỉnh tham số chấm điểm", "bulk_assign": "Giao xử lý hàng loạt",
    "bulk_close": "Đóng hàng loạt",
}

#: What it was done to (audit_log.entity: table names).
AUDIT_ENTITIES = {
    "admin_units": "Đơn vị", "admin_unit": "Đơn vị", "service_centres": "Trung tâm", "counters": "Quầy",
    "officers": "Công chức", "departments": "Phòng ban", "users": "Tài khoản", "user": "Tài khoản",
    "api_key": "Khóa API", "box_opening": "Mở hòm thư", "collection_session": "Buổi thu thập ý kiến",
    "duty_shift": "Ca trực", "kiosk": "Máy đánh giá", "questionnaire_version": "Phiên bản phiếu",
    "qr_token": "Mã QR", "score_submission": "Bảng tự chấm điểm", "score_attachment": "Tệp minh chứng",
    "dossier_import": "Nhập hồ sơ", "background_job": "Việc nền", "apology_letter": "Thư xin lỗi",
    "score_entry": "Điểm", "score_flags": "Mục chấm điểm", "scoring_override": "Tham số chấm điểm",
    "dossier_column_mapping": "Cột tệp hồ sơ", "unit_profile": "Thông tin đơn vị", "case": "Phản ánh",
    "answer_template": "Mẫu trả lời", "answer_templates": "Mẫu trả lời", "case_categories": "Lĩnh vực",
    "suggestion_boxes": "Hòm thư góp ý",
}

#: Background jobs (background_jobs.kind).
JOB_KINDS = {"evidence_dossier": "Tạo hồ sơ minh chứng"}

#: Why a survey response is set aside (survey_responses.suspicious_reason).
SUSPICIOUS_REASONS = {"burst": "Nhiều phiếu liên tiếp từ một địa chỉ", "honeypot": "Phiếu do máy tự động gửi",
                      "kiosk-burst": "Nhiều lượt chạm liên tiếp trên máy"}

#: The scoring rules (reports/scoring/rules.py) and their parameters: label, unit, input step.
RULE_NAMES = {
    "suggestion_boxes": "Hòm thư góp ý", "duty_roster": "Lịch trực tiếp nhận phản ánh",
    "app_channel": "Kênh ứng dụng tiếp nhận phản ánh", "weekly_collection": "Thu thập ý kiến hằng tuần",
    "centre_survey_months": "Khảo sát tại Trung tâm theo tháng", "annual_survey_sample": "Khảo sát hằng năm",
    "dossiers_on_time": "Hồ sơ giải quyết đúng hạn", "fast_track_day": "Ngày giải quyết nhanh",
    "home_service": "Phục vụ tại nhà", "apology_letters": "Thư xin lỗi khi trễ hạn",
    "reception_months": "Tiếp công dân theo tháng",
}
RULE_PARAMS = {
    "ubnd_weight": ("Trọng số hòm thư tại trụ sở UBND", "phần của 1"),
    "neighbourhood_weight": ("Trọng số hòm thư tại tổ dân phố, thôn", "phần của 1"),
    "channels": ("Các kênh được tính", ""),
    "operating_weight": ("Trọng số: kênh đang hoạt động", "phần của 1"),
    "on_time_weight": ("Trọng số: trả lời đúng hạn", "phần của 1"),
    "published_weight": ("Trọng số: công khai kết quả", "phần của 1"),
    "questionnaire": ("Phiếu khảo sát được tính", ""),
    "yearly_sample": ("Số phiếu tối thiểu mỗi năm theo quy mô", "phiếu"),
    "required": ("Số phiếu tối thiểu theo quy mô", "phiếu"),
    "quarter": ("Quý thực hiện khảo sát", "quý"),
    "period": ("Kỳ khảo sát hằng năm", ""),
    "mode": ("Cách tính điểm", ""),
}
#: Values of text parameters that are codes themselves.
RULE_VALUES = {
    "all_or_nothing": "Đủ điểm khi đạt toàn bộ, không đạt thì 0", "linear": "Theo tỉ lệ đạt",
    "centre-service": "Phiếu khảo sát tại Trung tâm PVHCC",
    "annual-friendly-government": "Phiếu khảo sát hằng năm về Chính quyền thân thiện",
    "year": "Cả năm", "q1": "Quý I", "q2": "Quý II", "q3": "Quý III", "q4": "Quý IV",
}


def _enum_labels() -> dict[str, dict[str, str]]:
    """The labels the models keep beside their enums, gathered here so there is one place to look up."""
    from .models import CaseChannel, CaseKind, CaseState, Channel, JobStatus, Role

    return {
        "case_state": {s.value: s.label for s in CaseState},
        "case_channel": {c.value: c.label for c in CaseChannel},
        "case_kind": {k.value: k.label for k in CaseKind},
        "survey_channel": {c.value: c.label for c in Channel},
        "job_status": {s.value: s.label for s in JobStatus},
        "role": {r.value: r.label for r in Role},
    }


CATALOGUE: dict[str, dict[str, str]] = {
    "case_event": CASE_EVENTS, "audit_action": AUDIT_ACTIONS, "audit_entity": AUDIT_ENTITIES,
    "job_kind": JOB_KINDS, "suspicious": SUSPICIOUS_REASONS, "rule": RULE_NAMES,
    "rule_param": {k: v[0] for k, v in RULE_PARAMS.items()}, "rule_value": RULE_VALUES,
}


def catalogue() -> dict[str, dict[str, str]]:
    return {**CATALOGUE, **_enum_labels()}


def label(code: str | None, domain: str) -> str:
    """The Vietnamese words for a code of a domain ("case_event", "audit_action", "case_state", …)."""
    if code is None or code == "":
        return ""
    table = catalogue().get(domain)
    if table is None:
        raise KeyError(domain)
    return table.get(str(code), "Khác")


def internal_codes() -> set[str]:
    """Every code the catalogue translates that looks like a code (a test checks none reaches a page)."""
    codes = set()
    for table in catalogue().values():
        codes.update(c for c in table if "_" in c or "-" in c)
    return codes
