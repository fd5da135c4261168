"""One small named function per computed item. Each returns the achievement (0–1), the figures it used, a short
Vietnamese explanation and, on demand, the rows behind it. Parameters come from the table data (with the city
administrator's overrides); partial credit follows achievement ("đến đâu chấm điểm đến đó")."""

from __future__ import annotations

import calendar
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from survey_app.labels import label
from survey_app.models import AdminUnit
from survey_app.numbers import percent_vi
from survey_app.services import workdays
from survey_app.timeutil import format_date, format_datetime

from . import data


@dataclass(frozen=True)
class RuleContext:
    session: Session
    unit: AdminUnit
    year: int
    start: date
    end: date
    #: "now" for judging deadlines (the end of the period, or the present if earlier)
    now: datetime


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


def _pct(value: float) -> str:
    return percent_vi(value)


def period_months(start: date, end: date) -> list[tuple[int, int, bool]]:
    """(year, month, complete) for each month from start to end; the last may be incomplete."""
    months, current = [], date(start.year, start.month, 1)
    while current <= end:
        last = date(current.year, current.month, calendar.monthrange(current.year, current.month)[1])
        months.append((current.year, current.month, last <= end))
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
    rows = data.boxes_with_openings(ctx.session, ctx.unit.id, ctx.start, ctx.end)
    ubnd_ok = any(kind == "ubnd" and n > 0 for _, kind, _, _, n in rows)
    opened_tdp = sum(1 for _, kind, _, _, n in rows if kind == "to_dan_pho" and n > 0)
    profile = data.profile(ctx.session, ctx.unit.id)
    neighbourhoods = profile.neighbourhoods if profile and profile.neighbourhoods else None
    share = min(1.0, opened_tdp / neighbourhoods) if neighbourhoods else 0.0
    ratio = params["ubnd_weight"] * ubnd_ok + params["neighbourhood_weight"] * share
    text = (f"Hòm thư tại trụ sở UBND {'có' if ubnd_ok else 'chưa có'} lần mở trong kỳ; "
            + (f"{opened_tdp}/{neighbourhoods} tổ dân phố có hòm thư đã mở ({_pct(share)})." if neighbourhoods
               else f"{opened_tdp} hòm thư tại tổ dân phố đã mở; chưa nhập số tổ dân phố nên chưa tính tỷ lệ."))
    return RuleResult(ratio, text, {"ubnd_opened": ubnd_ok, "neighbourhood_boxes_opened": opened_tdp,
                                    "neighbourhoods": neighbourhoods},
                      lambda: Evidence(["Loại", "Vị trí", "Ngày lắp đặt", "Số lần mở trong kỳ"],
                                       [["Trụ sở UBND" if k == "ubnd" else "Tổ dân phố", name, format_date(d), n]
                                        for _, k, name, d, n in rows]))


def _channels(codes) -> str:
    return ", ".join(label(c, "case_channel") for c in sorted(codes))


def duty_roster(ctx: RuleContext, params: dict) -> RuleResult:
    channels = set(params["channels"])
    working = workdays.working_days_between(ctx.start, ctx.end)
    by_day = data.duty_channels_by_day(ctx.session, ctx.unit.id, ctx.start, ctx.end)
    covered = [d for d in working if channels <= by_day.get(d, set())]
    ratio = len(covered) / len(working) if working else 0.0
    missing = [d for d in working if not channels <= by_day.get(d, set())]
    return RuleResult(ratio, f"{len(covered)}/{len(working)} ngày làm việc có đủ người trực "
                             f"{_channels(channels)} ({_pct(ratio)}).",
                      {"working_days": len(working), "covered_days": len(covered)},
                      lambda: Evidence(["Ngày làm việc chưa đủ người trực", "Kênh còn thiếu"],
                                       [[format_date(d), _channels(channels - by_day.get(d, set()))]
                                        for d in missing]))


