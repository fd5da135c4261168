"""Importing the one-stop system's dossier export: header variants, dd/mm/yyyy, updates not duplicates, all or
nothing with a row-level report."""

from sqlalchemy import func, select

from survey_app.extensions import db
from survey_app.models import Dossier

GOOD = ("Mã hồ sơ;Tên thủ tục;Lĩnh vực;Ngày tiếp nhận;Ngày hẹn trả;Ngày trả kết quả;Hình thức;Giải quyết nhanh\n"
        "HS-1;Đăng ký khai sinh;Hộ tịch;02/03/2026 08:15;05/03/2026;04/03/2026 10:00;Trực tuyến;\n"
        "HS-2;Chứng thực bản sao;Chứng thực;04/03/2026;04/03/2026;04/03/2026 09:30;Trực tiếp;x\n")


def _count(app) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(Dossier)).scalar()


def test_import_then_reimport_updates(runner, app, world, tmp_path):
    path = tmp_path / "hoso.csv"
    path.write_text(GOOD, encoding="utf-8")
    first = runner.invoke(args=["reports", "import-dossiers", "--unit", "bach-dang", str(path)])
    assert first.exit_code == 0, first.output
    assert "2 hồ sơ mới" in first.output
    path.write_text(GOOD.replace("04/03/2026 10:00", "05/03/2026 16:00"), encoding="utf-8")
    second = runner.invoke(args=["reports", "import-dossiers", "--unit", "bach-dang", str(path)])
    assert "0 hồ sơ mới, 1 cập nhật, 1 không đổi" in second.output
    assert _count(app) == 2
    with app.app_context():
        hs2 = db.session.execute(select(Dossier).where(Dossier.code == "HS-2")).scalar_one()
        assert hs2.fast_track and hs2.channel == "direct"


