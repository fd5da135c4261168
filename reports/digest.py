"""The weekly digest of the road to the standard: per commune, this week's actions and the year-end forecast;
for the city, the forecast against the Đề án's targets and the communes most at risk.

Content only (title, text, link); the schedule turns each digest into an in-app alert and e-mails it to the staff
who gave an address. The text is the same reading of the guidance that ``reports guidance`` prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from survey_app.models import AdminUnit
from survey_app.numbers import number_vi, percent_vi

from .scoring.guidance import city_outlook, guidance, guidance_lines


@dataclass(frozen=True)
class Digest:
    #: the commune it is for; None for the city-wide digest
    unit_id: int | None
    #: "2026-W49": one digest per unit and ISO week
    week: str
    title: str
    body: str
    #: a path inside the application
    link: str


def week_label(day: date) -> tuple[str, str]:
    """("2026-W49", "tuần 49 (30/11–06/12)") for the ISO week holding ``day``."""
    iso = day.isocalendar()
    monday = day - timedelta(days=day.weekday())
    return (f"{iso.year}-W{iso.week:02d}",
            f"tuần {iso.week} ({monday:%d/%m}–{monday + timedelta(days=6):%d/%m})")


def commune_digest(session: Session, unit: AdminUnit, today: date) -> Digest:
    g = guidance(session, unit, today.year, today)
    key, label = week_label(today)
    title = (f"Bản tin {label}: dự báo cuối năm {number_vi(g.forecast_total)} điểm – {g.forecast_level}; "
             f"{len(g.this_week)} việc cần làm")
    return Digest(unit.id, key, title, "\n".join(guidance_lines(g)), f"/admin/scores/{unit.id}/{today.year}#guidance")


def city_digest(session: Session, today: date) -> Digest:
    """From the forecasts cached with the scores (refreshed with the rollups), as the city dashboard shows them."""
    outlook = city_outlook(session, today.year)
    key, label = week_label(today)
    targets = outlook["targets"]
    lines = [f"Lộ trình đạt chuẩn toàn thành phố – {label}",
             f"Dự báo cuối năm nếu giữ nhịp hiện tại: {percent_vi(outlook['share_standard'])} đơn vị đạt "
             f"chuẩn (chỉ tiêu {percent_vi(targets.get('standard') or 0, 0)}), "
             f"{percent_vi(outlook['share_top'])} đạt {outlook['top']} "
             f"(chỉ tiêu {percent_vi(targets.get('level4') or 0, 0)}).",
             f"{len(outlook['cannot_reach'])} đơn vị không thể đạt chuẩn dù làm hết các việc còn làm được.",
             "Các đơn vị có nguy cơ không đạt chuẩn:"]
    for c in outlook["at_risk"][:15]:
        lines.append(f"  - {c['unit'].full_name}: dự báo {number_vi(c['forecast'])} điểm, tối đa "
                     f"{number_vi(c['reachable'])}; {c['blank_items']} mục chưa chấm"
                     + (f"; quyết định bởi {', '.join(c['deciding'])}" if c["deciding"] else "") + ".")
    if not outlook["at_risk"]:
        lines.append("  (không có)")
    title = (f"Bản tin {label}: {len(outlook['at_risk'])} đơn vị có nguy cơ không đạt chuẩn, dự báo "
             f"{percent_vi(outlook['share_standard'])} đạt chuẩn")
    return Digest(None, key, title, "\n".join(lines), f"/dashboard/city?year={today.year}#city-outlook")
