"""The words a ward officer reads for the figures the rules return (codes stay in the code and the JSON).

Pure data, so the exporters may use it without reaching the database."""

from __future__ import annotations

#: figure key -> Vietnamese label
FIGURE_LABELS: dict[str, str] = {
    "ubnd_opened": "Hòm thư tại trụ sở UBND đã mở trong kỳ",
    "neighbourhood_boxes_opened": "Số hòm thư ở thôn, tổ dân phố đã mở",
    "neighbourhoods": "Số thôn, tổ dân phố",
    "working_days": "Số ngày làm việc",
    "covered_days": "Số ngày có đủ người trực",
    "months": "Số tháng được tính",
    "decided": "Số phản ánh đã đến hạn hoặc đã trả lời",
    "on_time": "Trả lời đúng hạn",
    "answered": "Đã trả lời",
    "published": "Đã công khai kết quả",
    "answered_late": "Trả lời trễ hạn",
    "open_past_due": "Quá hạn, chưa giải quyết",
    "not_yet_due": "Chưa đến hạn (không tính)",
    "weeks": "Số tuần được tính",
    "weeks_with_session": "Số tuần có buổi thu thập ý kiến",
    "monthly_required": "Số phiếu cần mỗi tháng",
    "cells": "Số tháng-trung tâm được tính",
    "met": "Số tháng-trung tâm đạt",
    "responses": "Số phiếu hợp lệ",
    "required": "Số phiếu cần có",
    "margin_of_error": "Sai số tối đa (độ tin cậy 95%)",
    "judged": "Số hồ sơ được đánh giá",
    "late": "Số hồ sơ quá hạn",
    "late_settled": "Đã trả kết quả nhưng trễ hạn",
    "withdrawn": "Rút hồ sơ hoặc trả lại (không tính)",
    "share": "Tỷ lệ đúng hạn",
    "dossiers": "Số hồ sơ",
    "same_day": "Trả kết quả trong ngày",
    "requests": "Số yêu cầu đến hạn hoặc đã phục vụ",
    "served": "Đã phục vụ",
    "sent": "Đã gửi thư xin lỗi",
    "months_with_reception": "Số tháng có tiếp công dân",
}


def figure_label(key: str) -> str:
    return FIGURE_LABELS.get(key, key)
