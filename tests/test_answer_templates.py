"""Answer templates per category: commune administrators keep them, staff fill the answer from one (with or without
JavaScript), placeholders are filled in, and the answer is still scrubbed before it is published."""

import html as html_lib
import re

from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import AdminUnit, AnswerTemplate, AuditEvent, Case, CaseCategory
from survey_app.services import answer_templates
from survey_app.services import cases as case_service
from survey_app.text import HIDDEN
from survey_app.timeutil import local_today
from tests.test_plain_words import leaked_codes

NEW = "/admin/answer-templates/new"


def _categories(app) -> tuple[int, int]:
    with app.app_context():
        ids = db.session.execute(select(CaseCategory.id).order_by(CaseCategory.id).limit(2)).scalars().all()
    return ids[0], ids[1]


def _case(app, world, category_id: int, unit: str = "bach-dang") -> int:
    with app.app_context():
        case, _ = case_service.file_case(case_service.CaseInput(
            unit_id=world["units"][unit], channel="hotline", kind="gop_y", category_id=category_id,
            content="Đèn đường trước nhà văn hóa tổ 5 bị hỏng"))
        db.session.commit()
        return case.id


def _template(app, world, title: str, body: str, category_id: int | None = None, unit: str = "bach-dang",
              active: bool = True) -> int:
    with app.app_context():
        row = AnswerTemplate(unit_id=world["units"][unit], category_id=category_id, title=title, body=body,
                             active=active)
        db.session.add(row)
        db.session.commit()
        return row.id


