"""A seeded, deterministic generator of realistic data, shared by the demo and the benchmarks.

Survey responses follow the centres' rhythm: weekdays 7:30–17:00 (Saturday mornings at some centres), a
lull around Tết, a per-centre level of satisfaction, and a few suspicious bursts. Rows are written with bulk
inserts so the same code fills a demo in a second and a city-scale database in minutes.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from survey_app.models import Officer, ServiceCentre, SurveyAnswer, SurveyResponse
from survey_app.services.surveys import current_version, definition_of, questionnaire_by_code
from survey_app.timeutil import LOCAL_TZ, as_utc

#: Tết Nguyên đán (first day), when centres close for about a week and are quiet around it.
TET = {2025: date(2025, 1, 29), 2026: date(2026, 2, 17), 2027: date(2027, 2, 6)}
BATCH = 2000


def stable_seed(*parts: object) -> int:
    """A seed from names, not database ids, so every backend gets the same data."""
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "big")


@dataclass(frozen=True)
class SurveyPlan:
    start: date
    days: int
    #: mean responses per centre per working day
    per_day: float
    seed: int = 2026
    #: share of responses from paper forms (the rest from QR, a few from the web)
    paper_share: float = 0.2


def _day_weight(day: date) -> float:
    tet = TET.get(day.year) or TET.get(day.year + 1)
    if tet is not None:
        distance = (day - tet).days
        if -3 <= distance <= 5:
            return 0.0  # closed
        if -10 <= distance <= 12:
            return 0.4
    if day.weekday() == 6:
        return 0.0
    if day.weekday() == 5:
        return 0.3
    return 1.0


def _local_time(rng: random.Random, day: date) -> datetime:
    # mornings are busier
    minutes = int(rng.triangular(7.5 * 60, 17 * 60, 9 * 60)) if day.weekday() < 5 else int(rng.uniform(450, 690))
    return datetime.combine(day, time(minutes // 60, minutes % 60, rng.randrange(60)), tzinfo=LOCAL_TZ)


def _scale(rng: random.Random, level: float) -> int:
    """A 1–5 answer; ``level`` near 1 means mostly 4–5."""
    x = rng.random()
    if x < level * 0.55:
        return 5
    if x < level:
        return 4
    if x < level + (1 - level) * 0.5:
        return 3
    return 2 if rng.random() < 0.7 else 1


def generate_survey_responses(session: Session, plan: SurveyPlan, centres: list[ServiceCentre] | None = None) -> int:
    """Add generated responses to the centre questionnaire for each centre; skip centres already generated.

    :return: the number of responses written.
    """
    questionnaire = questionnaire_by_code("centre-service")
    version = current_version(questionnaire.id)
    definition = definition_of(version)
    scale_keys = [q.key for q in definition.questions.values() if q.type == "scale5" and not q.quick]
    single = {q.key: [o.value for o in q.options] for q in definition.questions.values() if q.type == "single"}
    if centres is None:
        centres = list(session.execute(select(ServiceCentre).where(ServiceCentre.active.is_(True))).scalars())
    written = 0
    for centre in centres:
        prefix = f"gen:{plan.seed}:{centre.unit.code}:{centre.name}"[:40]
        already = session.execute(
            select(func.count()).select_from(SurveyResponse).where(SurveyResponse.client_id.like(f"{prefix}%"))
        ).scalar()
        if already:
            continue
        rng = random.Random(stable_seed(plan.seed, centre.unit.code, centre.name))
        level = rng.uniform(0.80, 0.97)
        counters = [c for c in centre.counters if c.active]
        officers = {o.counter_id: o.id for o in session.execute(
            select(Officer).where(Officer.unit_id == centre.unit_id, Officer.active.is_(True))).scalars()}
        responses: list[dict] = []
        answers: list[list[tuple]] = []
        for offset in range(plan.days):
            day = plan.start + timedelta(days=offset)
            expected = plan.per_day * _day_weight(day)
            count = int(expected) + (1 if rng.random() < expected - int(expected) else 0)
            burst = rng.random() < 0.01 and count
            for index in range(count + (6 if burst else 0)):
                counter = rng.choice(counters) if counters else None
                at = _local_time(rng, day)
                is_burst = burst and index >= count
                if is_burst:
                    at = datetime.combine(day, time(10, 0), tzinfo=LOCAL_TZ) + timedelta(seconds=20 * index)
                channel = "paper" if rng.random() < plan.paper_share else ("web" if rng.random() < 0.05 else "qr")
                responses.append({
                    "client_id": f"{prefix}:{offset}:{index}", "questionnaire_id": questionnaire.id,
                    "version_id": version.id, "unit_id": centre.unit_id, "centre_id": centre.id,
                    "counter_id": counter.id if counter else None,
                    "officer_id": officers.get(counter.id) if counter else None, "channel": channel,
                    "answered_at": as_utc(at), "received_at": as_utc(at), "lang": "vi",
                    "ip_hash": f"burst{offset}" if is_burst else None, "suspicious": bool(is_burst),
                    "suspicious_reason": "burst" if is_burst else None, "dossier_verified": False,
                    "paper_serial": f"G{offset:04d}{index:03d}" if channel == "paper" else None,
                })
                rows = [("overall", 1 if is_burst else _scale(rng, level), None)]
                for key in scale_keys:
                    if rng.random() < 0.75:
                        rows.append((key, 0 if rng.random() < 0.05 else _scale(rng, min(0.99, level + 0.03)), None))
                for key, options in single.items():
                    if rng.random() < 0.6:
                        weights = [6 if i == 0 else 1 for i in range(len(options))]
                        rows.append((key, rng.choices(options, weights)[0], None))
                if rng.random() < 0.3:
                    rows.append(("improve", rng.randint(1, 6), None))
                answers.append(rows)
        written += _flush(session, responses, answers)
    return written


def _flush(session: Session, responses: list[dict], answers: list[list[tuple]]) -> int:
    for start in range(0, len(responses), BATCH):
        chunk = responses[start:start + BATCH]
        ids = session.execute(
            insert(SurveyResponse).returning(SurveyResponse.id, sort_by_parameter_order=True), chunk
        ).scalars().all()
        rows = [
            {"response_id": rid, "question_key": key, "value": value, "text": text}
            for rid, answer_rows in zip(ids, answers[start:start + BATCH], strict=True)
            for key, value, text in answer_rows
        ]
        if rows:
            session.execute(insert(SurveyAnswer), rows)
    return len(responses)
