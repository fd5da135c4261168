"""Jobs timed in a process of their own, so their peak memory is theirs alone:
``python -m bench.tasks URL TASK [ARG]`` prints {"seconds": …, "peak_mb": …, …} as JSON."""

from __future__ import annotations

import json
import resource
import sys
import time
from datetime import UTC, datetime, timedelta


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def main(url: str, task: str, arg: str | None = None) -> dict:
    from sqlalchemy import func, select, text

    from bench.world import Target, app_for
    from survey_app.extensions import db

    app = app_for(Target("postgresql" if url.startswith("postgresql") else "sqlite", url))
    out: dict = {"task": task}
    with app.app_context():
        baseline = _rss_mb()
        started = time.perf_counter()
        if task == "rebuild":
            from reports.jobs import refresh, vacuum_after_rebuild

            report = refresh(db.session, full=True)
            db.session.commit()
            vacuum_after_rebuild(db.session, report)  # part of a rebuild, as the product runs it
            out["rows"] = report.rows
        elif task == "groupby":
            # the reference: the same three GROUP BYs over the raw tables, read out, nothing written
            out["rows"] = {name: len(db.session.execute(text(sql)).all()) for name, sql in REFERENCE.items()}
        elif task in ("one-day", "one-day-fresh"):
            from reports.jobs import refresh
            from survey_app.models import RollupState, SurveyResponse

            day = db.session.execute(select(func.max(SurveyResponse.answered_day))).scalar()
            refresh(db.session)  # bring it up to date first; then one day changes
            db.session.commit()
            _touch_day(db.session, day)
            if task == "one-day-fresh":
                out["statistics_removed"] = _forget_statistics(db.session)
            state = db.session.get(RollupState, "all")
            state.refreshed_through = datetime.now(UTC) - timedelta(seconds=1)
            db.session.commit()
            started = time.perf_counter()
            report = refresh(db.session)
            db.session.commit()
            out["days"] = report.days
            if task == "one-day-fresh":  # leave the database as it was found (not part of the time measured)
                out["seconds"] = time.perf_counter() - started
                db.session.execute(text("ANALYZE"))
                db.session.commit()
        elif task == "scores":
            from reports.jobs import refresh_scores

            out["communes"] = refresh_scores(db.session, max_age=None)
        elif task == "dossier":
            from reports.dossier import build, bundle_zip, collect
            from survey_app.models import AdminUnit

            unit = db.session.execute(select(AdminUnit).where(AdminUnit.code == arg)).scalar_one()
            files = build(collect(db.session, unit, datetime.now(UTC).year))
            out["bytes"] = len(bundle_zip(files))
        else:
            raise SystemExit(f"unknown task {task}")
        out.setdefault("seconds", time.perf_counter() - started)
        out["peak_mb"] = _rss_mb()
        out["baseline_mb"] = baseline
    return out


def _touch_day(session, day) -> None:
    """A day's worth of change: 20 late kiosk ratings arrive for ``day`` (received now)."""
    from datetime import time as dtime

    from survey_app.models import ServiceCentre, SurveyAnswer, SurveyResponse
    from survey_app.services.surveys import current_version, questionnaire_by_code
    from survey_app.timeutil import LOCAL_TZ, as_utc

    questionnaire = questionnaire_by_code("centre-service")
    version = current_version(questionnaire.id)
    centre = session.execute(select_first(ServiceCentre)).scalar_one()
    for i in range(20):
        at = as_utc(datetime.combine(day, dtime(10, i), tzinfo=LOCAL_TZ))
        response = SurveyResponse(client_id=f"bench-touch-{time.time_ns()}-{i}", questionnaire_id=questionnaire.id,
                                  version_id=version.id, unit_id=centre.unit_id, centre_id=centre.id, channel="kiosk",
                                  answered_at=at, answered_day=day, received_at=datetime.now(UTC), lang="vi",
                                  suspicious=False, dossier_verified=False, overall_rating=4)
        session.add(response)
        session.flush()
        session.add(SurveyAnswer(response_id=response.id, question_key="overall", value=4))
    session.commit()


#: what the refresh reads and writes: the raw tables and the rollups
FRESH_TABLES = ("survey_responses", "survey_answers", "cases", "dossiers", "rollup_changes", "rollup_responses",
                "rollup_response_counts", "rollup_ratings", "rollup_answer_months", "rollup_response_months",
                "rollup_cases", "rollup_case_months", "rollup_case_latency", "rollup_dossiers",
                "rollup_dossier_settlements")


def _forget_statistics(session) -> int:
    """The planner's state right after a bulk load (an import, a restore, a new year's data) before any ANALYZE:
    no column statistics and row estimates unknown. PostgreSQL only; needs the superuser the bench runs as."""
    from sqlalchemy import text

    if session.get_bind().dialect.name != "postgresql":
        return 0
    names = ", ".join(f"'{name}'::regclass" for name in FRESH_TABLES)
    removed = session.execute(text(f"DELETE FROM pg_statistic WHERE starelid IN ({names})")).rowcount
    session.execute(text(f"UPDATE pg_class SET reltuples = -1 WHERE oid IN ({names})"))
    session.commit()
    return removed


def select_first(model):
    from sqlalchemy import select

    return select(model).order_by(model.id).limit(1)


REFERENCE = {
    "responses": "SELECT r.answered_day, r.unit_id, r.centre_id, r.questionnaire_id, a.question_key, a.value, count(*) "
                 "FROM survey_responses r JOIN survey_answers a ON a.response_id = r.id "
                 "WHERE r.suspicious = false AND a.value IS NOT NULL "
                 "GROUP BY r.answered_day, r.unit_id, r.centre_id, r.questionnaire_id, a.question_key, a.value",
    "cases": "SELECT received_day, unit_id, channel, category_id, state, count(*) FROM cases "
             "GROUP BY received_day, unit_id, channel, category_id, state",
    "dossiers": "SELECT received_day, unit_id, field, count(*) FROM dossiers GROUP BY received_day, unit_id, field",
}


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:4]), ensure_ascii=False, default=str))
