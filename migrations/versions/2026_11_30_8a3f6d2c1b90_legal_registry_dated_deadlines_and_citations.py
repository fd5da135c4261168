"""legal registry: deadline rules and legal citations as effective-dated rows; texts in force now

The deadline rules gain valid_from / valid_to, their source and a confirmed flag; the rules of the laws on citizen
reception, complaints and denunciations close on 31/12/2025 and reopen with the same figures under the amending
Luật 136/2025/QH15, marked unconfirmed (the amending law's effective date and the 2026 decrees' reported shorter
deadlines could not be confirmed). ``legal_citations`` holds every text cited to users: the one-stop regime
(NĐ 61/2018 → NĐ 118/2025), its guidance and the apology form (TT 01/2018 → TT 03/2025/TT-VPCP, Mẫu 04),
personal data (NĐ 13/2023 → Luật 91/2025/QH15 + NĐ 356/2025), and the others. Older texts stay as history rows.

Revision ID: 8a3f6d2c1b90
Revises: 5c1e0a49d7b2
Create Date: 2026-11-30 14:05:00

"""
from datetime import date

from alembic import op
import sqlalchemy as sa


revision = '8a3f6d2c1b90'
down_revision = '5c1e0a49d7b2'
branch_labels = None
depends_on = None

DOMAIN = "Ghi chú lĩnh vực của dự án (DOMAIN.md, các văn bản còn hiệu lực, đối chiếu 11/2026)"
TT03_FORMS = ("https://thuviennhadat.vn/phap-luat/tai-file-word-bieu-mau-thong-tu-03-2025-tt-vpcp-ve-giai-quyet-"
              "thu-tuc-hanh-chinh-tai-bo-phan-mot-cua-708489.html (danh mục biểu mẫu Phụ lục I)")
AMENDED_136 = ("Luật 136/2025/QH15 sửa đổi, bổ sung các luật này; ngày hiệu lực chưa đối chiếu được (lấy 01/01/2026). "
               "Nghị định năm 2026 được cho là rút ngắn một số thời hạn (ví dụ thụ lý khiếu nại trong 7 ngày làm "
               "việc) nhưng chưa xác nhận: giữ số ngày cũ.")
SYSTEM = "Quy định của hệ thống (văn bản pháp luật không quy định số ngày gia hạn)"
OLD_END, NEW_START = date(2025, 12, 31), date(2026, 1, 1)

#: (kind, step, days, basis before, valid_from before, basis now) — the rules of the three amended laws
AMENDED = [
    ("gop_y", "answer", 10, "Luật Tiếp công dân 2013, Điều 28", date(2014, 7, 1),
     "Luật Tiếp công dân 2013 (sửa đổi, bổ sung bởi Luật 136/2025/QH15), Điều 28"),
    ("phan_anh", "answer", 10, "Luật Tiếp công dân 2013, Điều 28", date(2014, 7, 1),
     "Luật Tiếp công dân 2013 (sửa đổi, bổ sung bởi Luật 136/2025/QH15), Điều 28"),
    ("kien_nghi", "answer", 10, "Luật Tiếp công dân 2013, Điều 28", date(2014, 7, 1),
     "Luật Tiếp công dân 2013 (sửa đổi, bổ sung bởi Luật 136/2025/QH15), Điều 28"),
    ("khieu_nai", "answer", 30, "Luật Khiếu nại 2011, Điều 28 (45 ngày nếu phức tạp: gia hạn)", date(2012, 7, 1),
     "Luật Khiếu nại 2011 (sửa đổi, bổ sung bởi Luật 136/2025/QH15), Điều 28 (45 ngày nếu phức tạp: gia hạn)"),
    ("to_cao", "answer", 30, "Luật Tố cáo 2018, Điều 30", date(2019, 1, 1),
     "Luật Tố cáo 2018 (sửa đổi, bổ sung bởi Luật 136/2025/QH15), Điều 30"),
    ("khieu_nai", "transfer", 10, "Luật Khiếu nại 2011, Điều 27 (thụ lý)", date(2012, 7, 1),
     "Luật Khiếu nại 2011 (sửa đổi, bổ sung bởi Luật 136/2025/QH15), Điều 27 (thụ lý)"),
    ("to_cao", "transfer", 7, "Luật Tố cáo 2018, Điều 24 (xử lý ban đầu)", date(2019, 1, 1),
     "Luật Tố cáo 2018 (sửa đổi, bổ sung bởi Luật 136/2025/QH15), Điều 24 (xử lý ban đầu)"),
    ("khieu_nai", "extension", 15, "Luật Khiếu nại 2011, Điều 28", date(2012, 7, 1),
     "Luật Khiếu nại 2011 (sửa đổi, bổ sung bởi Luật 136/2025/QH15), Điều 28"),
    ("to_cao", "extension", 30, "Luật Tố cáo 2018, Điều 30", date(2019, 1, 1),
     "Luật Tố cáo 2018 (sửa đổi, bổ sung bởi Luật 136/2025/QH15), Điều 30"),
]

