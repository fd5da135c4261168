"""The draft Báo cáo kết quả (shaped like the reports wards write by hand, e.g. phường Phù Liễn's) and the draft
Tờ trình of the commune's Chairman, every figure filled from the data; the prose staff must write is left as
highlighted placeholders in square brackets."""

from __future__ import annotations

from . import docx_layout as dl
from .model import MISSING, DossierBundle, ScoreDoc

MODEL = "“Chính quyền thân thiện”"
RECIPIENTS = ["Sở Nội vụ thành phố;", "TT: Đảng ủy, HĐND {kind};", "Lãnh đạo UBND {kind};",
              "Ủy ban MTTQ Việt Nam {kind};", "Các tổ chức chính trị - xã hội {kind};", "Lưu: VT, VHXH."]


def _recipients(doc: ScoreDoc) -> list[str]:
    kind = doc.unit.kind_label.lower()
    return [r.format(kind=kind) for r in RECIPIENTS]


def _points(value: float | None) -> str:
    return dl.number_vi(value) if value is not None else "chưa chấm"


def _criterion_paragraphs(document, bundle: DossierBundle) -> None:
    doc = bundle.score
    for index, criterion in enumerate(doc.criteria, start=1):
        dl.paragraph(document, f"2.{index}. Đối với {criterion.text}", bold=True)
        for item in doc.items_of(criterion.code):
            p = dl.paragraph(document, indent_first=True)
            dl.add_run(p, f"Mục {item.code} ({dl.number_vi(item.max)} điểm): ", bold=True)
            if item.source == "computed":
                dl.add_run(p, f"{item.explanation} Đạt {_points(item.points)} điểm.")
            elif item.source == "entered":
                dl.add_run(p, (item.note.rstrip(".") + ". ") if item.note else "")
                dl.add_run(p, f"Tự chấm {_points(item.points)} điểm.")
                if not item.note:
                    dl.add_run(p, " [Nêu kết quả thực hiện và tài liệu minh chứng.]", placeholder=True)
            else:
                dl.add_run(p, "Chưa chấm điểm. ", italic=True)
                dl.add_run(p, "[Nêu kết quả thực hiện hoặc lý do chưa thực hiện.]", placeholder=True)
        if criterion.code == "2":
            _survey_sentence(document, bundle)
        if criterion.code == "1":
            _feedback_sentence(document, bundle)
        dl.paragraph(document, f"Qua tự đánh giá, {criterion.text.split(':')[0]} đạt "
                               f"{dl.number_vi(criterion.points)}/{dl.number_vi(criterion.max)} điểm.",
                     indent_first=True)


def _survey_sentence(document, bundle: DossierBundle) -> None:
    whole = [b for b in bundle.surveys if b.scope == "Toàn đơn vị"]
    if not whole:
        dl.paragraph(document, f"Kết quả khảo sát sự hài lòng: {MISSING}.", indent_first=True)
        return
    for block in whole:
        dl.paragraph(document, f"Kết quả khảo sát “{block.questionnaire}” (từ {block.start.strftime('%d/%m/%Y')} "
                               f"đến {block.end.strftime('%d/%m/%Y')}): {block.responses} phiếu hợp lệ, chỉ số hài "
                               f"lòng chung {dl.percent_vi(block.sipas.index)} (chi tiết tại Bảng tổng hợp kết quả "
                               "khảo sát, đánh giá kèm theo).", indent_first=True)


def _feedback_sentence(document, bundle: DossierBundle) -> None:
    f = bundle.feedback
    dl.paragraph(document, f"Trong kỳ, hệ thống tiếp nhận {f.received} phản ánh, kiến nghị qua các kênh; đã trả lời "
                           f"{f.answered}, trong đó đúng hạn {f.answered_on_time} "
                           f"({dl.percent_vi(f.on_time_share)}); đã công khai kết quả xử lý {f.published}.",
                 indent_first=True)


