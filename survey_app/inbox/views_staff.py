"""The staff inbox: list, entry of what arrives off-line, the case page and its actions, and the 1.2 registers
(weekly collection sessions, suggestion-box openings, the duty roster, API keys)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime, time, timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.exc import IntegrityError

from ..auth.roles import can_administer, can_write, staff_required
from ..extensions import db
from ..models import (
    ApiKey,
    BoxOpening,
    Case,
    CaseAttachment,
    CaseChannel,
    CaseKind,
    CaseState,
    CollectionSession,
    Department,
    DutyShift,
    SuggestionBox,
    User,
)
from ..models.cases import OPEN_STATES, STAFF_CHANNELS
from ..services import answer_templates, audit, public_cases, workdays
from ..services import cases as case_service
from ..services import channels as channel_service
from ..services.scoping import get_scoped_or_404, scoped, visible_units
from ..services.similar import similar_open_cases
from ..text import clean
from ..timeutil import LOCAL_TZ, as_utc, local_today, parse_date, utcnow
from .common import categories, photos_from_request

bp = Blueprint("inbox", __name__, url_prefix="/admin/inbox")
PAGE_SIZE = 30
DUE_SOON = timedelta(days=3)
DUTY_CHANNELS = {"hotline": "Đường dây nóng", "zalo": "Zalo", "facebook": "Facebook"}
ORGANISATIONS = ["Ủy ban MTTQ", "Hội Phụ nữ", "Đoàn Thanh niên", "Hội Cựu chiến binh", "Hội Nông dân",
                 "Hội Người cao tuổi", "Tổ trưởng tổ dân phố", "Chi hội", "Khác"]


def _unit_for_write() -> int:
    """The commune a new record belongs to: the user's own, or the one a city administrator picked."""
    if not current_user.city_wide:
        return current_user.unit_id
    unit_id = request.form.get("unit_id", type=int)
    if unit_id is None or unit_id not in {u.id for u in visible_units(current_user)}:
        abort(400)
    return unit_id