#: (key, text, valid_from, valid_to, source, confirmed, note)
CITATIONS = [
    ("qd5049", "Quyết định số 5049/QĐ-UBND ngày 11/12/2025 của UBND thành phố Hải Phòng", date(2025, 12, 11), None,
     "seed 001 (bản quét Quyết định)", True, "Bộ tiêu chí, Bảng thang điểm và quy trình xét công nhận."),
    ("one_stop", "Nghị định 61/2018/NĐ-CP về thực hiện cơ chế một cửa, một cửa liên thông", date(2018, 6, 21),
     date(2025, 6, 30), DOMAIN, True, "Đã được thay thế bởi Nghị định 118/2025/NĐ-CP."),
    ("one_stop", "Nghị định 118/2025/NĐ-CP về thực hiện thủ tục hành chính theo cơ chế một cửa, một cửa liên "
     "thông (sửa đổi, bổ sung bởi Nghị định 367/2025/NĐ-CP và Nghị định 309/2026/NĐ-CP)", date(2025, 7, 1), None,
     DOMAIN, True, "Ngày hiệu lực của hai nghị định sửa đổi chưa ghi ở đây."),
    ("one_stop_guidance", "Thông tư 01/2018/TT-VPCP hướng dẫn Nghị định 61/2018/NĐ-CP", date(2018, 4, 6),
     date(2025, 9, 14), DOMAIN, True, "Đã được thay thế bởi Thông tư 03/2025/TT-VPCP."),
    ("one_stop_guidance", "Thông tư 03/2025/TT-VPCP hướng dẫn Nghị định 118/2025/NĐ-CP", date(2025, 9, 15), None,
     DOMAIN, True, "Giao Trung tâm cấp xã theo dõi sự hài lòng của người dân."),
    ("apology_form", "Mẫu 04 “Phiếu xin lỗi và hẹn lại ngày trả kết quả”, Thông tư 01/2018/TT-VPCP",
     date(2018, 4, 6), date(2025, 9, 14), DOMAIN, True, "Lịch sử."),
    ("apology_form", "Mẫu số 04 “Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết”, Phụ lục I Thông tư "
     "03/2025/TT-VPCP", date(2025, 9, 15), None, TT03_FORMS, True,
     "Tên mẫu đã đối chiếu; nội dung thư dựng theo bản các tỉnh đăng lại (xin lỗi và đề nghị gia hạn: ngày hẹn "
     "trả mới, lý do), chưa đối chiếu nguyên văn mẫu."),
    ("evaluation_scale", "Chín chỉ tiêu 2/1/0 điểm của Thông tư 01/2018/TT-VPCP, Điều 13", date(2018, 4, 6),
     date(2025, 9, 14), DOMAIN, True, "Lịch sử."),
    ("evaluation_scale", "Thang tham chiếu: chín chỉ tiêu 2/1/0 điểm của Thông tư 01/2018/TT-VPCP (đã hết hiệu lực; "
     "Thông tư 03/2025/TT-VPCP chưa có bộ chỉ tiêu thay thế)", date(2025, 9, 15), None, DOMAIN, True,
     "Không tìm thấy văn bản thay thế: dùng làm thang tham chiếu và nói rõ như vậy."),
    ("personal_data", "Nghị định 13/2023/NĐ-CP về bảo vệ dữ liệu cá nhân", date(2023, 7, 1), date(2025, 12, 31),
     DOMAIN, True, "Đã được thay thế."),
    ("personal_data", "Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15 và Nghị định 356/2025/NĐ-CP", date(2026, 1, 1),
     None, DOMAIN, True, "Đồng ý theo từng mục đích, chứng minh được; rút lại bằng văn bản hoặc điện tử."),
    ("citizen_reception", "Luật Tiếp công dân 2013", date(2014, 7, 1), OLD_END, DOMAIN, True, "Lịch sử."),
    ("citizen_reception", "Luật Tiếp công dân 2013 (sửa đổi, bổ sung bởi Luật 136/2025/QH15)", NEW_START, None,
     DOMAIN, False, AMENDED_136),
    ("complaints", "Luật Khiếu nại 2011", date(2012, 7, 1), OLD_END, DOMAIN, True, "Lịch sử."),
    ("complaints", "Luật Khiếu nại 2011 (sửa đổi, bổ sung bởi Luật 136/2025/QH15)", NEW_START, None, DOMAIN, False,
     AMENDED_136),
    ("denunciations", "Luật Tố cáo 2018", date(2019, 1, 1), OLD_END, DOMAIN, True, "Lịch sử."),
    ("denunciations", "Luật Tố cáo 2018 (sửa đổi, bổ sung bởi Luật 136/2025/QH15)", NEW_START, None, DOMAIN, False,
     AMENDED_136),
    ("feedback_decree", "Nghị định 20/2008/NĐ-CP (sửa đổi, bổ sung bởi Nghị định 48/2013/NĐ-CP) về tiếp nhận, xử lý "
     "phản ánh, kiến nghị về quy định hành chính", date(2008, 1, 1), None, DOMAIN, False,
     "Chưa đối chiếu văn bản hợp nhất hiện hành; ngày bắt đầu là ước lệ."),
    ("portal_feedback", "Quyết định 29/2026/QĐ-TTg (phản ánh, kiến nghị qua Cổng Dịch vụ công quốc gia)",
     date(2026, 7, 20), None, DOMAIN, True, ""),
    ("service_index", "Quyết định 766/QĐ-TTg năm 2022 (Bộ chỉ số chỉ đạo, điều hành và đánh giá chất lượng phục vụ "
     "người dân, doanh nghiệp)", date(2022, 6, 23), None, DOMAIN, True,
     "Công thức tính dựng lại từ điểm công bố trên Cổng Dịch vụ công quốc gia, không phải nguyên văn."),
    ("sipas", "Phương pháp đo lường sự hài lòng SIPAS (Quyết định 2640/QĐ-BNV năm 2017)", date(2017, 10, 10),
     date(2023, 12, 31), DOMAIN, True, "Đề án theo Quyết định 2640 kết thúc năm 2023."),
    ("sipas", "Phương pháp SIPAS hiện hành của Bộ Nội vụ", date(2024, 1, 1), None, DOMAIN, False,
     "“Quyết định 1001/QĐ-BNV năm 2023” không xác nhận được; mỗi bộ câu hỏi lưu phiên bản phương pháp."),
    ("document_format", "Nghị định 30/2020/NĐ-CP về công tác văn thư (thể thức văn bản hành chính)",
     date(2020, 3, 5), None, DOMAIN, False, "Chưa đối chiếu lại trong đợt 11/2026."),
]


