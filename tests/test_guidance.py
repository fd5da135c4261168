"""Lộ trình đạt chuẩn on hand-made fixtures, on SQLite and PostgreSQL: a ward on pace, one behind, one that can no
longer reach full points (the list says so instead of suggesting the impossible), a period that has not started,
a month with a substituted day off; the forecast never promises more than the rules give; one computation for
the CLI, the JSON, the score page and the city's view."""

import json
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.jobs import refresh_scores
from reports.scoring.engine import Totaliser, score, tally
from reports.scoring.forecasts import Action
from reports.scoring.guidance import ItemGuidance, cheapest_path, guidance
from reports.scoring.table import for_year, load
from survey_app.extensions import db
from survey_app.models import AdminUnit, CollectionSession, DutyShift, ScoringOverride
from tests.test_scoring import _dossier, local

AS_OF = date(2026, 6, 15)  # a Monday: ISO week 25 has just begun
WEEKS_2026 = 53


def _unit(world) -> AdminUnit:
    return db.session.get(AdminUnit, world["units"]["bach-dang"])


def _sessions(world, mondays) -> None:
    for monday in mondays:
        db.session.add(CollectionSession(unit_id=world["units"]["bach-dang"], held_on=monday + timedelta(days=2),
                                         organisation="Ủy ban MTTQ", collector="Bà Lan"))
    db.session.commit()


def _past_mondays(until: date, every: int = 1) -> list[date]:
    first = date(2025, 12, 29)  # ISO week 1 of 2026
    mondays = []
    while first + timedelta(days=7) <= until:
        mondays.append(first)
        first += timedelta(days=7)
    return mondays[::every]


def _item(g, code):
    return next(i for i in g.items if i.code == code)


def test_a_ward_on_pace_is_forecast_full_points_and_told_about_this_week(app, world):
    with app.app_context():
        _sessions(world, _past_mondays(AS_OF))
        g = guidance(db.session, _unit(world), 2026, AS_OF)
        item = _item(g, "1.2.d")
        assert item.forecast == item.reachable == item.max == 2
        assert item.status == "đúng tiến độ"
        texts = [a.text for a in item.actions]
        assert any(t.startswith("Tuần 25 (15/06–21/06) chưa có buổi thu thập") and "còn 28 tuần" in t for t in texts)
        this_week = [a for a in g.this_week if a.item == "1.2.d"]
        assert this_week and this_week[0].due == date(2026, 6, 21)


def test_a_ward_behind_is_forecast_at_its_pace_and_can_still_catch_up(app, world):
    with app.app_context():
        past = _past_mondays(AS_OF)
        _sessions(world, past[::2])  # every other week
        g = guidance(db.session, _unit(world), 2026, AS_OF)
        item = _item(g, "1.2.d")
        met = len(past[::2])
        pace = met / len(past)
        future = WEEKS_2026 - len(past) - 1
        assert item.forecast == pytest.approx(_floor(2 * (met + pace + future * pace) / WEEKS_2026))
        assert item.reachable == _floor(2 * (met + 1 + future) / WEEKS_2026)
        assert item.forecast < item.reachable < 2
        assert item.status == "không thể đạt tối đa"


def _floor(points: float) -> float:
    import math

    return math.floor(points / 0.25 + 1e-9) * 0.25


def test_a_late_dossier_makes_2_8_unreachable_and_the_list_says_so(app, world):
    with app.app_context():
        _dossier(world, "OK", local(2026, 3, 2), date(2026, 3, 5), local(2026, 3, 4))
        _dossier(world, "TRE", local(2026, 4, 1), date(2026, 4, 3))  # open past due: late
        _dossier(world, "SAP", local(2026, 6, 12), date(2026, 6, 16))  # due tomorrow, still open
        db.session.commit()
        g = guidance(db.session, _unit(world), 2026, AS_OF)
        item = _item(g, "2.8")
        assert item.forecast == item.reachable == 0
        assert all(a.gain == 0 for a in item.actions)
        assert any("không còn đạt được" in a.text for a in item.actions)
        assert not any(a.item == "2.8" for a in g.path)
        apology = _item(g, "2.4.e")
        assert any(a.text.startswith("1 hồ sơ quá hạn chưa có thư xin lỗi: TRE") for a in apology.actions)
        assert any("SAP" in a.text for a in item.actions)  # the one about to fall due is named