@bp.route("/")
@staff_required()
def index():
    now = utcnow()
    query = scoped(Case, current_user)
    state = request.args.get("state", "open")
    if state == "open":
        query = query.where(Case.state.in_(OPEN_STATES))
    elif state in {s.value for s in CaseState}:
        query = query.where(Case.state == state)
    channel = request.args.get("channel")
    if channel in {c.value for c in CaseChannel}:
        query = query.where(Case.channel == channel)
    category_id = request.args.get("category", type=int)
    if category_id:
        query = query.where(Case.category_id == category_id)
    q = clean(request.args.get("q"))[:100]
    if q:
        query = query.where(or_(Case.tracking_code == q.upper(), Case.content.contains(q)))
    if request.args.get("mine"):
        query = query.where(Case.assignee_id == current_user.id)
    if request.args.get("overdue"):
        query = query.where(Case.state.in_(OPEN_STATES), Case.due_at < now)
    if request.args.get("review"):
        query = query.where(Case.state.in_(OPEN_STATES), Case.citizen_rating == case_service.DISSATISFIED)
    # overdue first, then due within three days, then answered late, then the rest by deadline
    urgency = case(
        (and_(Case.state.in_(OPEN_STATES), Case.due_at < now), 0),
        (and_(Case.state.in_(OPEN_STATES), Case.due_at < now + DUE_SOON), 1),
        (Case.answered_at > Case.due_at, 2),
        else_=3,
    )
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar()
    page = max(1, request.args.get("page", 1, type=int))
    rows = db.session.execute(query.order_by(urgency, Case.due_at, Case.id)
                              .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).scalars().all()
    return render_template("inbox/staff_list.html", rows=rows, total=total, page=page,
                           pages=max(1, -(-total // PAGE_SIZE)), state=state, now=now, soon=now + DUE_SOON,
                           categories=categories(), channels=list(CaseChannel), states=list(CaseState),
                           answered_late=case_service.answered_late, days_overdue=case_service.days_overdue,
                           needs_review=case_service.needs_review, assignees=_assignees(),
                           departments=_departments())


def _assignees() -> list[User]:
    """Who can be given cases from the visible communes (the bulk "giao xử lý" list)."""
    units = [u.id for u in visible_units(current_user)]
    return db.session.execute(select(User).where(User.unit_id.in_(units), User.active.is_(True),
                                                 User.role.in_(["commune_admin", "commune_staff"]))
                              .order_by(User.full_name)).scalars().all()


def _departments() -> list[Department]:
    units = [u.id for u in visible_units(current_user)]
    return db.session.execute(select(Department).where(Department.unit_id.in_(units), Department.active.is_(True))
                              .order_by(Department.name)).scalars().all()


BULK = {"close": "Đóng", "assign": "Giao xử lý", "mine": "Giao cho tôi"}


@bp.route("/bulk", methods=["POST"])
@staff_required(can_write)
def bulk():
    """Bulk assign or close: the first post shows what will happen to which cases; the confirmation does it."""
    action = request.form.get("action", "")
    ids = request.form.getlist("case_id", type=int)[:200]
    if action not in BULK or not ids:
        flash("Vui lòng chọn ít nhất một phản ánh và một thao tác.", "error")
        return redirect(url_for(".index"), code=303)
    rows = db.session.execute(scoped(Case, current_user).where(Case.id.in_(ids)).order_by(Case.id)).scalars().all()
    department_id = request.form.get("department_id", type=int)
    assignee_id = current_user.id if action == "mine" else request.form.get("assignee_id", type=int)
    if action == "assign" and not (department_id or assignee_id):
        flash("Vui lòng chọn phòng ban hoặc cán bộ để giao.", "error")
        return redirect(url_for(".index"), code=303)
    if request.form.get("confirm") != "1":
        return render_template("inbox/bulk_confirm.html", rows=rows, action=action, label=BULK[action],
                               department=db.session.get(Department, department_id) if department_id else None,
                               assignee=db.session.get(User, assignee_id) if assignee_id else None,
                               department_id=department_id, assignee_id=assignee_id)
    if action == "close":
        done, left = case_service.close_many(current_user, rows)
        reasons = [(c, "chưa có câu trả lời") for c in left]
    else:
        done, reasons = case_service.assign_many(current_user, rows, department_id, assignee_id)
    audit.record(current_user, "bulk_close" if action == "close" else "bulk_assign", "case", None,
                 unit_id=None if current_user.city_wide else current_user.unit_id,
                 detail={"cases": [c.id for c in done]})
    db.session.commit()
    flash(f"{BULK[action]}: {len(done)} phản ánh." + (
        f" Không thực hiện được {len(reasons)}: " + "; ".join(f"{c.tracking_code} ({why})" for c, why in reasons[:10])
        if reasons else ""), "success" if not reasons else "warning")
    return redirect(url_for(".index"), code=303)


@bp.route("/new", methods=["GET", "POST"])
@staff_required(can_write)
def new():
    errors: dict[str, str] = {}
    values: dict[str, str] = {"channel": "hotline", "kind": "gop_y"}
    status = 200
    sessions = db.session.execute(scoped(CollectionSession, current_user)
                                  .order_by(CollectionSession.held_on.desc()).limit(20)).scalars().all()
    if request.method == "POST":
        values = {k: clean(v) for k, v in request.form.items()}
        received = _received_at(values.get("received_on"), values.get("received_time"))
        channel = values.get("channel", "")
        ci = case_service.CaseInput(
            unit_id=_unit_for_write(), channel=channel if channel in {c.value for c in STAFF_CHANNELS} else "invalid",
            kind=values.get("kind", ""), category_id=request.form.get("category_id", type=int),
            content=request.form.get("content", ""), received_at=received, location=values.get("location", ""),
            name=values.get("name", ""), phone=values.get("phone", ""), email=values.get("email", ""),
            consent_contact=bool(values.get("consent_contact")), consent_notify=bool(values.get("consent_notify")),
            private=bool(values.get("private")),
            client_id=(values.get("sid") or secrets.token_hex(16))[:64], created_by=current_user,
            photos=photos_from_request())
        if received is None:
            errors["received_on"] = "Ngày giờ tiếp nhận không hợp lệ (dd/mm/yyyy, HH:MM)."
        errors.update(case_service.validate(ci))
        status = 400
        if not errors:
            try:
                case_row, _ = case_service.file_case(ci)
                db.session.commit()
                flash(f"Đã ghi nhận phản ánh {case_row.tracking_code}.", "success")
                return redirect(url_for(".detail", case_id=case_row.id), code=303)
            except case_service.CaseError as exc:  # what staff typed stays in the form
                db.session.rollback()
                errors[exc.field or "content"] = str(exc)
                status = exc.status
    return render_template("inbox/staff_new.html", errors=errors, values=values, categories=categories(),
                           channels=STAFF_CHANNELS, kinds=list(CaseKind), units=visible_units(current_user),
                           sessions=sessions, sid=values.get("sid") or secrets.token_hex(16)), status


def _received_at(day_text: str | None, time_text: str | None) -> datetime | None:
    if not day_text:
        return utcnow()
    day = parse_date(day_text)
    if day is None:
        return None
    try:
        hour, minute = (int(p) for p in (time_text or "08:00").split(":"))
        moment = time(hour, minute)
    except ValueError:
        return None
    return as_utc(datetime.combine(day, moment, tzinfo=LOCAL_TZ))


@bp.route("/<int:case_id>")
@staff_required()
def detail(case_id: int):
    case_row = get_scoped_or_404(Case, case_id, current_user)
    departments = db.session.execute(select(Department).where(Department.unit_id == case_row.unit_id,
                                                              Department.active.is_(True))).scalars().all()
    staff = db.session.execute(select(User).where(User.unit_id == case_row.unit_id, User.active.is_(True),
                                                  User.role.in_(["commune_admin", "commune_staff"]))).scalars().all()
    # the answer box filled from a template: ?template=ID works without JavaScript (the script fills it in place)
    templates = answer_templates.for_case(case_row) \
        if current_user.can_write and case_row.state in OPEN_STATES else []
    chosen = next((t for t in templates if t.id == request.args.get("template", type=int)), None)
    return render_template("inbox/staff_case.html", case=case_row, departments=departments, staff=staff,
                           templates=templates, chosen=chosen, fill=answer_templates.fill,
                           answer_draft=answer_templates.fill(chosen.body, case_row) if chosen else "",
                           pending=case_service.pending_extension(case_row), overdue=case_service.overdue(case_row),
                           reply_via=channel_service.can_reply(case_row), merged=case_service.merged_cases(case_row),
                           hints=similar_open_cases(case_row.unit_id, case_row.content, case_row.location,
                                                    case_row.category_id, exclude_id=case_row.id)
                           if case_row.state in OPEN_STATES else [],
                           contact_shown=request.args.get("contact") == "1" and _contact_logged(case_row),
                           public_preview=public_cases.public_text(case_row),
                           not_public=public_cases.why_not_public(case_row))


def _contact_logged(case_row: Case) -> bool:
    return any(e.kind == "contact_viewed" and e.user_id == current_user.id
               and e.at > utcnow() - timedelta(minutes=10) for e in case_row.events)


ACTIONS = {
    "assign": lambda c, f: case_service.assign(current_user, c, f.get("department_id", type=int),
                                               f.get("assignee_id", type=int), f.get("note", "")),
    "start": lambda c, f: case_service.start(current_user, c),
    "answer": lambda c, f: case_service.answer(current_user, c, f.get("public_answer", ""),
                                               bool(f.get("publish")), f.get("note", ""),
                                               f.get("template_id", type=int)),
    "publish": lambda c, f: case_service.publish(current_user, c),
    "close": lambda c, f: case_service.close(current_user, c),
    "reject": lambda c, f: case_service.reject(current_user, c, f.get("reason", "")),
    "transfer": lambda c, f: case_service.transfer(current_user, c, f.get("to", ""), f.get("reason", "")),
    "extend": lambda c, f: case_service.request_extension(current_user, c, f.get("days", type=int) or 0,
                                                          f.get("reason", "")),
    "approve": lambda c, f: case_service.decide_extension(current_user, c, True),
    "refuse": lambda c, f: case_service.decide_extension(current_user, c, False),
    "reopen": lambda c, f: case_service.reopen(current_user, c, f.get("reason", "")),
    "note": lambda c, f: case_service.add_note(current_user, c, f.get("note", "")),
    "correction": lambda c, f: case_service.add_note(current_user, c, f.get("note", ""), correction=True),
    "contact": lambda c, f: case_service.view_contact(current_user, c),
    "public_text": lambda c, f: case_service.set_public_content(current_user, c, f.get("public_content", ""),
                                                                f.get("reason", "")),
    "confidential": lambda c, f: case_service.set_confidential(current_user, c, f.get("confidential") == "1",
                                                               f.get("reason", "")),
}


@bp.route("/<int:case_id>/<action>", methods=["POST"])
@staff_required(can_write)
def act(case_id: int, action: str):
    case_row = get_scoped_or_404(Case, case_id, current_user)
    if action == "merge":
        target = db.session.execute(scoped(Case, current_user).where(
            Case.tracking_code == clean(request.form.get("into")).upper())).scalar_one_or_none()
        if target is None:
            flash("Không tìm thấy phản ánh để gộp vào.", "error")
            return redirect(url_for(".detail", case_id=case_id), code=303)
        operation = lambda c, f: case_service.merge(current_user, c, target)  # noqa: E731
    else:
        operation = ACTIONS.get(action)
    if operation is None:
        abort(404)
    try:
        operation(case_row, request.form)
        db.session.commit()
    except case_service.CaseError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".detail", case_id=case_id), code=303)
    if action == "contact":
        return redirect(url_for(".detail", case_id=case_id, contact=1))
    flash("Đã cập nhật.", "success")
    return redirect(url_for(".detail", case_id=case_id))


