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

from survey_app.models import Officer, ServiceCentre, SurveyAnswer, SurveyResponse, rated_columns
from survey_app.services.surveys import current_version, definition_of, questionnaire_by_code
from survey_app.timeutil import LOCAL_TZ, as_utc, to_local

#: Tết Nguyên đán (first day), when centres close for about a week and are quiet around it.
TET = {2025: date(2025, 1, 29), 2026: date(2026, 2, 17), 2027: date(2027, 2, 6)}
BATCH = 2000


def _code(seed: int, length: int = 8) -> str:
    from survey_app.services.cases import CODE_ALPHABET

    chars = []
    for _ in range(length):
        seed, index = divmod(seed, len(CODE_ALPHABET))
        chars.append(CODE_ALPHABET[index])
    return "".join(chars)


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
    #: share of one-tap ratings on the centre's tablet kiosks (the overall question only)
    kiosk_share: float = 0.0
    #: share of QR/paper responses that name the dossier they rate (a dossier received that day, if any)
    dossier_share: float = 0.3


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
        dossiers_by_day = _dossier_codes(session, centre.unit_id, plan) if plan.dossier_share else {}
        rated_dossiers: set[str] = set()
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
                roll = rng.random()
                channel = ("kiosk" if roll < plan.kiosk_share else
                           "paper" if roll < plan.kiosk_share + plan.paper_share else
                           "web" if rng.random() < 0.05 else "qr")
                dossier_code = None
                if channel != "kiosk" and not is_burst and rng.random() < plan.dossier_share:
                    candidates = dossiers_by_day.get(day, ())
                    if candidates:
                        code = candidates[rng.randrange(len(candidates))]
                        if code not in rated_dossiers:
                            rated_dossiers.add(code)
                            dossier_code = code
                responses.append({
                    "client_id": f"{prefix}:{offset}:{index}", "questionnaire_id": questionnaire.id,
                    "version_id": version.id, "unit_id": centre.unit_id, "centre_id": centre.id,
                    "counter_id": counter.id if counter else None,
                    "officer_id": officers.get(counter.id) if counter else None, "channel": channel,
                    "answered_at": as_utc(at), "answered_day": at.date(), "received_at": as_utc(at), "lang": "vi",
                    "ip_hash": f"burst{offset}" if is_burst else None, "suspicious": bool(is_burst),
                    "suspicious_reason": "burst" if is_burst else None, "dossier_verified": False,
                    "paper_serial": f"G{offset:04d}{index:03d}" if channel == "paper" else None,
                    # generated paper forms have passed the second-person check (else they would not count)
                    "check_status": "checked" if channel == "paper" else None,
                    "checked_at": as_utc(at) if channel == "paper" else None,
                    "dossier_code": dossier_code,
                })
                overall = 1 if is_burst else _scale(rng, level)
                if channel == "kiosk":  # three faces: 5, 4 or 2 on the five-point scale
                    answers.append([("overall", 5 if overall == 5 else 4 if overall >= 3 else 2, None)])
                    continue
                rows = [("overall", overall, None)]
                if not is_burst and rng.random() < (0.35 if overall <= 2 else 0.06):
                    pool = NEGATIVE_COMMENTS if overall <= 2 else POSITIVE_COMMENTS
                    rows.append(("comment", None, pool[rng.randrange(len(pool))]))
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