def app_channel(ctx: RuleContext, params: dict) -> RuleResult:
    channels = params["channels"]
    months = period_months(ctx.start, ctx.end)
    by_month = data.cases_by_month(ctx.session, ctx.unit.id, channels, ctx.start, ctx.end)
    counted = [(y, m) for y, m, complete in months if complete or by_month.get((y, m))]
    operating = sum(1 for ym in counted if by_month.get(ym)) / len(counted) if counted else 0.0
    decided, on_time, answered, published = data.case_handling(ctx.session, ctx.unit.id, channels, ctx.start,
                                                               ctx.end, ctx.now)
    on_time_share = on_time / decided if decided else 0.0
    published_share = published / answered if answered else 0.0
    ratio = (params["operating_weight"] * operating + params["on_time_weight"] * on_time_share
             + params["published_weight"] * published_share)
    text = (f"Tiếp nhận qua ứng dụng/web {sum(1 for ym in counted if by_month.get(ym))}/{len(counted)} tháng; "
            f"trả lời đúng hạn {on_time}/{decided} ({_pct(on_time_share)}); "
            f"công khai kết quả {published}/{answered} ({_pct(published_share)}).")

    def rows() -> Evidence:
        return Evidence(["Mã", "Kênh", "Tiếp nhận", "Hạn", "Trả lời", "Đúng hạn", "Công khai"], [
            [code, ch, format_datetime(rec), format_date(due), format_datetime(ans) if ans else "",
             "Có" if ans and ans <= due else ("Chưa đến hạn" if not ans and due >= ctx.now else "Không"),
             "Có" if pub else "Không"]
            for code, ch, rec, due, ans, pub in data.case_rows(ctx.session, ctx.unit.id, channels, ctx.start, ctx.end)])

    return RuleResult(ratio, text, {"months": len(counted), "decided": decided, "on_time": on_time,
                                    "answered": answered, "published": published}, rows)


def weekly_collection(ctx: RuleContext, params: dict) -> RuleResult:
    weeks = iso_weeks(ctx.start, ctx.end)
    if not weeks:
        return RuleResult(0.0, "Kỳ đánh giá chưa có tuần nào.")
    sessions = data.collection_days(ctx.session, ctx.unit.id, weeks[0], weeks[-1] + timedelta(days=6))
    held = {day - timedelta(days=day.weekday()) for day, *_ in sessions}
    met = [w for w in weeks if w in held]
    ratio = len(met) / len(weeks)
    return RuleResult(ratio, f"{len(met)}/{len(weeks)} tuần có ít nhất một buổi thu thập ý kiến qua MTTQ, "
                             f"đoàn thể, tổ trưởng tổ dân phố ({_pct(ratio)}).",
                      {"weeks": len(weeks), "weeks_with_session": len(met)},
                      lambda: Evidence(["Tuần (từ thứ Hai)", "Số buổi", "Tổ chức"], [
                          [format_date(w), sum(1 for d, *_ in sessions if d - timedelta(days=d.weekday()) == w),
                           ", ".join(sorted({o for d, o, *_ in sessions if d - timedelta(days=d.weekday()) == w}))]
                          for w in weeks]))


# -- Tiêu chí 2 ----------------------------------------------------------------------------------------------------


def _kind(ctx: RuleContext) -> str:
    return ctx.unit.kind


def centre_survey_months(ctx: RuleContext, params: dict) -> RuleResult:
    qid = data.questionnaire_id(ctx.session, params["questionnaire"])
    yearly = params["yearly_sample"].get(_kind(ctx), 150)
    monthly = math.ceil(yearly / 12)
    centres = data.active_centres(ctx.session, ctx.unit.id)
    counts = data.responses_by_centre_month(ctx.session, ctx.unit.id, qid, ctx.start, ctx.end) if qid else {}
    months = period_months(ctx.start, ctx.end)
    cells, met = 0, 0
    table = []
    for centre_id, name in centres:
        for y, m, complete in months:
            n = counts.get((centre_id, y, m), 0)
            if not complete and n < monthly:
                continue  # the month in progress counts once it is met
            cells += 1
            met += n >= monthly
            table.append([name, f"{m:02d}/{y}", n, monthly, "Đạt" if n >= monthly else "Chưa đạt"])
    ratio = met / cells if cells else 0.0
    text = (f"{met}/{cells} tháng-trung tâm có từ {monthly} phiếu hợp lệ trở lên (mẫu năm {yearly} phiếu cho "
            f"{ctx.unit.kind_label.lower()}, chia đều 12 tháng; tính cả QR, máy đánh giá và phiếu giấy).")
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


