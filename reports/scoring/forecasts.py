"""Beside each rule, its outlook: where the item ends the period if the pace so far holds, the most it can still
reach, and the concrete actions that close the gap (in Vietnamese, with numbers and places).

One small named function per rule, registered in :data:`FORECASTS` under the rule's name. Each works on the
same data the rule reads (``data``) and never promises points the rule would not give: an outlook's ratios are
turned into points by the engine's own rounding, and what is already lost (a late dossier under "100% đúng hạn",
a week gone without a collection session) is never counted as reachable.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from survey_app.models import AdminUnit
from survey_app.services import workdays
from survey_app.timeutil import format_date

from . import data
from .asof import AsOf
from .reads import UnitReads
from .rules import iso_weeks, period_months, survey_period


@dataclass
class Action:
    """One thing to do. ``gain`` is the most points the action wins back by the end of the period; ``effort`` a
    coarse cost: 1 a record or an entry, 2 something to organise this week, 3 work repeated over weeks."""

    item: str
    text: str
    gain: float
    effort: int
    due: date | None = None

    def as_dict(self) -> dict:
        return {"item": self.item, "text": self.text, "gain": round(self.gain, 2), "effort": self.effort,
                "due": self.due.isoformat() if self.due else None}


@dataclass
class Outlook:
    #: achievement (0–1) at the end of the period if the pace so far holds
    forecast: float
    #: the highest achievement still reachable by the end of the period
    reachable: float
    actions: list[Action] = field(default_factory=list)
    #: a state that is neither success nor failure, e.g. "chưa đến kỳ"
    note: str = ""


@dataclass(frozen=True)
class OutlookContext:
    session: Session
    unit: AdminUnit
    year: int
    #: what the score saw (the same as-of as the rules): the guidance knows nothing after its cutoff
    asof: AsOf
    item_code: str
    points: float
    #: the commune's reads, shared with its score (what the rules read is not read again)
    read: UnitReads

    @property
    def today(self) -> date:
        """The day the guidance is computed for (the score's effective date, never after today)."""
        return self.asof.end

    @property
    def start(self) -> date:
        return self.asof.start

    @property
    def year_end(self) -> date:
        return date(self.year, 12, 31)

    @property
    def now(self) -> datetime:
        """The moment deadlines are judged at."""
        return self.asof.cutoff

    @property
    def remaining_days(self) -> int:
        return max(0, (self.year_end - self.today).days)

    @property
    def elapsed_days(self) -> int:
        return max(1, (self.today - self.start).days + 1)

    def gain(self, ratio: float) -> float:
        return max(0.0, self.points * ratio)

    def action(self, text: str, ratio: float, effort: int, due: date | None = None) -> Action:
        return Action(self.item_code, text, self.gain(ratio), effort, due)


def neighbourhood_word(unit: AdminUnit) -> str:
    """A xã has thôn, a phường (and an đặc khu's urban part) tổ dân phố."""
    return "thôn" if unit.kind == "commune" else "tổ dân phố"


def _codes(codes: list[str], limit: int = data.FIRST_CODES, total: int | None = None) -> str:
    """The first ``limit`` codes and how many more (of ``total``, when only the first ones were read)."""
    total = len(codes) if total is None else total
    shown = ", ".join(codes[:limit])
    return shown + (f" và {total - limit} hồ sơ khác" if total > limit else "")


def _clip(value: float) -> float:
    return max(0.0, min(1.0, value))


# -- Tiêu chí 1.2 --------------------------------------------------------------------------------------------------


def suggestion_boxes(o: OutlookContext, params: dict, ratio_now: float) -> Outlook:
    rows = o.read.boxes_with_openings(o.asof)
    word = neighbourhood_word(o.unit)
    profile = o.read.profile()
    neighbourhoods = profile.neighbourhoods if profile and profile.neighbourhoods else None
    actions = []
    if o.remaining_days <= 0:
        return Outlook(ratio_now, ratio_now)
    if not any(kind == "ubnd" and n > 0 for _, kind, _, _, n in rows):
        actions.append(o.action("Mở hòm thư góp ý tại trụ sở UBND, lập biên bản và ghi vào sổ theo dõi (chưa có "
                                "lần mở nào trong năm).", params["ubnd_weight"], 1))
    unopened = [name for _, kind, name, _, n in rows if kind == "to_dan_pho" and n == 0]
    per_box = params["neighbourhood_weight"] / neighbourhoods if neighbourhoods else 0.0
    if unopened:
        actions.append(o.action(f"Mở hòm thư tại {len(unopened)} {word} chưa mở lần nào trong năm: "
                                f"{', '.join(unopened[:6])}{'…' if len(unopened) > 6 else ''}.",
                                per_box * len(unopened), 2))
    if neighbourhoods is None:
        actions.append(Action(o.item_code, f"Nhập số {word} của đơn vị (Thông tin đơn vị) để tính tỷ lệ hòm thư.",
                              0.0, 1))
    else:
        with_box = sum(1 for _, kind, *_ in rows if kind == "to_dan_pho")
        if with_box < neighbourhoods:
            actions.append(o.action(f"Lắp hòm thư góp ý tại {neighbourhoods - with_box} {word} còn thiếu (có "
                                    f"{with_box}/{neighbourhoods}) và mở trước {format_date(o.year_end)}.",
                                    per_box * (neighbourhoods - with_box), 3))
    return Outlook(ratio_now, 1.0, actions)


_NO_CHANNELS: frozenset[str] = frozenset()


def duty_roster(o: OutlookContext, params: dict, ratio_now: float) -> Outlook:
    channels = set(params["channels"])
    corrections = o.read.calendar(o.start, o.year_end)
    past = workdays.working_days_between(o.start, o.today, corrections)
    future = workdays.working_days_between(o.today + timedelta(days=1), o.year_end, corrections)
    total = len(past) + len(future)
    if not total:
        return Outlook(0.0, 0.0)
    # what was covered, and the roster already entered for the coming days (a new dict of new sets where the two
    # meet: the batch's answers, frozensets, stay as read)
    by_day = dict(o.read.duty_channels_by_day(o.asof))
    for day, planned_channels in o.read.duty_planned(o.today, o.year_end).items():
        by_day[day] = by_day.get(day, _NO_CHANNELS) | planned_channels
    covered = sum(1 for d in past if channels <= by_day.get(d, _NO_CHANNELS))
    planned = sum(1 for d in future if channels <= by_day.get(d, _NO_CHANNELS))
    pace = covered / len(past) if past else 1.0
    forecast = (covered + planned + (len(future) - planned) * pace) / total
    actions = []
    month_end = _month_bounds(o.today.year, o.today.month)[1]
    this_month = [d for d in [o.today, *future] if d <= month_end and (d != o.today or d in past)]
    labels = {"hotline": "đường dây nóng", "zalo": "Zalo", "facebook": "Facebook"}
    for channel in sorted(channels):
        gaps = [d for d in this_month if channel not in by_day.get(d, _NO_CHANNELS)]
        if gaps:
            actions.append(o.action(f"Lịch trực {labels.get(channel, channel)} thiếu {len(gaps)} ngày làm việc trong "
                                    f"tháng {o.today.month:02d} (từ {format_date(gaps[0])}).",
                                    len(gaps) / total, 1, gaps[0]))
    missed = [d for d in past if not channels <= by_day.get(d, _NO_CHANNELS)]
    if missed:
        actions.append(o.action(f"{len(missed)} ngày làm việc đã qua chưa có đủ người trực trong sổ: nếu thực tế đã "
                                "trực, bổ sung lịch trực kèm văn bản phân công.", len(missed) / total, 1))
    return Outlook(_clip(forecast), _clip((covered + len(future)) / total), actions)


def app_channel(o: OutlookContext, params: dict, ratio_now: float) -> Outlook:
    channels = params["channels"]
    months = period_months(o.start, o.year_end)
    by_month = o.read.cases_by_month(channels, o.asof)
    past = [(y, m) for y, m, _ in months if date(y, m, 1) <= o.today]
    met = sum(1 for ym in past if by_month.get(ym))
    this_month = (o.today.year, o.today.month)
    met_complete = sum(1 for ym in past if ym != this_month and by_month.get(ym))
    pace = met_complete / max(1, len(past) - 1) if len(past) > 1 else 1.0
    future = len(months) - len(past)
    operating_reachable = (met + (0 if by_month.get(this_month) else 1) + future) / len(months)
    operating_forecast = (met + (future + (0 if by_month.get(this_month) else 1)) * pace) / len(months)
    cases = o.read.case_standing(channels, o.asof)  # the cases as they stood at the cutoff
    decided, on_time, answered, published = cases.decided, cases.on_time, cases.answered, cases.published
    open_cases, unpublished = cases.open_cases, cases.unpublished
    on_time_now = on_time / decided if decided else 0.0
    pending = len(open_cases)
    on_time_reachable = (on_time + pending) / (decided + pending) if decided + pending else 0.0
    published_now = published / answered if answered else 0.0
    w_op, w_on, w_pub = params["operating_weight"], params["on_time_weight"], params["published_weight"]
    forecast = w_op * operating_forecast + w_on * on_time_now + w_pub * published_now
    reachable = w_op * operating_reachable + w_on * on_time_reachable + w_pub * (1.0 if answered or open_cases
                                                                                 else 0.0)
    actions = []
    if not by_month.get(this_month) and o.remaining_days >= 0:
        actions.append(o.action(f"Tháng {o.today.month:02d} chưa có phản ánh nào qua ứng dụng/web: giới thiệu mã QR "
                                "phản ánh tại Trung tâm và trên trang thông tin của đơn vị.", w_op / len(months), 2))
    horizon = _working_days_ahead(o, 3)
    soon = [code for code, due in open_cases if workdays.to_local(due).date() <= horizon]
    if soon:
        actions.append(o.action(f"{len(soon)} phản ánh qua ứng dụng/web đến hạn trong 3 ngày làm việc tới: "
                                f"{_codes(soon)}.", w_on * len(soon) / max(1, decided + len(open_cases)), 1))
    if unpublished:
        actions.append(o.action(f"{len(unpublished)} phản ánh đã trả lời nhưng chưa công khai kết quả: "
                                f"{_codes(unpublished)}.", w_pub * len(unpublished) / max(1, answered), 1))
    return Outlook(_clip(forecast), _clip(max(forecast, reachable)), actions)


def weekly_collection(o: OutlookContext, params: dict, ratio_now: float) -> Outlook:
    weeks = iso_weeks(o.start, o.year_end)
    if not weeks:
        return Outlook(0.0, 0.0)
    sessions = o.read.collection_days(weeks[0], o.asof)
    held = {day - timedelta(days=day.weekday()) for day, *_ in sessions}
    current = o.today - timedelta(days=o.today.weekday())
    past = [w for w in weeks if w < current]
    future = [w for w in weeks if w > current]
    met_past = sum(1 for w in past if w in held)
    current_met = current in held
    pace = met_past / len(past) if past else 1.0
    in_year = current in weeks
    forecast = (met_past + (1 if current_met else pace if in_year else 0) + len(future) * pace) / len(weeks)
    reachable = (met_past + (1 if in_year else 0) + len(future)) / len(weeks)
    actions = []
    if in_year and not current_met:
        iso = current.isocalendar().week
        actions.append(o.action(f"Tuần {iso} ({current:%d/%m}–{current + timedelta(days=6):%d/%m}) chưa có buổi thu "
                                f"thập ý kiến qua MTTQ/Tổ trưởng {neighbourhood_word(o.unit)}; còn {len(future)} tuần "
                                "trong năm sau tuần này.", 1 / len(weeks), 2, min(current + timedelta(days=6),
                                                                                   o.year_end)))
    if future:
        actions.append(o.action(f"Lên lịch ít nhất một buổi thu thập ý kiến mỗi tuần cho {len(future)} tuần còn lại "
                                f"(đến {format_date(o.year_end)}).", len(future) * (1 - pace) / len(weeks), 3))
    return Outlook(_clip(forecast), _clip(reachable), actions)


# -- Tiêu chí 2 ----------------------------------------------------------------------------------------------------


def _month_bounds(y: int, m: int) -> tuple[date, date]:
    first = date(y, m, 1)
    nxt = date(y + (m == 12), m % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


def centre_survey_months(o: OutlookContext, params: dict, ratio_now: float) -> Outlook:
    qid = o.read.questionnaire_id(params["questionnaire"])
    yearly = params["yearly_sample"].get(o.unit.kind, 150)
    monthly = math.ceil(yearly / 12)
    centres = o.read.active_centres()
    months = period_months(o.start, o.year_end)
    cells = len(centres) * len(months)
    if not cells:
        return Outlook(0.0, 0.0, [Action(o.item_code, "Khai báo Trung tâm Phục vụ hành chính công của đơn vị.", 0, 1)])
    counts = o.read.responses_by_centre_month(qid, o.asof) if qid else {}
    this = (o.today.year, o.today.month)
    first, last = _month_bounds(*this)
    elapsed = (o.today - first).days + 1
    met_past = future = current_met = current_pace = 0
    complete_cells = 0
    actions = []
    for centre_id, name in centres:
        for y, m, _complete in months:
            n = counts.get((centre_id, y, m), 0)
            if (y, m) < this:
                complete_cells += 1
                met_past += n >= monthly
            elif (y, m) == this:
                if n >= monthly:
                    current_met += 1
                else:
                    projected = n * (last - first).days / elapsed if elapsed else 0
                    current_pace += projected >= monthly
                    text = f"{name}: tháng {m:02d} cần thêm {monthly - n} phiếu (đã có {n}/{monthly})."
                    actions.append(o.action(text, 1 / cells, 2, last))
            else:
                future += 1
    pace = met_past / complete_cells if complete_cells else 1.0
    forecast = (met_past + current_met + current_pace + future * pace) / cells
    reachable = (met_past + len(centres) * (this <= (o.year_end.year, 12)) + future) / cells \
        if o.today <= o.year_end else ratio_now
    if future:
        actions.append(o.action(f"Các tháng còn lại: mỗi trung tâm ít nhất {monthly} phiếu hợp lệ mỗi tháng (mẫu năm "
                                f"{yearly} phiếu).", future * (1 - pace) / cells, 3))
    lost = complete_cells - met_past
    if lost:
        actions.append(Action(o.item_code, f"{lost} tháng-trung tâm đã qua chưa đủ phiếu: không bù lại được.", 0.0, 0))
    return Outlook(_clip(forecast), _clip(reachable), actions)


def annual_survey_sample(o: OutlookContext, params: dict, ratio_now: float) -> Outlook:
    begin, end, label = survey_period(o.year, params)
    required = params["required"].get(o.unit.kind, 150)
    if o.today < begin:
        return Outlook(0.0, 1.0, [o.action(f"Khảo sát sự hài lòng thường niên: chuẩn bị {required} phiếu cho {label} "
                                           f"(bắt đầu {format_date(begin)}).", 1.0, 3, end)], note="chưa đến kỳ")
    qid = o.read.questionnaire_id(params["questionnaire"])
    n = o.read.valid_responses(qid, begin, o.asof) if qid else 0
    if o.today > end:
        return Outlook(min(1.0, n / required), min(1.0, n / required))
    elapsed = (o.today - begin).days + 1
    projected = n * ((end - begin).days + 1) / elapsed
    actions = []
    if n < required:
        left = workdays.working_days_between(o.today, end, o.read.calendar(o.today, end))
        per_day = math.ceil((required - n) / len(left)) if left else required - n
        actions.append(o.action(f"Khảo sát thường niên: cần thêm {required - n} phiếu hợp lệ trước {format_date(end)} "
                                f"(đã có {n}/{required}; khoảng {per_day} phiếu mỗi ngày làm việc còn lại).",
                                (required - n) / required, 3, end))
    return Outlook(_clip(projected / required), 1.0, actions)


#: how far ahead the guidance warns of dossiers falling due, in working days
DUE_SOON_DAYS = 2


def _lists(o: OutlookContext) -> data.DossierLists:
    """The dossiers the guidance names (one read for every dossier item of the batch)."""
    return o.read.dossier_lists(o.asof, workdays.end_of_local_day(_working_days_ahead(o, DUE_SOON_DAYS)))


def _due_soon(o: OutlookContext) -> tuple[tuple[str, datetime], ...]:
    """Open dossiers not yet late that fall due within :data:`DUE_SOON_DAYS` working days."""
    return _lists(o).due_soon


def _working_days_ahead(o: OutlookContext, days: int) -> date:
    """The ``days``-th working day after today, with the calendar's corrections (read once per batch)."""
    return workdays.add_working_days(o.today, days, o.read.calendar(o.today, o.today + timedelta(days=days * 3 + 30)))


def dossiers_on_time(o: OutlookContext, params: dict, ratio_now: float) -> Outlook:
    counts = o.read.dossier_counts(o.asof)
    judged, late = counts.judged, counts.late
    soon = _due_soon(o)
    linear = params.get("mode") == "linear"
    actions = []
    if not judged:
        return Outlook(0.0, 1.0, [o.action("Nhập tệp xuất số liệu hồ sơ từ hệ thống một cửa (Số liệu hồ sơ TTHC).",
                                           1.0, 1)])
    if soon:
        at_stake = (len(soon) / (judged + len(soon))) if linear else (1.0 if not late else 0.0)
        actions.append(o.action(f"{len(soon)} hồ sơ sẽ quá hạn trong 2 ngày làm việc tới: "
                                f"{_codes([c for c, _ in soon])}.", at_stake, 1,
                                workdays.to_local(soon[0][1]).date()))
    if linear:
        return Outlook(ratio_now, ratio_now, actions)
    if late:
        actions.append(Action(o.item_code, f"Đã có {late} hồ sơ quá hạn trong năm: mục này chỉ đạt điểm khi 100% "
                                           "đúng hạn nên không còn đạt được; vẫn giải quyết đúng hạn các hồ sơ còn lại "
                                           "và gửi thư xin lỗi (mục 2.4.e).", 0.0, 0))
        return Outlook(0.0, 0.0, actions)
    return Outlook(1.0, 1.0, actions)


def fast_track_day(o: OutlookContext, params: dict, ratio_now: float) -> Outlook:
    profile = o.read.profile()
    if profile is None or profile.fast_track_weekday is None:
        return Outlook(0.0, 1.0, [o.action("Ban hành quy định 01 ngày/tuần giải quyết nhanh, trả kết quả trong ngày "
                                           "và khai báo ngày đó (Thông tin đơn vị).", 1.0, 2)])
    n = o.read.fast_track(o.asof).received.get(profile.fast_track_weekday, 0)
    if not n:
        return Outlook(0.0, 1.0, [o.action("Chưa có hồ sơ giải quyết nhanh vào ngày đã quy định: đánh dấu “Giải quyết "
                                           "nhanh” trên hệ thống một cửa và nhập lại tệp số liệu.", 1.0, 2)])
    expected_future = n * o.remaining_days / o.elapsed_days
    same = ratio_now * n
    reachable = (same + expected_future) / (n + expected_future) if n + expected_future else ratio_now
    return Outlook(ratio_now, _clip(max(ratio_now, reachable)))


def home_service(o: OutlookContext, params: dict, ratio_now: float) -> Outlook:
    home = o.read.home_service(o.asof)
    if not home.requests:
        return Outlook(0.0, 1.0, [o.action("Chưa có hồ sơ tiếp nhận, trả kết quả tại nhà: rà soát thương binh, người "
                                           "khuyết tật, người ốm nặng, người già neo đơn để chủ động phục vụ tại nhà.",
                                           1.0, 3)])
    actions = []
    if home.waiting:
        actions.append(o.action(f"{home.waiting} yêu cầu tại nhà chưa trả kết quả: "
                                f"{_codes(list(_lists(o).home_waiting), total=home.waiting)} (hạn sớm nhất "
                                f"{format_date(workdays.to_local(home.waiting_due).date())}).",
                                home.waiting / home.requests, 2))
    return Outlook(ratio_now, _clip(ratio_now + home.waiting / home.requests), actions)


def apology_letters(o: OutlookContext, params: dict, ratio_now: float) -> Outlook:
    counts = o.read.dossier_counts(o.asof)
    missing = counts.late - counts.apologised
    soon = _due_soon(o)
    actions = []
    if missing:
        actions.append(o.action(f"{missing} hồ sơ quá hạn chưa có thư xin lỗi: "
                                f"{_codes(list(_lists(o).unapologised), total=missing)}.", missing / counts.late, 1))
    if soon:
        actions.append(Action(o.item_code, f"Nếu {len(soon)} hồ sơ đến hạn trong 2 ngày làm việc tới bị quá hạn, cần "
                                           "gửi thư xin lỗi kèm đề nghị gia hạn (ngày hẹn mới, lý do).", 0.0, 1))
    if not counts.judged:
        return Outlook(0.0, 1.0, [o.action("Nhập tệp xuất số liệu hồ sơ để xác định hồ sơ quá hạn cần thư xin lỗi.",
                                           1.0, 1)])
    return Outlook(ratio_now, 1.0, actions)


# -- Tiêu chí 3 ------------------------------------------------------------------------------------------------------


def reception_months(o: OutlookContext, params: dict, ratio_now: float) -> Outlook:
    months = period_months(o.start, o.year_end)
    by_month = o.read.cases_by_month(["reception"], o.asof)
    this = (o.today.year, o.today.month)
    past = [(y, m) for y, m, _ in months if (y, m) < this]
    met_past = sum(1 for ym in past if by_month.get(ym))
    future = [(y, m) for y, m, _ in months if (y, m) > this]
    current = 1 if by_month.get(this) else 0
    pace = met_past / len(past) if past else 1.0
    in_year = this <= (o.year_end.year, o.year_end.month)
    forecast = (met_past + (current or pace) * in_year + len(future) * pace) / len(months)
    reachable = (met_past + in_year + len(future)) / len(months)
    actions = []
    if in_year and not current:
        actions.append(o.action(f"Tháng {o.today.month:02d} chưa ghi nhận buổi tiếp công dân của lãnh đạo.",
                                1 / len(months), 2, _month_bounds(*this)[1]))
    return Outlook(_clip(forecast), _clip(reachable), actions)


OutlookFunction = Callable[[OutlookContext, dict, float], Outlook]

#: rule name -> its outlook function (every rule of ``rules.RULES`` has one; a test checks it).
FORECASTS: dict[str, OutlookFunction] = {
    "suggestion_boxes": suggestion_boxes,
    "duty_roster": duty_roster,
    "app_channel": app_channel,
    "weekly_collection": weekly_collection,
    "centre_survey_months": centre_survey_months,
    "annual_survey_sample": annual_survey_sample,
    "dossiers_on_time": dossiers_on_time,
    "fast_track_day": fast_track_day,
    "home_service": home_service,
    "apology_letters": apology_letters,
    "reception_months": reception_months,
}