def _rules():
    return sa.table("deadline_rules", sa.column("id", sa.Integer), sa.column("kind", sa.String),
                    sa.column("step", sa.String), sa.column("days", sa.Integer),
                    sa.column("working_days", sa.Boolean), sa.column("basis", sa.String),
                    sa.column("valid_from", sa.Date), sa.column("valid_to", sa.Date), sa.column("source", sa.String),
                    sa.column("confirmed", sa.Boolean), sa.column("note", sa.Text))


def upgrade():
    op.create_table('legal_citations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('text', sa.String(length=400), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('confirmed', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.CheckConstraint('valid_to is null or valid_to >= valid_from', name=op.f('ck_legal_citations_valid_period')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_citations')),
    sa.UniqueConstraint('key', 'valid_from', name=op.f('uq_legal_citations_key_valid_from'))
    )
    with op.batch_alter_table('legal_citations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_legal_citations_key'), ['key'], unique=False)

    with op.batch_alter_table('deadline_rules', schema=None) as batch_op:
        batch_op.add_column(sa.Column('valid_from', sa.Date(), nullable=False, server_default='2000-01-01'))
        batch_op.add_column(sa.Column('valid_to', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('source', sa.String(length=300), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('confirmed', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('note', sa.Text(), nullable=False, server_default=''))
        batch_op.drop_constraint(op.f('uq_deadline_rules_kind_step'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_deadline_rules_kind_step_valid_from'),
                                          ['kind', 'step', 'valid_from'])
        batch_op.create_check_constraint(op.f('ck_deadline_rules_valid_period'), 'valid_to is null or valid_to >= valid_from')
    with op.batch_alter_table('deadline_rules', schema=None) as batch_op:
        batch_op.alter_column('valid_from', server_default=None)
        batch_op.alter_column('source', server_default=None)
        batch_op.alter_column('confirmed', server_default=None)
        batch_op.alter_column('note', server_default=None)

    rules = _rules()
    op.execute(rules.update().values(source=DOMAIN, note="Số ngày theo văn bản; chưa đổi."))
    op.execute(rules.update().where(rules.c.basis == "").values(basis=SYSTEM, note=""))
    new_rows = []
    for kind, step, days, old_basis, old_from, new_basis in AMENDED:
        op.execute(rules.update().where(rules.c.kind == kind, rules.c.step == step).values(
            valid_from=old_from, valid_to=OLD_END, basis=old_basis, note="Lịch sử: trước khi luật được sửa đổi."))
        new_rows.append({"kind": kind, "step": step, "days": days, "working_days": True, "basis": new_basis,
                         "valid_from": NEW_START, "valid_to": None, "source": DOMAIN, "confirmed": False,
                         "note": AMENDED_136})
    op.bulk_insert(rules, new_rows)
    citations = sa.table("legal_citations", sa.column("key", sa.String), sa.column("text", sa.String),
                         sa.column("valid_from", sa.Date), sa.column("valid_to", sa.Date),
                         sa.column("source", sa.String), sa.column("confirmed", sa.Boolean),
                         sa.column("note", sa.Text))
    op.bulk_insert(citations, [{"key": k, "text": t, "valid_from": f, "valid_to": to, "source": s, "confirmed": c,
                                "note": n} for k, t, f, to, s, c, n in CITATIONS])


def downgrade():
    rules = _rules()
    op.execute(rules.delete().where(rules.c.valid_from == NEW_START))
    with op.batch_alter_table('deadline_rules', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_deadline_rules_valid_period'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_deadline_rules_kind_step_valid_from'), type_='unique')
        batch_op.create_unique_constraint(op.f('uq_deadline_rules_kind_step'), ['kind', 'step'])
        batch_op.drop_column('note')
        batch_op.drop_column('confirmed')
        batch_op.drop_column('source')
        batch_op.drop_column('valid_to')
        batch_op.drop_column('valid_from')
    with op.batch_alter_table('legal_citations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_legal_citations_key'))
    op.drop_table('legal_citations')
