"""The worker's schedule: each tick runs on exactly one host, a tick that finds the last run still going is
skipped and logged, every run is recorded, and `flask jobs schedule` shows them."""

from __future__ import annotations

import logging
import secrets
import threading
from datetime import timedelta

from sqlalchemy import func, select

from reports import schedule
from reports.schedule import PERIODIC, PeriodicJob, run_tick
from survey_app.extensions import db
from survey_app.models import RollupResponseCount, ScheduledRun
from survey_app.services.surveys import Submission, current_version, questionnaire_by_code, submit_response
from survey_app.surveys.definition import ParsedAnswers
from survey_app.timeutil import utcnow


def _runs():
    return db.session.execute(select(ScheduledRun).order_by(ScheduledRun.id)).scalars().all()


def test_a_tick_runs_on_exactly_one_of_several_worker_hosts(app):
    calls = []
    job = PeriodicJob("test-once", "thử", timedelta(minutes=5), lambda session: calls.append(1) or "xong")
    at = utcnow()
    outcomes = []

    def host(n: int) -> None:
        with app.app_context():
            outcomes.append(run_tick(db.session, job, at=at, host=f"may-{n}:1"))
            db.session.remove()

    threads = [threading.Thread(target=host, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok", "taken", "taken", "taken"] and calls == [1]
    with app.app_context():
        (run,) = _runs()
        assert (run.job, run.outcome, run.message, run.slot) == ("test-once", "ok", "xong", job.slot(at))
        # the next tick is a new slot and runs again
        assert run_tick(db.session, job, at=at + timedelta(minutes=5)) == "ok" and calls == [1, 1]


def test_a_tick_while_the_previous_run_is_still_going_is_skipped_and_logged(app, caplog):
    started, release = threading.Event(), threading.Event()

    def slow(session) -> str:
        started.set()
        release.wait(30)
        return "xong"

    job = PeriodicJob("test-slow", "thử", timedelta(minutes=1), slow)
    at = utcnow()

    def first() -> None:
        with app.app_context():
            run_tick(db.session, job, at=at, host="may-1:1")
            db.session.remove()

    thread = threading.Thread(target=first)
    thread.start()
    assert started.wait(30)
    try:
        with app.app_context(), caplog.at_level(logging.WARNING, logger="hailong.schedule"):
            assert run_tick(db.session, job, at=at + timedelta(minutes=1), host="may-2:1") == "skipped"
    finally:
        release.set()
        thread.join()
    assert "skipped, the previous run is still going" in caplog.text
    with app.app_context():
        assert [(r.host, r.outcome) for r in _runs()] == [("may-1:1", "ok"), ("may-2:1", "skipped")]
        assert "vẫn chưa xong" in _runs()[1].message


def test_a_failing_job_is_recorded_with_its_reason_and_the_next_tick_runs(app):
    def broken(session) -> str:
        raise RuntimeError("máy chủ tệp không trả lời")

    job = PeriodicJob("test-broken", "thử", timedelta(minutes=1), broken)
    with app.app_context():
        at = utcnow()
        assert run_tick(db.session, job, at=at) == "failed"
        assert run_tick(db.session, job, at=at + timedelta(minutes=1)) == "failed"
        runs = _runs()
        assert [r.outcome for r in runs] == ["failed", "failed"]
        assert "RuntimeError: máy chủ tệp không trả lời" in runs[0].message and runs[0].finished_at


def test_the_rollup_tick_counts_a_new_survey_response(app, world):
    with app.app_context():
        version = current_version(questionnaire_by_code("centre-service").id)
        submit_response(version, ParsedAnswers(values={"overall": [5]}), Submission(
            unit_id=world["units"]["bach-dang"], centre_id=world["centres"]["bach-dang"], channel="qr",
            client_id=secrets.token_hex(8)))
        db.session.commit()
        assert run_tick(db.session, schedule.BY_NAME["rollups"]) == "ok"
        counted = db.session.execute(select(func.sum(RollupResponseCount.responses)).where(
            RollupResponseCount.unit_id == world["units"]["bach-dang"])).scalar()
        assert counted == 1


def test_jobs_schedule_prints_every_periodic_job_with_its_last_run_outcome_and_next_run(app, runner):
    with app.app_context():
        assert run_tick(db.session, schedule.BY_NAME["notifications"]) == "ok"
    result = runner.invoke(args=["jobs", "schedule"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for job in PERIODIC:
        assert any(line.startswith(job.name) and "lần tới:" in line for line in lines), job.name
    notifications = next(line for line in lines if line.startswith("notifications"))
    assert "mỗi 1 phút" in notifications and "thành công" in notifications
    rollups = next(line for line in lines if line.startswith("rollups "))
    assert "mỗi 5 phút" in rollups and "chưa chạy" in rollups
    assert "mỗi 1 giờ" in next(line for line in lines if line.startswith("daily-checks"))
    run = runner.invoke(args=["jobs", "run", "clean-up"])
    assert run.exit_code == 0 and "clean-up: ok" in run.output
    assert runner.invoke(args=["jobs", "run", "khong-co"]).exit_code != 0


def test_the_worker_schedule_fires_on_the_same_epoch_aligned_ticks_as_every_host(app):
    scheduler = schedule.start(app)
    try:
        now = utcnow()
        fires = {job.id: job.next_run_time for job in scheduler.get_jobs()}
        assert set(fires) == {job.name for job in PERIODIC}
        for job in PERIODIC:
            expected = job.next_run(now)
            assert abs((fires[job.name] - expected).total_seconds()) < 2 or fires[job.name] == job.next_run(
                now - timedelta(seconds=2))
    finally:
        scheduler.shutdown(wait=False)