#: Comments in several wordings per subject, so the topics of the demo read like a real commune's.
NEGATIVE_COMMENTS = [
    "Thời gian chờ quá lâu, gần hai tiếng mới đến lượt.", "Phải chờ đợi lâu, đề nghị rút ngắn thời gian chờ.",
    "Đông người, thời gian chờ lâu mà không có chỗ ngồi.", "Thời gian chờ đến lượt quá lâu.",
    "Thái độ cán bộ chưa niềm nở, trả lời cộc lốc.", "Cán bộ có thái độ thiếu tôn trọng người dân.",
    "Thái độ cán bộ tiếp nhận hồ sơ chưa thân thiện.",
    "Hẹn trả kết quả nhưng đến ngày vẫn chưa có.", "Trả kết quả trễ hẹn, phải đi lại nhiều lần.",
    "Kết quả trả chậm so với giấy hẹn.",
    "Máy lấy số hay bị hỏng, phải xếp hàng.", "Phòng chờ nóng, máy lấy số không hoạt động.",
    "Hồ sơ bị yêu cầu bổ sung giấy tờ nhiều lần.", "Yêu cầu bổ sung giấy tờ không có trong quy định.",
    "Gọi điện thoại đến không ai nghe máy.", "Gọi điện thoại đường dây nóng mãi không ai nghe.",
]
POSITIVE_COMMENTS = [
    "Cán bộ nhiệt tình, hướng dẫn chu đáo.", "Cán bộ hướng dẫn nhiệt tình, dễ hiểu.",
    "Cán bộ rất nhiệt tình và chu đáo.", "Thủ tục nhanh, trả kết quả sớm hơn hẹn.",
    "Trả kết quả đúng hẹn, thủ tục nhanh gọn.", "Trung tâm sạch sẽ, có nước uống và wifi.",
    "Phòng chờ sạch sẽ, thoáng mát.", "Cảm ơn chị cán bộ quầy chứng thực đã hỗ trợ người già.",
]


def _dossier_codes(session: Session, unit_id: int, plan: SurveyPlan) -> dict[date, list[str]]:
    """Codes of the dossiers received each day of the plan, for responses that name the dossier they rate."""
    from survey_app.models import Dossier

    end = plan.start + timedelta(days=plan.days - 1)
    codes: dict[date, list[str]] = {}
    for day, code in session.execute(select(Dossier.received_day, Dossier.code).where(
            Dossier.unit_id == unit_id, Dossier.received_day >= plan.start, Dossier.received_day <= end)):
        codes.setdefault(day, []).append(code)
    return codes


def _flush(session: Session, responses: list[dict], answers: list[list[tuple]]) -> int:
    from .bulk import insert_rows, reserve_ids

    for start in range(0, len(responses), BATCH * 10):
        chunk = responses[start:start + BATCH * 10]
        for row, answer_rows in zip(chunk, answers[start:start + BATCH * 10], strict=True):
            row.update(rated_columns((key, value) for key, value, _ in answer_rows))
        ids = reserve_ids(session, SurveyResponse, len(chunk))
        if ids is not None:
            for row, rid in zip(chunk, ids, strict=True):
                row["id"] = rid
            insert_rows(session, SurveyResponse, chunk)
        else:
            ids = []
            for offset in range(0, len(chunk), BATCH):
                returning = insert(SurveyResponse).returning(SurveyResponse.id, sort_by_parameter_order=True)
                ids += session.execute(returning, chunk[offset:offset + BATCH]).scalars().all()
        rows = [
            {"response_id": rid, "question_key": key, "value": value, "text": text}
            for rid, answer_rows in zip(ids, answers[start:start + BATCH * 10], strict=True)
            for key, value, text in answer_rows
        ]
        insert_rows(session, SurveyAnswer, rows)
    return len(responses)


# -- feedback cases and the Tiêu chí 1.2 registers -------------------------------------------------------------

CASE_CHANNEL_WEIGHTS = [("web", 30), ("app", 10), ("hotline", 20), ("zalo", 15), ("facebook", 10), ("email", 5),
                        ("reception", 10)]
