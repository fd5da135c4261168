"""Duplicate hints (Vietnamese words, same place) and merging: one public case "và N phản ánh tương tự"."""

from __future__ import annotations

import unicodedata

import pytest
from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import Case, CaseCategory, Notification, User
from survey_app.services import cases as case_service
from survey_app.services.similar import similar_open_cases
from survey_app.vntext import words
from tests.conftest import Auth, csrf_from


def test_words_are_nfc_lowercase_with_diacritics_kept_and_segmented():
    nfd = unicodedata.normalize("NFD", "Thời gian CHỜ quá lâu 😀, đèn bị hỏng!")
    assert words(nfd) == words("thời gian chờ quá lâu, đèn bị hỏng")
    assert "thời_gian" in words(nfd) and "hỏng" in words(nfd) and "hong" not in words(nfd)
    assert words("hồng") != words("hỏng")
    assert words("") == [] and words("😀 !!! 123") == []


def _category(code: str) -> int:
    return db.session.execute(select(CaseCategory.id).where(CaseCategory.code == code)).scalar()


def _file(unit_id: int, content: str, location: str = "", category: str = "khac", **extra) -> Case:
    case, _ = case_service.file_case(case_service.CaseInput(
        unit_id=unit_id, channel="hotline", kind="gop_y", category_id=_category(category), content=content,
        location=location, **extra))
    return case


@pytest.fixture
def inbox(app, world):
    """Open cases of Bạch Đằng about different things, a closed twin, and Hòa Bình's twin."""
    with app.app_context():
        bd, hb = world["units"]["bach-dang"], world["units"]["hoa-binh"]
        ids = {
            "lamp": _file(bd, "Đèn chiếu sáng ngõ 12 bị hỏng nhiều ngày, buổi tối rất tối", "Ngõ 12 Lạch Tray").id,
            "rubbish": _file(bd, "Rác thải tập kết không đúng giờ tại tổ dân phố 5", "Tổ dân phố 5").id,
            "queue": _file(bd, "Thời gian chờ tại bộ phận một cửa quá lâu", "").id,
            "lamp_elsewhere": _file(bd, "Đèn chiếu sáng đường Trần Phú bị hỏng", "Đường Trần Phú").id,
            "other_commune": _file(hb, "Đèn chiếu sáng ngõ 12 bị hỏng nhiều ngày", "Ngõ 12 Lạch Tray").id,
        }
        closed = _file(bd, "Đèn chiếu sáng ngõ 12 bị hỏng nhiều ngày", "Ngõ 12 Lạch Tray")
        closed.state = "rejected"
        ids["closed"] = closed.id
        db.session.commit()
        db.session.remove()
    return ids


def test_the_closest_open_case_of_the_same_commune_and_place_comes_first(app, world, inbox):
    with app.app_context():
        hints = similar_open_cases(world["units"]["bach-dang"], "Đèn đường ở ngõ 12 hỏng mấy hôm nay rồi",
                                   "ngõ 12 Lạch Tray")
        found = [h.case.id for h in hints]
        assert found[0] == inbox["lamp"] and hints[0].same_place
        assert inbox["other_commune"] not in found and inbox["closed"] not in found
        assert inbox["queue"] not in found and inbox["rubbish"] not in found
        # same wording at another place ranks below the same place
        if inbox["lamp_elsewhere"] in found:
            assert found.index(inbox["lamp_elsewhere"]) > 0
        assert similar_open_cases(world["units"]["bach-dang"], "Xin cấp bản sao giấy khai sinh") == []
        assert similar_open_cases(world["units"]["bach-dang"], "😀") == []


def test_hints_while_filing_are_scoped_to_the_staff_members_commune(client, app, world, inbox, auth):
    auth.login("bd.canbo")
    answer = client.get("/admin/inbox/similar/", query_string={"content": "Chờ ở bộ phận một cửa lâu quá"})
    assert answer.status_code == 200
    assert [h["tracking_code"] for h in answer.get_json()["hints"]][:1] == [_code(app, inbox["queue"])]
    form = client.get("/admin/inbox/new").get_data(as_text=True)
    assert 'data-similar-url="/admin/inbox/similar/"' in form and 'id="similar-hints"' in form
    other = app.test_client()
    Auth(other).login("hb.admin")
    theirs = other.get("/admin/inbox/similar/", query_string={"content": "Rác thải tập kết không đúng giờ",
                                                              "unit_id": world["units"]["bach-dang"]})
    assert theirs.get_json()["hints"] == []


def _code(app, case_id: int) -> str:
    with app.app_context():
        return db.session.get(Case, case_id).tracking_code


