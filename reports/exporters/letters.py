"""Letters for overdue dossiers, in official letter form, one per dossier or a batch in one document (one letter a
page), built on Mẫu số 04 of the one-stop guidance in force (TT 03/2025/TT-VPCP, Phụ lục I: "Văn bản xin lỗi và
đề nghị gia hạn thời gian giải quyết", as provincial copies give it): the dossier, what was promised, the reason,
the apology and — for a dossier still open — the request to extend the time limit to a new date.

The one-stop export has no applicant names, so the addressee is a highlighted blank; the reason and the new date
are printed when staff give them, else left as highlighted blanks. Which form is in force on the letter's date
comes from the legal registry (``form``), never from this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from . import docx_layout as dl
from .model import UnitHead

TITLE = "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết hồ sơ"
APOLOGY_ONLY = "Văn bản xin lỗi"


@dataclass(frozen=True)
class LateDossier:
    code: str
    procedure: str
    received_at: datetime  # local time
    due_on: date
    settled_at: datetime | None  # local time
    #: the new date the commune promises (the extension asked for); None leaves a blank to fill
    new_due: date | None = None
    #: why the dossier is late, as staff wrote it; "" leaves a blank to fill
    reason: str = ""


def _blank_or(p, value: str, blank: str) -> None:
    if value:
        dl.add_run(p, value)
    else:
        dl.add_run(p, blank, placeholder=True)


def _letter(document, unit: UnitHead, dossier: LateDossier, day: date | None, form: str) -> None:
    still_open = dossier.settled_at is None
    dl.header(document, unit.issuer, f"      /XL-{unit.issuer.symbol}", day)
    dl.title(document, TITLE if still_open else APOLOGY_ONLY,
             None if still_open else "Về việc chậm trả kết quả giải quyết thủ tục hành chính")
    p = dl.paragraph(document, align="center")
    dl.add_run(p, "Kính gửi: ", bold=True)
    dl.add_run(p, "[Ông/Bà/Tổ chức …]", placeholder=True)
    p = dl.paragraph(document, indent_first=True)
    dl.add_run(p, f"Ngày {dossier.received_at.strftime('%d/%m/%Y')}, Ủy ban nhân dân {unit.in_text} tiếp nhận hồ sơ "
                  f"của Ông/Bà/Tổ chức, mã số hồ sơ {dossier.code}")
    dl.add_run(p, f", về thủ tục “{dossier.procedure}”" if dossier.procedure else "")
    dl.add_run(p, f"; thời hạn giải quyết theo quy định, hẹn trả kết quả ngày {dossier.due_on.strftime('%d/%m/%Y')}.")
    p = dl.paragraph(document, indent_first=True)
    if still_open:
        dl.add_run(p, "Tuy nhiên, đến nay hồ sơ chưa được giải quyết xong, không trả kết quả đúng hẹn. Lý do: ")
    else:
        dl.add_run(p, f"Hồ sơ đã được trả kết quả ngày {dossier.settled_at.strftime('%d/%m/%Y')}, chậm so với ngày "
                      "hẹn. Lý do: ")
    _blank_or(p, dossier.reason.rstrip("."), "[nêu lý do chậm giải quyết]")
    dl.add_run(p, ".")
    p = dl.paragraph(document, indent_first=True)
    dl.add_run(p, f"Sự chậm trễ này đã gây phiền hà, mất thời gian, chi phí của Ông/Bà/Tổ chức. Ủy ban nhân dân "
                  f"{unit.in_text} chân thành xin lỗi Ông/Bà/Tổ chức")
    if still_open:
        dl.add_run(p, " và đề nghị được gia hạn thời gian giải quyết hồ sơ đến ngày ")
        _blank_or(p, dossier.new_due.strftime("%d/%m/%Y") if dossier.new_due else "", "[…/…/…]")
        dl.add_run(p, "; Ủy ban nhân dân sẽ trả kết quả cho Ông/Bà/Tổ chức chậm nhất vào ngày này")
    dl.add_run(p, ".")
    dl.paragraph(document, "Rất mong nhận được sự thông cảm của Ông/Bà/Tổ chức. Chúng tôi cam kết rút kinh nghiệm, "
                           "nâng cao chất lượng phục vụ; mọi ý kiến xin gửi về Trung tâm Phục vụ hành chính công hoặc "
                           "qua hệ thống tiếp nhận phản ánh, kiến nghị của đơn vị.", indent_first=True)
    dl.paragraph(document, "Trân trọng./.", indent_first=True)
    dl.recipients_and_signature(document, ["Như trên;", "Lưu: VT, TTPVHCC."], ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"))
    if form:
        dl.paragraph(document, f"(Theo {form}.)", italic=True, size=10)


def letter(unit: UnitHead, dossier: LateDossier, day: date | None = None, form: str = "") -> bytes:
    """One letter; ``day`` is the date line (left blank for the signer when None); ``form`` names the form it
    follows (from the legal registry, as in force on the letter's date)."""
    document = dl.new_document()
    _letter(document, unit, dossier, day, form)
    return dl.to_bytes(document)


def batch(unit: UnitHead, dossiers: list[LateDossier], day: date | None = None, form: str = "") -> bytes:
    """Several letters in one document, one a page."""
    document = dl.new_document()
    for index, dossier in enumerate(dossiers):
        if index:
            dl.page_break(document)
        _letter(document, unit, dossier, day, form)
    return dl.to_bytes(document)
