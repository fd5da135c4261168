"""Importing the list of communes: idempotent, all or nothing, row-level errors in Vietnamese."""

from sqlalchemy import func, select

from survey_app.extensions import db
from survey_app.models import AdminUnit

GOOD = "Mã,Tên,Loại,Dân số\nbach-dang,Bạch Đằng,Phường,45.120\nhoa-binh,Phường Hòa Bình,,\ncat-hai,Cát Hải,Đặc khu,\n"


def _units(app) -> dict[str, tuple[str, str]]:
    with app.app_context():
        rows = db.session.execute(select(AdminUnit.code, AdminUnit.name, AdminUnit.kind)).all()
    return {code: (name, kind) for code, name, kind in rows}


def test_import_creates_units_and_a_second_run_changes_nothing(runner, app, tmp_path):
    path = tmp_path / "units.csv"
    path.write_text(GOOD, encoding="utf-8")
    result = runner.invoke(args=["units", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "3 mới" in result.output
    units = _units(app)
    assert units["hoa-binh"] == ("Hòa Bình", "phuong")
    assert units["cat-hai"] == ("Cát Hải", "dac_khu")
    again = runner.invoke(args=["units", "import", str(path)])
    assert "0 mới, 0 cập nhật, 3 không đổi" in again.output
    listing = runner.invoke(args=["units", "list"]).output.splitlines()
    assert listing[0].split("\t") == ["bach-dang", "Phường Bạch Đằng"]


def test_bad_rows_are_reported_and_nothing_is_written(runner, app, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("code,name,kind\nok-1,Tốt,xã\nok-1,Trùng,xã\nbad code!,X,phường\nx2,,phường\nx3,Y,huyện\n",
                    encoding="utf-8")
    result = runner.invoke(args=["units", "import", str(path)])
    assert result.exit_code != 0
    assert "Dòng 3, cột mã: Mã “ok-1” trùng với dòng 2." in result.output
    assert "Dòng 4, cột mã" in result.output
    assert "Dòng 5, cột tên" in result.output
    assert "Dòng 6, cột loại: Loại “huyện” không hợp lệ" in result.output
    assert "Chưa có thay đổi nào được lưu" in result.output
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(AdminUnit)).scalar() == 0


def test_malformed_files_get_a_clear_message(runner, app, tmp_path):
    cases = {
        "latin1.csv": "Mã,Tên\nx,Bạch Đằng\n".encode("cp1258", errors="replace") + b"\xff\xfe",
        "noheader.csv": b"foo,bar\n1,2\n",
        "empty.csv": b"",
    }
    expected = ["UTF-8", "Thiếu cột bắt buộc", "Tệp rỗng"]
    for (name, data), message in zip(cases.items(), expected, strict=True):
        path = tmp_path / name
        path.write_bytes(data)
        result = runner.invoke(args=["units", "import", str(path)])
        assert result.exit_code != 0
        assert message in result.output, result.output


def test_mixed_nfd_input_is_stored_as_nfc(runner, app, tmp_path):
    import unicodedata

    nfd = unicodedata.normalize("NFD", "Phù Liễn")
    path = tmp_path / "nfd.csv"
    path.write_text(f"code,name,kind\nphu-lien,{nfd},phường\n", encoding="utf-8")
    assert runner.invoke(args=["units", "import", str(path)]).exit_code == 0
    assert _units(app)["phu-lien"][0] == unicodedata.normalize("NFC", "Phù Liễn")


def test_demo_is_idempotent_and_prints_the_admin_login(runner, app):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "admin" in first.output
    with app.app_context():
        counts = [db.session.execute(select(func.count()).select_from(t)).scalar() for t in db.metadata.sorted_tables
                  if t.name not in ("audit_events", "rate_counters")]
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0
    with app.app_context():
        again = [db.session.execute(select(func.count()).select_from(t)).scalar() for t in db.metadata.sorted_tables
                 if t.name not in ("audit_events", "rate_counters")]
        names = db.session.execute(select(AdminUnit.name)).scalars().all()
    assert counts == again
    assert {"Bạch Đằng", "Hòa Bình", "Phù Liễn"} <= set(names)
    assert first.output.splitlines()[1] == second.output.splitlines()[1]


def test_unknown_unit_code_in_cli_is_a_clear_error(runner, app):
    result = runner.invoke(args=["users", "create", "--username", "x.y", "--name", "X", "--role", "viewer",
                                 "--unit", "khong-ton-tai", "--password", "Mat-khau-dai-99"])
    assert result.exit_code != 0
    assert "Không tìm thấy xã/phường/đặc khu có mã “khong-ton-tai”" in result.output


def test_the_official_code_is_imported_beside_the_code_and_alone_it_is_the_code(runner, app, tmp_path):
    both = tmp_path / "both.csv"
    both.write_text("Mã,Mã ĐVHC,Tên,Loại\nbach-dang,11311,Bạch Đằng,Phường\n", encoding="utf-8")
    assert runner.invoke(args=["units", "import", str(both)]).exit_code == 0
    only = tmp_path / "only.csv"
    only.write_text("Mã ĐVHC,Tên,Loại\n11320,Hòa Bình,Phường\n", encoding="utf-8")
    assert runner.invoke(args=["units", "import", str(only)]).exit_code == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("Mã,Mã ĐVHC,Tên,Loại\nx1,11-A,Tốt,xã\n", encoding="utf-8")
    result = runner.invoke(args=["units", "import", str(bad)])
    assert result.exit_code != 0 and "Dòng 2, cột mã ĐVHC" in result.output
    with app.app_context():
        rows = dict(db.session.execute(select(AdminUnit.code, AdminUnit.official_code)).all())
    assert rows["bach-dang"] == "11311" and rows["11320"] == "11320" and "x1" not in rows
