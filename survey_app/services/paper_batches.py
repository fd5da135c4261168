"""The second-person check of keyed paper forms: batches (lô phiếu giấy), their scans, and the check.

Paper forms keyed in by staff go into a batch with a scan of the sheets; they count toward the indices, the
dashboards and item 2.7 only once another staff member has compared the batch with the scan and confirmed it
(forms marked wrong stay excluded, with the reason). Operations flush, never commit; each writes the audit log.
"""

from __future__ import annotations

from sqlalchemy import func, select, update

from ..extensions import db
from ..models import BatchStatus, CheckStatus, PaperBatch, PaperBatchScan, SurveyResponse, User
from ..text import clean
from ..timeutil import utcnow
from . import audit
from .uploads import CheckedFile, safe_filename

#: Scans are sheets: a PDF from the scanner or a phone photo.
SCAN_TYPES = {"application/pdf", "image/jpeg", "image/png"}
SCAN_LABEL = "tệp PDF, ảnh JPEG hoặc PNG"
MAX_SCANS = 20
REASON_MAX = 300


class PaperCheckError(ValueError):
    """A refusal with a Vietnamese message for the staff member."""


def check_scan(file: CheckedFile) -> CheckedFile:
    """A sniffed upload (:func:`survey_app.services.uploads.check_evidence`) that is also a scan type."""
    if file.content_type not in SCAN_TYPES:
        raise PaperCheckError(f"Tệp “{file.filename}” không phải bản quét: chỉ nhận {SCAN_LABEL}.")
    return file


def open_batch(actor: User, unit_id: int, questionnaire_id: int) -> PaperBatch:
    """The keyer's batch being keyed for this commune and questionnaire (a new one when none is open)."""
    batch = db.session.execute(select(PaperBatch).where(
        PaperBatch.unit_id == unit_id, PaperBatch.questionnaire_id == questionnaire_id,
        PaperBatch.keyed_by_id == actor.id, PaperBatch.status == BatchStatus.OPEN.value)
        .order_by(PaperBatch.id.desc()).limit(1)).scalar_one_or_none()
    if batch is None:
        batch = PaperBatch(unit_id=unit_id, questionnaire_id=questionnaire_id, source="entry",
                           status=BatchStatus.OPEN.value, keyed_by_id=actor.id, created_at=utcnow())
        db.session.add(batch)
        db.session.flush()
        audit.record(actor, "create", "paper_batch", batch.id, unit_id=unit_id, detail={"source": "entry"})
    return batch


def import_batch(actor: User, unit_id: int, questionnaire_id: int, filename: str,
                 scans: list[CheckedFile]) -> PaperBatch:
    """A batch for an imported spreadsheet: it arrives complete with its scans and waits for the check."""
    if not scans:
        raise PaperCheckError(f"Vui lòng kèm bản quét các phiếu giấy ({SCAN_LABEL}).")
    now = utcnow()
    batch = PaperBatch(unit_id=unit_id, questionnaire_id=questionnaire_id, source="import",
                       import_filename=safe_filename(filename), status=BatchStatus.SUBMITTED.value,
                       keyed_by_id=actor.id, created_at=now, submitted_at=now)
    db.session.add(batch)
    db.session.flush()
    add_scans(actor, batch, scans)
    audit.record(actor, "import", "paper_batch", batch.id, unit_id=unit_id,
                 detail={"file": filename, "scans": [s.filename for s in scans]})
    return batch


def keyed(actor: User, batch: PaperBatch, response: SurveyResponse) -> None:
    """Put a just-stored paper form into the batch, waiting for the check, and log who keyed it."""
    response.paper_batch_id = batch.id
    response.check_status = CheckStatus.PENDING.value
    audit.record(actor, "create", "survey_response", response.id, unit_id=batch.unit_id,
                 detail={"channel": "paper", "serial": response.paper_serial, "batch": batch.id})


def add_scans(actor: User, batch: PaperBatch, scans: list[CheckedFile]) -> None:
    """Attach scans of the sheets; only the keyer adds them, before the check."""
    if batch.keyed_by_id != actor.id:
        raise PaperCheckError("Chỉ người nhập lô phiếu được tải bản quét của lô.")
    if batch.status == BatchStatus.CHECKED.value:
        raise PaperCheckError("Lô phiếu đã được kiểm tra: không thêm bản quét.")
    if len(batch.scans) + len(scans) > MAX_SCANS:
        raise PaperCheckError(f"Mỗi lô tối đa {MAX_SCANS} tệp bản quét.")
    for file in scans:
        check_scan(file)
        db.session.add(PaperBatchScan(batch=batch, unit_id=batch.unit_id, filename=file.filename,
                                      content_type=file.content_type, size=len(file.data), data=file.data,
                                      uploaded_by_id=actor.id, uploaded_at=utcnow()))
    db.session.flush()
    if batch.source == "entry":
        audit.record(actor, "upload", "paper_batch", batch.id, unit_id=batch.unit_id,
                     detail={"scans": [s.filename for s in scans]})


