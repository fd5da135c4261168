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
    assert "“31/02/2026” không hợp lệ" in result.output and "Hình thức “Fax” không rõ" in result.output
    assert "Chưa có thay đổi nào được lưu" in result.output
    headers = tmp_path / "headers.csv"
    headers.write_text("Số thứ tự,Tên\n1,a\n", encoding="utf-8")
    result = runner.invoke(args=["reports", "import-dossiers", "--unit", "bach-dang", str(headers)])
    assert result.exit_code != 0 and "Không nhận ra cột" in result.output
    assert _count(app) == 0