def test_a_period_that_has_not_started_is_not_a_failure(app, world):
    with app.app_context():
        table = load("5049-2026")
        db.session.add(ScoringOverride(table_id=table.id, item_code="2.7.b", params={"period": "q4"}))
        db.session.commit()
        g = guidance(db.session, _unit(world), 2026, AS_OF)
        item = _item(g, "2.7.b")
        assert item.status == "chưa đến kỳ"
        assert item.reachable == item.max
        assert item.actions and item.actions[0].due == date(2026, 12, 31)


def test_the_duty_roster_gap_skips_the_substituted_day_off(app, world):
    """31/08/2026 is a day off (swapped with Saturday 22/08): August's gap from Tue 25/08 counts four days."""
    with app.app_context():
        as_of = date(2026, 8, 25)
        unit_id, user_id = world["units"]["bach-dang"], world["users"]["bd.canbo"]
        for channel in ("zalo", "facebook"):
            for offset in range(7):
                db.session.add(DutyShift(unit_id=unit_id, day=as_of + timedelta(days=offset), channel=channel,
                                         user_id=user_id))
        db.session.commit()
        g = guidance(db.session, _unit(world), 2026, as_of)
        texts = [a.text for a in _item(g, "1.2.b").actions]
        assert "Lịch trực đường dây nóng thiếu 4 ngày làm việc trong tháng 08 (từ 25/08/2026)." in texts
        assert not any(t.startswith("Lịch trực Zalo") or t.startswith("Lịch trực Facebook") for t in texts)


def test_the_forecast_never_promises_more_than_the_rules_give(app, world):
    with app.app_context():
        _sessions(world, _past_mondays(AS_OF, every=3))
        _dossier(world, "OK", local(2026, 3, 2), date(2026, 3, 5), local(2026, 3, 4))
        db.session.commit()
        unit = _unit(world)
        for day in (date(2026, 1, 31), AS_OF, date(2026, 11, 2)):
            g = guidance(db.session, unit, 2026, day)
            for item in g.items:
                assert 0 <= item.forecast <= item.reachable <= item.max, item.code
            assert g.forecast_total <= g.reachable_total <= 100
        # at the end of the period the forecast is the score itself
        year_end = guidance(db.session, unit, 2025, date(2025, 12, 31))
        final = score(db.session, unit, 2025, date(2025, 12, 31))
        for item in year_end.items:
            assert item.forecast == (final.item(item.code).points or 0), item.code
        assert year_end.forecast_total == final.total


def test_the_cheapest_path_reaches_the_next_level_within_the_caps(app, world):
    with app.app_context():
        g = guidance(db.session, _unit(world), 2026, AS_OF)
        assert g.target_level == "Mức 1" and g.target_min == 80
        assert g.path_reaches and g.path
        assert len({(a.item, a.text) for a in g.path}) == len(g.path)
        gained = sum(a.gain for a in g.path)
        assert g.forecast_total + gained >= 80
        # cheaper actions come first: the points per unit of effort never rise along the path, except where a
        # criterion's cap cut an earlier action's gain
        values = [a.gain / max(1, a.effort) for a in g.path]
        assert values[0] == max(values)


