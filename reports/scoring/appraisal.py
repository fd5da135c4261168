"""The commune sends its self-score to the city; the city appraisers score each item (with the reason for any
deduction), lock the appraisal, and summarise all communes against the Đề án's targets.

Operations flush and never commit. The appraised total uses :func:`reports.scoring.engine.tally`, the same rule
as the self-score, so the two can only differ by the items' points.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.models import AdminUnit, AppraisalItem, ScoreFlags, ScoreSubmission, SubmissionStatus, User
from survey_app.services import audit
from survey_app.text import clean
from survey_app.timeutil import utcnow

from .engine import Score, Tally, tally
from .operations import ScoringError, parse_points
from .table import Table, for_year

TARGETS = Path(__file__).resolve().parent / "targets.json"


def submit(session: Session, actor: User, result: Score) -> ScoreSubmission:
    """Freeze the commune's computed score as its submission for the year (again, until the city locks it)."""
    submission = session.execute(select(ScoreSubmission).where(
        ScoreSubmission.unit_id == result.unit.id, ScoreSubmission.year == result.year)).scalar_one_or_none()
    if submission is not None and submission.locked:
        raise ScoringError("Thành phố đã khóa kết quả thẩm định năm này; không gửi lại được.")
    flags = session.execute(select(ScoreFlags).where(ScoreFlags.unit_id == result.unit.id,
                                                     ScoreFlags.year == result.year)).scalar_one_or_none()
    snapshot = result.as_dict()
    snapshot["flags"] = [code for code, _ in result.table.disqualifiers if flags and getattr(flags, code, False)]
    if submission is None:
        submission = ScoreSubmission(unit_id=result.unit.id, year=result.year, snapshot=snapshot,
                                     self_total=result.total, self_level=result.level_name)
        session.add(submission)
    submission.snapshot, submission.self_total, submission.self_level = snapshot, result.total, result.level_name
    submission.submitted_at, submission.submitted_by_id = utcnow(), actor.id
    submission.status = SubmissionStatus.SUBMITTED.value
    session.flush()
    audit.record(actor, "submit", "score_submission", submission.id, unit_id=result.unit.id,
                 detail={"year": result.year, "total": result.total, "level": result.level_name})
    return submission


def self_points(submission: ScoreSubmission) -> dict[str, float | None]:
    return {i["code"]: i["points"] for i in submission.snapshot["items"]}


def appraised_points(submission: ScoreSubmission) -> dict[str, float | None]:
    """The appraisers' points where they set them, the commune's own elsewhere."""
    points = self_points(submission)
    for item in submission.appraisals:
        points[item.item_code] = item.points
    return points


def save(session: Session, actor: User, submission: ScoreSubmission, table: Table,
         entries: dict[str, tuple[str, str]]) -> list[str]:
    """Record the appraisers' points and reasons; returns Vietnamese errors (nothing saved when there are any).

    :param entries: item code -> (points as typed, reason); empty points leave the commune's own.
    """
    if submission.locked:
        return ["Kết quả thẩm định đã khóa."]
    own = self_points(submission)
    existing = {a.item_code: a for a in submission.appraisals}
    errors: list[str] = []
    changes: list[tuple[str, float | None, str]] = []
    for code, (raw, reason) in entries.items():
        try:
            item = table.item(code)
        except KeyError:
            errors.append(f"Không có mục {code}.")
            continue
        reason = clean(reason)[:2000]
        if not clean(raw):
            changes.append((code, None, ""))
            continue
        try:
            points = parse_points(raw, item, table.rounding_step)
        except ScoringError as exc:
            errors.append(f"Điểm thẩm định – {exc}")
            continue
        if points < (own.get(code) or 0) - 1e-9 and not reason:
            errors.append(f"Mục {code}: thẩm định thấp hơn điểm tự chấm, cần ghi lý do trừ điểm.")
            continue
        changes.append((code, points, reason))
    if errors:
        return errors
    for code, points, reason in changes:
        current = existing.get(code)
        if points is None:
            if current is not None:
                session.delete(current)
                submission.appraisals.remove(current)
            continue
        if current is None:
            current = AppraisalItem(submission=submission, item_code=code, points=points)
            session.add(current)
        current.points, current.reason, current.appraiser_id = points, reason, actor.id
    session.flush()
    audit.record(actor, "appraise", "score_submission", submission.id, unit_id=submission.unit_id,
                 detail={"items": [c for c, _, _ in changes]})
    return []


