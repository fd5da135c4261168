"""One small named function per computed item. Each returns the achievement (0–1), the figures it used, a short
Vietnamese explanation (what counted, the weights, which rows were left out and why) and, on demand, the rows
behind it. Parameters come from the table data (with the city administrator's overrides and the commune's own
plan parameters); partial credit follows achievement ("đến đâu chấm điểm đến đó").

Every rule sees the data through one :class:`~reports.scoring.asof.AsOf` (``ctx.asof``): only what had happened by
the end of the as-of day, never a day that has not come yet.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from survey_app.models import AdminUnit
from survey_app.models.cases import CHANNEL_LABELS
from survey_app.models.surveys import CHANNEL_LABELS as SURVEY_CHANNEL_LABELS
from survey_app.numbers import percent_vi
from survey_app.services import workdays
from survey_app.timeutil import format_date, format_datetime

from . import data
from .asof import AsOf
from .reads import UnitReads


@dataclass(frozen=True)
class RuleContext:
    session: Session
    unit: AdminUnit
    year: int
    #: what the score may see (period, effective date, cutoff): the one as-of argument of every query
    asof: AsOf
    #: the commune's reads, from the batch of communes being scored (one query per read for the whole batch)
    read: UnitReads

    @property
    def start(self) -> date:
        return self.asof.start

    @property
    def end(self) -> date:
        return self.asof.end

    @property
    def now(self) -> datetime:
        """The moment deadlines are judged at (the end of the as-of day, or the present if earlier)."""
        return self.asof.cutoff


@dataclass(frozen=True)
class Evidence:
    columns: list[str]
    rows: list[list]


@dataclass
class RuleResult:
    ratio: float
    explanation: str
    figures: dict = field(default_factory=dict)
    evidence: Callable[[], Evidence] | None = None
    #: scored, or not_due: the item's own period has not ended ("chưa đến kỳ"), which is not a failure
    status: str = "scored"


def _pct(value: float) -> str:
    return percent_vi(value)


def _weight(value: float) -> str:
    return f"{value * 100:g}".replace(".", ",") + "%"


def _channels(codes) -> str:
    """Channel codes in Vietnamese words."""
    return ", ".join(str(CHANNEL_LABELS.get(c, c)) if not hasattr(c, "label") else c.label for c in codes)


def neighbourhood_word(unit: AdminUnit) -> str:
    """A xã has thôn, a phường tổ dân phố; a đặc khu may have both."""
    return {"xa": "thôn", "phuong": "tổ dân phố"}.get(unit.kind, "thôn, tổ dân phố")


def period_months(start: date, end: date, asof: AsOf | None = None) -> list[tuple[int, int, bool]]:
    """(year, month, complete) for each month from start to end; the last may be incomplete (with ``asof``, a
    month is complete only once its last day is over)."""
    months, current = [], date(start.year, start.month, 1)
    while current <= end:
        last = date(current.year, current.month, calendar.monthrange(current.year, current.month)[1])
        complete = asof.day_over(last) if asof is not None else last <= end
        months.append((current.year, current.month, complete))
        current = last + timedelta(days=1)
    return months


def iso_weeks(start: date, end: date) -> list[date]:
    """Mondays of the ISO weeks whose Thursday falls in the period (a week split across two years belongs to the
    year that holds its Thursday, as ISO 8601 says)."""
    monday = start - timedelta(days=start.weekday())
    weeks = []
    while monday <= end:
        if start <= monday + timedelta(days=3) <= end:
            weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


# -- Tiêu chí 1.2 --------------------------------------------------------------------------------------------------


def suggestion_boxes(ctx: RuleContext, params: dict) -> RuleResult:
    rows = ctx.read.boxes_with_openings(ctx.asof)
    word = neighbourhood_word(ctx.unit)
    ubnd_ok = any(kind == "ubnd" and n > 0 for _, kind, _, _, n in rows)
    opened_tdp = sum(1 for _, kind, _, _, n in rows if kind == "to_dan_pho" and n > 0)
    profile = ctx.read.profile()
    neighbourhoods = profile.neighbourhoods if profile and profile.neighbourhoods else None
    share = min(1.0, opened_tdp / neighbourhoods) if neighbourhoods else 0.0
    w_ubnd, w_tdp = params["ubnd_weight"], params["neighbourhood_weight"]
    ratio = w_ubnd * ubnd_ok + w_tdp * share
    text = (f"Hòm thư tại trụ sở UBND {'có' if ubnd_ok else 'chưa có'} lần mở trong kỳ (trọng số {_weight(w_ubnd)}); "
            + (f"{opened_tdp}/{neighbourhoods} {word} có hòm thư đã mở ({_pct(share)}, trọng số {_weight(w_tdp)})."
               if neighbourhoods else
               f"{opened_tdp} hòm thư tại {word} đã mở; chưa nhập số {word} nên phần này chưa tính (trọng số "
               f"{_weight(w_tdp)})."))
    place = word[0].upper() + word[1:]
    return RuleResult(ratio, text, {"ubnd_opened": ubnd_ok, "neighbourhood_boxes_opened": opened_tdp,
                                    "neighbourhoods": neighbourhoods},
                      lambda: Evidence(["Loại", "Vị trí", "Ngày lắp đặt", "Số lần mở trong kỳ"],
                                       [["Trụ sở UBND" if k == "ubnd" else place, name, format_date(d), n]
                                        for _, k, name, d, n in rows]))


def duty_roster(ctx: RuleContext, params: dict) -> RuleResult:
    channels = set(params["channels"])
    working = workdays.working_days_between(ctx.start, ctx.end, ctx.read.calendar(ctx.start, ctx.end))
    by_day = ctx.read.duty_channels_by_day(ctx.asof)
    covered = [d for d in working if channels <= by_day.get(d, set())]
    ratio = len(covered) / len(working) if working else 0.0
    missing = [d for d in working if not channels <= by_day.get(d, set())]
    return RuleResult(ratio, f"{len(covered)}/{len(working)} ngày làm việc (trừ nghỉ lễ, tính cả thứ Bảy làm bù) có "
                             f"đủ người trực {_channels(sorted(channels))} ({_pct(ratio)}).",
                      {"working_days": len(working), "covered_days": len(covered)},
                      lambda: Evidence(["Ngày làm việc chưa đủ người trực", "Kênh còn thiếu"],
                                       [[format_date(d), _channels(sorted(channels - by_day.get(d, set())))]
                                        for d in missing]))


#: how a case stood at the cutoff -> the words on the evidence sheet
CASE_JUDGEMENTS = {"on_time": "Đúng hạn", "answered_late": "Trả lời trễ hạn",
                   "open_past_due": "Quá hạn, chưa trả lời", "not_yet_due": "Chưa đến hạn (không tính)"}


def case_judgement(case: data.CaseAsOf, cutoff: datetime) -> str:
    """on_time / answered_late (answered, by or after its deadline as it stood then) / open_past_due /
    not_yet_due (open, deadline still ahead: left out)."""
    if case.answered_at is not None:
        return "on_time" if case.answered_at <= case.due_at else "answered_late"
    return "open_past_due" if case.due_at < cutoff else "not_yet_due"


def app_channel(ctx: RuleContext, params: dict) -> RuleResult:
    channels = params["channels"]
    months = period_months(ctx.start, ctx.end, ctx.asof)
    by_month = ctx.read.cases_by_month(channels, ctx.asof)
    counted = [(y, m) for y, m, complete in months if complete or by_month.get((y, m))]
    active = sum(1 for ym in counted if by_month.get(ym))
    operating = active / len(counted) if counted else 0.0
    cases = ctx.read.case_standing(channels, ctx.asof)
    on_time, answered_late, open_late, waiting = (cases.on_time, cases.answered_late, cases.open_past_due,
                                                  cases.not_yet_due)
    decided, answered, published = cases.decided, cases.answered, cases.published
    on_time_share = on_time / decided if decided else 0.0
    published_share = published / answered if answered else 0.0
    w_op, w_on, w_pub = params["operating_weight"], params["on_time_weight"], params["published_weight"]
    ratio = w_op * operating + w_on * on_time_share + w_pub * published_share
    text = (f"Tiếp nhận qua {_channels(channels)}: {active}/{len(counted)} tháng có phản ánh (trọng số {_weight(w_op)}"
            f"); trả lời đúng hạn {on_time}/{decided} ({_pct(on_time_share)}, trọng số {_weight(w_on)}): "
            f"{answered_late} trả lời trễ hạn, {open_late} quá hạn chưa trả lời"
            + (f", {waiting} chưa đến hạn không tính" if waiting else "")
            + f"; công khai kết quả {published}/{answered} ({_pct(published_share)}, trọng số {_weight(w_pub)}).")

    def rows() -> Evidence:
        return Evidence(["Mã", "Kênh", "Tiếp nhận", "Hạn", "Trả lời", "Đúng hạn", "Công khai"], [
            [c.tracking_code, _channels([c.channel]), format_datetime(c.received_at), format_date(c.due_at),
             format_datetime(c.answered_at) if c.answered_at else "", CASE_JUDGEMENTS[case_judgement(c, ctx.now)],
             "Có" if c.published_at else "Không"]
            for c in ctx.read.case_rows(channels, ctx.asof)])

    return RuleResult(ratio, text, {"months": len(counted), "decided": decided, "on_time": on_time,
                                    "answered": answered, "published": published, "answered_late": answered_late,
                                    "open_past_due": open_late, "not_yet_due": waiting}, rows)


def weekly_collection(ctx: RuleContext, params: dict) -> RuleResult:
    all_weeks = iso_weeks(ctx.start, ctx.end)
    if not all_weeks:
        return RuleResult(0.0, "Kỳ đánh giá chưa có tuần nào.", {"weeks": 0, "weeks_with_session": 0},
                          status="not_due")
    sessions = ctx.read.collection_days(all_weeks[0], ctx.asof)
    held = {day - timedelta(days=day.weekday()) for day, *_ in sessions}
    # the week in progress counts once it is met: its remaining days have not come yet
    weeks = [w for w in all_weeks if ctx.asof.day_over(w + timedelta(days=6)) or w in held]
    met = [w for w in weeks if w in held]
    ratio = len(met) / len(weeks) if weeks else 0.0
    word = neighbourhood_word(ctx.unit)
    left_out = len(all_weeks) - len(weeks)
    return RuleResult(ratio, f"{len(met)}/{len(weeks)} tuần có ít nhất một buổi thu thập ý kiến qua MTTQ, "
                             f"đoàn thể, {'Trưởng thôn' if word == 'thôn' else 'tổ trưởng ' + word} ({_pct(ratio)})"
                             + ("; tuần đang diễn ra chưa có buổi nào nên chưa tính" if left_out else "") + ".",
                      {"weeks": len(weeks), "weeks_with_session": len(met)},
                      lambda: Evidence(["Tuần (từ thứ Hai)", "Số buổi", "Tổ chức"], [
                          [format_date(w), sum(1 for d, *_ in sessions if d - timedelta(days=d.weekday()) == w),
                           ", ".join(sorted({o for d, o, *_ in sessions if d - timedelta(days=d.weekday()) == w}))]
                          for w in weeks]))


# -- Tiêu chí 2 ----------------------------------------------------------------------------------------------------


def _kind(ctx: RuleContext) -> str:
    return ctx.unit.kind


def centre_survey_months(ctx: RuleContext, params: dict) -> RuleResult:
    qid = ctx.read.questionnaire_id(params["questionnaire"])
    yearly = params["yearly_sample"].get(_kind(ctx), 150)
    monthly = math.ceil(yearly / 12)
    centres = ctx.read.active_centres()
    counts = ctx.read.responses_by_centre_month(qid, ctx.asof) if qid else {}
    months = period_months(ctx.start, ctx.end, ctx.asof)
    cells, met, waiting = 0, 0, 0
    table = []
    for centre_id, name in centres:
        for y, m, complete in months:
            n = counts.get((centre_id, y, m), 0)
            if not complete and n < monthly:
                waiting += 1
                continue  # the month in progress counts once it is met
            cells += 1
            met += n >= monthly
            table.append([name, f"{m:02d}/{y}", n, monthly, "Đạt" if n >= monthly else "Chưa đạt"])
    ratio = met / cells if cells else 0.0
    text = (f"{met}/{cells} tháng-trung tâm có từ {monthly} phiếu hợp lệ trở lên (mẫu năm {yearly} phiếu cho "
            f"{ctx.unit.kind_label.lower()}, chia đều 12 tháng; tính cả QR, máy đánh giá và phiếu giấy; phiếu nghi vấn "
            "không tính)" + ("; tháng đang diễn ra chưa đủ phiếu nên chưa tính" if waiting else "") + ".")
    return RuleResult(ratio, text, {"monthly_required": monthly, "cells": cells, "met": met},
                      lambda: Evidence(["Trung tâm", "Tháng", "Số phiếu hợp lệ", "Yêu cầu", "Kết quả"], table))


def margin_of_error(n: int, population: int | None, z: float = 1.96) -> float | None:
    """Worst-case (p = 0.5) margin of error at 95%, with the finite-population correction when N is known."""
    if n <= 0:
        return None
    moe = z * math.sqrt(0.25 / n)
    if population and population > n:
        moe *= math.sqrt((population - n) / (population - 1))
    elif population and population <= n:
        return 0.0
    return moe


QUARTER_NAMES = {1: "Quý I", 2: "Quý II", 3: "Quý III", 4: "Quý IV"}


def survey_period(year: int, params: dict) -> tuple[date, date, str]:
    """(first day, last day, name) of the annual survey's period: the whole year unless the commune's plan chose a
    quarter ("q1" … "q4"; an older ``quarter`` number is read too)."""
    period = str(params.get("period") or "")
    quarter = int(period[1]) if period in ("q1", "q2", "q3", "q4") else params.get("quarter") if not period else None
    if not quarter:
        return date(year, 1, 1), date(year, 12, 31), f"cả năm {year}"
    first = date(year, 3 * (quarter - 1) + 1, 1)
    last_month = 3 * quarter
    return first, date(year, last_month, calendar.monthrange(year, last_month)[1]), f"{QUARTER_NAMES[quarter]}/{year}"


def annual_survey_sample(ctx: RuleContext, params: dict) -> RuleResult:
    first, last, name = survey_period(ctx.year, params)
    required = params["required"].get(_kind(ctx), 150)
    if ctx.end < first:
        return RuleResult(0.0, f"Chưa đến kỳ: khảo sát thường niên làm trong {name} (từ {format_date(first)}).",
                          {"responses": 0, "required": required, "period": [first.isoformat(), last.isoformat()]},
                          status="not_due")
    qid = ctx.read.questionnaire_id(params["questionnaire"])
    n = ctx.read.valid_responses(qid, first, ctx.asof) if qid else 0
    ratio = min(1.0, n / required) if required else 0.0
    in_progress = not ctx.asof.day_over(last)
    status = "not_due" if in_progress and ratio < 1 else "scored"
    moe = margin_of_error(n, ctx.unit.population)
    text = (("Chưa đến kỳ (kỳ khảo sát chưa kết thúc, chưa phải là không đạt): " if status == "not_due" else "")
            + f"{n}/{required} phiếu hợp lệ trong kỳ khảo sát {name} ({_pct(ratio)}; phiếu nghi vấn không tính); "
            + (f"sai số tối đa ±{percent_vi(moe)} ở độ tin cậy 95%" if moe is not None
               else "chưa có phiếu")
            + ("" if ctx.unit.population else " (chưa nhập dân số nên chưa hiệu chỉnh theo quy mô dân số)") + ".")

    def rows() -> Evidence:
        return Evidence(["Mã phiếu", "Thời điểm", "Kênh", "Nghi vấn"], [
            [rid, format_datetime(at), SURVEY_CHANNEL_LABELS.get(ch, ch), "Có (không tính)" if sus else ""]
            for rid, at, _c, ch, sus in ctx.read.response_rows(qid, first, ctx.asof)])

    return RuleResult(ratio, text, {"responses": n, "required": required, "margin_of_error": moe,
                                    "period": [first.isoformat(), last.isoformat()]}, rows if qid else None, status)


def dossiers_on_time(ctx: RuleContext, params: dict) -> RuleResult:
    counts = ctx.read.dossier_counts(ctx.asof)
    figures = {"judged": counts.judged, "late": counts.late, "late_settled": counts.late_settled,
               "open_past_due": counts.open_past_due, "not_yet_due": counts.not_yet_due}
    if counts.withdrawn:
        figures["withdrawn"] = counts.withdrawn
    if not counts.judged:
        text = ("Chưa có số liệu hồ sơ (nhập tệp xuất từ hệ thống một cửa)." if not counts.received else
                f"{counts.not_yet_due} hồ sơ chưa đến hạn, chưa hồ sơ nào được đánh giá.")
        return RuleResult(0.0, text, figures, status="scored" if not counts.received else "not_due")
    share = (counts.judged - counts.late) / counts.judged
    linear = params.get("mode") == "linear"
    ratio = share if linear else (1.0 if counts.late == 0 else 0.0)
    text = (f"{counts.judged - counts.late}/{counts.judged} hồ sơ giải quyết trước và đúng hạn ({_pct(share)}); "
            f"{counts.late_settled} hồ sơ đã trả kết quả nhưng trễ hạn, {counts.open_past_due} hồ sơ quá hạn chưa trả"
            + (f"; {counts.not_yet_due} hồ sơ chưa đến hạn không tính" if counts.not_yet_due else "")
            + (f"; {counts.withdrawn} hồ sơ rút hoặc trả lại không tính" if counts.withdrawn else "") + ". "
            + ("Tính tỷ lệ thuận." if linear else "Chỉ đạt điểm khi 100% đúng hạn (“Đảm bảo 100%”)."))
    figures["share"] = share
    return RuleResult(ratio, text, figures, lambda: _late_evidence(ctx))


def _late_evidence(ctx: RuleContext) -> Evidence:
    return Evidence(["Mã hồ sơ", "Thủ tục", "Tiếp nhận", "Hẹn trả", "Trả kết quả", "Tình trạng", "Thư xin lỗi"], [
        [code, proc, format_datetime(rec), format_date(due), format_datetime(done) if done else "Chưa trả",
         "Đã trả, trễ hạn" if done else "Quá hạn, chưa trả", format_date(sent) if sent else "Chưa gửi"]
        for _id, code, proc, rec, due, done, sent in ctx.read.late_dossiers(ctx.asof)])


WEEKDAY_NAMES = ["thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật"]


def fast_track_day(ctx: RuleContext, params: dict) -> RuleResult:
    profile = ctx.read.profile()
    if profile is None or profile.fast_track_weekday is None:
        return RuleResult(0.0, "Chưa khai báo ngày trong tuần giải quyết nhanh, trả kết quả trong ngày.")
    weekday = profile.fast_track_weekday
    counts = ctx.read.fast_track(ctx.asof)
    n, same_day = counts.received.get(weekday, 0), counts.same_day.get(weekday, 0)
    other_days = counts.total - n
    left_out = f" {other_days} hồ sơ giải quyết nhanh nhận vào ngày khác không tính." if other_days else ""
    if not n:
        return RuleResult(0.0, f"Ngày giải quyết nhanh: {WEEKDAY_NAMES[weekday]}; chưa có hồ sơ giải quyết nhanh nào "
                               "vào ngày này." + left_out, {"dossiers": 0})
    ratio = same_day / n

    def evidence() -> Evidence:
        rows = [r for r in ctx.read.fast_track_dossiers(ctx.asof) if workdays.to_local(r[2]).weekday() == weekday]
        return Evidence(["Mã hồ sơ", "Thủ tục", "Tiếp nhận", "Trả kết quả", "Trong ngày"], [
            [c, p, format_datetime(r), format_datetime(s) if s else "",
             "Có" if s is not None and workdays.to_local(s).date() == workdays.to_local(r).date() else "Không"]
            for c, p, r, s in rows])

    return RuleResult(ratio, f"Ngày giải quyết nhanh: {WEEKDAY_NAMES[weekday]}; {same_day}/{n} hồ sơ "
                             f"tiếp nhận và trả kết quả trong ngày ({_pct(ratio)})." + left_out,
                      {"dossiers": n, "same_day": same_day}, evidence)


def home_service(ctx: RuleContext, params: dict) -> RuleResult:
    """Served ÷ (served + still open past the due date); a request open and not yet due is left out."""
    home = ctx.read.home_service(ctx.asof)
    if not home.requests:
        return RuleResult(0.0, "Chưa có hồ sơ tiếp nhận, trả kết quả tại nhà trong kỳ.", {"requests": 0})
    judged = home.served + home.unserved
    left_out = f"; {home.waiting} hồ sơ chưa đến hạn không tính" if home.waiting else ""
    figures = {"requests": judged, "served": home.served, "not_yet_due": home.waiting}

    def evidence() -> Evidence:
        return Evidence(["Mã hồ sơ", "Thủ tục", "Tiếp nhận", "Hẹn trả", "Trả kết quả", "Tình trạng"], [
            [c, p, format_datetime(r), format_date(d), format_datetime(s) if s else "Chưa",
             "Đã phục vụ" if s else ("Quá hạn, chưa phục vụ" if d < ctx.now else "Chưa đến hạn (không tính)")]
            for c, p, r, d, s in ctx.read.home_dossiers(ctx.asof)])

    if not judged:
        return RuleResult(0.0, f"Chưa có yêu cầu nào đến hạn{left_out}.", figures, evidence, "not_due")
    ratio = home.served / judged
    return RuleResult(ratio, f"{home.served}/{judged} yêu cầu tiếp nhận, trả kết quả tại nhà đã được phục vụ "
                             f"({_pct(ratio)}){left_out}.", figures, evidence)


def apology_letters(ctx: RuleContext, params: dict) -> RuleResult:
    counts = ctx.read.dossier_counts(ctx.asof)
    if not counts.judged:
        return RuleResult(0.0, "Chưa có số liệu hồ sơ (nhập tệp xuất từ hệ thống một cửa) nên chưa xác định được hồ "
                               "sơ quá hạn cần thư xin lỗi.", {"late": 0, "sent": 0, "judged": 0})
    if not counts.late:
        return RuleResult(1.0, "Không có hồ sơ quá hạn trong kỳ: không cần thư xin lỗi.", {"late": 0, "sent": 0},
                          lambda: _late_evidence(ctx))
    ratio = counts.apologised / counts.late
    return RuleResult(ratio, f"Đã gửi thư xin lỗi {counts.apologised}/{counts.late} hồ sơ quá hạn ({_pct(ratio)}; "
                             f"{counts.late_settled} đã trả kết quả trễ hạn, {counts.open_past_due} quá hạn chưa trả).",
                      {"late": counts.late, "sent": counts.apologised}, lambda: _late_evidence(ctx))


# -- Tiêu chí 3 (evidence from the inbox) ------------------------------------------------------------------------------


def reception_months(ctx: RuleContext, params: dict) -> RuleResult:
    months = period_months(ctx.start, ctx.end, ctx.asof)
    by_month = ctx.read.cases_by_month(["reception"], ctx.asof)
    counted = [(y, m) for y, m, complete in months if complete or by_month.get((y, m))]
    met = [ym for ym in counted if by_month.get(ym)]
    ratio = len(met) / len(counted) if counted else 0.0
    waiting = len(months) - len(counted)
    return RuleResult(ratio, f"{len(met)}/{len(counted)} tháng có tiếp công dân được ghi nhận trong hệ thống "
                             f"({_pct(ratio)})" + ("; tháng đang diễn ra chưa có lượt nào nên chưa tính" if waiting
                                                   else "") + ".",
                      {"months": len(counted), "months_with_reception": len(met)},
                      lambda: Evidence(["Tháng", "Số lượt tiếp công dân"],
                                       [[f"{m:02d}/{y}", by_month.get((y, m), 0)] for y, m in counted]))


#: name -> (function, {param: (type, min, max)}) — the bounds a city administrator's override must respect.
RULES: dict[str, tuple[Callable[[RuleContext, dict], RuleResult], dict]] = {
    "suggestion_boxes": (suggestion_boxes, {"ubnd_weight": (float, 0, 1), "neighbourhood_weight": (float, 0, 1)}),
    "duty_roster": (duty_roster, {"channels": (list, None, None)}),
    "app_channel": (app_channel, {"channels": (list, None, None), "operating_weight": (float, 0, 1),
                                  "on_time_weight": (float, 0, 1), "published_weight": (float, 0, 1)}),
    "weekly_collection": (weekly_collection, {}),
    "centre_survey_months": (centre_survey_months, {"questionnaire": (str, None, None),
                                                    "yearly_sample": (dict, 1, 100000)}),
    "annual_survey_sample": (annual_survey_sample, {"questionnaire": (str, None, None), "required": (dict, 1, 100000),
                                                    "period": (str, None, None), "quarter": (int, 1, 4)}),
    "dossiers_on_time": (dossiers_on_time, {"mode": (str, None, None)}),
    "fast_track_day": (fast_track_day, {}),
    "home_service": (home_service, {}),
    "apology_letters": (apology_letters, {}),
    "reception_months": (reception_months, {}),
}


#: The periods a commune's plan may choose for its annual survey (2.7.b); the decision sets none, so "year".
SURVEY_PERIODS = {"year": "Cả năm", "q1": "Quý I", "q2": "Quý II", "q3": "Quý III", "q4": "Quý IV"}
#: rule -> the parameters a commune may set for itself (its plan's own variants), not only the city
COMMUNE_PARAMS: dict[str, set[str]] = {"annual_survey_sample": {"period"}}


def validate_params(rule: str, params: dict) -> list[str]:
    """Vietnamese messages for every parameter out of type or range (empty when valid)."""
    errors = []
    schema = RULES[rule][1]
    for name, value in params.items():
        if name not in schema:
            errors.append(f"Tham số “{name}” không dùng cho quy tắc này.")
            continue
        kind, low, high = schema[name]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or isinstance(value, bool):
            errors.append(f"Tham số “{name}” phải có kiểu {kind.__name__}.")
            continue
        values = list(value.values()) if isinstance(value, dict) else [value] if kind in (int, float) else []
        for v in values:
            if not isinstance(v, (int, float)) or (low is not None and v < low) or (high is not None and v > high):
                errors.append(f"Tham số “{name}” phải trong khoảng {low}–{high}.")
                break
    if rule == "dossiers_on_time" and params.get("mode") not in (None, "all_or_nothing", "linear"):
        errors.append("mode chỉ nhận all_or_nothing hoặc linear.")
    if rule == "annual_survey_sample" and params.get("period") not in (None, *SURVEY_PERIODS):
        errors.append("Kỳ khảo sát (period) chỉ nhận: " + ", ".join(SURVEY_PERIODS) + ".")
    weights = [v for k, v in params.items() if k.endswith("_weight")]
    if weights and abs(sum(weights) - 1) > 1e-6:
        errors.append("Các trọng số phải cộng lại bằng 1.")
    return errors