def responses_of(batch: PaperBatch) -> list[SurveyResponse]:
    return list(db.session.execute(select(SurveyResponse).where(SurveyResponse.paper_batch_id == batch.id)
                                   .order_by(SurveyResponse.id)).scalars())


def count_of(batch: PaperBatch) -> int:
    return int(db.session.execute(select(func.count()).select_from(SurveyResponse).where(
        SurveyResponse.paper_batch_id == batch.id)).scalar())


def submit(actor: User, batch: PaperBatch) -> None:
    """The keyer hands the batch over for the check: it needs forms and a scan."""
    if batch.keyed_by_id != actor.id:
        raise PaperCheckError("Chỉ người nhập lô phiếu được gửi lô đi kiểm tra.")
    if batch.status != BatchStatus.OPEN.value:
        raise PaperCheckError("Lô phiếu đã được gửi kiểm tra.")
    if not count_of(batch):
        raise PaperCheckError("Lô phiếu chưa có phiếu nào.")
    if not batch.scans:
        raise PaperCheckError(f"Vui lòng tải bản quét các phiếu giấy ({SCAN_LABEL}) trước khi gửi kiểm tra.")
    batch.status, batch.submitted_at = BatchStatus.SUBMITTED.value, utcnow()
    audit.record(actor, "submit", "paper_batch", batch.id, unit_id=batch.unit_id)


def check(actor: User, batch: PaperBatch, wrong: dict[int, str]) -> tuple[int, int]:
    """Another staff member confirms the batch against its scan; the forms in ``wrong`` are excluded.

    A form marked wrong frees its serial (kept in ``rejected_serial``) so the corrected form can be keyed again.
    Every form's ``checked_at`` is set, which marks its day for the incremental rollup refresh.

    :param wrong: response id -> the reason it does not match the sheet (required).
    :returns: (forms confirmed, forms marked wrong).
    """
    if batch.keyed_by_id == actor.id:
        raise PaperCheckError("Người nhập lô phiếu không được tự kiểm tra lô của mình: cần một cán bộ khác.")
    if batch.status != BatchStatus.SUBMITTED.value:
        raise PaperCheckError("Lô phiếu chưa được gửi kiểm tra hoặc đã được kiểm tra.")
    responses = responses_of(batch)
    ids = {r.id for r in responses}
    unknown = set(wrong) - ids
    if unknown:
        raise PaperCheckError("Có phiếu không thuộc lô này.")
    reasons = {rid: clean(text)[:REASON_MAX] for rid, text in wrong.items()}
    missing = [r.paper_serial for r in responses if r.id in reasons and not reasons[r.id]]
    if missing:
        raise PaperCheckError("Vui lòng ghi lý do cho phiếu sai: số " + ", ".join(missing) + ".")
    now = utcnow()
    # claim the batch first: of two checkers confirming at once, the second is refused instead of overwriting
    claimed = db.session.execute(update(PaperBatch).where(
        PaperBatch.id == batch.id, PaperBatch.status == BatchStatus.SUBMITTED.value).values(
        status=BatchStatus.CHECKED.value, checked_by_id=actor.id, checked_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        raise PaperCheckError("Lô phiếu vừa được một cán bộ khác kiểm tra.")
    rejected = []
    for response in responses:
        response.checked_by_id, response.checked_at = actor.id, now
        if response.id in reasons:
            response.check_status, response.check_note = CheckStatus.REJECTED.value, reasons[response.id]
            response.rejected_serial, response.paper_serial = response.paper_serial, None
            rejected.append({"id": response.id, "serial": response.rejected_serial, "reason": reasons[response.id]})
        else:
            response.check_status = CheckStatus.CHECKED.value
    batch.status, batch.checked_by_id, batch.checked_at = BatchStatus.CHECKED.value, actor.id, now
    db.session.flush()
    confirmed = len(responses) - len(rejected)
    audit.record(actor, "check", "paper_batch", batch.id, unit_id=batch.unit_id,
                 detail={"confirmed": confirmed, "rejected": rejected})
    return confirmed, len(rejected)
