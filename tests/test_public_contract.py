"""The public contract: what every public surface may show of a feedback case, and what it never shows.

One rule (``survey_app.services.public_cases``) decides. A case is public only when its answer was published, its
kind may be public (góp ý, phản ánh, kiến nghị — never tố cáo, never khiếu nại), the citizen did not ask to keep
it private and staff did not mark it confidential. What leaves: category, commune, dates, status, the public
version of the text and the public answer, scrubbed of phones, e-mails and CCCD/CMND numbers. Never a name, a
contact, an internal note, the citizen's address or coordinates.

Surfaces checked here: ``/tra-cuu`` (tracking), ``/cong-khai/<unit>`` (public list), ``/minh-bach/<unit>``
(transparency), Open311 GET list and detail in JSON and XML, and the messages to citizens.
"""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import Case, CaseCategory, CaseEvent, Notification, User
from survey_app.services import cases as case_service
from survey_app.services import public_cases
from survey_app.text import scrub

UNIT = "bach-dang"
#: Personal data typed into the text, in the spellings the fuzzing found unmasked.
LEAKS = ["0912 - 345 - 678", "(0225) 3842 123", "probe.leak @ example.com", "an(at)gmail.com",
         "+84 987 654 321", "CCCD 031095012345"]


def _file(app, world, *, kind="gop_y", channel="hotline", content="", private=False, location="",
          name="", phone="", lat=None, long=None) -> int:
    with app.app_context():
        category = db.session.execute(select(CaseCategory.id).where(CaseCategory.code == "moi-truong")).scalar()
        staff = db.session.get(User, world["users"]["bd.canbo"])
        case, _ = case_service.file_case(case_service.CaseInput(
            unit_id=world["units"][UNIT], channel=channel, kind=kind, category_id=category, content=content,
            location=location, name=name, phone=phone, email="", consent_contact=bool(name or phone),
            consent_notify=bool(phone), private=private, created_by=staff, lat=lat, long=long))
        db.session.commit()
        return case.id


def _answer(app, world, case_id: int, answer: str, publish: bool = True) -> str:
    with app.app_context():
        case = db.session.get(Case, case_id)
        staff = db.session.get(User, world["users"]["bd.canbo"])
        case_service.answer(staff, case, answer, publish_now=publish)
        db.session.commit()
        return case.tracking_code


def _surfaces(client, codes: list[str]) -> dict[str, str]:
    """Every public page and API response a stranger can fetch about these cases, as text."""
    pages = {"list": client.get(f"/cong-khai/{UNIT}").get_data(as_text=True),
             "transparency": client.get(f"/minh-bach/{UNIT}").get_data(as_text=True)}
    for fmt in ("json", "xml"):
        pages[f"open311-list.{fmt}"] = client.get(f"/open311/v2/requests.{fmt}?jurisdiction_id={UNIT}").get_data(
            as_text=True)
        for code in codes:
            pages[f"open311-{code}.{fmt}"] = client.get(
                f"/open311/v2/requests/{code}.{fmt}?jurisdiction_id={UNIT}").get_data(as_text=True)
    for code in codes:
        pages[f"tra-cuu-{code}"] = client.get(f"/tra-cuu?code={code}").get_data(as_text=True)
    return pages


@pytest.fixture
def cases(app, world):
    """One case of each public status, each with its own marker word and personal data in its text."""
    made = {}
    specs = {
        "public": {"kind": "gop_y", "content": "MARK-PUBLIC đèn hỏng ở ngõ 12, gọi 0912 - 345 - 678"},
        "denunciation": {"kind": "to_cao", "channel": "reception", "content": "MARK-TOCAO cán bộ X nhận tiền",
                             "name": "Nguyễn Văn An", "phone": "0912345678"},
        "complaint": {"kind": "khieu_nai", "channel": "reception", "content": "MARK-KHIEUNAI quyết định số 5",
                          "name": "Nguyễn Văn An", "phone": "0912345678"},
        "private": {"kind": "gop_y", "content": "MARK-PRIVATE nhà tôi ở số 5", "private": True},
        "confidential": {"kind": "gop_y", "content": "MARK-CONFIDENTIAL chuyện riêng"},
        "unpublished": {"kind": "gop_y", "content": "MARK-UNPUBLISHED rác chưa thu"},
    }
    for name, spec in specs.items():
        case_id = _file(app, world, location="Nhà số 7 ngõ 3, ĐT 0987 111 222", lat=20.8612, long=106.6834, **spec)
        if name == "confidential":
            with app.app_context():
                case = db.session.get(Case, case_id)
                case_service.set_confidential(db.session.get(User, world["users"]["bd.canbo"]), case, True,
                                              "Nêu tên một cá nhân")
                db.session.commit()
        code = _answer(app, world, case_id, f"ANSWER-{name} đã xử lý, gọi lại 0987654321",
                       publish=name != "unpublished")
        made[name] = code
    return made