SAMPLE_TEXTS = [
    "Đèn chiếu sáng ngõ {n} bị hỏng nhiều ngày.", "Đèn đường tổ dân phố {n} không sáng, đi lại nguy hiểm.",
    "Rác thải tập kết không đúng giờ tại tổ dân phố {n}.",
    "Đề nghị thu gom rác đúng giờ ở tổ {n}, rác để qua đêm bốc mùi.",
    "Xe thu gom rác không vào ngõ {n} hai hôm nay.",
    "Đề nghị sửa ổ gà trên đường trước nhà số {n}.", "Mặt đường ngõ {n} xuống cấp, nhiều ổ gà.",
    "Thời gian chờ tại bộ phận một cửa quá lâu.",
    "Đề nghị hướng dẫn rõ hơn thủ tục đăng ký khai sinh.",
    "Lấn chiếm vỉa hè làm nơi bán hàng ở chợ tổ {n}.",
    "Hàng quán lấn chiếm vỉa hè, người đi bộ phải xuống lòng đường.",
    "Cống thoát nước bị tắc, ngập khi mưa.", "Mưa to là ngập ngõ {n} vì cống thoát nước bị tắc.",
    "Cảm ơn cán bộ tiếp nhận hồ sơ nhiệt tình.",
    "Tiếng ồn hát karaoke đến khuya ở tổ {n}, ảnh hưởng giấc ngủ.",
]


@dataclass(frozen=True)
class CasePlan:
    start: date
    days: int
    #: mean cases per commune per day, from every channel but the weekly collection and the boxes
    per_day: float
    seed: int = 2026
    #: share of weeks with a collection session, and of those sessions that bring items
    session_weeks: float = 0.9


def generate_cases(session: Session, plan: CasePlan, units: list | None = None) -> int:
    """Cases with their handling history, weekly collection sessions, boxes and openings, the duty roster.

    Skips communes that already have generated cases (idempotent). Returns the number of cases written.
    """
    from survey_app.models import (
        AdminUnit,
        CaseCategory,
    )
    from survey_app.services import workdays
    from survey_app.services.cases import rule_days

    if units is None:
        units = list(session.execute(select(AdminUnit).where(AdminUnit.parent_id.is_not(None))).scalars())
    categories = list(session.execute(select(CaseCategory.id).order_by(CaseCategory.id)).scalars())
    end = plan.start + timedelta(days=plan.days - 1)
    corrections = workdays.overrides(plan.start, end + timedelta(days=120))
    answer_days = {k: rule_days(k, "answer")[0] for k in ("gop_y", "phan_anh", "kien_nghi")}
    transfer_days = rule_days("gop_y", "transfer")[0]
    now = datetime.now(LOCAL_TZ)
    written = 0
    for unit in units:
        written += _cases_for_unit(session, plan, unit, categories, corrections, answer_days, transfer_days, now)
    return written