def test_cli_json_page_and_city_view_share_one_computation(app, world, runner, auth):
    with app.app_context():
        _sessions(world, _past_mondays(date.today() if date.today().year == 2026 else date(2026, 12, 31)))
    result = runner.invoke(args=["reports", "guidance", "--unit", "bach-dang", "--year", "2026", "--json"])
    assert result.exit_code == 0, result.output
    cli = json.loads(result.output)
    text = runner.invoke(args=["reports", "guidance", "--unit", "bach-dang", "--year", "2026"]).output
    assert "Dự báo cuối năm nếu giữ nhịp hiện tại" in text and "Việc cần làm tuần này" in text
    auth.login("bd.admin")
    unit_id = world["units"]["bach-dang"]
    web = auth.client.get(f"/admin/scores/{unit_id}/2026/guidance.json").get_json()
    assert web == cli
    page = auth.client.get(f"/admin/scores/{unit_id}/2026").get_data(as_text=True)
    assert 'id="forecast-level"' in page and 'id="this-week"' in page
    for action in cli["this_week"]:
        assert action["text"].replace("“", "&#34;")[:30] in page or action["text"][:30] in page
    with app.app_context():
        refresh_scores(db.session, 2026, max_age=None)
    from tests.conftest import Auth

    city_auth = Auth(app.test_client())
    city_auth.login("admin")
    city = city_auth.client.get("/dashboard/city?year=2026").get_data(as_text=True)
    assert 'id="city-outlook"' in city and "Phường Bạch Đằng" in city.split('id="at-risk"')[1]
    outlook = city_auth.client.get("/dashboard/city/data.json?year=2026").get_json()["outlook"]
    codes = {c["code"]: c for c in outlook["communes"]}
    assert codes["bach-dang"]["forecast"] == cli["forecast_total"]


def test_the_weekly_digest_reads_like_the_guidance(app, world):
    from reports.digest import city_digest, commune_digest, week_label

    with app.app_context():
        unit = _unit(world)
        digest = commune_digest(db.session, unit, AS_OF)
        assert digest.week == "2026-W25" and week_label(AS_OF)[1] == "tuần 25 (15/06–21/06)"
        assert digest.title.startswith("Bản tin tuần 25 (15/06–21/06): dự báo cuối năm ")
        g = guidance(db.session, unit, 2026, AS_OF)
        assert digest.body.splitlines()[0] == f"Lộ trình đạt chuẩn năm 2026 – {unit.full_name} (số liệu tính đến " \
                                              "ngày 15/06/2026)"
        assert all(f"[{a.item}] {a.text}" in digest.body for a in g.this_week)
        refresh_scores(db.session, 2026, max_age=None)
        city = city_digest(db.session, AS_OF)
        assert city.unit_id is None and "Phường Bạch Đằng" in city.body and "Phường Hòa Bình" in city.body
        assert "chỉ tiêu 80%" in city.body and "20%" in city.body


def test_the_weekly_digest_reaches_the_commune_and_the_city_once_a_week(app, world):
    from datetime import datetime

    from reports.schedule import BY_NAME
    from survey_app.models import Notification, StaffAlert, User
    from survey_app.timeutil import LOCAL_TZ

    digest_job = BY_NAME["weekly-digest"].run
    with app.app_context():
        db.session.get(User, world["users"]["bd.admin"]).email = "bd.admin@example.org"
        db.session.get(User, world["users"]["admin"]).email = "thanhpho@example.org"
        db.session.commit()
        refresh_scores(db.session, 2026, max_age=None)
        early = datetime(2026, 6, 15, 6, 30, tzinfo=LOCAL_TZ)  # Monday before 07:00: not yet
        assert "chưa đến" in digest_job(db.session, early)
        monday = datetime(2026, 6, 15, 7, 5, tzinfo=LOCAL_TZ)
        assert digest_job(db.session, monday) == "3 bản tin tuần 2026-W25"  # two communes and the city
        assert digest_job(db.session, monday + timedelta(hours=1)) == "0 bản tin tuần 2026-W25"
        alerts = {a.key: a for a in db.session.query(StaffAlert).filter(StaffAlert.kind == "weekly_digest")}
        assert set(alerts) == {f"weekly_digest:{world['units']['bach-dang']}:2026-W25",
                               f"weekly_digest:{world['units']['hoa-binh']}:2026-W25", "weekly_digest:city:2026-W25"}
        mails = {n.recipient: n for n in db.session.query(Notification)}
        assert "Việc cần làm tuần này:" in mails["bd.admin@example.org"].body
        assert "Các đơn vị có nguy cơ không đạt chuẩn:" in mails["thanhpho@example.org"].body
        assert "Phường Hòa Bình" not in mails["bd.admin@example.org"].body  # a commune sees only its own
    from tests.conftest import Auth

    for username, expected in (("admin", "nguy cơ không đạt chuẩn"), ("bd.admin", "dự báo cuối năm")):
        staff = Auth(app.test_client())
        staff.login(username)
        page = staff.client.get("/admin/alerts/").get_data(as_text=True)
        assert "Bản tin tuần 25 (15/06–21/06)" in page and expected in page, username


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_the_paths_quick_totals_equal_a_whole_tally(data):
    """The year-end path weighs each action by re-adding only its item's group and criterion: for any points and
    any one-item change, that total is exactly :func:`tally`'s (so the path is the one a whole tally would pick)."""
    table = for_year(2026)
    step = table.rounding_step

    def points_of(item):
        return st.one_of(st.none(), st.integers(0, int(item.points / step) + 4).map(lambda n: n * step))

    points = {i.code: data.draw(points_of(i), label=i.code) for i in table.items}
    totals = Totaliser(table, points)
    assert totals.total() == tally(table, points, []).total
    for _ in range(data.draw(st.integers(1, 6), label="changes")):
        item = data.draw(st.sampled_from(table.items), label="item")
        value = data.draw(points_of(item).map(lambda v: v or 0.0), label="value")
        trial = {**totals.points, item.code: value}
        assert totals.total_if(item.code, value) == tally(table, trial, []).total
        totals.set(item.code, value)
        assert totals.total() == tally(table, totals.points, []).total


