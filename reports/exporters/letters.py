"""Apology letters (thư xin lỗi) for overdue dossiers, in official letter form, one per dossier or a batch in one
document (one letter a page). Content follows "Phiếu xin lỗi và hẹn lại ngày trả kết quả" (Mẫu 04, TT 01/2018/
TT-VPCP): the dossier, what was promised, the reason, the apology and the new date. The one-stop export has no
applicant names, so the addressee and the reason are left as highlighted blanks for staff to complete."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from . import docx_layout as dl
from .model import UnitHead


@dataclass(frozen=True)
class LateDossier:
    code: str
    procedure: str
    received_at: datetime  # local time
    due_on: date
    settled_at: datetime | None  # local time


def _letter(document, unit: UnitHead, dossier: LateDossier, day: date | None) -> None:
    dl.header(document, unit.issuer, f"      /TXL-{unit.issuer.symbol}", day)
    dl.title(document, "Thư xin lỗi", "Về việc chậm trả kết quả giải quyết thủ tục hành chính")
    p = dl.paragraph(document, align="center")
    dl.add_run(p, "Kính gửi: ", bold=True)
    dl.add_run(p, "[Ông/Bà/Tổ chức …]", placeholder=True)
    p = dl.paragraph(document, indent_first=True)
    dl.add_run(p, f"Ngày {dossier.received_at.strftime('%d/%m/%Y')}, Ủy ban nhân dân {unit.in_text} tiếp nhận hồ sơ "
                  f"số {dossier.code}")
    dl.add_run(p, f" về thủ tục “{dossier.procedure}”" if dossier.procedure else "")
    dl.add_run(p, f", hẹn trả kết quả ngày {dossier.due_on.strftime('%d/%m/%Y')}.")
    p = dl.paragraph(document, indent_first=True)
    if dossier.settled_at is not None:
        settled = dossier.settled_at.strftime("%d/%m/%Y")
        dl.add_run(p, f"Hồ sơ đã được trả kết quả ngày {settled}, chậm so với ngày hẹn. ")
    else:
        dl.add_run(p, "Đến nay hồ sơ chưa được giải quyết xong, quá thời hạn đã hẹn. ")
    dl.add_run(p, "Lý do: ")
    dl.add_run(p, "[nêu lý do chậm trả kết quả]", placeholder=True)
    dl.add_run(p, ".")
    dl.paragraph(document, f"Ủy ban nhân dân {unit.in_text} chân thành xin lỗi Ông/Bà/Tổ chức vì sự chậm trễ này, "
                           "gây mất thời gian, chi phí đi lại của Ông/Bà/Tổ chức.", indent_first=True)
    p = dl.paragraph(document, indent_first=True)
    if dossier.settled_at is None:
        dl.add_run(p, "Ủy ban nhân dân hẹn trả kết quả vào ngày ")
        dl.add_run(p, "[…/…/…]", placeholder=True)
        dl.add_run(p, ". ")
    dl.add_run(p, "Chúng tôi cam kết rút kinh nghiệm, nâng cao chất lượng phục vụ; mọi ý kiến xin gửi về Trung tâm "
                  "Phục vụ hành chính công hoặc qua hệ thống tiếp nhận phản ánh, kiến nghị của đơn vị.")
    dl.paragraph(document, "Trân trọng./.", indent_first=True)
    dl.recipients_and_signature(document, ["Như trên;", "Lưu: VT, TTPVHCC."], ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"))


def letter(unit: UnitHead, dossier: LateDossier, day: date | None = None) -> bytes:
    """One letter; ``day`` is the date line (left blank for the signer when None)."""
    document = dl.new_document()
    _letter(document, unit, dossier, day)
    return dl.to_bytes(document)


def batch(unit: UnitHead, dossiers: list[LateDossier], day: date | None = None) -> bytes:
    """Several letters in one document, one a page."""
    document = dl.new_document()
    for index, dossier in enumerate(dossiers):
        if index:
            dl.page_break(document)
        _letter(document, unit, dossier, day)
    return dl.to_bytes(document)