def _cases_for_unit(session: Session, plan: CasePlan, unit, categories: list[int], corrections: dict,
                    answer_days: dict[str, int], transfer_days: int, now: datetime) -> int:
    from survey_app.models import (
        BoxOpening,
        Case,
        CaseEvent,
        CollectionSession,
        Department,
        DutyShift,
        SuggestionBox,
        User,
    )
    from survey_app.services import workdays

    end = plan.start + timedelta(days=plan.days - 1)
    prefix = f"gen:{plan.seed}:{unit.code}"[:40]
    if session.execute(select(Case.id).where(Case.client_id.like(f"{prefix}:%")).limit(1)).first():
        return 0
    rng = random.Random(stable_seed(plan.seed, "cases", unit.code))
    staff = list(session.execute(select(User).where(User.unit_id == unit.id, User.active.is_(True))).scalars())
    departments = list(session.execute(select(Department.id).where(Department.unit_id == unit.id)).scalars())
    actor_id = staff[0].id if staff else None
    # duty roster: every working day, three channels, staff in turn
    if staff:
        shifts = []
        for index, day in enumerate(workdays.working_days_between(plan.start, end, corrections)):
            for channel in ("hotline", "zalo", "facebook"):
                if rng.random() < 0.97:
                    shifts.append({"unit_id": unit.id, "day": day, "channel": channel,
                                   "user_id": staff[(index + len(channel)) % len(staff)].id})
        if shifts:
            session.execute(insert(DutyShift), shifts)
    # suggestion boxes at the UBND seat and two community houses, opened every other week
    boxes = []
    for kind, name in (("ubnd", f"Trụ sở UBND {unit.full_name}"), ("to_dan_pho", "Nhà văn hóa tổ dân phố 1"),
                       ("to_dan_pho", "Nhà văn hóa tổ dân phố 4")):
        box = SuggestionBox(unit_id=unit.id, location_kind=kind, location_name=name,
                            installed_on=plan.start - timedelta(days=200))
        session.add(box)
        boxes.append(box)
    session.flush()
    cases: list[dict] = []
    histories: list[list[tuple]] = []

    def add_case(channel: str, received: datetime, text: str, **extra) -> None:
        kind = "gop_y" if channel in ("box", "collection") or rng.random() < 0.6 else rng.choice(
            ["phan_anh", "kien_nghi"])
        received_utc = as_utc(received)
        due = workdays.deadline(received_utc, answer_days[kind], True, corrections)
        named = kind != "gop_y"
        row = {
            "tracking_code": "PG" + _code(stable_seed(prefix, len(cases))), "unit_id": unit.id,
            "channel": channel, "kind": kind, "category_id": rng.choice(categories), "content": text,
            "received_at": received_utc, "received_day": to_local(received_utc).date(),
            "location": f"Tổ dân phố {rng.randint(1, 12)}",
            "citizen_name": "Nguyễn Văn Dân" if named else None,
            "citizen_phone": f"09{rng.randrange(10**8):08d}" if named else None, "citizen_email": None,
            "consent_contact": named, "consent_notify": False, "state": "new", "original_due_at": due,
            "due_at": due, "transfer_due_at": workdays.deadline(received_utc, transfer_days, True, corrections),
            "created_by_id": actor_id if channel not in ("web", "app") else None,
            "client_id": f"{prefix}:{len(cases)}", "collection_session_id": None, "box_opening_id": None,
            **extra,
        }
        events = [("created", received_utc, None, "new")]
        handled = rng.random()
        answered_at = received_utc + timedelta(days=rng.uniform(0.5, 12 if handled < 0.9 else 25))
        if answered_at < now and handled < 0.93:
            assigned_at = received_utc + timedelta(hours=rng.uniform(1, 30))
            row.update(state="answered", department_id=rng.choice(departments) if departments else None,
                       answered_at=answered_at, public_answer="UBND đã kiểm tra và xử lý theo đề nghị.",
                       published_at=answered_at + timedelta(hours=2))
            if rng.random() < 0.5:
                row.update(citizen_rating=rng.choices([3, 2, 1], [5, 4, 1])[0], rated_at=answered_at
                           + timedelta(days=1))
            events += [("assigned", assigned_at, "new", "assigned"),
                       ("answered", answered_at, "assigned", "answered"),
                       ("published", answered_at + timedelta(hours=2), "answered", "answered")]
        cases.append(row)
        histories.append(events)

    for offset in range(plan.days):
        day = plan.start + timedelta(days=offset)
        weight = _day_weight(day)
        expected = plan.per_day * (weight if weight else 0.2)
        for _ in range(int(expected) + (1 if rng.random() < expected - int(expected) else 0)):
            channel = rng.choices([c for c, _ in CASE_CHANNEL_WEIGHTS], [w for _, w in CASE_CHANNEL_WEIGHTS])[0]
            add_case(channel, _local_time(rng, day), rng.choice(SAMPLE_TEXTS).format(n=rng.randint(1, 40)))
        if day.weekday() == 4 and rng.random() < plan.session_weeks:  # Friday collection through MTTQ / tổ trưởng
            collection = CollectionSession(
                unit_id=unit.id, held_on=day, organisation=rng.choice(["Ủy ban MTTQ", "Tổ trưởng tổ dân phố",
                                                                       "Hội Phụ nữ", "Hội Cựu chiến binh"]),
                collector="Tổ trưởng tổ dân phố", neighbourhood=f"Tổ dân phố {rng.randint(1, 12)}",
                created_by_id=actor_id)
            session.add(collection)
            session.flush()
            for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
                add_case("collection", datetime.combine(day, time(17, 0), tzinfo=LOCAL_TZ),
                         rng.choice(SAMPLE_TEXTS).format(n=rng.randint(1, 40)),
                         collection_session_id=collection.id)
        if day.weekday() == 0 and (offset // 7) % 2 == 0:
            for box in boxes:
                items = rng.choice([0, 0, 1, 2])
                opening = BoxOpening(box_id=box.id, unit_id=unit.id, opened_on=day, opened_by="Tổ mở hòm thư",
                                     items_count=items, created_by_id=actor_id)
                session.add(opening)
                session.flush()
                for _ in range(items):
                    add_case("box", datetime.combine(day, time(9, 0), tzinfo=LOCAL_TZ),
                             rng.choice(SAMPLE_TEXTS).format(n=rng.randint(1, 40)), box_opening_id=opening.id)
    for start in range(0, len(cases), BATCH):
        chunk = cases[start:start + BATCH]
        ids = session.execute(insert(Case).returning(Case.id, sort_by_parameter_order=True), chunk).scalars().all()
        events = [{"case_id": cid, "kind": kind, "at": at, "from_state": f, "to_state": t, "user_id": actor_id,
                   "detail": {}}
                  for cid, history in zip(ids, histories[start:start + BATCH], strict=True)
                  for kind, at, f, t in history]
        session.execute(insert(CaseEvent), events)
    return len(cases)


# -- dossiers from the one-stop system ----------------------------------------------------------------------------

#: (field, share of dossiers, legal time limit in working days)
FIELDS = [("Hộ tịch", 35, 3), ("Chứng thực", 30, 1), ("Đất đai", 10, 15), ("Lao động – Thương binh và Xã hội", 10, 7),
          ("Xây dựng", 5, 10), ("Kinh doanh", 5, 5), ("Khác", 5, 5)]


@dataclass(frozen=True)
class DossierPlan:
    start: date
    days: int
    #: mean dossiers per commune per working day
    per_day: float
    seed: int = 2026
    #: share settled after the due date
    late_share: float = 0.004
    #: the commune's fast-track weekday (0 = Monday)
    fast_track_weekday: int = 2


def generate_dossiers(session: Session, plan: DossierPlan, units: list | None = None) -> int:
    """Dossiers as the one-stop export would list them, plus each commune's profile (tổ dân phố, fast-track day).

    Skips communes that already have dossiers. Returns the number written.
    """
    from survey_app.models import AdminUnit, Dossier, UnitProfile
    from survey_app.services import workdays

    from .bulk import insert_rows

    if units is None:
        units = list(session.execute(select(AdminUnit).where(AdminUnit.parent_id.is_not(None))).scalars())
    end = plan.start + timedelta(days=plan.days - 1)
    corrections = workdays.overrides(plan.start, end + timedelta(days=60))
    working = workdays.working_days_between(plan.start, end, corrections)
    now = datetime.now(LOCAL_TZ)
    written = 0
    for unit in units:
        if session.execute(select(Dossier.id).where(Dossier.unit_id == unit.id).limit(1)).first():
            continue
        rng = random.Random(stable_seed(plan.seed, "dossiers", unit.code))
        if session.get(UnitProfile, unit.id) is None:
            session.add(UnitProfile(unit_id=unit.id, neighbourhoods=rng.randint(8, 20),
                                    fast_track_weekday=plan.fast_track_weekday))
        rows = []
        for day in working:
            count = max(0, int(rng.gauss(plan.per_day, plan.per_day / 4)))
            for _ in range(count):
                field, _share, limit = rng.choices(FIELDS, [f[1] for f in FIELDS])[0]
                received = _local_time(rng, day)
                fast = day.weekday() == plan.fast_track_weekday and field in ("Chứng thực", "Hộ tịch") and \
                    rng.random() < 0.5
                due_day = day if fast else workdays.add_working_days(day, limit, corrections)
                due = workdays.end_of_local_day(due_day)
                roll = rng.random()
                if fast:
                    settled = received + timedelta(hours=rng.uniform(0.5, 3))
                elif roll < plan.late_share:
                    late_day = workdays.add_working_days(due_day, rng.randint(1, 5), corrections)
                    settled = as_utc(datetime.combine(late_day, time(10, 0), tzinfo=LOCAL_TZ))
                else:
                    span = (datetime.combine(due_day, time(16, 30), tzinfo=LOCAL_TZ) - received).total_seconds()
                    settled = received + timedelta(seconds=rng.uniform(0.2, 1.0) * max(span, 600))
                if settled > now:
                    settled = None
                channel = rng.choices(["online", "direct", "postal", "home"], [60, 35, 3, 2])[0]
                rows.append({
                    "unit_id": unit.id, "code": f"{unit.code[:12]}-{day:%y%m%d}-{len(rows):05d}",
                    "procedure": f"Thủ tục {field.lower()}", "field": field, "received_at": as_utc(received),
                    "received_day": day, "due_at": due, "settled_at": as_utc(settled) if settled else None,
                    "channel": channel, "fast_track": fast,
                })
        insert_rows(session, Dossier, rows)
        written += len(rows)
    return written


def generate_annual_survey(session: Session, year: int, per_unit: int, seed: int = 2026,
                           units: list | None = None) -> int:
    """Responses to the Quý IV questionnaire, spread over October–November of ``year`` (up to today)."""
    from survey_app.models import AdminUnit

    questionnaire = questionnaire_by_code("annual-friendly-government")
    version = current_version(questionnaire.id)
    definition = definition_of(version)
    keys = [q.key for q in definition.questions.values() if q.type == "scale5"]
    if units is None:
        units = list(session.execute(select(AdminUnit).where(AdminUnit.parent_id.is_not(None))).scalars())
    today = datetime.now(LOCAL_TZ).date()
    start = date(year, 10, 1)
    if today < start:
        return 0
    days = max(1, (min(today, date(year, 11, 30)) - start).days + 1)
    written = 0
    for unit in units:
        prefix = f"gen:{seed}:annual:{unit.code}"[:40]
        if session.execute(select(SurveyResponse.id).where(SurveyResponse.client_id.like(f"{prefix}%")).limit(1)
                           ).first():
            continue
        centre = session.execute(select(ServiceCentre).where(ServiceCentre.unit_id == unit.id)).scalars().first()
        if centre is None:
            continue
        rng = random.Random(stable_seed(seed, "annual", unit.code))
        level = rng.uniform(0.82, 0.96)
        responses, answers = [], []
        for index in range(per_unit):
            at = _local_time(rng, start + timedelta(days=rng.randrange(days)))
            responses.append({
                "client_id": f"{prefix}:{index}", "questionnaire_id": questionnaire.id, "version_id": version.id,
                "unit_id": unit.id, "centre_id": centre.id, "counter_id": None, "officer_id": None,
                "channel": (channel := rng.choice(["paper", "qr", "web"])), "answered_at": as_utc(at),
                "answered_day": at.date(), "check_status": "checked" if channel == "paper" else None,
                "checked_at": as_utc(at) if channel == "paper" else None,
                "received_at": as_utc(at), "lang": "vi", "ip_hash": None, "suspicious": False,
                "suspicious_reason": None, "dossier_verified": False,
                "paper_serial": None,
            })
            answers.append([(key, _scale(rng, level), None) for key in keys if rng.random() < 0.9 or key == "overall"])
        written += _flush(session, responses, answers)
    return written


#: (category code or None for general, title, body): the answers a commune writes most, as the demo's templates.
ANSWER_TEMPLATES = [
    (None, "Đã tiếp nhận, đang xử lý",
     "UBND {don_vi} đã tiếp nhận phản ánh, kiến nghị mã {ma_theo_doi} của Ông/Bà và đã giao bộ phận chuyên môn "
     "kiểm tra, xử lý. Kết quả sẽ được thông báo và công khai trên trang tra cứu. Trân trọng cảm ơn Ông/Bà. "
     "Ngày {ngay}."),
    (None, "Cảm ơn góp ý",
     "UBND {don_vi} trân trọng cảm ơn ý kiến góp ý của Ông/Bà (mã {ma_theo_doi}). Ý kiến đã được ghi nhận để "
     "nâng cao chất lượng phục vụ người dân tại Trung tâm Phục vụ hành chính công. Ngày {ngay}."),
    (None, "Đề nghị bổ sung thông tin",
     "Để có cơ sở xem xét phản ánh mã {ma_theo_doi}, UBND {don_vi} đề nghị Ông/Bà cho biết thêm địa điểm cụ thể, "
     "thời gian xảy ra sự việc và hình ảnh (nếu có), bằng một phản ánh bổ sung hoặc tại Trung tâm Phục vụ hành "
     "chính công. Trân trọng."),
    ("moi-truong", "Đã thu gom, xử lý vệ sinh",
     "Về phản ánh mã {ma_theo_doi} ({linh_vuc}): UBND {don_vi} đã chỉ đạo đơn vị vệ sinh môi trường kiểm tra, thu "
     "gom, xử lý tại địa điểm Ông/Bà nêu và giao tổ dân phố nhắc các hộ dân bỏ rác đúng giờ, đúng nơi quy định. "
     "Ngày {ngay}."),
    ("ha-tang", "Đã sửa chữa hạ tầng",
     "Về phản ánh mã {ma_theo_doi}: UBND {don_vi} đã phối hợp đơn vị quản lý hạ tầng kiểm tra hiện trường và sửa "
     "chữa tại vị trí Ông/Bà nêu. Nếu sự việc tái diễn, đề nghị Ông/Bà tiếp tục phản ánh để được xử lý kịp thời. "
     "Ngày {ngay}."),
    ("trat-tu-do-thi", "Đã kiểm tra, xử lý lấn chiếm",
     "Về phản ánh mã {ma_theo_doi}: lực lượng quản lý trật tự đô thị của UBND {don_vi} đã kiểm tra, lập biên bản và "
     "yêu cầu các hộ vi phạm trả lại hiện trạng vỉa hè, lòng đường; UBND sẽ tiếp tục kiểm tra và xử lý nếu tái "
     "phạm. Ngày {ngay}."),
    ("thu-tuc", "Hướng dẫn thủ tục hành chính",
     "Về kiến nghị mã {ma_theo_doi}: thành phần hồ sơ, phí, lệ phí và thời hạn giải quyết của thủ tục được niêm "
     "yết tại Trung tâm Phục vụ hành chính công {don_vi} và trên Cổng Dịch vụ công; công chức tại quầy sẵn sàng "
     "hướng dẫn Ông/Bà trong giờ hành chính. Ngày {ngay}."),
    ("thai-do", "Xin lỗi về thái độ phục vụ",
     "UBND {don_vi} xin lỗi Ông/Bà về sự việc nêu trong phản ánh mã {ma_theo_doi}. UBND đã làm việc với công chức "
     "liên quan, yêu cầu rút kinh nghiệm và thực hiện đúng quy tắc ứng xử “4 xin, 4 luôn, 5 không”. Trân trọng "
     "cảm ơn Ông/Bà đã phản ánh. Ngày {ngay}."),
]


def seed_answer_templates(session: Session, units: list | None = None) -> int:
    """The demo's answer templates for each commune that has none yet (idempotent). Returns how many were added."""
    from survey_app.models import AdminUnit, AnswerTemplate, CaseCategory

    if units is None:
        units = list(session.execute(select(AdminUnit).where(AdminUnit.parent_id.is_not(None))).scalars())
    categories = dict(session.execute(select(CaseCategory.code, CaseCategory.id)).all())
    written = 0
    for unit in units:
        if session.execute(select(AnswerTemplate.id).where(AnswerTemplate.unit_id == unit.id).limit(1)).first():
            continue
        for code, title, body in ANSWER_TEMPLATES:
            if code is not None and code not in categories:
                continue
            session.add(AnswerTemplate(unit_id=unit.id, category_id=categories.get(code) if code else None,
                                       title=title, body=body))
            written += 1
    session.flush()
    return written