def _greedy_by_hand(table, items, target):
    """The year-end path by its definition: every pick weighs every remaining action against a whole tally and
    takes the best points per effort, the first in the guidance's order among equals."""
    points = {g.code: g.forecast for g in items}
    reach = {g.code: g.reachable for g in items}
    candidates = [a for g in items for a in g.actions if a.gain > 0]
    total = tally(table, points, []).total
    path = []
    while candidates and total + 1e-9 < target:
        best, best_value, best_total = None, 0.0, total
        for action in candidates:
            trial = {**points, action.item: min(reach[action.item], points[action.item] + action.gain)}
            new_total = tally(table, trial, []).total
            value = (new_total - total) / max(1, action.effort)
            if value > best_value + 1e-12:
                best, best_value, best_total = action, value, new_total
        if best is None:
            break
        points[best.item] = min(reach[best.item], points[best.item] + best.gain)
        candidates.remove(best)
        path.append(best)
        total = best_total
    return path, total


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_the_path_is_the_greedy_pick_by_pick(data):
    """The path's shortcuts (trials kept until their criterion changes, actions whose bound cannot beat the best
    not added up) change nothing: for any forecasts and actions (caps biting, equal values, actions that gain
    nothing), the path and its total are the whole-tally greedy's, pick by pick."""
    table = for_year(2026)
    step = table.rounding_step
    items = []
    for item in table.items:
        steps = int(item.points / step)
        forecast = data.draw(st.integers(0, steps), label=f"{item.code} forecast") * step
        reachable = forecast + data.draw(st.integers(0, steps), label=f"{item.code} reachable") * step
        gains = data.draw(st.lists(st.tuples(st.integers(0, steps + 2), st.integers(1, 3)), max_size=3),
                          label=f"{item.code} actions")
        actions = [Action(item.code, f"{item.code} #{n}", gain * step, effort) for n, (gain, effort) in
                   enumerate(gains)]
        items.append(ItemGuidance(item.code, item.text, item.points, item.mode, forecast, forecast, reachable,
                                  actions))
    target = data.draw(st.sampled_from([lv.min for lv in table.levels] + [table.total]), label="target")
    quick_path, quick_total = cheapest_path(table, items, target)
    hand_path, hand_total = _greedy_by_hand(table, items, target)
    assert [(a.item, a.text) for a in quick_path] == [(a.item, a.text) for a in hand_path]
    assert quick_total == hand_total
