"""The evidence dossier a commune sends the city by 01/12: gather its data once (:func:`collect`), then write every
document from it (:func:`build`): the Bảng tự chấm điểm (XLSX, DOCX, PDF), the survey summary (XLSX, DOCX), the
draft Báo cáo and Tờ trình (DOCX) and the evidence ZIP, one folder per criterion.

The score comes from :func:`reports.scoring.engine.score`, the survey indices from :func:`reports.surveys.summarise`:
the documents compute nothing of their own.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey_app.models import AdminUnit, RollupCase, ScoreAttachment, ScoreSubmission, ServiceCentre
from survey_app.services import legal
from survey_app.services.surveys import current_version, definition_of, questionnaire_by_code
from survey_app.timeutil import local_today

from .exporters import charts, evidence_zip, report_docx, score_table, survey_summary
from .exporters.model import (
    WHOLE_UNIT,
    Attachment,
    CriterionLine,
    DossierBundle,
    FeedbackFigures,
    GroupLine,
    ItemLine,
    ScoreDoc,
    SurveyBlock,
    UnitHead,
)
from .queries import SurveyFilter, response_count
from .scoring import provenance
from .scoring.engine import Score, score
from .scoring.rules import survey_period
from .surveys import summarise
from .topics import commune_topics

Progress = Callable[[int, str], None]


def unit_head(unit: AdminUnit) -> UnitHead:
    return UnitHead.of(unit.code, unit.name, unit.kind_label)


def score_doc(session: Session, result: Score, with_rows: bool = True, with_files: bool = True) -> ScoreDoc:
    """The computed score as document data; the rows behind each computed item and the staff's files included."""
    files: dict[str, list[Attachment]] = {}
    if with_files:
        for a in session.execute(select(ScoreAttachment).where(
                ScoreAttachment.unit_id == result.unit.id, ScoreAttachment.year == result.year)
                .order_by(ScoreAttachment.uploaded_at, ScoreAttachment.id)).scalars():
            files.setdefault(a.item_code, []).append(Attachment(a.filename, a.content_type, a.data))
    items = []
    for s in result.items:
        evidence = s.rows() if with_rows else None
        if evidence is not None:  # each row says where it came from ("Nguồn"), for the appraisers
            evidence = provenance.with_sources(session, result.unit.id, s.item.rule, s.params, result.start,
                                               result.end, evidence)
        items.append(ItemLine(
            code=s.item.code, text=s.item.text, max=s.item.points, points=s.points, source=s.source,
            explanation=s.explanation, evidence=s.item.evidence, criterion=s.item.criterion, group=s.item.group,
            note=s.note, figures=dict(s.figures), columns=list(evidence.columns) if evidence else [],
            rows=[list(r) for r in evidence.rows] if evidence else [], attachments=files.get(s.item.code, []),
            questionnaire=str((s.params or {}).get("questionnaire") or "")))
    submission = session.execute(select(ScoreSubmission).where(
        ScoreSubmission.unit_id == result.unit.id, ScoreSubmission.year == result.year)).scalar_one_or_none()
    appraised = None
    if submission is not None and submission.locked and submission.appraised_total is not None:
        appraised = (submission.appraised_total, submission.appraised_level or "")
    return ScoreDoc(
        unit=unit_head(result.unit), year=result.year, as_of=result.end, table_title=result.table.title,
        decision=result.table.decision, items=items,
        groups=[GroupLine(g.code, g.text, g.criterion, g.max, g.points) for g in result.groups],
        criteria=[CriterionLine(c.code, c.text, c.max, c.points) for c in result.criteria],
        total=result.total, level=result.level_name, disqualified=list(result.disqualified), appraised=appraised,
        level_code=result.level_code, citations=legal.citations(result.end))


def annual_survey_start(result: Score) -> date:
    """Where the annual questionnaire's period starts: item 2.7.b's "period" (the whole year unless the commune's
    plan chose a quarter), as the rule itself reads it."""
    try:
        params = result.item("2.7.b").params
    except StopIteration:
        params = {}
    return survey_period(result.year, params)[0]


