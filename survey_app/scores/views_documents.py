"""Documents of the commune's score, each from the same computation as the page: the Bảng tự chấm điểm (XLSX,
DOCX, PDF), the survey summary (XLSX, DOCX), the draft Báo cáo and Tờ trình (DOCX); and the whole dossier with
the evidence ZIP, built by a background job."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, url_for
from flask_login import current_user

from reports import background
from reports.dossier import annual_survey_start, collect, score_doc, survey_blocks, unit_head
from reports.exporters import report_docx, score_table, survey_summary
from reports.scoring.engine import score
from reports.topics import commune_topics

from ..auth.roles import can_write, staff_required
from ..downloads import download
from ..extensions import db
from ..models import AdminUnit
from ..services import audit, legal
from ..services.scoping import get_scoped_or_404

bp = Blueprint("score_documents", __name__, url_prefix="/admin/scores")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOCUMENTS = {
    "bang-tu-cham-diem.xlsx": XLSX, "bang-tu-cham-diem.docx": DOCX, "bang-tu-cham-diem.pdf": "application/pdf",
    "bang-tong-hop-khao-sat.xlsx": XLSX, "bang-tong-hop-khao-sat.docx": DOCX,
    "bao-cao-du-thao.docx": DOCX, "to-trinh-du-thao.docx": DOCX,
}


def _unit(unit_id: int, year: int) -> AdminUnit:
    if not 2020 <= year <= 2100:
        abort(404)
    return get_scoped_or_404(AdminUnit, unit_id, current_user)


@bp.route("/<int:unit_id>/<int:year>/documents/<name>")
@staff_required()
def document(unit_id: int, year: int, name: str):
    unit = _unit(unit_id, year)
    if name not in DOCUMENTS:
        abort(404)
    if name.startswith("bang-tu-cham-diem"):
        doc = score_doc(db.session, score(db.session, unit, year), with_rows=False, with_files=False)
        data = {"xlsx": score_table.xlsx, "docx": score_table.docx, "pdf": score_table.pdf}[name.rsplit(".", 1)[1]](doc)
    elif name.startswith("bang-tong-hop-khao-sat"):
        result = score(db.session, unit, year)
        blocks = survey_blocks(db.session, unit, year, result.end, annual_survey_start(result))
        writer = survey_summary.xlsx if name.endswith(".xlsx") else survey_summary.docx
        topics = commune_topics(db.session, unit.id, result.start, result.end)
        db.session.commit()
        data = writer(unit_head(unit), year, blocks, result.end, legal.citations(result.end), topics=topics)
    else:
        bundle = collect(db.session, unit, year)
        data = (report_docx.bao_cao if name.startswith("bao-cao") else report_docx.to_trinh)(bundle)
    filename = f"{name.rsplit('.', 1)[0]}_{unit.code}_{year}.{name.rsplit('.', 1)[1]}"
    return download(data, DOCUMENTS[name], filename)


@bp.route("/<int:unit_id>/<int:year>/dossier", methods=["POST"])
@staff_required(can_write)
def request_dossier(unit_id: int, year: int):
    unit = _unit(unit_id, year)
    job = background.enqueue(db.session, "evidence_dossier", unit.id, {"year": year}, current_user)
    audit.record(current_user, "request", "background_job", job.id, unit_id=unit.id,
                 detail={"kind": "evidence_dossier", "year": year})
    db.session.commit()
    return redirect(url_for("jobs.show", job_id=job.id), code=303)
