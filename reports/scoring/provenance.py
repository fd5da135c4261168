"""Where each evidence row of a computed item came from ("Nguồn"), and how much of a survey item rests on paper.

An appraiser trusts a figure when each row names its origin: a QR form or a kiosk, a paper form keyed by whom and
checked by whom, a dossier from which import file on which day, a case from which channel and recorded by whom.
This is an addition beside the rules: it reads the rows a rule already returned (by their column names) and
never changes what the rule computed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import extract, func, select
from sqlalchemy.orm import Session, aliased

from survey_app.models import (
    BoxOpening,
    Case,
    CheckStatus,
    CollectionSession,
    Dossier,
    DossierImport,
    Kiosk,
    PaperBatch,
    Questionnaire,
    ServiceCentre,
    SuggestionBox,
    SurveyResponse,
    User,
)
from survey_app.timeutil import format_date, format_datetime

from .rules import Evidence

SOURCE = "Nguồn"
#: Survey channels and case channels as people call them.
CHANNELS = {"qr": "Mã QR", "web": "Trang web", "kiosk": "Máy tính bảng", "paper": "Phiếu giấy",
            "app": "Ứng dụng", "hotline": "Đường dây nóng", "zalo": "Zalo", "facebook": "Facebook",
            "email": "Thư điện tử", "box": "Hòm thư góp ý", "reception": "Tiếp công dân",
            "collection": "Thu thập hằng tuần", "open311": "Ứng dụng (Open311)"}
#: Rules whose rows are survey responses or counts of them: they get the paper share.
SURVEY_RULES = ("centre_survey_months", "annual_survey_sample")
ORDER = list(CHANNELS)


def _by_order(counts: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda kv: ORDER.index(kv[0]) if kv[0] in ORDER else len(ORDER))
#: What the rows of the rules without a row-level origin come from.
REGISTERS = {
    "duty_roster": "Lịch trực đường dây nóng, Zalo, Facebook do cán bộ nhập trong hệ thống",
    "reception_months": "Phản ánh kênh Tiếp công dân do cán bộ ghi nhận trong hệ thống",
}


@dataclass
class PaperShare:
    """The responses a survey item counted, by channel, and the paper forms it did not count yet."""

    counted: int = 0
    paper: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)
    #: paper forms keyed before the second-person check existed (counted, checked by nobody)
    paper_before_check: int = 0
    #: paper forms waiting for the check, and those the check found wrong: neither is counted
    paper_pending: int = 0
    paper_rejected: int = 0

    @property
    def share(self) -> float | None:
        return self.paper / self.counted if self.counted else None

    def as_dict(self) -> dict:
        return {**asdict(self), "share": self.share}

    def sentence(self) -> str:
        if not self.counted:
            text = "Chưa có phiếu hợp lệ nào được tính."
        else:
            pct = f"{self.share * 100:.1f}".replace(".", ",")
            parts = "; ".join(f"{CHANNELS.get(c, c)} {n}" for c, n in _by_order(self.by_channel))
            text = f"Phiếu giấy chiếm {pct}% ({self.paper}/{self.counted}) số phiếu được tính ({parts})."
        if self.paper_pending:
            text += f" {self.paper_pending} phiếu giấy đang chờ cán bộ thứ hai kiểm tra (chưa tính)."
        if self.paper_rejected:
            text += f" {self.paper_rejected} phiếu giấy bị đánh dấu sai khi kiểm tra (không tính)."
        if self.paper_before_check:
            text += f" {self.paper_before_check} phiếu giấy nhập trước khi có bước kiểm tra (coi như đã kiểm tra)."
        return text


def _column(evidence: Evidence, name: str) -> int | None:
    return evidence.columns.index(name) if name in evidence.columns else None


def _names(session: Session, ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).all())


def _with(evidence: Evidence, sources: list[str]) -> Evidence:
    return Evidence([*evidence.columns, SOURCE], [[*row, src] for row, src in zip(evidence.rows, sources,
                                                                                   strict=True)])


# -- surveys -------------------------------------------------------------------------------------------------------


def _paper_text(serial, batch, import_file, keyer, status, checker, checked_at, note) -> str:
    text = f"Phiếu giấy số {serial}" + (f", lô {batch}" if batch else "")
    text += (f" (tệp “{import_file}”)" if import_file else "") + (f", nhập: {keyer}" if keyer else "")
    if status == CheckStatus.CHECKED.value:
        return text + (f"; kiểm tra: {checker} {format_date(checked_at)}" if checker
                       else "; nhập trước khi có bước kiểm tra")
    if status == CheckStatus.REJECTED.value:
        return text + f"; sai khi kiểm tra ({checker}): {note} – không tính"
    return text + "; chưa kiểm tra – không tính"


def response_sources(session: Session, ids: list[int]) -> dict[int, str]:
    """{response id: where it came from}."""
    r, batch = SurveyResponse, PaperBatch
    sources: dict[int, str] = {}
    rows = []
    for start in range(0, len(ids), 1000):
        rows += session.execute(
            select(r.id, r.channel, Kiosk.name, func.coalesce(r.paper_serial, r.rejected_serial), r.paper_batch_id,
                   batch.import_filename, r.entered_by_id, r.check_status, r.checked_by_id, r.checked_at,
                   r.check_note, r.suspicious)
            .outerjoin(Kiosk, Kiosk.id == r.kiosk_id).outerjoin(batch, batch.id == r.paper_batch_id)
            .where(r.id.in_(ids[start:start + 1000]))).all()
    names = _names(session, [row[6] for row in rows] + [row[8] for row in rows])
    for rid, channel, kiosk, serial, batch_id, import_file, keyer, status, checker, at, note, suspicious in rows:
        if channel == "paper":
            text = _paper_text(serial, batch_id, import_file, names.get(keyer), status, names.get(checker), at, note)
        elif channel == "kiosk":
            text = f"Máy tính bảng “{kiosk}”" if kiosk else CHANNELS["kiosk"]
        else:
            text = CHANNELS.get(channel, channel)
        sources[rid] = text + ("; nghi vấn – không tính" if suspicious else "")
    return sources


def _survey_counts(session: Session, unit_id: int, questionnaire_id: int, start: date, end: date):
    r = SurveyResponse
    y, m = extract("year", r.answered_day), extract("month", r.answered_day)
    return session.execute(
        select(r.centre_id, y, m, r.channel, r.check_status, r.checked_by_id, r.entered_by_id, func.count())
        .where(r.unit_id == unit_id, r.questionnaire_id == questionnaire_id, r.suspicious.is_(False),
               r.answered_day >= start, r.answered_day <= end)
        .group_by(r.centre_id, y, m, r.channel, r.check_status, r.checked_by_id, r.entered_by_id)).all()


def _month_sources(session: Session, unit_id: int, questionnaire_id: int, start: date, end: date,
                   evidence: Evidence) -> list[str] | None:
    centre_col, month_col = _column(evidence, "Trung tâm"), _column(evidence, "Tháng")
    if centre_col is None or month_col is None:
        return None
    centres = dict(session.execute(select(ServiceCentre.name, ServiceCentre.id)
                                   .where(ServiceCentre.unit_id == unit_id)).all())
    rows = _survey_counts(session, unit_id, questionnaire_id, start, end)
    names = _names(session, [row[5] for row in rows] + [row[6] for row in rows])
    cells: dict[tuple, dict] = defaultdict(lambda: {"channels": defaultdict(int), "keyers": set(), "checkers": set(),
                                                    "pending": 0, "rejected": 0})
    for centre, y, m, channel, status, checker, keyer, n in rows:
        cell = cells[(centre, int(y), int(m))]
        if channel == "paper" and status != CheckStatus.CHECKED.value:
            cell["rejected" if status == CheckStatus.REJECTED.value else "pending"] += n
            continue
        cell["channels"][channel] += n
        if channel == "paper":
            cell["keyers"].add(names.get(keyer, "không rõ"))
            cell["checkers"].add(names.get(checker, "nhập trước khi có bước kiểm tra"))
    sources = []
    for row in evidence.rows:
        month, year = (int(p) for p in str(row[month_col]).split("/"))
        cell = cells.get((centres.get(row[centre_col]), year, month))
        if cell is None:
            sources.append("Chưa có phiếu")
            continue
        parts = []
        for channel, n in _by_order(cell["channels"]):
            text = f"{CHANNELS.get(channel, channel)} {n}"
            if channel == "paper":
                text += (f" (nhập: {', '.join(sorted(cell['keyers']))}; "
                         f"kiểm tra: {', '.join(sorted(cell['checkers']))})")
            parts.append(text)
        if cell["pending"]:
            parts.append(f"{cell['pending']} phiếu giấy chưa kiểm tra – không tính")
        if cell["rejected"]:
            parts.append(f"{cell['rejected']} phiếu giấy sai – không tính")
        sources.append("; ".join(parts) or "Chưa có phiếu")
    return sources


def paper_share(session: Session, unit_id: int, questionnaire_id: int | None, start: date, end: date,
                ids: list[int] | None = None) -> PaperShare:
    """The counted responses by channel and the paper forms not counted, over a period (or the listed ids)."""
    result = PaperShare()
    if questionnaire_id is None:
        return result
    r = SurveyResponse
    conds = [r.unit_id == unit_id, r.questionnaire_id == questionnaire_id, r.suspicious.is_(False),
             r.answered_day >= start, r.answered_day <= end]
    rows = session.execute(select(r.channel, r.check_status, r.checked_by_id.is_(None), func.count()).where(*conds)
                           .group_by(r.channel, r.check_status, r.checked_by_id.is_(None))).all() \
        if ids is None else _id_counts(session, ids)
    for channel, status, nobody, n in rows:
        if channel == "paper" and status != CheckStatus.CHECKED.value:
            if status == CheckStatus.REJECTED.value:
                result.paper_rejected += n
            else:
                result.paper_pending += n
            continue
        result.counted += n
        result.by_channel[channel] = result.by_channel.get(channel, 0) + n
        if channel == "paper":
            result.paper += n
            result.paper_before_check += n if nobody else 0
    return result


def _id_counts(session: Session, ids: list[int]) -> list[tuple]:
    r = SurveyResponse
    counts: dict[tuple, int] = defaultdict(int)
    for start in range(0, len(ids), 1000):
        for channel, status, nobody, n in session.execute(
                select(r.channel, r.check_status, r.checked_by_id.is_(None), func.count())
                .where(r.id.in_(ids[start:start + 1000]), r.suspicious.is_(False))
                .group_by(r.channel, r.check_status, r.checked_by_id.is_(None))).all():
            counts[(channel, status, nobody)] += n
    return [(*key, n) for key, n in counts.items()]


# -- dossiers, cases, registers ------------------------------------------------------------------------------------


def dossier_sources(session: Session, unit_id: int, codes: list[str]) -> dict[str, str]:
    """{dossier code: the import file and when (and by whom) it was imported}."""
    imp = aliased(DossierImport)
    rows = []
    for start in range(0, len(codes), 1000):
        rows += session.execute(
            select(Dossier.code, imp.filename, imp.imported_at, imp.imported_by_id)
            .outerjoin(imp, imp.id == Dossier.import_id)
            .where(Dossier.unit_id == unit_id, Dossier.code.in_(codes[start:start + 1000]))).all()
    names = _names(session, [row[3] for row in rows])
    return {code: (f"Tệp “{name}” nhập lúc {format_datetime(at)}" + (f" ({names[by]})" if by in names else "")
                   if name else "Không rõ tệp nhập (hồ sơ không qua chức năng nhập tệp)")
            for code, name, at, by in rows}


def case_sources(session: Session, codes: list[str]) -> dict[str, str]:
    """{tracking code: the channel it arrived by, and who recorded it}."""
    rows = []
    for start in range(0, len(codes), 1000):
        rows += session.execute(select(Case.tracking_code, Case.channel, Case.created_by_id, Case.api_key_id)
                                .where(Case.tracking_code.in_(codes[start:start + 1000]))).all()
    names = _names(session, [row[2] for row in rows])
    return {code: CHANNELS.get(channel, channel)
            + (f", ghi nhận: {names[by]}" if by in names else (" (qua khóa API)" if key else " (người dân gửi)"))
            for code, channel, by, key in rows}


def _box_sources(session: Session, unit_id: int, start: date, end: date, evidence: Evidence) -> list[str] | None:
    col = _column(evidence, "Vị trí")
    if col is None:
        return None
    rows = session.execute(select(SuggestionBox.location_name, BoxOpening.created_by_id, BoxOpening.opened_by)
                           .join(BoxOpening, BoxOpening.box_id == SuggestionBox.id)
                           .where(SuggestionBox.unit_id == unit_id, BoxOpening.opened_on >= start,
                                  BoxOpening.opened_on <= end)).all()
    names = _names(session, [row[1] for row in rows])
    by_box: dict[str, set[str]] = defaultdict(set)
    for name, by, opener in rows:
        by_box[name].add(f"{opener} (nhập: {names.get(by, 'không rõ')})")
    return [("Sổ mở hòm thư: " + ", ".join(sorted(by_box[row[col]]))) if by_box.get(row[col])
            else "Sổ hòm thư góp ý (chưa có lần mở trong kỳ)" for row in evidence.rows]


def _week_sources(session: Session, unit_id: int, evidence: Evidence) -> list[str] | None:
    col = _column(evidence, "Tuần (từ thứ Hai)")
    if col is None:
        return None
    mondays = [datetime.strptime(str(row[col]), "%d/%m/%Y").date() for row in evidence.rows]
    if not mondays:
        return []
    rows = session.execute(select(CollectionSession.held_on, CollectionSession.collector,
                                  CollectionSession.created_by_id)
                           .where(CollectionSession.unit_id == unit_id, CollectionSession.held_on >= min(mondays),
                                  CollectionSession.held_on <= max(mondays) + timedelta(days=6))).all()
    names = _names(session, [row[2] for row in rows])
    by_week: dict[date, set[str]] = defaultdict(set)
    for held, collector, by in rows:
        by_week[held - timedelta(days=held.weekday())].add(
            f"{collector} (nhập: {names.get(by, 'không rõ')})")
    return [("Biên bản thu thập: " + ", ".join(sorted(by_week[m]))) if by_week.get(m) else "Không có biên bản"
            for m in mondays]


def _keyed(evidence: Evidence, column: str, lookup) -> list[str] | None:
    col = _column(evidence, column)
    if col is None:
        return None
    keys = [row[col] for row in evidence.rows]
    found = lookup(sorted({k for k in keys if k is not None}))
    return [found.get(k, "Không rõ") for k in keys]


def questionnaire_id(session: Session, params: dict) -> int | None:
    code = params.get("questionnaire")
    return session.execute(select(Questionnaire.id).where(Questionnaire.code == code)).scalar() if code else None


def with_sources(session: Session, unit_id: int, rule: str | None, params: dict, start: date, end: date,
                 evidence: Evidence) -> Evidence:
    """The rule's rows with a "Nguồn" column added (the rows themselves unchanged)."""
    sources: list[str] | None = None
    if rule == "annual_survey_sample":
        sources = _keyed(evidence, "Mã phiếu", lambda ids: response_sources(session, ids))
    elif rule == "centre_survey_months":
        qid = questionnaire_id(session, params)
        sources = _month_sources(session, unit_id, qid, start, end, evidence) if qid else None
    elif rule in ("dossiers_on_time", "apology_letters", "fast_track_day", "home_service"):
        sources = _keyed(evidence, "Mã hồ sơ", lambda codes: dossier_sources(session, unit_id, codes))
    elif rule == "app_channel":
        sources = _keyed(evidence, "Mã", lambda codes: case_sources(session, codes))
    elif rule == "suggestion_boxes":
        sources = _box_sources(session, unit_id, start, end, evidence)
    elif rule == "weekly_collection":
        sources = _week_sources(session, unit_id, evidence)
    if sources is None:
        sources = [REGISTERS.get(rule or "", "Số liệu trong hệ thống")] * len(evidence.rows)
    return _with(evidence, sources)


def survey_paper_share(session: Session, unit_id: int, rule: str | None, params: dict, start: date, end: date,
                       evidence: Evidence | None = None) -> PaperShare | None:
    """The paper share of a survey item (None for other items): over the rows it listed when they are responses,
    else over the period."""
    if rule not in SURVEY_RULES:
        return None
    qid = questionnaire_id(session, params)
    col = _column(evidence, "Mã phiếu") if evidence is not None else None
    if col is not None:
        return paper_share(session, unit_id, qid, start, end, ids=[row[col] for row in evidence.rows])
    return paper_share(session, unit_id, qid, start, end)


def score_dict(session: Session, result) -> dict:
    """A score's JSON (:meth:`reports.scoring.engine.Score.as_dict`) with the paper share of its survey items: one
    computation for the web JSON and the CLI."""
    data = result.as_dict()
    for item, row in zip(result.items, data["items"], strict=True):
        if item.item.rule in SURVEY_RULES:
            share = survey_paper_share(session, result.unit.id, item.item.rule, item.params, result.start,
                                       result.end, item.rows())
            row["paper_share"] = share.as_dict() if share else None
    return data