def bao_cao(bundle: DossierBundle) -> bytes:
    doc = bundle.score
    unit = doc.unit
    document = dl.new_document()
    dl.header(document, unit.issuer, f"      /BC-{unit.issuer.symbol}", None)
    dl.title(document, "Báo cáo", f"Kết quả thực hiện mô hình {MODEL} năm {doc.year} trên địa bàn "
                                  f"{unit.in_text}")
    dl.paragraph(document, f"Ủy ban nhân dân {unit.in_text} báo cáo kết quả thực hiện mô hình {MODEL} năm {doc.year} "
                           "như sau:", indent_first=True)

    dl.paragraph(document, "I. CÔNG TÁC CHỈ ĐẠO, TRIỂN KHAI", bold=True)
    dl.paragraph(document, "[Nêu các văn bản lãnh đạo, chỉ đạo đã ban hành: Kế hoạch số …/KH-UBND ngày …/…/… về "
                           f"triển khai thực hiện mô hình {MODEL} năm {doc.year}; các công văn hướng dẫn, phân công "
                           "nhiệm vụ.]",
                 indent_first=True, placeholder=True)

    dl.paragraph(document, f"II. KẾT QUẢ TỰ ĐÁNH GIÁ VIỆC THỰC HIỆN CÁC TIÊU CHÍ MÔ HÌNH {MODEL.upper()}", bold=True)
    dl.paragraph(document, "1. Kết quả tự đánh giá theo bảng thang điểm", bold=True)
    dl.paragraph(document, f"Căn cứ {doc.decision}, tổng điểm đánh giá là "
                           f"{dl.number_vi(sum(c.max for c in doc.criteria))} điểm, gồm "
                           f"{len(doc.criteria):02d} nhóm tiêu chí:", indent_first=True)
    for criterion in doc.criteria:
        dl.paragraph(document, f"- {criterion.text}: {dl.number_vi(criterion.max)} điểm;", indent_first=True)
    p = dl.paragraph(document, indent_first=True)
    dl.add_run(p, f"Kết quả tự rà soát, đánh giá ({doc.as_of_text}), {unit.in_text} đạt ")
    dl.add_run(p, f"{dl.number_vi(doc.total)}/100 điểm, xếp loại {doc.level}", bold=True)
    dl.add_run(p, ".")
    for reason in doc.disqualified:
        dl.paragraph(document, f"Đơn vị thuộc trường hợp không đạt chuẩn: {reason}.", bold=True, indent_first=True)
    if doc.blank:
        dl.paragraph(document, f"Bảng điểm chưa hoàn thiện: {doc.blank_text}.", bold=True, indent_first=True)

    dl.paragraph(document, "2. Kết quả thực hiện theo từng tiêu chí", bold=True)
    _criterion_paragraphs(document, bundle)

    dl.paragraph(document, "3. Nhận xét, đánh giá", bold=True)
    dl.paragraph(document, "3.1. Ưu điểm", bold=True)
    full = [c for c in doc.criteria if c.points >= c.max]
    if full:
        dl.paragraph(document, "Các tiêu chí đạt điểm tối đa: " + "; ".join(c.text.split(":")[0] for c in full) + ".",
                     indent_first=True)
    dl.paragraph(document, "[Nêu các ưu điểm nổi bật trong lãnh đạo, chỉ đạo và tổ chức thực hiện.]",
                 indent_first=True, placeholder=True)
    dl.paragraph(document, "3.2. Tồn tại, hạn chế, nguyên nhân", bold=True)
    short = [i for i in doc.items if (i.points or 0) < i.max]
    if short:
        dl.paragraph(document, "Các mục chưa đạt điểm tối đa:", indent_first=True)
        for item in short:
            dl.paragraph(document, f"- Mục {item.code}: đạt {_points(item.points)}/{dl.number_vi(item.max)} điểm"
                                   + (f" ({item.explanation.rstrip('.')})" if item.source == "computed" else "") + ";",
                         indent_first=True, size=13)
    else:
        dl.paragraph(document, "Không có mục nào bị trừ điểm.", indent_first=True)
    dl.paragraph(document, "[Nêu nguyên nhân của các tồn tại, hạn chế.]", indent_first=True, placeholder=True)

    dl.paragraph(document, f"III. PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM {doc.year + 1}", bold=True)
    tasks = [f"Hoàn thiện mục {i.code} (còn {dl.number_vi(i.max - (i.points or 0))} điểm)." for i in short[:10]]
    tasks += ["Tiếp tục duy trì thực hiện đầy đủ, thực chất các tiêu chí đã đạt.",
              "Tiếp tục khảo sát sự hài lòng của người dân; tổng hợp, công khai kết quả khảo sát.",
              "[Bổ sung các nhiệm vụ trọng tâm khác.]"]
    for number, task in enumerate(tasks, start=1):
        dl.paragraph(document, f"{number}. {task}", indent_first=True, placeholder=task.startswith("["))
    dl.paragraph(document, f"Trên đây là Báo cáo kết quả thực hiện mô hình {MODEL} năm {doc.year} trên địa bàn "
                           f"{unit.in_text}./.", indent_first=True)
    dl.recipients_and_signature(document, _recipients(doc), ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"))
    return dl.to_bytes(document)


def to_trinh(bundle: DossierBundle) -> bytes:
    """The Chairman's Tờ trình to the city's Chairman (through Sở Nội vụ), as QĐ 5049 lists it in the dossier. Its
    request follows the level reached: recognition is asked only for Mức 1–4; below the standard (or disqualified)
    it reports the self-assessment without asking to be recognised."""
    doc = bundle.score
    unit = doc.unit
    document = dl.new_document()
    dl.header(document, unit.issuer, f"      /TTr-{unit.issuer.symbol}", None)
    if doc.reached:
        subject = (f"Về việc đề nghị thẩm định, công nhận {unit.in_text} đạt chuẩn mô hình {MODEL} năm {doc.year} "
                   f"({doc.level})")
    else:
        subject = f"Về việc báo cáo kết quả tự đánh giá, chấm điểm mô hình {MODEL} năm {doc.year}"
    dl.title(document, "Tờ trình", subject)
    dl.paragraph(document, "Kính gửi: Chủ tịch Ủy ban nhân dân thành phố Hải Phòng (qua Sở Nội vụ).", bold=True,
                 align="center")
    dl.paragraph(document, f"Căn cứ {doc.decision};", indent_first=True)
    dl.paragraph(document, "[Căn cứ Kế hoạch số …/KH-UBND ngày …/…/… của Ủy ban nhân dân "
                           f"{unit.kind_label.lower()} về triển khai thực hiện mô hình {MODEL};]",
                 indent_first=True, placeholder=True)
    p = dl.paragraph(document, indent_first=True)
    dl.add_run(p, f"Ủy ban nhân dân {unit.in_text} đã tổ chức tự đánh giá, chấm điểm kết quả thực hiện các tiêu chí "
                  f"mô hình {MODEL} năm {doc.year} ({doc.as_of_text}). Kết quả: đạt ")
    dl.add_run(p, f"{dl.number_vi(doc.total)}/100 điểm, xếp loại {doc.level}", bold=True)
    dl.add_run(p, " (" + "; ".join(f"{c.text.split(':')[0]}: {dl.number_vi(c.points)}/{dl.number_vi(c.max)} điểm"
                                   for c in doc.criteria) + ").")
    if doc.blank:
        dl.paragraph(document, f"Bảng điểm chưa hoàn thiện: {doc.blank_text}.", indent_first=True, bold=True)
    if doc.disqualified:
        dl.paragraph(document, "Đơn vị thuộc trường hợp không đạt chuẩn: " + "; ".join(doc.disqualified) + ".",
                     indent_first=True, bold=True)
    if doc.reached:
        dl.paragraph(document, f"Ủy ban nhân dân {unit.in_text} kính trình Chủ tịch Ủy ban nhân dân thành phố xem "
                               f"xét, giao Sở Nội vụ thẩm định, công nhận {unit.in_text} đạt chuẩn mô hình {MODEL} "
                               f"năm {doc.year}, {doc.level}.", indent_first=True)
    else:
        dl.paragraph(document, f"Kết quả tự đánh giá của {unit.in_text} chưa đạt chuẩn mô hình {MODEL} năm "
                               f"{doc.year}. Ủy ban nhân dân {unit.in_text} kính báo cáo Chủ tịch Ủy ban nhân dân "
                               "thành phố (qua Sở Nội vụ) kết quả tự đánh giá để tổng hợp, thẩm định; đơn vị tiếp "
                               "tục khắc phục các nội dung chưa đạt.", indent_first=True)
    dl.paragraph(document, "Hồ sơ kèm theo gồm:", indent_first=True)
    for number, part in enumerate([f"Báo cáo kết quả thực hiện mô hình {MODEL} năm {doc.year};",
                                   "Bảng tự chấm điểm;",
                                   "Bảng tổng hợp kết quả khảo sát, đánh giá sự hài lòng;",
                                   "Tài liệu minh chứng, sắp xếp theo thứ tự từng tiêu chí (mỗi tiêu chí một tập)."],
                                  start=1):
        dl.paragraph(document, f"{number}. {part}", indent_first=True)
    dl.paragraph(document, "Kính trình Chủ tịch Ủy ban nhân dân thành phố xem xét./.", indent_first=True)
    dl.recipients_and_signature(document, ["Như trên;", "Sở Nội vụ thành phố;", "Lưu: VT, VHXH."],
                                ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"))
    return dl.to_bytes(document)