def result_of(submission: ScoreSubmission, table: Table) -> Tally:
    return tally(table, appraised_points(submission), submission.snapshot.get("flags", []))


def lock(session: Session, actor: User, submission: ScoreSubmission, table: Table) -> Tally:
    if submission.locked:
        raise ScoringError("Kết quả thẩm định đã khóa.")
    outcome = result_of(submission, table)
    submission.status = SubmissionStatus.LOCKED.value
    submission.appraised_total, submission.appraised_level = outcome.total, outcome.level_name
    submission.locked_at, submission.locked_by_id = utcnow(), actor.id
    session.flush()
    audit.record(actor, "lock", "score_submission", submission.id, unit_id=submission.unit_id,
                 detail={"total": outcome.total, "level": outcome.level_name})
    return outcome


def unlock(session: Session, actor: User, submission: ScoreSubmission) -> None:
    submission.status = SubmissionStatus.SUBMITTED.value
    submission.appraised_total = submission.appraised_level = None
    submission.locked_at = submission.locked_by_id = None
    session.flush()
    audit.record(actor, "unlock", "score_submission", submission.id, unit_id=submission.unit_id)


# -- the city summary -------------------------------------------------------------------------------------------


def targets_for(year: int) -> dict:
    """The Đề án's targets for a year (the nearest earlier year's when the year has none)."""
    data = json.loads(TARGETS.read_text(encoding="utf-8"))
    years = sorted(int(y) for y in data["years"])
    chosen = max((y for y in years if y <= year), default=None)
    return {"source": data["source"], **(data["years"][str(chosen)] if chosen is not None else {})}


@dataclass(frozen=True)
class CommuneStanding:
    unit: AdminUnit
    submission: ScoreSubmission | None

    @property
    def level(self) -> str:
        """The locked appraisal's level; else "chưa thẩm định" (a commune that has not submitted has not registered
        for appraisal and counts as not reaching the standard, as the Decision says)."""
        if self.submission is None:
            return "Chưa gửi hồ sơ"
        if self.submission.locked:
            return self.submission.appraised_level or ""
        return "Chưa thẩm định xong"


def standings(session: Session, year: int) -> list[CommuneStanding]:
    units = session.execute(select(AdminUnit).where(AdminUnit.parent_id.is_not(None), AdminUnit.active.is_(True))
                            .order_by(AdminUnit.name)).scalars().all()
    submissions = {s.unit_id: s for s in session.execute(
        select(ScoreSubmission).where(ScoreSubmission.year == year)).scalars()}
    return [CommuneStanding(u, submissions.get(u.id)) for u in units]


def city_summary(session: Session, year: int):
    """Every commune's standing and the level distribution against the targets (XLSX/DOCX data)."""
    from reports.exporters.city_summary import CitySummary, CommuneLine, LevelCount, TargetCheck

    table = for_year(year)
    rows = standings(session, year)
    lines = [CommuneLine(r.unit.official_code or "", r.unit.full_name,
                         r.submission.status_label if r.submission else "Chưa gửi hồ sơ",
                         r.submission.self_total if r.submission else None,
                         r.submission.appraised_total if r.submission and r.submission.locked else None,
                         r.level) for r in rows]
    names = [lv.name for lv in sorted(table.levels, key=lambda lv: -lv.min)]
    counts = dict.fromkeys(names, 0)
    pending = 0
    for r in rows:
        if r.submission is not None and r.submission.locked:
            counts[r.submission.appraised_level] = counts.get(r.submission.appraised_level, 0) + 1
        else:
            pending += 1
    lowest = min(table.levels, key=lambda lv: lv.min)
    top = max(table.levels, key=lambda lv: lv.min)
    n = len(rows) or 1
    reached = sum(c for name, c in counts.items() if name != lowest.name)
    targets = targets_for(year)
    checks = [TargetCheck("Tỷ lệ xã, phường, đặc khu đạt chuẩn", targets.get("standard"), reached / n),
              TargetCheck(f"Tỷ lệ đạt {top.name}", targets.get("level4"), counts.get(top.name, 0) / n)]
    levels = [LevelCount(name, counts[name]) for name in names] + [LevelCount("Chưa có kết quả thẩm định", pending)]
    return CitySummary(year, lines, levels, checks, targets["source"])