@bp.route("/<int:case_id>/attachments/<int:attachment_id>")
@staff_required()
def attachment(case_id: int, attachment_id: int):
    case_row = get_scoped_or_404(Case, case_id, current_user)
    item = db.session.get(CaseAttachment, attachment_id)
    if item is None or item.case_id != case_row.id:
        abort(404)
    return Response(item.data, mimetype=item.content_type,
                    headers={"Content-Disposition": "inline", "Cache-Control": "private, no-store"})


# -- weekly collection sessions ---------------------------------------------------------------------------------


@bp.route("/collections", methods=["GET", "POST"])
@staff_required()
def collections():
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        if not current_user.can_write:
            abort(403)
        unit_id = _unit_for_write()
        held_on = parse_date(request.form.get("held_on", ""))
        organisation, collector = clean(request.form.get("organisation"))[:120], clean(request.form.get("collector"))
        neighbourhood = clean(request.form.get("neighbourhood"))[:120]
        items = [line for line in (clean(x) for x in request.form.get("items", "").splitlines()) if line]
        category_id = request.form.get("category_id", type=int)
        if held_on is None or held_on > local_today():
            errors["held_on"] = "Ngày thu thập không hợp lệ (dd/mm/yyyy, không ở tương lai)."
        if not organisation:
            errors["organisation"] = "Vui lòng chọn tổ chức thu thập."
        if not collector or len(collector) > 120:
            errors["collector"] = "Vui lòng ghi người thu thập."
        if items and not category_id:
            errors["category_id"] = "Vui lòng chọn lĩnh vực cho các ý kiến."
        if not errors:
            session_row = CollectionSession(unit_id=unit_id, held_on=held_on, organisation=organisation,
                                            collector=collector[:120], neighbourhood=neighbourhood,
                                            note=clean(request.form.get("note"))[:2000],
                                            created_by_id=current_user.id)
            db.session.add(session_row)
            db.session.flush()
            try:
                case_service.file_items(
                    items, unit_id=unit_id, channel=CaseChannel.COLLECTION.value, category_id=category_id,
                    location=neighbourhood, received_at=as_utc(datetime.combine(held_on, time(17, 0), tzinfo=LOCAL_TZ)),
                    created_by=current_user, client_prefix=f"collection:{session_row.id}",
                    collection_session_id=session_row.id)
            except case_service.CaseError as exc:
                db.session.rollback()
                errors["items"] = f"Ý kiến {exc}"
            else:
                audit.record(current_user, "create", "collection_session", session_row.id, unit_id=unit_id,
                             detail={"items": len(items)})
                db.session.commit()
                flash(f"Đã ghi nhận buổi thu thập ngày {held_on.strftime('%d/%m/%Y')} với {len(items)} ý kiến.",
                      "success")
                return redirect(url_for(".collections"), code=303)
        status = 400
    rows = db.session.execute(
        scoped(CollectionSession, current_user).with_only_columns(CollectionSession, func.count(Case.id))
        .outerjoin(Case, Case.collection_session_id == CollectionSession.id)
        .group_by(CollectionSession.id).order_by(CollectionSession.held_on.desc()).limit(100)
    ).all()
    return render_template("inbox/collections.html", rows=rows, errors=errors, values=request.form,
                           organisations=ORGANISATIONS, categories=categories(), units=visible_units(current_user),
                           weeks=_week_calendar()), status