def annual_survey_sample(ctx: RuleContext, params: dict) -> RuleResult:
    quarter_start = date(ctx.year, 3 * (params["quarter"] - 1) + 1, 1)
    if ctx.end < quarter_start:
        return RuleResult(0.0, f"Khảo sát thường niên làm trong Quý {params['quarter']} (từ "
                               f"{format_date(quarter_start)}); kỳ đánh giá chưa đến.")
    qid = data.questionnaire_id(ctx.session, params["questionnaire"])
    required = params["required"].get(_kind(ctx), 150)
    n = data.valid_responses(ctx.session, ctx.unit.id, qid, quarter_start, ctx.end) if qid else 0
    ratio = min(1.0, n / required) if required else 0.0
    moe = margin_of_error(n, ctx.unit.population)
    text = (f"{n}/{required} phiếu hợp lệ trong Quý {params['quarter']} ({_pct(ratio)}); "
            + (f"sai số tối đa ±{percent_vi(moe)} ở độ tin cậy 95%" if moe is not None
               else "chưa có phiếu")
            + ("" if ctx.unit.population else " (chưa nhập dân số nên chưa hiệu chỉnh theo quy mô dân số)") + ".")

    def rows() -> Evidence:
        return Evidence(["Mã phiếu", "Thời điểm", "Kênh", "Nghi vấn"], [
            [rid, format_datetime(at), ch, "Có" if sus else ""]
            for rid, at, _c, ch, sus in data.response_rows(ctx.session, ctx.unit.id, qid, quarter_start, ctx.end)])

    return RuleResult(ratio, text, {"responses": n, "required": required, "margin_of_error": moe}, rows)


def dossiers_on_time(ctx: RuleContext, params: dict) -> RuleResult:
    judged, late = data.dossier_counts(ctx.session, ctx.unit.id, ctx.start, ctx.end, ctx.now)
    if not judged:
        return RuleResult(0.0, "Chưa có số liệu hồ sơ (nhập tệp xuất từ hệ thống một cửa).", {"judged": 0})
    share = (judged - late) / judged
    linear = params.get("mode") == "linear"
    ratio = share if linear else (1.0 if late == 0 else 0.0)
    text = (f"{judged - late}/{judged} hồ sơ giải quyết trước và đúng hạn ({_pct(share)}); {late} hồ sơ quá hạn. "
            + ("Tính tỷ lệ thuận." if linear else "Chỉ đạt điểm khi 100% đúng hạn (“Đảm bảo 100%”)."))
    return RuleResult(ratio, text, {"judged": judged, "late": late, "share": share},
                      lambda: _late_evidence(ctx))


def _late_evidence(ctx: RuleContext) -> Evidence:
    return Evidence(["Mã hồ sơ", "Thủ tục", "Tiếp nhận", "Hẹn trả", "Trả kết quả", "Thư xin lỗi"], [
        [code, proc, format_datetime(rec), format_date(due), format_datetime(done) if done else "Chưa trả",
         format_date(sent) if sent else "Chưa gửi"]
        for _id, code, proc, rec, due, done, sent in data.late_dossiers(ctx.session, ctx.unit.id, ctx.start, ctx.end,
                                                                        ctx.now)])


def fast_track_day(ctx: RuleContext, params: dict) -> RuleResult:
    profile = data.profile(ctx.session, ctx.unit.id)
    if profile is None or profile.fast_track_weekday is None:
        return RuleResult(0.0, "Chưa khai báo ngày trong tuần giải quyết nhanh, trả kết quả trong ngày.")
    weekday = profile.fast_track_weekday
    rows = [r for r in data.fast_track_dossiers(ctx.session, ctx.unit.id, ctx.start, ctx.end)
            if workdays.to_local(r[2]).weekday() == weekday]
    same_day = [r for r in rows
                if r[3] is not None and workdays.to_local(r[3]).date() == workdays.to_local(r[2]).date()]
    names = ["thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật"]
    if not rows:
        return RuleResult(0.0, f"Ngày giải quyết nhanh: {names[weekday]}; chưa có hồ sơ giải quyết nhanh nào vào "
                               "ngày này.", {"dossiers": 0})
    ratio = len(same_day) / len(rows)
    return RuleResult(ratio, f"Ngày giải quyết nhanh: {names[weekday]}; {len(same_day)}/{len(rows)} hồ sơ tiếp nhận "
                             f"và trả kết quả trong ngày ({_pct(ratio)}).",
                      {"dossiers": len(rows), "same_day": len(same_day)},
                      lambda: Evidence(["Mã hồ sơ", "Thủ tục", "Tiếp nhận", "Trả kết quả", "Trong ngày"], [
                          [c, p, format_datetime(r), format_datetime(s) if s else "",
                           "Có" if (c, p, r, s) in same_day else "Không"] for c, p, r, s in rows]))


