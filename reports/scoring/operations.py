"""Domain operations on a commune's self-assessment: staff-entered points and their evidence files, the
disqualifying flags, the commune facts rules need, and the city's rule parameters. Each one checks its input,
writes the audit log and flushes; the caller (a request or a CLI command) commits.
"""

from __future__ import annotations

from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import (
    AdminUnit,
    CommuneParameter,
    ScoreAttachment,
    ScoreEntry,
    ScoreEntryVersion,
    ScoreFlags,
    ScoreFlagsVersion,
    ScoringOverride,
    UnitProfile,
    User,
)
from survey_app.numbers import number_vi, on_step, parse_number_vi
from survey_app.services import audit
from survey_app.services.uploads import CheckedFile
from survey_app.text import clean
from survey_app.timeutil import utcnow

from .rules import COMMUNE_PARAMS, RULES, SURVEY_PERIODS, validate_params
from .table import Item, Table

#: At most this many evidence files per item (a folder the appraisers can still read).
MAX_ATTACHMENTS_PER_ITEM = 30


class ScoringError(ValueError):
    """Input that cannot be saved; the message is Vietnamese."""


class EntryErrors(ScoringError):
    """Several items could not be saved (nothing was): item code -> Vietnamese message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = errors


def parse_points(raw: str | None, item: Item, step: float) -> float:
    """Points typed by a person ("2,5" or "2.5") within 0 and the item's maximum, on the table's step (0,25): the
    one reading of typed points, for the commune's own score and the city's appraisal alike."""
    try:
        points = parse_number_vi(clean(raw))
    except ValueError as exc:
        raise ScoringError(f"Mục {item.code}: điểm phải là một số từ 0 đến {number_vi(item.points)}.") from exc
    if not 0 <= points <= item.points:
        raise ScoringError(f"Mục {item.code}: điểm phải từ 0 đến {number_vi(item.points)}.")
    if not on_step(points, step):
        raise ScoringError(f"Mục {item.code}: điểm chấm theo bước {number_vi(step)} của bảng điểm "
                           f"(ví dụ 1; 1,25; 1,5; 1,75), không nhận {number_vi(points, 4)}.")
    return points


def enter_points(actor: User, unit: AdminUnit, year: int, item: Item, points: float, note: str) -> ScoreEntry:
    """Save the staff's points and note for an item no data can prove.

    :param item: an item of mode "entered" (computed items take only notes and attachments).
    """
    if item.mode != "entered":
        raise ScoringError("Mục này được tính tự động từ số liệu, không nhập tay.")
    entry = _entry(unit, year, item.code)
    if entry is None:
        entry = ScoreEntry(unit_id=unit.id, year=year, item_code=item.code, points=points)
        db.session.add(entry)
    entry.points, entry.note, entry.entered_by_id = points, clean(note)[:2000], actor.id
    entry.entered_at = utcnow()
    # a score as of a past day reads the entry as it stood then
    db.session.add(ScoreEntryVersion(unit_id=unit.id, year=year, item_code=item.code, points=points,
                                     note=entry.note, entered_by_id=actor.id, entered_at=entry.entered_at))
    audit.record(actor, "score_entry", "score_entry", item.code, unit_id=unit.id,
                 detail={"year": year, "points": points})
    db.session.flush()
    return entry


def enter_all(actor: User, unit: AdminUnit, year: int, table: Table, typed: dict[str, tuple[str, str]]
              ) -> list[str]:
    """Save every staff-entered item of the score page at once ("Lưu tất cả"): all of them or none.

    Each changed item is written as :func:`enter_points` writes one (entry, version, audit event); an item whose
    points and note are unchanged is left alone, so sending the whole page again logs nothing.

    :param typed: item code -> (points as typed, note). Blank points leave an item nobody scored blank; they
        cannot clear points already entered (0 says "not achieved").
    :returns: the codes of the items changed, in the table's order.
    :raises EntryErrors: one message per item that cannot be saved; nothing is written then.
    """
    errors: dict[str, str] = {}
    changes: list[tuple[Item, float, str]] = []
    order = {item.code: n for n, item in enumerate(table.items)}
    current = {e.item_code: e for e in db.session.execute(select(ScoreEntry).where(
        ScoreEntry.unit_id == unit.id, ScoreEntry.year == year)).scalars()}
    for code, (raw, note) in sorted(typed.items(), key=lambda kv: order.get(kv[0], len(order))):
        try:
            item = table.item(code)
        except KeyError:
            errors[code] = f"Không có mục {code} trong bảng điểm."
            continue
        if item.mode != "entered":
            errors[code] = f"Mục {code} được tính tự động từ số liệu, không nhập tay."
            continue
        entry, note = current.get(code), clean(note)[:2000]
        if not clean(raw):
            if entry is not None:
                errors[code] = (f"Mục {code} đã có {number_vi(entry.points)} điểm: không để trống được "
                                "(nhập 0 nếu mục không đạt).")
            elif note:
                errors[code] = f"Mục {code}: có ghi chú nhưng chưa nhập điểm."
            continue
        try:
            points = parse_points(raw, item, table.rounding_step)
        except ScoringError as exc:
            errors[code] = str(exc)
            continue
        if entry is not None and abs(entry.points - points) < 1e-9 and (entry.note or "") == note:
            continue
        changes.append((item, points, note))
    if errors:
        raise EntryErrors(errors)
    for item, points, note in changes:
        enter_points(actor, unit, year, item, points, note)
    return [item.code for item, _, _ in changes]


def _entry(unit: AdminUnit, year: int, code: str) -> ScoreEntry | None:
    return db.session.execute(select(ScoreEntry).where(
        ScoreEntry.unit_id == unit.id, ScoreEntry.year == year, ScoreEntry.item_code == code)).scalar_one_or_none()


def add_attachment(actor: User, unit: AdminUnit, year: int, item: Item, file: CheckedFile) -> ScoreAttachment:
    """Keep an evidence file for an item (already checked by :func:`survey_app.services.uploads.check_evidence`)."""
    count = db.session.execute(select(db.func.count()).select_from(ScoreAttachment).where(
        ScoreAttachment.unit_id == unit.id, ScoreAttachment.year == year,
        ScoreAttachment.item_code == item.code)).scalar()
    if count >= MAX_ATTACHMENTS_PER_ITEM:
        raise ScoringError(f"Mục {item.code} đã có {MAX_ATTACHMENTS_PER_ITEM} tệp minh chứng; hãy gộp bớt.")
    attachment = ScoreAttachment(unit_id=unit.id, year=year, item_code=item.code, filename=file.filename,
                                 content_type=file.content_type, size=len(file.data), data=file.data,
                                 uploaded_by_id=actor.id)
    db.session.add(attachment)
    db.session.flush()
    audit.record(actor, "attach", "score_attachment", attachment.id, unit_id=unit.id,
                 detail={"year": year, "item": item.code, "file": file.filename, "size": len(file.data)})
    return attachment


def delete_attachment(actor: User, attachment: ScoreAttachment) -> None:
    audit.record(actor, "delete", "score_attachment", attachment.id, unit_id=attachment.unit_id,
                 detail={"year": attachment.year, "item": attachment.item_code, "file": attachment.filename})
    db.session.delete(attachment)
    db.session.flush()


def set_flags(actor: User, unit: AdminUnit, year: int, hotspot: bool, disciplined: bool, note: str) -> ScoreFlags:
    """Record the two disqualifying conditions for the year (either one makes the commune "không đạt chuẩn")."""
    flags = db.session.execute(select(ScoreFlags).where(ScoreFlags.unit_id == unit.id, ScoreFlags.year == year)
                               ).scalar_one_or_none()
    if flags is None:
        flags = ScoreFlags(unit_id=unit.id, year=year)
        db.session.add(flags)
    if (hotspot or disciplined) and not clean(note):
        raise ScoringError("Khi đánh dấu điều kiện không đạt chuẩn, hãy ghi rõ sự việc và văn bản liên quan.")
    changes = audit.diff(flags, {"hotspot": bool(hotspot), "disciplined": bool(disciplined),
                                 "note": clean(note)[:2000]})
    audit.record(actor, "score_flags", "score_flags", year, unit_id=unit.id, detail=changes)
    db.session.add(ScoreFlagsVersion(unit_id=unit.id, year=year, hotspot=bool(hotspot), disciplined=bool(disciplined),
                                     note=clean(note)[:2000], set_by_id=actor.id, set_at=utcnow()))
    db.session.flush()
    return flags


def set_profile(actor: User, unit: AdminUnit, *, neighbourhoods: int | None, fast_track_weekday: int | None,
                population: int | None) -> UnitProfile:
    """The commune facts rules need: number of tổ dân phố, the fast-track weekday, the population."""
    if neighbourhoods is not None and not 0 < neighbourhoods <= 1000:
        raise ScoringError("Số tổ dân phố (thôn) phải từ 1 đến 1000.")
    if fast_track_weekday is not None and not 0 <= fast_track_weekday <= 5:
        raise ScoringError("Ngày giải quyết nhanh phải là một ngày từ thứ Hai đến thứ Bảy.")
    if population is not None and not 0 < population <= 5_000_000:
        raise ScoringError("Dân số phải từ 1 đến 5.000.000.")
    profile = db.session.get(UnitProfile, unit.id)
    if profile is None:
        profile = UnitProfile(unit_id=unit.id)
        db.session.add(profile)
    changes = audit.diff(profile, {"neighbourhoods": neighbourhoods, "fast_track_weekday": fast_track_weekday})
    changes.update(audit.diff(unit, {"population": population}))
    audit.record(actor, "update", "unit_profile", unit.id, unit_id=unit.id, detail=changes)
    db.session.flush()
    return profile


def set_override(actor: User, table: Table, item: Item, params: dict) -> ScoringOverride | None:
    """Replace the city's parameters for a computed item (validated against the rule's bounds); an empty or
    default set removes the override."""
    if item.mode != "computed" or item.rule not in RULES:
        raise ScoringError(f"Mục {item.code} không có quy tắc tính tự động.")
    if not isinstance(params, dict):
        raise ScoringError("Tham số phải là một đối tượng JSON, ví dụ {\"mode\": \"linear\"}.")
    merged = {**item.params, **params}
    errors = validate_params(item.rule, merged)
    if errors:
        raise ScoringError(" ".join(errors))
    override = db.session.execute(select(ScoringOverride).where(
        ScoringOverride.table_id == table.id, ScoringOverride.item_code == item.code)).scalar_one_or_none()
    changed = {k: v for k, v in merged.items() if item.params.get(k) != v}
    audit.record(actor, "scoring_override", "scoring_override", item.code,
                 detail={"table": table.id, "params": changed})
    if not changed:
        if override is not None:
            db.session.delete(override)
        db.session.flush()
        return None
    if override is None:
        override = ScoringOverride(table_id=table.id, item_code=item.code)
        db.session.add(override)
    override.params, override.updated_by_id = changed, actor.id
    db.session.flush()
    return override


def set_commune_parameter(actor: User, unit: AdminUnit, table: Table, item: Item, name: str,
                          value: str | None) -> CommuneParameter | None:
    """Record the commune plan's own choice for a parameter its plan may set (e.g. 2.7.b's survey period: the
    decision sets none, so the whole year unless the plan names a quarter). ``None`` or the table's default
    removes the choice."""
    if item.mode != "computed" or name not in COMMUNE_PARAMS.get(item.rule or "", set()):
        raise ScoringError(f"Mục {item.code}: đơn vị không tự đặt tham số “{name}”.")
    if value is not None and value not in SURVEY_PERIODS:
        raise ScoringError("Kỳ khảo sát chỉ nhận: " + ", ".join(SURVEY_PERIODS.values()) + ".")
    row = db.session.execute(select(CommuneParameter).where(
        CommuneParameter.unit_id == unit.id, CommuneParameter.table_id == table.id,
        CommuneParameter.item_code == item.code)).scalar_one_or_none()
    params = dict(row.params) if row else {}
    if value is None or value == item.params.get(name):
        params.pop(name, None)
    else:
        params[name] = value
    audit.record(actor, "commune_parameter", "commune_parameter", item.code, unit_id=unit.id,
                 detail={"table": table.id, name: value})
    if not params:
        if row is not None:
            db.session.delete(row)
        db.session.flush()
        return None
    if row is None:
        row = CommuneParameter(unit_id=unit.id, table_id=table.id, item_code=item.code)
        db.session.add(row)
    row.params, row.updated_by_id = params, actor.id
    db.session.flush()
    return row