def test_only_the_public_case_shows_on_any_public_surface(client, cases):
    pages = _surfaces(client, list(cases.values()))
    everything = "\n".join(pages.values())
    assert "MARK-PUBLIC" in pages["list"] and "ANSWER-public" in pages["list"]
    for hidden in ("TOCAO", "KHIEUNAI", "PRIVATE", "CONFIDENTIAL", "UNPUBLISHED"):
        assert f"MARK-{hidden}" not in everything
    for hidden in ("denunciation", "complaint", "private", "confidential", "unpublished"):
        assert f"ANSWER-{hidden}" not in everything
        assert cases[hidden] not in pages["list"] + pages["open311-list.json"] + pages["open311-list.xml"]
    # personal data: never the name, the contact, the citizen's address or the typed phone numbers
    for secret in ("Nguyễn Văn An", "0912345678", "0912 - 345 - 678", "0987654321", "Nhà số 7", "0987 111 222",
                   "20.8612", "106.6834"):
        assert secret not in everything, secret
    assert 'id="public-count">1<' in pages["transparency"]


def test_open311_answers_a_non_public_case_exactly_like_a_missing_one(client, cases):
    missing = client.get(f"/open311/v2/requests/PAZZZZZZZZ.json?jurisdiction_id={UNIT}")
    assert missing.status_code == 404
    for name in ("denunciation", "complaint", "private", "confidential", "unpublished"):
        for fmt in ("json", "xml"):
            hidden = client.get(f"/open311/v2/requests/{cases[name]}.{fmt}?jurisdiction_id={UNIT}")
            absent = client.get(f"/open311/v2/requests/PAZZZZZZZZ.{fmt}?jurisdiction_id={UNIT}")
            assert (hidden.status_code, hidden.data) == (absent.status_code, absent.data)
    listing = client.get(f"/open311/v2/requests.json?jurisdiction_id={UNIT}").json
    assert [item["service_request_id"] for item in listing] == [cases["public"]]
    (item,) = listing
    assert item["address"] == "Phường Bạch Đằng" and item["lat"] is None and item["long"] is None
    assert "[đã ẩn]" in item["description"] and "[đã ẩn]" in item["status_notes"]
    by_id = client.get(f"/open311/v2/requests.json?jurisdiction_id={UNIT}"
                       f"&service_request_id={cases['denunciation']},{cases['public']}").json
    assert [i["service_request_id"] for i in by_id] == [cases["public"]]


def test_tracking_page_shows_progress_of_any_case_but_content_only_of_a_public_one(client, cases):
    denunciation = client.get(f"/tra-cuu?code={cases['denunciation']}").get_data(as_text=True)
    assert "Đã trả lời" in denunciation and 'id="not-public"' in denunciation
    assert "MARK-TOCAO" not in denunciation and "ANSWER-denunciation" not in denunciation
    public = client.get(f"/tra-cuu?code={cases['public']}").get_data(as_text=True)
    assert "MARK-PUBLIC" in public and "ANSWER-public" in public and "0912 - 345 - 678" not in public


def test_messages_say_no_more_than_the_tracking_page(app, cases):
    with app.app_context():
        bodies = db.session.execute(select(Notification.body)).scalars().all()
    assert bodies, "the formal cases left a phone and asked for messages"
    assert not any("MARK-" in body or "0987654321" in body for body in bodies)
    # the answer to a non-public case reaches its citizen by message (scrubbed), since no page shows it
    assert any("ANSWER-denunciation" in body for body in bodies)


def test_staff_moderate_the_public_text_and_the_original_is_kept(client, app, world, auth):
    original = "Cống tắc trước nhà ông Tư số 12, email tu.nguyen [at] gmail [dot] com, ĐT (0225) 3842 123"
    case_id = _file(app, world, content=original)
    auth.login("bd.canbo")
    page = client.get(f"/admin/inbox/{case_id}").get_data(as_text=True)
    assert "gmail" not in page.split('id="public_content"')[1].split("</textarea>")[0]  # preview scrubbed first
    token = auth.csrf(f"/admin/inbox/{case_id}")
    edited = "Cống tắc trước nhà số 12, email x@y.vn"
    refused = client.post(f"/admin/inbox/{case_id}/public_text", data={"csrf_token": token,
                                                                       "public_content": edited})
    assert refused.status_code == 303  # a change beyond the automatic scrubbing needs a reason
    with app.app_context():
        assert db.session.get(Case, case_id).public_content is None
    client.post(f"/admin/inbox/{case_id}/public_text", data={"csrf_token": token, "public_content": edited,
                                                             "reason": "Bỏ tên người được nhắc đến"})
    _answer(app, world, case_id, "Đã thông cống; hỏi thêm: thuy.le(at)hailong.vn")
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.content == original  # the citizen's words, unchanged, for staff
        assert case.public_content == "Cống tắc trước nhà số 12, email [đã ẩn]"
        assert case.public_answer == "Đã thông cống; hỏi thêm: [đã ẩn]"
        event = db.session.execute(select(CaseEvent).where(CaseEvent.case_id == case_id,
                                                           CaseEvent.kind == "public_text_edited")).scalar_one()
        assert event.note == "Bỏ tên người được nhắc đến" and event.detail["edited"] is True
    listing = client.get(f"/cong-khai/{UNIT}").get_data(as_text=True)
    assert "Cống tắc trước nhà số 12" in listing and "ông Tư" not in listing and "gmail" not in listing


