"""Dashboards read the rollups and show the same numbers the reports compute; a commune sees only itself; the
public page shows aggregates only; the pages render their charts in a real Chromium at tablet and desktop width."""

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from reports.jobs import refresh, refresh_scores
from reports.queries import SurveyFilter
from reports.scoring.engine import score
from reports.surveys import summarise
from survey_app.extensions import db
from survey_app.models import AdminUnit, Officer, ServiceCentre, SurveyAnswer, SurveyResponse
from survey_app.services.demo_data import CasePlan, SurveyPlan, generate_cases, generate_survey_responses
from survey_app.services.surveys import current_version, definition_of, questionnaire_by_code
from tests.conftest import PASSWORD, save_screenshot

START, END = date(2026, 3, 2), date(2026, 5, 31)
QUERY = "?start=02/03/2026&end=31/05/2026"


@pytest.fixture
def filled(app, world):
    with app.app_context():
        units = [db.session.get(AdminUnit, world["units"][code]) for code in ("bach-dang", "hoa-binh")]
        # a name that must never break out of the page
        officer = db.session.execute(select(Officer).where(Officer.unit_id == units[0].id)).scalar_one()
        officer.full_name = "Lê </script><script>alert(1)</script>"
        centres = db.session.execute(select(ServiceCentre)).scalars().all()
        generate_survey_responses(db.session, SurveyPlan(start=START, days=91, per_day=5), centres=centres)
        generate_cases(db.session, CasePlan(start=START, days=91, per_day=1.5), units=units)
        db.session.commit()
        refresh(db.session, full=True)
        db.session.commit()
        refresh_scores(db.session, year=2026, max_age=None)
    return world


def test_numbers_equal_what_the_reports_compute(client, app, filled, auth):
    unit = filled["units"]["bach-dang"]
    auth.login("bd.canbo")
    data = client.get(f"/dashboard/{unit}/data.json{QUERY}").json
    with app.app_context():
        questionnaire = questionnaire_by_code("centre-service")
        definition = definition_of(current_version(questionnaire.id))
        summary = summarise(db.session, definition, SurveyFilter(questionnaire_id=questionnaire.id,
                                                                 unit_ids=(unit,), start=START, end=END))
        channels = dict(db.session.execute(
            select(SurveyResponse.channel, func.count())
            .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
            .where(SurveyResponse.unit_id == unit, SurveyResponse.suspicious.is_(False),
                   SurveyAnswer.question_key == "overall", SurveyAnswer.value >= 4)
            .group_by(SurveyResponse.channel)).all())
    assert data["responses"] == summary.responses > 0
    assert data["sipas_index"] == pytest.approx(summary.sipas.index)
    assert data["elements"] == {e.key: pytest.approx(e.index) for e in summary.sipas.elements}
    assert sum(m["responses"] for m in data["months"]) == summary.responses
    by_channel = {b["key"]: round(b["share"] * b["n"]) for b in data["breakdowns"]["channel"]}
    assert by_channel == channels
    assert data["feedback"]["received"] > 0 and data["score"]["total"] >= 0
    page = client.get(f"/dashboard/{unit}{QUERY}").get_data(as_text=True)
    assert f'id="kpi-responses">{summary.responses}<' in page
    if "</script><script>alert(1)" in page:
        at = page.index("</script><script>alert(1)")
        raise AssertionError(page[at - 400:at + 50])
    assert "\\u003cscript\\u003ealert(1)" in page  # the name is in the chart data, escaped