def _textarea(page: str, name: str = "public_answer") -> str:
    match = re.search(rf'<textarea id="{name}"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, f"no textarea {name}"
    return html_lib.unescape(match.group(1))


def test_placeholders_are_filled_and_unknown_ones_left_as_they_are(app, world):
    first, _ = _categories(app)
    case_id = _case(app, world, first)
    with app.app_context():
        case = db.session.get(Case, case_id)
        text = answer_templates.fill("Phản ánh {ma_theo_doi} gửi {don_vi}, trả lời ngày {ngay}. {khong_biet} {}",
                                     case)
        assert text == (f"Phản ánh {case.tracking_code} gửi {case.unit.full_name}, trả lời ngày "
                        f"{local_today().strftime('%d/%m/%Y')}. {{khong_biet}} {{}}")
        assert "{linh_vuc}" not in answer_templates.fill("{linh_vuc}", case)
        assert answer_templates.fill("{linh_vuc}", case) == case.category.name


def test_a_commune_administrator_keeps_the_templates_and_every_change_is_logged(client, app, world, auth):
    first, _ = _categories(app)
    auth.login("bd.admin")
    form = client.get(NEW).get_data(as_text=True)
    assert "mẫu trả lời" in form and "{ma_theo_doi}" in form and "Dùng chung cho mọi lĩnh vực" in form
    token = auth.csrf(NEW)
    saved = client.post(NEW, data={"csrf_token": token, "category_id": str(first), "title": "Đã tiếp nhận",
                                   "body": "UBND {don_vi} đã tiếp nhận phản ánh {ma_theo_doi}."})
    assert saved.status_code == 302
    with app.app_context():
        row = db.session.execute(select(AnswerTemplate)).scalar_one()
        admin_id = world["users"]["bd.admin"]
        assert (row.unit_id, row.category_id, row.active, row.updated_by_id) == (
            world["units"]["bach-dang"], first, True, admin_id)
        assert row.updated_at is not None
        template_id = row.id
    listing = client.get("/admin/answer-templates/").get_data(as_text=True)
    assert "Đã tiếp nhận" in listing and "bd.admin" in listing and not leaked_codes(listing)
    client.post(f"/admin/answer-templates/{template_id}", data={"csrf_token": token, "category_id": "",
                                                                 "title": "Đã tiếp nhận (chung)",
                                                                 "body": "Cảm ơn Ông/Bà."})
    client.post(f"/admin/answer-templates/{template_id}/toggle", data={"csrf_token": token})
    with app.app_context():
        row = db.session.get(AnswerTemplate, template_id)
        assert (row.category_id, row.title, row.active) == (None, "Đã tiếp nhận (chung)", False)
        actions = db.session.execute(select(AuditEvent.action).where(AuditEvent.entity == "answer_templates")
                                     .order_by(AuditEvent.id)).scalars().all()
        assert actions == ["create", "update", "deactivate"]
    home = client.get("/admin/").get_data(as_text=True)
    assert "Mẫu trả lời" in home and not leaked_codes(home)


def test_only_administrators_change_templates_and_only_their_own_communes(client, app, world, auth):
    theirs = _template(app, world, "Mẫu Hòa Bình", "Nội dung", unit="hoa-binh")
    auth.login("bd.canbo")
    token = auth.csrf("/admin/answer-templates/")
    assert client.get("/admin/answer-templates/").status_code == 200  # staff read the templates
    assert client.post(NEW, data={"csrf_token": token, "title": "X", "body": "Y"}).status_code == 403
    client.post("/logout", data={"csrf_token": token})
    auth.login("bd.admin")
    token = auth.csrf("/admin/answer-templates/")
    assert client.get(f"/admin/answer-templates/{theirs}").status_code == 404
    assert client.post(f"/admin/answer-templates/{theirs}/toggle", data={"csrf_token": token}).status_code == 404
    assert "Mẫu Hòa Bình" not in client.get("/admin/answer-templates/").get_data(as_text=True)
    # a commune administrator cannot slip a template into another commune
    client.post(NEW, data={"csrf_token": token, "unit_id": str(world["units"]["hoa-binh"]), "title": "Lạc",
                           "body": "Nội dung"})
    with app.app_context():
        stray = db.session.execute(select(AnswerTemplate).where(AnswerTemplate.title == "Lạc")).scalar_one_or_none()
        assert stray is None or stray.unit_id == world["units"]["bach-dang"]
    client.post("/logout", data={"csrf_token": token})
    auth.login("admin")
    token = auth.csrf("/admin/answer-templates/")
    created = client.post(NEW, data={"csrf_token": token, "unit_id": str(world["units"]["hoa-binh"]),
                                     "category_id": "", "title": "Của thành phố", "body": "Nội dung"})
    assert created.status_code == 302
    with app.app_context():
        row = db.session.execute(select(AnswerTemplate).where(AnswerTemplate.title == "Của thành phố")).scalar_one()
        assert row.unit_id == world["units"]["hoa-binh"] and row.updated_by_id == world["users"]["admin"]


def test_the_case_page_offers_the_category_templates_first_and_fills_the_answer(client, app, world, auth):
    first, second = _categories(app)
    case_id = _case(app, world, first)
    general = _template(app, world, "A chung", "Cảm ơn Ông/Bà về phản ánh {ma_theo_doi} ngày {ngay}. {la}")
    specific = _template(app, world, "Z riêng lĩnh vực", "Về phản ánh {ma_theo_doi}: {don_vi} đã xử lý.", first)
    other_category = _template(app, world, "Mẫu lĩnh vực khác", "x", second)
    other_unit = _template(app, world, "Mẫu Hòa Bình", "y", unit="hoa-binh")
    inactive = _template(app, world, "Mẫu đã ngừng", "z", active=False)
    auth.login("bd.canbo")
    page = client.get(f"/admin/inbox/{case_id}").get_data(as_text=True)
    picker = page.split('id="template-picker"')[1].split("</form>")[0]
    assert picker.index("Z riêng lĩnh vực") < picker.index("A chung")  # the category's own first
    for absent in ("Mẫu lĩnh vực khác", "Mẫu Hòa Bình", "Mẫu đã ngừng"):
        assert absent not in picker
    assert "Dùng mẫu" in picker and re.search(r'<form method="get"[^>]*id="template-picker"', page)
    assert _textarea(page) == ""
    with app.app_context():
        case = db.session.get(Case, case_id)
        code, unit_name = case.tracking_code, case.unit.full_name
    filled = _textarea(client.get(f"/admin/inbox/{case_id}?template={specific}").get_data(as_text=True))
    assert filled == f"Về phản ánh {code}: {unit_name} đã xử lý."
    filled = _textarea(client.get(f"/admin/inbox/{case_id}?template={general}").get_data(as_text=True))
    assert filled == f"Cảm ơn Ông/Bà về phản ánh {code} ngày {local_today().strftime('%d/%m/%Y')}. {{la}}"
    for refused in (other_category, other_unit, inactive, 0):
        assert _textarea(client.get(f"/admin/inbox/{case_id}?template={refused}").get_data(as_text=True)) == ""
    assert client.get(f"/admin/inbox/{case_id}?template=abc").status_code == 200


def test_an_answer_from_a_template_is_still_scrubbed_before_it_is_published(client, app, world, auth):
    first, _ = _categories(app)
    case_id = _case(app, world, first)
    template = _template(app, world, "Liên hệ", "Phản ánh {ma_theo_doi}: xin gọi anh Nam 0912 345 678.")
    auth.login("bd.canbo")
    page = client.get(f"/admin/inbox/{case_id}?template={template}").get_data(as_text=True)
    text = _textarea(page)
    token = auth.csrf(f"/admin/inbox/{case_id}")
    assert f'name="template_id" id="template_id" value="{template}"' in page
    client.post(f"/admin/inbox/{case_id}/answer", data={"csrf_token": token, "public_answer": text,
                                                         "publish": "1", "template_id": str(template)})
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.state == "answered" and case.published_at is not None
        assert "0912" not in case.public_answer and HIDDEN in case.public_answer
        assert case.tracking_code in case.public_answer
        code = case.tracking_code
        answered = next(e for e in case.events if e.kind == "answered")
        assert answered.detail["template_id"] == template  # how often templates are used can be counted
    lookup = client.get(f"/tra-cuu?code={code}").get_data(as_text=True)
    assert "0912 345 678" not in lookup


def test_the_demo_seeds_templates_for_each_commune_once(app, world):
    from survey_app.services.demo_data import seed_answer_templates

    with app.app_context():
        units = list(db.session.execute(select(AdminUnit).where(AdminUnit.parent_id.is_not(None))).scalars())
        written = seed_answer_templates(db.session, units)
        db.session.commit()
        assert written > 0
        assert seed_answer_templates(db.session, units) == 0
        for unit in units:
            rows = db.session.execute(select(AnswerTemplate).where(AnswerTemplate.unit_id == unit.id)).scalars().all()
            assert any(r.category_id is None for r in rows) and any(r.category_id is not None for r in rows)
            assert all("{ma_theo_doi}" in r.body for r in rows)


def test_a_template_of_a_category_no_longer_in_use_can_still_be_edited(client, app, world, auth):
    with app.app_context():  # a category of its own: the shipped ones are kept between tests
        retired = CaseCategory(code="tam-ngung", name="Lĩnh vực đã ngừng", active=False)
        db.session.add(retired)
        db.session.commit()
        first = retired.id
    template = _template(app, world, "Mẫu cũ", "Nội dung cũ", first)
    auth.login("bd.admin")
    page = client.get(f"/admin/answer-templates/{template}").get_data(as_text=True)
    assert "(ngừng sử dụng)" in page
    token = auth.csrf(f"/admin/answer-templates/{template}")
    saved = client.post(f"/admin/answer-templates/{template}", data={"csrf_token": token, "category_id": str(first),
                                                                     "title": "Mẫu cũ", "body": "Nội dung mới"})
    assert saved.status_code == 302
    with app.app_context():
        row = db.session.get(AnswerTemplate, template)
        assert (row.category_id, row.body) == (first, "Nội dung mới")
    assert "(ngừng sử dụng)" not in client.get(NEW).get_data(as_text=True)
