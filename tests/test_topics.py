"""Topics of comments: recognisable Vietnamese labels, counts and trends that add up, scrubbed examples, never a
topic made of empty or one-word comments; on the dashboard, in the survey summary and from the CLI."""

from __future__ import annotations

import io
import json
import random
from datetime import date, timedelta

import pytest
from docx import Document
from openpyxl import load_workbook

from reports.metrics.topics import MIN_TOPIC_SIZE, TextItem, find_topics
from reports.queries import free_texts
from reports.topics import commune_topics
from survey_app.extensions import db
from survey_app.models import AdminUnit, Case, ServiceCentre
from survey_app.services.demo_data import CasePlan, SurveyPlan, generate_cases, generate_survey_responses
from survey_app.text import scrub

START, END = date(2026, 3, 2), date(2026, 5, 31)

SUBJECTS = {
    "rác": ["Đề nghị thu gom rác đúng giờ ở tổ {n}", "Xe thu gom rác không vào ngõ {n} mấy hôm nay",
            "Rác thải để lâu không thu gom, bốc mùi ở tổ {n}", "Thu gom rác muộn, rác tràn ra đường"],
    "chờ": ["Thời gian chờ quá lâu, hơn một tiếng", "Thời gian chờ đến lượt lâu quá",
            "Đông người, thời gian chờ kéo dài", "Rút ngắn thời gian chờ ở bộ phận một cửa"],
    "thái độ": ["Thái độ cán bộ chưa niềm nở", "Cán bộ có thái độ cộc lốc với người dân",
                "Thái độ cán bộ tiếp dân cần thân thiện hơn", "Thái độ cán bộ trả lời khó chịu"],
}
TOO_SHORT = ["", "   ", "Tốt", "ok", "👍", "Hài lòng!", "😀😀", "12345"]


def _items(rng: random.Random, per_subject: dict[str, int], start: date, days: int) -> list[TextItem]:
    items = []
    for subject, count in per_subject.items():
        for _ in range(count):
            text = rng.choice(SUBJECTS[subject]).format(n=rng.randint(1, 30))
            items.append(TextItem(text, start + timedelta(days=rng.randrange(days)), "survey"))
    return items


def test_subjects_become_topics_with_labels_from_their_words():
    rng = random.Random(7)
    counts = {"rác": 25, "chờ": 18, "thái độ": 12}
    items = _items(rng, counts, START, 90)
    items += [TextItem(t, START, "survey") for t in TOO_SHORT]
    report = find_topics(items, START, START + timedelta(days=89))
    labels = [t.label for t in report.topics]
    assert any("rác" in label for label in labels)
    assert any("thời gian chờ" in label for label in labels)
    assert any("thái độ" in label for label in labels)
    # every text is in exactly one topic or unassigned; the short ones are never in a topic
    assert sum(t.count for t in report.topics) + report.unassigned == report.texts == len(items)
    assert report.unassigned >= len(TOO_SHORT)
    for topic in report.topics:
        assert topic.count >= MIN_TOPIC_SIZE and topic.first_half + topic.second_half == topic.count
        assert topic.examples and not any(e.strip() in {t.strip() for t in TOO_SHORT} for e in topic.examples)
        assert topic.sources == {"survey": topic.count}
    assert report.topics == sorted(report.topics, key=lambda t: (-t.count, t.label))


def test_empty_and_one_word_comments_never_form_a_topic():
    items = [TextItem(t, START + timedelta(days=i % 30), "survey") for i, t in enumerate(TOO_SHORT * 10)]
    report = find_topics(items, START, START + timedelta(days=29))
    assert report.topics == [] and report.unassigned == len(items)
    assert find_topics([], START, END).topics == []


def test_trend_compares_the_two_halves_of_the_period():
    rng = random.Random(3)
    early = _items(rng, {"chờ": 4, "thái độ": 10}, START, 10)
    late = _items(rng, {"chờ": 16, "thái độ": 3}, START + timedelta(days=80), 10)
    report = find_topics(early + late, START, START + timedelta(days=89))
    by_label = {t.label: t for t in report.topics}
    waiting = next(t for label, t in by_label.items() if "chờ" in label)
    attitude = next(t for label, t in by_label.items() if "thái độ" in label)
    assert waiting.second_half > waiting.first_half and waiting.trend == "tăng"
    assert attitude.second_half < attitude.first_half and attitude.trend == "giảm"


def test_examples_are_scrubbed_of_personal_data():
    rng = random.Random(5)
    items = _items(rng, {"rác": 10, "chờ": 10}, START, 30)
    items = [TextItem(f"{item.text}, gọi 0912 345 678 hoặc an.nguyen@example.vn", item.day, "case")
             for item in items]
    report = find_topics(items, START, START + timedelta(days=29), scrub=scrub)
    examples = " ".join(e for t in report.topics for e in t.examples)
    assert report.topics and "0912" not in examples and "@example.vn" not in examples and "[đã ẩn]" in examples


@pytest.fixture
def demo(app, world):
    """Three months of the demo generator's survey responses and cases in both communes."""
    with app.app_context():
        units = [db.session.get(AdminUnit, world["units"][code]) for code in ("bach-dang", "hoa-binh")]
        centres = db.session.execute(db.select(ServiceCentre)).scalars().all()
        generate_survey_responses(db.session, SurveyPlan(start=START, days=91, per_day=6), centres=centres)
        generate_cases(db.session, CasePlan(start=START, days=91, per_day=1.5), units=units)
        db.session.commit()
        db.session.remove()
    return world


