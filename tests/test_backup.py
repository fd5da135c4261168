"""Backup and restore: a round trip gives every table the same row count and every commune the same score;
a restore into a non-empty database is refused without --force; a broken archive changes nothing."""

from __future__ import annotations

import hashlib
import io
import json
import secrets
import tarfile

from sqlalchemy import select

from reports.scoring.engine import score
from survey_app.backup import row_counts
from survey_app.extensions import db
from survey_app.models import AdminUnit, Case, CaseCategory, Officer, ScoreEntry
from survey_app.services import cases as case_service
from survey_app.services.surveys import Submission, current_version, questionnaire_by_code, submit_response
from survey_app.surveys.definition import ParsedAnswers
from survey_app.timeutil import local_today

PHOTO = bytes.fromhex("89504e470d0a1a0a")  # stored as bytes in the database like any uploaded file


def _fill(world) -> None:
    category = db.session.execute(select(CaseCategory.id).where(CaseCategory.code == "moi-truong")).scalar()
    for n in range(3):
        case_service.file_case(case_service.CaseInput(
            unit_id=world["units"]["bach-dang"], channel="hotline", kind="gop_y", category_id=category,
            content=f"Ý kiến số {n}: đường ngập nước"))
    version = current_version(questionnaire_by_code("centre-service").id)
    for value in (5, 4, 2, 1):
        submit_response(version, ParsedAnswers(values={"overall": [value]}), Submission(
            unit_id=world["units"]["bach-dang"], centre_id=world["centres"]["bach-dang"], channel="qr",
            client_id=secrets.token_hex(8)))
    officer = db.session.execute(select(Officer)).scalars().first()
    officer.photo, officer.photo_type = PHOTO, "image/png"
    db.session.add(ScoreEntry(unit_id=world["units"]["bach-dang"], year=local_today().year, item_code="1.1.a",
                              points=2.5, note="Có kế hoạch"))
    db.session.commit()


def _scores() -> str:
    year = local_today().year
    units = db.session.execute(select(AdminUnit).where(AdminUnit.parent_id.is_not(None))
                               .order_by(AdminUnit.code)).scalars()
    data = [score(db.session, unit, year).as_dict() for unit in units]
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()


def test_backup_and_restore_round_trip_keeps_every_row_and_every_score(app, world, runner, tmp_path):
    archive = tmp_path / "hailong.tar"
    with app.app_context():
        _fill(world)
        counts, checksum = row_counts(db.engine), _scores()
        db.session.remove()
    result = runner.invoke(args=["backup", str(archive)])
    assert result.exit_code == 0, result.output
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert manifest["rows"] == counts and counts["cases"] == 3 and counts["survey_responses"] == 4

    refused = runner.invoke(args=["restore", str(archive)])  # the database is not empty
    assert refused.exit_code != 0 and "--force" in refused.output

    with app.app_context():  # life goes on after the backup: a new case, an officer removed
        category = db.session.execute(select(CaseCategory.id)).scalars().first()
        case_service.file_case(case_service.CaseInput(unit_id=world["units"]["hoa-binh"], channel="hotline",
                                                      kind="gop_y", category_id=category, content="Mới"))
        db.session.execute(Officer.__table__.delete().where(Officer.unit_id == world["units"]["hoa-binh"]))
        db.session.commit()
        assert row_counts(db.engine) != counts
        db.session.remove()

    restored = runner.invoke(args=["restore", str(archive), "--force"])
    assert restored.exit_code == 0, restored.output
    with app.app_context():
        db.session.remove()
        assert row_counts(db.engine) == counts
        assert _scores() == checksum
        officer = db.session.execute(select(Officer).where(Officer.photo.is_not(None))).scalars().one()
        assert officer.photo == PHOTO
        assert db.session.execute(select(Case).where(Case.content == "Mới")).first() is None


def test_a_broken_archive_is_refused_and_changes_nothing(app, world, runner, tmp_path):
    archive = tmp_path / "ok.tar"
    with app.app_context():
        _fill(world)
        db.session.remove()
    assert runner.invoke(args=["backup", str(archive)]).exit_code == 0
    with tarfile.open(archive) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    manifest = json.loads(members["manifest.json"])
    broken = tmp_path / "broken.tar"
    with tarfile.open(broken, "w") as tar:
        for name, data in members.items():
            if name == manifest["database"]:
                data = data[: len(data) // 2]  # cut in the middle, as a full disk would
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    with app.app_context():
        before = row_counts(db.engine)
        db.session.remove()
    result = runner.invoke(args=["restore", str(broken), "--force"])
    assert result.exit_code != 0
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
        assert row_counts(db.engine) == before
    not_a_backup = tmp_path / "x.tar"
    not_a_backup.write_bytes(b"not a tar")
    result = runner.invoke(args=["restore", str(not_a_backup)])
    assert result.exit_code != 0 and "không phải bản sao lưu" in result.output