def test_the_citizen_can_ask_for_privacy_on_the_public_form(client, app, world):
    from tests.test_inbox import _file as file_from_form

    response = file_from_form(client, app, content="MARK-FORM-PRIVATE", private="1")
    code = response.headers["Location"].rsplit("/", 1)[1]
    with app.app_context():
        case = db.session.execute(select(Case).where(Case.tracking_code == code)).scalar_one()
        assert case.citizen_private is True and not public_cases.is_public(case)


# -- scrubbing: the spellings people actually type ---------------------------------------------------------------

@pytest.mark.parametrize("text", LEAKS + [
    "0912.345.678", "0912345678", "84912345678", "+84912345678", "(+84) 912-345-678", "0225 3842 123",
    "0225.3842.123", "02253842123", "016 8888 9999", "probe.leak@example.com", "an [at] gmail [dot] com",
    "Nguyen.Van-An+1@mail.example.com.vn", "CMND 123456789", "số CCCD: 031 095 012 345",
])
def test_scrub_hides_every_common_spelling(text):
    out = scrub(f"Liên hệ {text} nhé")
    assert out == "Liên hệ [đã ẩn] nhé" or "[đã ẩn]" in out and not re.search(r"\d{3}", out.replace("CCCD", ""))


@pytest.mark.parametrize("text", ["số nhà 12 ngõ 34 đường Lê Lợi", "ngày 01/12/2026 08:30", "năm 2026 có 114 xã",
                                  "Tổng 1.234.567 đồng", "mã hồ sơ 000.00.12.H23-261130-0001"])
def test_scrub_keeps_house_numbers_dates_and_amounts(text):
    assert scrub(text) == text


_DIGIT_SEPARATORS = st.sampled_from(["", " ", ".", "-", " - ", " . "])


@st.composite
def phone_spellings(draw) -> str:
    """Vietnamese phone numbers as people write them: mobiles, +84/84, landlines with area codes in parentheses."""
    kind = draw(st.sampled_from(["mobile", "landline"]))
    if kind == "mobile":
        digits = draw(st.sampled_from(["3", "5", "7", "8", "9"])) + draw(st.text("0123456789", min_size=8,
                                                                                max_size=8))
        groups = [digits[:3], digits[3:6], digits[6:]] if draw(st.booleans()) else [digits[:2], digits[2:5],
                                                                                     digits[5:]]
    else:
        digits = "2" + draw(st.text("0123456789", min_size=2, max_size=2)) + draw(
            st.text("0123456789", min_size=7, max_size=7))
        groups = [digits[:3], digits[3:7], digits[7:]]
    sep = draw(_DIGIT_SEPARATORS)
    prefix = draw(st.sampled_from(["0", "+84 ", "+84", "84", "(+84) ", "(0", "+84 (0) "]))
    if prefix == "(0":
        return f"(0{groups[0]}) " + sep.join(groups[1:])
    return prefix + sep.join(groups)


@st.composite
def email_spellings(draw) -> str:
    word = st.text(string.ascii_lowercase, min_size=2, max_size=8)
    local = draw(word) + draw(st.sampled_from(["", ".", "_", "+"])) + draw(word)
    at = draw(st.sampled_from(["@", " @ ", "(at)", " (at) ", "[at]", " [at] "]))
    dot = draw(st.sampled_from([".", " . ", "[dot]", " (dot) "])) if "@" not in at else draw(
        st.sampled_from([".", " . "]))
    return f"{local}{at}{draw(word)}{dot}{draw(st.sampled_from(['com', 'vn', 'gov', 'org']))}"


@settings(max_examples=60, deadline=None)
@given(st.one_of(phone_spellings(), email_spellings()))
def test_scrub_leaves_no_phone_or_email_spelling(spelling):
    assert spelling not in scrub(f"Nội dung: {spelling}. Cảm ơn")
    digits = re.sub(r"\D", "", spelling)
    if len(digits) >= 9:
        assert digits[-7:] not in re.sub(r"\D", "", scrub(f"Nội dung: {spelling}. Cảm ơn"))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(phone=phone_spellings(), email=email_spellings())
def test_no_generated_spelling_survives_on_any_public_page_or_api(client, app, world, phone, email):
    case_id = _file(app, world, content=f"Rác tồn đọng, gọi {phone} hoặc viết {email}")
    code = _answer(app, world, case_id, f"Đã thu gom; hỏi lại {phone} / {email}")
    pages = _surfaces(client, [code])
    assert code in pages["list"]
    for name, body in pages.items():
        assert phone not in body and email not in body, name
        assert email.replace("@", "&#64;") not in body