def _week_calendar(weeks: int = 12) -> list[tuple[date, int]]:
    """The last ``weeks`` ISO weeks (Monday) with their number of sessions, newest first."""
    today = local_today()
    monday = today - timedelta(days=today.weekday())
    first = monday - timedelta(weeks=weeks - 1)
    days = db.session.execute(
        scoped(CollectionSession, current_user).with_only_columns(CollectionSession.held_on)
        .where(CollectionSession.held_on >= first)
    ).scalars().all()
    counts: dict[date, int] = {}
    for day in days:
        week = day - timedelta(days=day.weekday())
        counts[week] = counts.get(week, 0) + 1
    return [(monday - timedelta(weeks=i), counts.get(monday - timedelta(weeks=i), 0)) for i in range(weeks)]


# -- suggestion-box openings --------------------------------------------------------------------------------------


@bp.route("/boxes", methods=["GET", "POST"])
@staff_required()
def boxes():
    boxes_list = db.session.execute(scoped(SuggestionBox, current_user).order_by(SuggestionBox.unit_id,
                                                                                   SuggestionBox.location_name)
                                    ).scalars().all()
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        if not current_user.can_write:
            abort(403)
        box = get_scoped_or_404(SuggestionBox, request.form.get("box_id", type=int) or 0, current_user)
        opened_on = parse_date(request.form.get("opened_on", ""))
        opened_by = clean(request.form.get("opened_by"))[:200]
        items = [line for line in (clean(x) for x in request.form.get("items", "").splitlines()) if line]
        category_id = request.form.get("category_id", type=int)
        if opened_on is None or opened_on > local_today():
            errors["opened_on"] = "Ngày mở hòm thư không hợp lệ (dd/mm/yyyy)."
        if not opened_by:
            errors["opened_by"] = "Vui lòng ghi người mở hòm thư (tổ mở hòm thư)."
        if items and not category_id:
            errors["category_id"] = "Vui lòng chọn lĩnh vực cho các thư."
        if not errors:
            opening = BoxOpening(box_id=box.id, unit_id=box.unit_id, opened_on=opened_on, opened_by=opened_by,
                                 items_count=len(items), created_by_id=current_user.id)
            db.session.add(opening)
            db.session.flush()
            try:
                case_service.file_items(
                    items, unit_id=box.unit_id, channel=CaseChannel.BOX.value, category_id=category_id,
                    location=box.location_name,
                    received_at=as_utc(datetime.combine(opened_on, time(9, 0), tzinfo=LOCAL_TZ)),
                    created_by=current_user, client_prefix=f"box:{opening.id}", box_opening_id=opening.id)
            except case_service.CaseError as exc:
                db.session.rollback()
                errors["items"] = f"Thư {exc}"
            else:
                audit.record(current_user, "create", "box_opening", opening.id, unit_id=box.unit_id,
                             detail={"items": len(items)})
                db.session.commit()
                flash(f"Đã ghi nhận lần mở hòm thư ngày {opened_on.strftime('%d/%m/%Y')}: {len(items)} thư.",
                      "success")
                return redirect(url_for(".boxes"), code=303)
        status = 400
    openings = db.session.execute(scoped(BoxOpening, current_user).order_by(BoxOpening.opened_on.desc())
                                  .limit(50)).scalars().all()
    return render_template("inbox/boxes.html", boxes=boxes_list, openings=openings, errors=errors,
                           values=request.form, categories=categories()), status