def test_bad_files_are_refused_whole(runner, app, world, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(GOOD + "HS-1;X;Hộ tịch;06/03/2026;07/03/2026;;;\n"
                    "HS-3;X;Hộ tịch;10/03/2026;09/03/2026;;;\nHS-4;X;Hộ tịch;31/02/2026;05/03/2026;;Fax;\n",
                    encoding="utf-8")
    result = runner.invoke(args=["reports", "import-dossiers", "--unit", "bach-dang", str(path)])
    assert result.exit_code != 0
    assert "trùng với dòng 2" in result.output and "Ngày hẹn trả trước ngày tiếp nhận" in result.output
    assert "“31/02/2026” không hợp lệ" in result.output
    assert "Fax" not in result.output  # a channel no rule needs is a warning, not a reason to refuse
    assert "Chưa có thay đổi nào được lưu" in result.output
    headers = tmp_path / "headers.csv"
    headers.write_text("Số thứ tự,Tên\n1,a\n", encoding="utf-8")
    result = runner.invoke(args=["reports", "import-dossiers", "--unit", "bach-dang", str(headers)])
    assert result.exit_code != 0 and "Không nhận ra cột" in result.output
    assert _count(app) == 0


def _export_with_postal_rows() -> str:
    """A real one-stop export: national codes, "Hình thức nộp" with "Bưu chính công ích" on 13 rows, statuses."""
    lines = ["Mã hồ sơ;Tên thủ tục;Ngày tiếp nhận;Ngày hẹn trả;Ngày trả kết quả;Hình thức nộp;Trạng thái"]
    for n in range(1, 14):
        lines.append(f"000.00.12.H23-260302-{n:04d};Chứng thực bản sao;02/03/2026 08:{n:02d};05/03/2026;"
                     f"04/03/2026 10:00;Bưu chính công ích;Đã trả kết quả")
    lines += [
        "000.00.12.H23-260303-0001;Đăng ký khai sinh;03/03/2026;06/03/2026;;Dịch vụ công trực tuyến;Đang xử lý",
        "000.00.12.H23-260303-0002;Đăng ký kết hôn;03/03/2026;06/03/2026;05/03/2026;Trực tiếp;Đã trả kết quả",
        "000.00.12.H23-260304-0003;Xác nhận tình trạng hôn nhân;03/03/2026;06/03/2026;;Fax;Chờ phê duyệt",
        "HS-TUDO-7;Cấp bản sao trích lục;04/03/2026;09/03/2026;;Tiếp nhận tại nhà;Công dân rút hồ sơ",
    ]
    return "\n".join(lines) + "\n"


def test_a_real_export_with_postal_rows_is_accepted_with_warnings(runner, app, world, tmp_path):
    path = tmp_path / "xuat-mot-cua.csv"
    path.write_text(_export_with_postal_rows(), encoding="utf-8")
    result = runner.invoke(args=["reports", "import-dossiers", "--unit", "bach-dang", str(path)])
    assert result.exit_code == 0, result.output
    assert "17 hồ sơ mới" in result.output and "4 cảnh báo" in result.output
    assert "Hình thức “Fax” không có trong danh sách" in result.output
    assert "Trạng thái “Chờ phê duyệt” không có trong danh sách" in result.output
    assert "mang ngày 04/03/2026 nhưng ngày tiếp nhận là 03/03/2026" in result.output
    assert "“HS-TUDO-7” không theo định dạng mã hồ sơ thống nhất" in result.output
    with app.app_context():
        channels = dict(db.session.execute(select(Dossier.channel, func.count()).group_by(Dossier.channel)).all())
        assert channels == {"postal": 13, "online": 1, "direct": 1, "other": 1, "home": 1}
        withdrawn = db.session.execute(select(Dossier).where(Dossier.code == "HS-TUDO-7")).scalar_one()
        assert withdrawn.status == "withdrawn"
        from survey_app.models import DossierImport

        record = db.session.execute(select(DossierImport)).scalar_one()
        assert record.warning_count == 4 and record.warnings[0]["row"] == 17


def test_rows_that_would_change_a_score_are_still_refused(runner, app, world, tmp_path):
    path = tmp_path / "sai.csv"
    path.write_text("Mã hồ sơ;Ngày tiếp nhận;Ngày hẹn trả;Ngày trả kết quả;Trạng thái;Giải quyết nhanh\n"
                    "A-1;02/03/2026;05/03/2026;;Đã trả kết quả;\n"
                    "A-2;02/03/2026;05/03/2026;04/03/2026;Đang xử lý;\n"
                    "A-3;02/03/2026;05/03/2026;04/03/2026;;có lẽ\n", encoding="utf-8")
    result = runner.invoke(args=["reports", "import-dossiers", "--unit", "bach-dang", str(path)])
    assert result.exit_code != 0
    assert "Trạng thái “Đã trả kết quả” nhưng thiếu ngày trả kết quả" in result.output
    assert "Trạng thái “Đang xử lý” nhưng đã có ngày trả kết quả" in result.output
    assert "“có lẽ” ở cột giải quyết nhanh" in result.output
    assert _count(app) == 0


def test_a_withdrawn_dossier_is_not_judged(runner, app, world, tmp_path):
    from datetime import date, datetime

    from reports.scoring.engine import score
    from survey_app.models import AdminUnit
    from survey_app.timeutil import LOCAL_TZ

    path = tmp_path / "xuat-mot-cua.csv"
    path.write_text(_export_with_postal_rows(), encoding="utf-8")
    assert runner.invoke(args=["reports", "import-dossiers", "--unit", "bach-dang", str(path)]).exit_code == 0
    with app.app_context():
        unit = db.session.get(AdminUnit, world["units"]["bach-dang"])
        item = score(db.session, unit, 2026, date(2026, 3, 31),
                     now=datetime(2026, 11, 30, 14, tzinfo=LOCAL_TZ)).item("2.8")
        # 16 judged: 14 settled on time, 2 open past their due date 06/03 (the online one and the "Fax" one);
        # the withdrawn home request is left out, and so 2.2 has nothing to judge
        assert item.figures == {"judged": 16, "late": 2, "late_settled": 0, "open_past_due": 2, "not_yet_due": 0,
                                "withdrawn": 1, "share": 14 / 16}
        assert "1 hồ sơ rút hoặc trả lại không tính" in item.explanation
