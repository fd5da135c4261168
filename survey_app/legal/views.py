"""The legal registry for staff: every citation and deadline rule with its dates, source and whether the current
text was confirmed (unconfirmed figures are kept and said so)."""

from __future__ import annotations

from flask import Blueprint, render_template

from ..auth.roles import staff_required
from ..services import legal
from ..timeutil import local_today

bp = Blueprint("legal", __name__, url_prefix="/admin/legal")

KINDS = {"gop_y": "Góp ý", "phan_anh": "Phản ánh", "kien_nghi": "Kiến nghị", "khieu_nai": "Khiếu nại",
         "to_cao": "Tố cáo"}
STEPS = {"answer": "Trả lời, giải quyết", "transfer": "Chuyển, thụ lý, xử lý ban đầu", "extension": "Gia hạn tối đa"}


@bp.route("/")
@staff_required()
def index():
    citations, rules = legal.registry()
    today = local_today()

    def in_force(row) -> bool:
        return row.valid_from <= today and (row.valid_to is None or row.valid_to >= today)

    return render_template("legal/index.html", citations=citations, rules=rules, in_force=in_force, kinds=KINDS,
                           steps=STEPS, today=today)