# -- duty roster ----------------------------------------------------------------------------------------------------


@bp.route("/duty", methods=["GET", "POST"])
@staff_required()
def duty():
    month = parse_date("01/" + (request.values.get("month") or local_today().strftime("%m/%Y")))
    if month is None:
        abort(400)
    last = (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    status = 200
    if request.method == "POST":
        if not current_user.can_write:
            abort(403)
        unit_id = _unit_for_write()
        channel = request.form.get("channel")
        user = db.session.get(User, request.form.get("user_id", type=int) or 0)
        start, end = parse_date(request.form.get("start", "")), parse_date(request.form.get("end", ""))
        if channel not in DUTY_CHANNELS or user is None or user.unit_id != unit_id:
            flash("Kênh hoặc cán bộ trực không hợp lệ.", "error")
            status = 400
        elif start is None or end is None or end < start or (end - start).days > 62:
            flash("Khoảng ngày không hợp lệ (dd/mm/yyyy, tối đa 2 tháng).", "error")
            status = 400
        else:
            added = 0
            for day in workdays.working_days_between(start, end):
                exists = db.session.execute(select(DutyShift.id).where(
                    DutyShift.unit_id == unit_id, DutyShift.day == day, DutyShift.channel == channel,
                    DutyShift.user_id == user.id)).first()
                if exists is None:
                    db.session.add(DutyShift(unit_id=unit_id, day=day, channel=channel, user_id=user.id))
                    added += 1
            audit.record(current_user, "create", "duty_shift", None, unit_id=unit_id,
                         detail={"channel": channel, "user": user.username, "days": added})
            try:
                db.session.commit()
            except IntegrityError:
                db.session.rollback()
                flash("Lịch trực vừa được người khác cập nhật; vui lòng thử lại.", "error")
                return redirect(url_for(".duty", month=month.strftime("%m/%Y")))
            flash(f"Đã phân công {added} ngày trực.", "success")
            return redirect(url_for(".duty", month=month.strftime("%m/%Y")), code=303)
    shifts = db.session.execute(scoped(DutyShift, current_user).where(DutyShift.day >= month, DutyShift.day <= last)
                                .order_by(DutyShift.day)).scalars().all()
    by_day: dict[date, dict[str, list[str]]] = {}
    for shift in shifts:
        by_day.setdefault(shift.day, {}).setdefault(shift.channel, []).append(shift.user.full_name)
    working = workdays.working_days_between(month, last)
    staff = db.session.execute(scoped(User, current_user).where(User.active.is_(True),
                                                                User.role.in_(["commune_admin", "commune_staff"]))
                               .order_by(User.full_name)).scalars().all()
    return render_template("inbox/duty.html", month=month, working=working, by_day=by_day, channels=DUTY_CHANNELS,
                           staff=staff, units=visible_units(current_user)), status


# -- API keys for Open311 clients -----------------------------------------------------------------------------------


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@bp.route("/api-keys", methods=["GET", "POST"])
@staff_required(can_administer)
def api_keys():
    new_key = None
    if request.method == "POST":
        name = clean(request.form.get("name"))[:120]
        if not name:
            flash("Vui lòng đặt tên cho khóa (ứng dụng nào dùng).", "error")
        else:
            unit_id = _unit_for_write()
            new_key = "hl_" + secrets.token_urlsafe(24)
            row = ApiKey(unit_id=unit_id, name=name, prefix=new_key[:8], key_hash=hash_key(new_key),
                         created_by_id=current_user.id)
            db.session.add(row)
            db.session.flush()
            audit.record(current_user, "create", "api_key", row.id, unit_id=unit_id, detail={"name": name})
            db.session.commit()
    keys = db.session.execute(scoped(ApiKey, current_user).order_by(ApiKey.id.desc())).scalars().all()
    return render_template("inbox/api_keys.html", keys=keys, new_key=new_key, units=visible_units(current_user))


@bp.route("/api-keys/<int:key_id>/revoke", methods=["POST"])
@staff_required(can_administer)
def revoke_key(key_id: int):
    row = get_scoped_or_404(ApiKey, key_id, current_user)
    row.active = False
    audit.record(current_user, "revoke", "api_key", row.id, unit_id=row.unit_id)
    db.session.commit()
    flash("Đã thu hồi khóa.", "success")
    return redirect(url_for(".api_keys"))
