"""The seven kiosk findings, each reproduced in Chromium against the live server: a queued tap is stored as the
citizen saw it (scale, counter, officer, time), nothing refused disappears, the follow-up screen is never rebuilt
under a finger, a double tap is one rating, a revoked tablet keeps its queue and pairs again, and the status
footer tells the truth."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import (
    AuditEvent,
    Counter,
    Kiosk,
    KioskRejection,
    Officer,
    ServiceCentre,
    SurveyAnswer,
    SurveyResponse,
    User,
)
from survey_app.services import kiosks
from tests.conftest import PASSWORD, revoke_kiosk

pytestmark = pytest.mark.browser

TABLET = {"viewport": {"width": 1280, "height": 800}, "locale": "vi-VN", "has_touch": True}


def _wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def _stored(app) -> list[dict]:
    """Every response with its overall value on the five-point scale, in the order the citizens answered."""
    with app.app_context():
        rows = db.session.execute(select(SurveyResponse).order_by(SurveyResponse.answered_at)).scalars().all()
        result = []
        for r in rows:
            answers = db.session.execute(select(SurveyAnswer.question_key, SurveyAnswer.value)
                                         .where(SurveyAnswer.response_id == r.id)).all()
            result.append({"overall": next(v for k, v in answers if k == "overall"),
                           "improve": sorted(v for k, v in answers if k == "improve"),
                           "counter_id": r.counter_id, "officer_id": r.officer_id, "answered_at": r.answered_at,
                           "dossier_code": r.dossier_code, "flags": getattr(r, "review_flags", None)})
        db.session.remove()
    return result


def _new_kiosk(app, world, scale=3) -> tuple[int, str]:
    with app.app_context():
        centre = db.session.get(ServiceCentre, world["centres"]["bach-dang"])
        counter = db.session.get(Counter, world["counters"]["bach-dang"][0])
        actor = db.session.get(User, world["users"]["bd.admin"])
        kiosk, code = kiosks.create(actor, centre, counter, "Máy quầy 1", scale)
        kiosks.update(actor, kiosk, kiosk.name, counter, scale, staff_pin="2468")
        db.session.commit()
        kiosk_id = kiosk.id
        db.session.remove()
    return kiosk_id, code


def _change(app, world, kiosk_id, *, scale=None, counter_index=None, name=None):
    """What staff do on the kiosk page: re-scale, re-bind or rename."""
    with app.app_context():
        kiosk = db.session.get(Kiosk, kiosk_id)
        actor = db.session.get(User, world["users"]["bd.admin"])
        counter = db.session.get(Counter, world["counters"]["bach-dang"][counter_index]) \
            if counter_index is not None else kiosk.counter
        kiosks.update(actor, kiosk, name or kiosk.name, counter, scale or kiosk.scale)
        db.session.commit()
        db.session.remove()


def _tablet(browser, live_server, code, clock_shift_ms=0):
    context = browser.new_context(**TABLET)
    if clock_shift_ms:  # the tablet's own clock is wrong by this much (the page's Date only)
        context.add_init_script(f"""(() => {{
          const Real = Date, shift = {clock_shift_ms};
          class Shifted extends Real {{
            constructor(...a) {{ if (a.length) super(...a); else super(Real.now() + shift); }}
            static now() {{ return Real.now() + shift; }}
          }}
          window.Date = Shifted;
        }})();""")
    page = context.new_page()
    page.goto(f"{live_server}/kiosk/")
    page.get_by_label("Mã ghép nối").fill(code)
    page.get_by_role("button", name="Ghép nối").click()
    page.locator("#screen-rate.active").wait_for()
    page.locator("#status-net.online").wait_for()
    return context, page



def _tap(page, label, *, skip=True):
    page.locator("#levels:visible").get_by_role("button", name=label, exact=True).click()
    page.locator("#screen-follow.active").wait_for()
    if skip:
        page.get_by_role("button", name="Bỏ qua").click()
        page.locator("#screen-rate.active").wait_for()
        page.wait_for_timeout(800)  # past the double-tap window: the next citizen


def _queue_text(page) -> str:
    return page.locator("#status-queue").inner_text()


def test_scale_changed_with_taps_queued_keeps_what_the_citizen_chose(browser, live_server, app, world):
    kiosk_id, code = _new_kiosk(app, world, scale=3)
    context, tablet = _tablet(browser, live_server, code)
    context.set_offline(True)
    _tap(tablet, "Hài lòng")  # 3 levels: satisfied -> 4 on the five-point scale
    _change(app, world, kiosk_id, scale=5)
    context.set_offline(False)
    assert _wait_for(lambda: len(_stored(app)) == 1)
    assert _stored(app)[0]["overall"] == 4  # was stored as 2 (dissatisfied) when read on the new scale
    tablet.locator("#levels .level").nth(4).wait_for()  # the new screen: five faces

    # a stale five-button screen after 5 -> 3: each tap means what the face said
    context.set_offline(True)
    _change(app, world, kiosk_id, scale=3)
    # A tap's moment is the tablet's clock plus the offset measured at its last contact, exact to half that round
    # trip; under a loaded test run a round trip can take hundreds of milliseconds, so a tap a few milliseconds after
    # the change could honestly fall before it (and be no stale tap). Tap well after the change.
    tablet.wait_for_timeout(1500)
    for label in ["Không hài lòng", "Bình thường", "Rất hài lòng"]:
        _tap(tablet, label)
    context.set_offline(False)
    assert _wait_for(lambda: len(_stored(app)) == 4), _stored(app)
    later = _stored(app)[1:]
    assert [r["overall"] for r in later] == [2, 3, 5]  # were 4, 5 and refused
    assert all(r["flags"] == "stale-screen" for r in later), later
    tablet.locator("#status-queue", has_text="Chờ gửi: 0").wait_for()
    assert tablet.locator("#status-failed").inner_text() == ""
    context.close()


def test_counter_rebound_with_taps_queued_credits_the_officer_the_citizen_saw(browser, live_server, app, world):
    kiosk_id, code = _new_kiosk(app, world)
    with app.app_context():
        other = Officer(unit_id=world["units"]["bach-dang"], counter_id=world["counters"]["bach-dang"][1],
                        full_name="Cán bộ quầy 2")
        db.session.add(other)
        db.session.commit()
        first_officer = db.session.execute(select(Officer.id).where(
            Officer.counter_id == world["counters"]["bach-dang"][0])).scalar_one()
        other_id = other.id
        db.session.remove()
    context, tablet = _tablet(browser, live_server, code)
    context.set_offline(True)
    _tap(tablet, "Rất hài lòng")
    _tap(tablet, "Không hài lòng")
    _change(app, world, kiosk_id, counter_index=1)
    context.set_offline(False)
    assert _wait_for(lambda: len(_stored(app)) == 2)
    stored = _stored(app)
    assert {(r["counter_id"], r["officer_id"]) for r in stored} == {(world["counters"]["bach-dang"][0], first_officer)}
    tablet.get_by_text("Cán bộ quầy 2").wait_for()  # the screen follows the new binding
    _tap(tablet, "Hài lòng")
    assert _wait_for(lambda: len(_stored(app)) == 3)
    assert _stored(app)[-1]["officer_id"] == other_id
    context.close()


@pytest.mark.parametrize("shift", [timedelta(minutes=10), -timedelta(days=400)], ids=["10-min-fast", "400-days-slow"])
def test_a_wrong_tablet_clock_loses_nothing_and_is_converted(browser, live_server, app, world, shift):
    _, code = _new_kiosk(app, world)
    context, tablet = _tablet(browser, live_server, code, clock_shift_ms=int(shift.total_seconds() * 1000))
    context.set_offline(True)
    before = datetime.now(UTC)
    _tap(tablet, "Rất hài lòng")
    _tap(tablet, "Hài lòng")
    after = datetime.now(UTC)
    context.set_offline(False)
    assert _wait_for(lambda: len(_stored(app)) == 2), "ratings from a tablet with a wrong clock were lost"
    for row in _stored(app):
        assert before - timedelta(seconds=2) <= row["answered_at"] <= after + timedelta(seconds=2)
        assert row["flags"] is None
    tablet.locator("#status-queue", has_text="Chờ gửi: 0").wait_for()
    assert tablet.locator("#status-failed").inner_text() == ""
    context.close()


def test_a_dossier_code_rated_twice_keeps_the_second_rating(browser, live_server, app, world):
    _, code = _new_kiosk(app, world)
    context, tablet = _tablet(browser, live_server, code)
    for label in ["Rất hài lòng", "Không hài lòng"]:
        _tap(tablet, label, skip=False)
        tablet.get_by_label("Mã hồ sơ (nếu có)").fill("HS-2026-001")
        tablet.get_by_role("button", name="Gửi", exact=True).click()
        tablet.get_by_role("button", name="Xong").click()
        tablet.locator("#screen-rate.active").wait_for()
        tablet.wait_for_timeout(800)
    assert _wait_for(lambda: len(_stored(app)) == 2), "the second tap on a rated dossier was lost"
    first, second = _stored(app)
    assert (first["overall"], first["dossier_code"], first["flags"]) == (5, "HS-2026-001", None)
    assert (second["overall"], second["dossier_code"], second["flags"]) == (2, None, "dossier-dropped")
    context.close()


def test_a_configuration_refresh_never_rebuilds_the_follow_up(browser, live_server, app, world):
    kiosk_id, code = _new_kiosk(app, world)
    context, tablet = _tablet(browser, live_server, code)
    _tap(tablet, "Không hài lòng", skip=False)
    tablet.get_by_role("button", name="Thái độ phục vụ").click()
    _change(app, world, kiosk_id, scale=5)
    with tablet.expect_response(lambda r: "/kiosk/api/" in r.url):
        tablet.evaluate("window.dispatchEvent(new Event('online'))")  # what a flaky network does every minute
    tablet.wait_for_timeout(300)
    assert tablet.get_by_role("button", name="Thái độ phục vụ").get_attribute("aria-pressed") == "true"
    tablet.get_by_role("button", name="Thời gian chờ").click()
    tablet.get_by_role("button", name="Gửi", exact=True).click()
    tablet.get_by_role("button", name="Xong").click()
    assert _wait_for(lambda: len(_stored(app)) == 1)
    assert _stored(app)[0]["improve"] == [1, 2] and _stored(app)[0]["overall"] == 2
    tablet.locator("#levels .level").nth(4).wait_for()  # the change applied once the citizen had finished
    context.close()


def test_a_double_tap_is_one_rating(browser, live_server, app, world):
    _, code = _new_kiosk(app, world)
    context, tablet = _tablet(browser, live_server, code)
    tablet.locator("#levels").get_by_role("button", name="Hài lòng", exact=True).dblclick()
    tablet.locator("#screen-follow.active").wait_for()
    tablet.get_by_role("button", name="Bỏ qua").click()
    tablet.reload()  # anything held back would be sent now
    tablet.locator("#screen-rate.active").wait_for()
    tablet.locator("#status-queue", has_text="Chờ gửi: 0").wait_for()
    tablet.wait_for_timeout(1000)
    assert [r["overall"] for r in _stored(app)] == [4]
    context.close()


def _staff(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("Tên đăng nhập").fill("bd.admin")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    return context, page


def test_revoked_tablet_pairs_again_beside_its_queue(browser, live_server, app, world):
    kiosk_id, code = _new_kiosk(app, world)
    context, tablet = _tablet(browser, live_server, code)
    desk, staff = _staff(browser, live_server)
    context.set_offline(True)
    _tap(tablet, "Rất hài lòng")
    _tap(tablet, "Hài lòng")
    staff.goto(f"{live_server}/admin/kiosks/")
    revoke_kiosk(staff)
    _tap(tablet, "Không hài lòng")  # taken after the revocation, before the tablet could know
    context.set_offline(False)

    # the tablet says it is revoked, stops thanking citizens and shows the pairing screen beside its queue
    tablet.locator("#screen-pair.active").wait_for(timeout=15000)
    assert tablet.locator("#status-net").inner_text() == "● Đã thu hồi"  # set together with the screen
    tablet.locator("#pair-held-text", has_text="3 đánh giá chờ gửi").wait_for()  # read from IndexedDB
    assert _stored(app) == []
    staff.goto(f"{live_server}/admin/kiosks/")
    assert staff.locator("#kiosk-table td[data-col=queue]").first.inner_text().startswith("3")

    staff.get_by_role("button", name="Mã ghép nối mới").click()
    new_code = staff.locator("#pairing-code").inner_text().strip()
    tablet.get_by_label("Mã ghép nối").fill(new_code)
    tablet.get_by_role("button", name="Ghép nối").click()
    tablet.locator("#screen-rate.active").wait_for()
    assert _wait_for(lambda: len(_stored(app)) == 2)
    assert [r["overall"] for r in _stored(app)] == [5, 4]  # taken before the revocation: the old binding's
    tablet.locator("#status-failed", has_text="Không gửi được: 1").wait_for()
    tablet.locator("#status-queue", has_text="Chờ gửi: 0").wait_for()

    # staff see it on the tablet behind the PIN, send it again (refused again), then discard it with a reason
    tablet.get_by_role("button", name="Dành cho cán bộ").click()
    tablet.get_by_label("Mã PIN cán bộ").fill("2468")
    tablet.get_by_role("button", name="Mở").click()
    item = tablet.locator("#staff-failed li")
    item.get_by_text("sau khi máy bị thu hồi").wait_for()
    item.get_by_role("button", name="Gửi lại").click()
    assert _wait_for(lambda: _rejection(app)["attempts"] == 2)
    tablet.locator("#staff-failed li").wait_for()
    staff.goto(f"{live_server}/admin/kiosks/")
    staff.locator("td[data-col=failed] summary", has_text="1").click()
    staff.get_by_text("sau khi máy bị thu hồi").wait_for()
    tablet.get_by_role("button", name="Đóng").click()
    # the list leaves with the panel: reopened, it never shows (and takes a note into) what an earlier PIN left
    assert tablet.locator("#staff-failed li").count() == 0
    tablet.get_by_role("button", name="Dành cho cán bộ").click()
    tablet.get_by_label("Mã PIN cán bộ").fill("2468")
    tablet.get_by_role("button", name="Mở").click()
    tablet.locator("#staff-failed li").get_by_label("Lý do loại bỏ").fill("Thử nghiệm sau thu hồi")
    # a background send that ends while the officer types redraws the list (its last step): the note stays
    tablet.evaluate("openFailed()")
    assert tablet.locator("#staff-failed li").get_by_label("Lý do loại bỏ").input_value() == "Thử nghiệm sau thu hồi"
    tablet.locator("#staff-failed li").get_by_role("button", name="Loại bỏ").click()
    tablet.locator("#staff-empty").wait_for()
    assert _rejection(app)["resolution"] == "discarded"
    with app.app_context():
        logged = db.session.execute(select(AuditEvent).where(AuditEvent.action == "discard_rating")).scalar_one()
        assert logged.detail["note"] == "Thử nghiệm sau thu hồi"
        db.session.remove()
    assert len(_stored(app)) == 2
    for c in (context, desk):
        c.close()


def _rejection(app) -> dict:
    with app.app_context():
        row = db.session.execute(select(KioskRejection)).scalar_one()
        result = {"attempts": row.attempts, "resolution": row.resolution, "reason": row.reason}
        db.session.remove()
    return result


def test_status_footer_tells_the_truth(browser, live_server, app, world):
    _, code = _new_kiosk(app, world)
    context, tablet = _tablet(browser, live_server, code)
    desk, staff = _staff(browser, live_server)
    _tap(tablet, "Hài lòng")
    tablet.locator("#status-sent", has_text="Gửi lần cuối").wait_for()
    # the server cannot be reached while the network is up: not "Trực tuyến"
    tablet.route("**/kiosk/api/**", lambda route: route.abort())
    _tap(tablet, "Rất hài lòng")
    tablet.locator("#status-net.offline", has_text="Không kết nối được máy chủ").wait_for()
    assert _queue_text(tablet) == "Chờ gửi: 1"
    # the citizen in progress is not counted as waiting
    tablet.locator("#levels").get_by_role("button", name="Hài lòng", exact=True).click()
    tablet.locator("#screen-follow.active").wait_for()
    tablet.wait_for_timeout(300)
    assert _queue_text(tablet) == "Chờ gửi: 1"
    tablet.get_by_role("button", name="Bỏ qua").click()
    tablet.unroute("**/kiosk/api/**")
    context.set_offline(True)
    tablet.locator("#status-net", has_text="Mất kết nối").wait_for()
    context.set_offline(False)
    tablet.locator("#status-queue", has_text="Chờ gửi: 0").wait_for(timeout=15000)
    tablet.locator("#status-net.online").wait_for()
    assert _wait_for(lambda: len(_stored(app)) == 3)
    staff.goto(f"{live_server}/admin/kiosks/")  # the count reported after the batch, not before it
    assert staff.locator("#kiosk-table td[data-col=queue]").first.inner_text() == "0"
    for c in (context, desk):
        c.close()


def test_fault_run_loses_and_duplicates_nothing(browser, live_server, app, world):
    """Offline toggles, answers lost after the server stored a batch (as when it dies mid-reply), and reloads
    while offline: every tap is stored exactly once."""
    _, code = _new_kiosk(app, world)
    context, tablet = _tablet(browser, live_server, code)
    lost = {"n": 0}

    def drop_reply(route):
        response = route.fetch()  # the server stores the batch …
        if lost["n"] < 3:
            lost["n"] += 1
            route.abort()  # … and the tablet never hears back: it must resend, the server must not double
        else:
            route.fulfill(response=response)

    taps = 0
    for round_ in range(4):
        if round_ == 1:
            tablet.route("**/kiosk/api/ratings", drop_reply)
        context.set_offline(round_ % 2 == 0)
        for index in range(4):
            _tap(tablet, ["Rất hài lòng", "Hài lòng", "Không hài lòng"][index % 3])
            taps += 1
        if round_ % 2 == 0:
            tablet.reload()
            tablet.locator("#screen-rate.active").wait_for()
    context.set_offline(False)
    tablet.evaluate("window.dispatchEvent(new Event('online'))")
    assert _wait_for(lambda: len(_stored(app)) >= taps, timeout=40)
    tablet.locator("#status-queue", has_text="Chờ gửi: 0").wait_for(timeout=20000)
    assert lost["n"] == 3
    assert len(_stored(app)) == taps  # 0 lost, 0 duplicated
    context.close()