def test_merge_keeps_each_tracking_code_shares_the_answer_and_the_public_list_shows_one(client, app, world, auth):
    bd = world["units"]["bach-dang"]
    with app.app_context():
        first = _file(bd, "Cống thoát nước ngõ 40 bị tắc, ngập khi mưa", "Ngõ 40 Văn Cao")
        twin = _file(bd, "Ngõ 40 cống bị tắc nên mưa là ngập", "ngõ 40 Văn Cao", name="Lê Văn Tám",
                     phone="0912000111", consent_contact=True, consent_notify=True)
        third = _file(bd, "Cống ngõ 40 tắc lâu rồi chưa ai xử lý", "Ngõ 40 Văn Cao")
        db.session.commit()
        first_id, twin_id, third_id = first.id, twin.id, third.id
        first_code, twin_code, third_code = first.tracking_code, twin.tracking_code, third.tracking_code
        db.session.remove()
    auth.login("bd.canbo")
    page = client.get(f"/admin/inbox/{twin_id}").get_data(as_text=True)
    assert 'id="similar-hints"' in page and f"Gộp phản ánh này vào {first_code}" in page
    token = csrf_from(page)
    assert client.post(f"/admin/inbox/{twin_id}/merge", data={"csrf_token": token, "into": first_code}
                       ).status_code == 302
    # merging into a merged case goes to the root of the group
    client.post(f"/admin/inbox/{third_id}/merge", data={"csrf_token": token, "into": twin_code})
    with app.app_context():
        assert db.session.get(Case, twin_id).merged_into_id == first_id
        assert db.session.get(Case, third_id).merged_into_id == first_id
        assert case_service.merged_counts([first_id]) == {first_id: 2}
    root_page = client.get(f"/admin/inbox/{first_id}").get_data(as_text=True)
    assert 'id="merged-here"' in root_page and twin_code in root_page and third_code in root_page
    # before the answer, the merged citizen is told the case is handled together, under their own code
    citizen = app.test_client()
    lookup = citizen.get("/tra-cuu", query_string={"code": twin_code}).get_data(as_text=True)
    assert 'id="merged-note"' in lookup and twin_code in lookup and 'id="public-answer"' not in lookup
    client.post(f"/admin/inbox/{first_id}/answer", data={
        "csrf_token": token, "public_answer": "Đã nạo vét cống ngõ 40 ngày 28/11.", "publish": "1"})
    lookup = citizen.get("/tra-cuu", query_string={"code": twin_code}).get_data(as_text=True)
    assert "Đã nạo vét cống ngõ 40 ngày 28/11." in lookup and "Lê Văn Tám" not in lookup
    with app.app_context():
        sms = db.session.execute(select(Notification).where(Notification.case_id == twin_id)).scalars().all()
        assert any(twin_code in n.body and "kết quả trả lời" in n.body for n in sms)
    public = citizen.get("/cong-khai/bach-dang").get_data(as_text=True)
    assert public.count('class="card case-public"') == 1 and "và 2 phản ánh tương tự" in public
    assert first_code in public and twin_code not in public


def test_merging_refuses_itself_another_commune_and_closed_cases(app, world):
    with app.app_context():
        actor = db.session.execute(select(User).where(User.username == "admin")).scalar_one()
        a = _file(world["units"]["bach-dang"], "Ổ gà trước nhà số 7", "")
        b = _file(world["units"]["hoa-binh"], "Ổ gà trước nhà số 7", "")
        db.session.flush()
        with pytest.raises(case_service.CaseError):
            case_service.merge(actor, a, a)
        with pytest.raises(case_service.CaseError):
            case_service.merge(actor, a, b)
        c = _file(world["units"]["bach-dang"], "Ổ gà trước nhà số 7 sâu", "")
        case_service.merge(actor, c, a)
        with pytest.raises(case_service.CaseError):
            case_service.merge(actor, c, a)  # already merged: no longer open
        with pytest.raises(case_service.CaseError):
            case_service.merge(actor, a, c)  # into its own group
        db.session.rollback()


def test_a_citizen_is_told_similar_cases_are_being_handled(client, app, world, inbox):
    page = client.get("/phan-anh/bach-dang").get_data(as_text=True)
    sid = page.split('name="sid" value="')[1].split('"')[0]
    with app.app_context():
        category = _category("khac")
    response = client.post("/phan-anh/bach-dang", data={
        "csrf_token": csrf_from(page), "sid": sid, "kind": "gop_y", "category_id": category,
        "content": "Rác thải tập kết sai giờ ở tổ dân phố 5, bốc mùi", "location": "Tổ dân phố 5"})
    filed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="similar-count"' in filed and "1 phản ánh có nội dung tương tự" in filed
    assert "Đèn chiếu sáng" not in filed  # never another citizen's words