RECOGNISABLE = ("thu gom rác", "thời gian chờ", "lấn chiếm vỉa hè", "đèn chiếu sáng", "thoát nước", "trả kết quả",
                "nhiệt tình", "ổ gà", "karaoke", "khai sinh", "máy lấy số", "bổ sung", "thái độ")


def test_demo_data_yields_topics_a_vietnamese_reader_recognises(app, demo):
    with app.app_context():
        unit = demo["units"]["bach-dang"]
        texts = free_texts(db.session, unit, START, END)
        report = commune_topics(db.session, unit, START, END)
        own_cases = db.session.execute(db.select(db.func.count()).select_from(Case).where(
            Case.unit_id == unit, Case.received_day >= START, Case.received_day <= END)).scalar()
    assert {source for _, _, source in texts} == {"survey", "case"}
    assert all(START <= day <= END for _, day, _ in texts)
    assert sum(source == "case" for _, _, source in texts) == own_cases
    assert report.texts == len(texts)
    named = [label for label in (t.label for t in report.topics) if any(word in label for word in RECOGNISABLE)]
    assert 3 <= len(report.topics) <= 10
    assert len(named) >= len(report.topics) // 2, [t.label for t in report.topics]


def test_dashboard_summary_documents_and_cli_show_the_topics(client, app, demo, auth, runner):
    unit = demo["units"]["bach-dang"]
    with app.app_context():
        report = commune_topics(db.session, unit, START, END)
    biggest = report.topics[0]
    auth.login("bd.canbo")
    page = client.get(f"/dashboard/{unit}?start=02/03/2026&end=31/05/2026").get_data(as_text=True)
    assert 'id="topics"' in page and biggest.label in page
    cli = runner.invoke(args=["reports", "topics", "--unit", "bach-dang", "--from", "02/03/2026", "--to",
                              "31/05/2026", "--json"])
    assert cli.exit_code == 0, cli.output
    data = json.loads(cli.output)
    assert data["unit"] == "bach-dang" and data["topics"][0]["label"] == biggest.label
    assert sum(t["count"] for t in data["topics"]) + data["unassigned"] == data["texts"]
    plain = runner.invoke(args=["reports", "topics", "--unit", "bach-dang", "--from", "02/03/2026", "--to",
                                "31/05/2026"])
    assert plain.exit_code == 0 and biggest.label in plain.output
    bad = runner.invoke(args=["reports", "topics", "--unit", "bach-dang", "--from", "31/02/2026", "--to", "x"])
    assert bad.exit_code != 0 and "không hợp lệ" in bad.output
    unknown = runner.invoke(args=["reports", "topics", "--unit", "khong-co", "--from", "01/01/2026", "--to",
                                  "31/01/2026"])
    assert unknown.exit_code != 0 and "Không tìm thấy" in unknown.output
    # the survey summary document of the year carries the topics of the year (its period)
    docx_file = client.get(f"/admin/scores/{unit}/2026/documents/bang-tong-hop-khao-sat.docx")
    assert docx_file.status_code == 200
    text = "\n".join(cell.text for table in Document(io.BytesIO(docx_file.data)).tables
                     for row in table.rows for cell in row.cells)
    document_paragraphs = "\n".join(p.text for p in Document(io.BytesIO(docx_file.data)).paragraphs)
    assert "Chủ đề góp ý của người dân" in document_paragraphs
    xlsx_file = client.get(f"/admin/scores/{unit}/2026/documents/bang-tong-hop-khao-sat.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx_file.data))["Chủ đề góp ý"]
    labels = [row[0] for row in sheet.iter_rows(min_row=4, values_only=True) if row[0]]
    assert labels and labels[0] in text


def test_topics_are_kept_until_a_text_of_the_period_changes(app, demo):
    from survey_app.models import TopicCache
    from survey_app.services import cases as case_service

    unit = demo["units"]["bach-dang"]
    with app.app_context():
        first = commune_topics(db.session, unit, START, END)
        db.session.commit()
        row = db.session.execute(db.select(TopicCache)).scalar_one()
        assert row.data == first.as_dict()
        # served from the cache while nothing changed (a marked copy proves it is read, not recomputed)
        marked = dict(row.data, topics=[dict(row.data["topics"][0], label="đánh dấu")] + row.data["topics"][1:])
        row.data = marked
        db.session.commit()
        assert commune_topics(db.session, unit, START, END).topics[0].label == "đánh dấu"
        # a new text in the period makes it recompute
        category = db.session.execute(db.select(Case.category_id)).scalars().first()
        case_service.file_case(case_service.CaseInput(
            unit_id=unit, channel="hotline", kind="gop_y", category_id=category, content="Đèn đường ngõ 3 hỏng",
            received_at=case_service.utcnow().replace(year=2026, month=4, day=15)))
        db.session.commit()
        again = commune_topics(db.session, unit, START, END)
        db.session.commit()
        assert again.texts == first.texts + 1 and all(t.label != "đánh dấu" for t in again.topics)
        assert db.session.execute(db.select(db.func.count()).select_from(TopicCache)).scalar() == 1
