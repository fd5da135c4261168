"""The score page words the table for the unit's kind, shows staff where the table departs from the decision
(with its source) and, beside each computed item's explanation, the legal basis of its rule and parameters."""

import html as html_lib

from survey_app.extensions import db
from survey_app.models import AdminUnit


def _page(client, unit: int) -> str:
    return html_lib.unescape(client.get(f"/admin/scores/{unit}/2026").get_data(as_text=True))


def test_score_page_shows_notes_and_legal_basis_in_the_units_words(client, app, world, auth):
    unit = world["units"]["bach-dang"]
    auth.login("bd.admin")
    page = _page(client, unit)
    assert "Bố trí hòm thư góp ý tại trụ sở chính quyền cấp xã, nơi sinh hoạt cộng đồng tại các tổ dân phố" in page
    assert "{thon_tdp}" not in page
    assert "Lấy từ Quyết định: Kế hoạch phường Bạch Đằng không có mục này." in page and "seed 001" in page
    assert "Ghi chú bảng điểm (cho cán bộ, không in vào hồ sơ)" in page
    assert "Quy tắc: Quyết định 5049/QĐ-UBND ngày 11/12/2025" in page and "hiệu lực từ 11/12/2025" in page
    assert "Số phiếu mỗi năm</strong>: phường 200, xã 150, đặc khu 150 – <em>Thành phố</em>: Tham số của thành " \
           "phố, không phải của Quyết định" in page
    assert "Kỳ khảo sát</strong>: Cả năm" in page
    with app.app_context():
        db.session.get(AdminUnit, unit).kind = "xa"
        db.session.commit()
    page = _page(client, unit)
    assert "nơi sinh hoạt cộng đồng tại các thôn" in page and "Trưởng thôn, chi hội đoàn thể ở thôn" in page


def test_rules_page_shows_each_parameters_basis(client, world, auth):
    auth.login("admin")
    page = html_lib.unescape(client.get("/admin/scoring-rules/2026").get_data(as_text=True))
    assert "Trọng số hòm thư tại trụ sở" in page and "Tham số của thành phố, không phải của Quyết định" in page
    assert "các thôn, tổ dân phố" in page