def survey_blocks(session: Session, unit: AdminUnit, year: int, end: date,
                  annual_from: date | None = None) -> list[SurveyBlock]:
    """The centre questionnaire over the year (whole commune, then each centre) and the annual questionnaire over
    item 2.7.b's period (``annual_from``: the whole year by default)."""
    blocks: list[SurveyBlock] = []
    plan = [("centre-service", date(year, 1, 1), True),
            ("annual-friendly-government", annual_from or date(year, 1, 1), False)]
    centres = session.execute(select(ServiceCentre.id, ServiceCentre.name).where(
        ServiceCentre.unit_id == unit.id).order_by(ServiceCentre.name)).all()
    for code, start, per_centre in plan:
        questionnaire = questionnaire_by_code(code)
        version = current_version(questionnaire.id) if questionnaire else None
        if version is None or end < start:
            continue
        definition = definition_of(version)
        title = definition.title.get("vi", code)
        by_centre = per_centre and len(centres) > 1  # one centre: its block would repeat the commune's
        scopes = [(WHOLE_UNIT, None)] + ([(name, cid) for cid, name in centres] if by_centre else [])
        for label, centre_id in scopes:
            f = SurveyFilter(questionnaire_id=questionnaire.id, unit_ids=(unit.id,), centre_id=centre_id,
                             start=start, end=end)
            summary = summarise(session, definition, f)
            if centre_id is not None and summary.responses == 0:
                continue
            everything = SurveyFilter(questionnaire_id=questionnaire.id, unit_ids=(unit.id,), centre_id=centre_id,
                                      start=start, end=end, include_suspicious=True)
            suspicious = response_count(session, everything) - summary.responses
            blocks.append(SurveyBlock(title, label, start, end, summary.responses, suspicious, summary.sipas,
                                      summary.tt01 if summary.tt01.indicators else None,
                                      summary.qd766 if summary.qd766.rated else None, code=code))
    return blocks


def feedback_figures(session: Session, unit: AdminUnit, start: date, end: date) -> FeedbackFigures:
    r = RollupCase
    where = [r.unit_id == unit.id, r.day >= start, r.day <= end]
    received, answered, on_time, published = session.execute(select(
        func.coalesce(func.sum(r.received), 0), func.coalesce(func.sum(r.answered), 0),
        func.coalesce(func.sum(r.answered_on_time), 0), func.coalesce(func.sum(r.published), 0)).where(*where)).one()
    by_channel = dict(session.execute(select(r.channel, func.sum(r.received)).where(*where).group_by(r.channel)).all())
    return FeedbackFigures(int(received), int(answered), int(on_time), int(published),
                           {k: int(v) for k, v in by_channel.items()})


def collect(session: Session, unit: AdminUnit, year: int, as_of: date | None = None) -> DossierBundle:
    result = score(session, unit, year, as_of)
    doc = score_doc(session, result)
    surveys = survey_blocks(session, unit, year, result.end, annual_survey_start(result))
    return DossierBundle(score=doc, surveys=surveys,
                         feedback=feedback_figures(session, unit, result.start, result.end),
                         generated_on=local_today(), topics=commune_topics(session, unit.id, result.start, result.end))


def file_names(code: str, year: int) -> dict[str, str]:
    stem = f"{code}_{year}"
    return {
        "table_xlsx": f"01_Bang-tu-cham-diem_{stem}.xlsx", "table_docx": f"01_Bang-tu-cham-diem_{stem}.docx",
        "table_pdf": f"01_Bang-tu-cham-diem_{stem}.pdf", "report": f"02_Bao-cao-ket-qua_DU-THAO_{stem}.docx",
        "submission": f"03_To-trinh_DU-THAO_{stem}.docx", "survey_xlsx": f"04_Bang-tong-hop-khao-sat_{stem}.xlsx",
        "survey_docx": f"04_Bang-tong-hop-khao-sat_{stem}.docx", "evidence": f"05_Tai-lieu-minh-chung_{stem}.zip",
    }


def build(bundle: DossierBundle, progress: Progress | None = None) -> dict[str, bytes]:
    """Every document of the dossier, by file name."""
    report = progress or (lambda percent, message: None)
    doc = bundle.score
    names = file_names(doc.unit.code, doc.year)
    files: dict[str, bytes] = {}
    report(2, "Bảng tự chấm điểm")
    files[names["table_xlsx"]] = score_table.xlsx(doc)
    files[names["table_docx"]] = score_table.docx(doc)
    files[names["table_pdf"]] = score_table.pdf(doc)
    report(5, "Báo cáo, tờ trình")
    files[names["report"]] = report_docx.bao_cao(bundle)
    files[names["submission"]] = report_docx.to_trinh(bundle)
    report(8, "Bảng tổng hợp khảo sát")
    files[names["survey_xlsx"]] = survey_summary.xlsx(doc.unit, doc.year, bundle.surveys, doc.as_of, doc.citations,
                                                        topics=bundle.topics)
    files[names["survey_docx"]] = survey_summary.docx(doc.unit, doc.year, bundle.surveys, doc.as_of, doc.citations,
                                                        topics=bundle.topics)
    with charts.Renderer() as renderer:
        files[names["evidence"]] = evidence_zip.build(bundle, renderer, report)
    report(98, "Đóng gói")
    return files


def bundle_zip(files: dict[str, bytes]) -> bytes:
    """All documents in one ZIP (the download from the score page). A ZIP among the documents (the evidence) is
    unpacked into a folder of the same name: one archive to open, not an archive inside an archive."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            if not name.lower().endswith(".zip"):
                archive.writestr(name, data, compress_type=zipfile.ZIP_STORED)  # already compressed
                continue
            folder = name[:-4]
            with zipfile.ZipFile(io.BytesIO(data)) as inner:
                for info in inner.infolist():
                    if not info.is_dir():
                        archive.writestr(f"{folder}/{info.filename}", inner.read(info))
    return buffer.getvalue()