def test_a_commune_sees_only_itself_and_the_city_sees_all(client, app, filled, auth):
    own, other = filled["units"]["bach-dang"], filled["units"]["hoa-binh"]
    auth.login("bd.canbo")
    assert client.get(f"/dashboard/{own}").status_code == 200
    for path in (f"/dashboard/{other}", f"/dashboard/{other}/data.json", f"/dashboard/{other}/data.xlsx"):
        assert client.get(path).status_code == 404, path
    for path in ("/dashboard/city", "/dashboard/city/data.json", "/dashboard/city/data.xlsx"):
        assert client.get(path).status_code == 403, path
    client.post("/logout", data={"csrf_token": auth.csrf()})
    auth.login("thamdinh")
    city = client.get("/dashboard/city/data.json?year=2026").json
    assert {c["code"] for c in city["communes"]} == {"bach-dang", "hoa-binh"}
    assert all(c["self_score"] is not None for c in city["communes"])
    with app.app_context():  # how many items each commune still has to score, as the engine counts them
        for c in city["communes"]:
            unit = db.session.execute(select(AdminUnit).where(AdminUnit.code == c["code"])).scalar_one()
            assert c["blank_items"] == len(score(db.session, unit, 2026).blank) > 0
    assert "Mục chưa chấm" in client.get("/dashboard/city?year=2026").get_data(as_text=True)
    assert city["targets"]["standard"] == 0.8
    assert client.get(f"/dashboard/{other}").status_code == 200  # drill-down, read-only
    book = load_workbook(io.BytesIO(client.get("/dashboard/city/data.xlsx?year=2026").data))
    assert "Các xã, phường, đặc khu" in book.sheetnames
    rows = list(book["Các xã, phường, đặc khu"].iter_rows(min_row=4, values_only=True))
    assert sorted(r[0] for r in rows) == ["bach-dang", "hoa-binh"]


def test_public_transparency_page_shows_aggregates_only(client, app, filled):
    page = client.get("/minh-bach?year=2026")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Phường Bạch Đằng" in html and "Phường Hòa Bình" in html
    with app.app_context():
        from survey_app.models import Case

        contacts = db.session.execute(select(Case.citizen_phone, Case.citizen_name)
                                      .where(Case.citizen_phone.is_not(None))).all()
    assert contacts and not any(phone in html or (name and name in html) for phone, name in contacts)
    unit_page = client.get("/minh-bach/bach-dang?year=2026").get_data(as_text=True)
    assert "Chỉ số hài lòng theo tháng" in unit_page and "03/2026" in unit_page
    assert client.get("/minh-bach/khong-co").status_code == 404
    plotly = client.get("/vendor/plotly.min.js")
    assert plotly.status_code == 200 and len(plotly.data) > 1_000_000 and "max-age" in plotly.headers["Cache-Control"]


@pytest.mark.browser
def test_dashboards_in_chromium_at_tablet_and_desktop_width(live_server, browser, app, filled, backend):
    unit = filled["units"]["bach-dang"]
    for username, path, name in (("bd.canbo", f"/dashboard/{unit}{QUERY}", "dashboard-commune"),
                                 ("admin", "/dashboard/city?year=2026", "dashboard-city")):
        for width, label in ((390, "phone"), (820, "tablet"), (1366, "desktop")):
            context = browser.new_context(viewport={"width": width, "height": 1000}, locale="vi-VN")
            page = context.new_page()
            errors = []
            page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
            page.goto(f"{live_server}/login")
            page.fill("#username", username)
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.goto(f"{live_server}{path}")
            charts = page.locator("figure[data-chart]").count()
            page.wait_for_function(f"document.querySelectorAll('figure[data-drawn]').length === {charts}",
                                   timeout=20000)
            assert charts >= 2 and not errors
            assert page.locator("figure[data-chart][aria-label]").count() == charts  # text alternatives
            scroll = page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= width + 1, f"{name} scrolls sideways at {width}px"
            if width < 600:
                # no toolbar over the titles; titles, tick labels and the right-hand axis inside each chart
                outside = page.evaluate("""() => [...document.querySelectorAll('figure[data-chart]')].flatMap(f => {
                    const box = f.getBoundingClientRect();
                    const bar = f.querySelector('.modebar');
                    const shown = bar && getComputedStyle(bar).display !== 'none' && bar.getBoundingClientRect().width;
                    return [...f.querySelectorAll('.gtitle, .xtick text, .ytick text, .y2tick text')]
                        .filter(t => { const r = t.getBoundingClientRect();
                                       return r.width && (r.left < box.left - 1 || r.right > box.right + 1); })
                        .map(t => f.dataset.chart + ': ' + t.textContent)
                        .concat(shown ? [f.dataset.chart + ': toolbar'] : []);
                })""")
                assert not outside, outside
            if backend == "sqlite":
                save_screenshot(f"{name}-{label}.png", page)
            context.close()