def home_service(ctx: RuleContext, params: dict) -> RuleResult:
    rows = data.home_dossiers(ctx.session, ctx.unit.id, ctx.start, ctx.end)
    if not rows:
        return RuleResult(0.0, "Chưa có hồ sơ tiếp nhận, trả kết quả tại nhà trong kỳ.", {"requests": 0})
    served = [r for r in rows if r[4] is not None]
    ratio = len(served) / len(rows)
    return RuleResult(ratio, f"{len(served)}/{len(rows)} yêu cầu tiếp nhận, trả kết quả tại nhà đã được phục vụ "
                             f"({_pct(ratio)}).", {"requests": len(rows), "served": len(served)},
                      lambda: Evidence(["Mã hồ sơ", "Thủ tục", "Tiếp nhận", "Hẹn trả", "Trả kết quả"], [
                          [c, p, format_datetime(r), format_date(d), format_datetime(s) if s else "Chưa"]
                          for c, p, r, d, s in rows]))


def apology_letters(ctx: RuleContext, params: dict) -> RuleResult:
    judged, _late = data.dossier_counts(ctx.session, ctx.unit.id, ctx.start, ctx.end, ctx.now)
    if not judged:
        return RuleResult(0.0, "Chưa có số liệu hồ sơ (nhập tệp xuất từ hệ thống một cửa) nên chưa xác định được hồ "
                               "sơ quá hạn cần thư xin lỗi.", {"late": 0, "sent": 0, "judged": 0})
    late = data.late_dossiers(ctx.session, ctx.unit.id, ctx.start, ctx.end, ctx.now)
    if not late:
        return RuleResult(1.0, "Không có hồ sơ quá hạn trong kỳ: không cần thư xin lỗi.", {"late": 0, "sent": 0},
                          lambda: _late_evidence(ctx))
    sent = sum(1 for row in late if row[6] is not None)
    ratio = sent / len(late)
    return RuleResult(ratio, f"Đã gửi thư xin lỗi {sent}/{len(late)} hồ sơ quá hạn ({_pct(ratio)}).",
                      {"late": len(late), "sent": sent}, lambda: _late_evidence(ctx))


# -- Tiêu chí 3 (evidence from the inbox) ------------------------------------------------------------------------------


def reception_months(ctx: RuleContext, params: dict) -> RuleResult:
    months = period_months(ctx.start, ctx.end)
    by_month = data.cases_by_month(ctx.session, ctx.unit.id, ["reception"], ctx.start, ctx.end)
    counted = [(y, m) for y, m, complete in months if complete or by_month.get((y, m))]
    met = [ym for ym in counted if by_month.get(ym)]
    ratio = len(met) / len(counted) if counted else 0.0
    return RuleResult(ratio, f"{len(met)}/{len(counted)} tháng có tiếp công dân được ghi nhận trong hệ thống "
                             f"({_pct(ratio)}).", {"months": len(counted), "months_with_reception": len(met)},
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
                                                    "quarter": (int, 1, 4)}),
    "dossiers_on_time": (dossiers_on_time, {"mode": (str, None, None)}),
    "fast_track_day": (fast_track_day, {}),
    "home_service": (home_service, {}),
    "apology_letters": (apology_letters, {}),
    "reception_months": (reception_months, {}),
}


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
    weights = [v for k, v in params.items() if k.endswith("_weight")]
    if weights and abs(sum(weights) - 1) > 1e-6:
        errors.append("Các trọng số phải cộng lại bằng 1.")
    return errors
