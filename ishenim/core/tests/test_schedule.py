import threading
from datetime import UTC, datetime, time, timedelta

import pytest
from django_tasks import task

from ishenim.core import schedule
from ishenim.core.models import ScheduledRun
from ishenim.core.schedule import (
    SchedulerThread,
    periodic,
    schedule_claim,
    schedule_due,
    schedule_enqueue_due,
)

RUNS: list[str] = []
# What the apps registered in ready(), before the fixture swaps in a timetable of its own.
REGISTERED = dict(schedule._jobs)


@task()
def nightly_check() -> None:
    RUNS.append("nightly_check")


@task()
def weekly_cleanup() -> None:
    RUNS.append("weekly_cleanup")


@pytest.fixture(autouse=True)
def timetable(monkeypatch, settings):
    """An empty timetable of our own, in Bishkek time (UTC+6, no daylight saving)."""
    settings.TIME_ZONE = "Asia/Bishkek"
    monkeypatch.setattr(schedule, "_jobs", {})
    RUNS.clear()
    periodic("nightly_check", daily_at=time(3, 0))(nightly_check)
    periodic("weekly_cleanup", every=timedelta(weeks=1))(weekly_cleanup)


def bishkek(*args) -> datetime:
    """A Bishkek wall-clock time as an aware UTC datetime."""
    return datetime(*args, tzinfo=UTC) - timedelta(hours=6)


def test_a_daily_slot_begins_at_its_local_time_and_lasts_a_day():
    job = schedule._jobs["nightly_check"]

    assert job.slot(bishkek(2026, 3, 21, 3, 0)) == bishkek(2026, 3, 21, 3, 0)
    assert job.slot(bishkek(2026, 3, 21, 23, 59)) == bishkek(2026, 3, 21, 3, 0)
    assert job.slot(bishkek(2026, 3, 21, 2, 59)) == bishkek(2026, 3, 20, 3, 0)


def test_a_weekly_slot_begins_on_monday_at_local_midnight():
    job = schedule._jobs["weekly_cleanup"]

    # Saturday 21 March 2026 belongs to the week that began on Monday 16 March.
    assert job.slot(bishkek(2026, 3, 21, 12, 0)) == bishkek(2026, 3, 16, 0, 0)
    assert job.slot(bishkek(2026, 3, 23, 0, 0)) == bishkek(2026, 3, 23, 0, 0)


@pytest.mark.django_db
def test_every_job_is_due_the_first_time_the_timetable_is_asked():
    assert schedule_due(bishkek(2026, 3, 21, 12, 0)) == ["nightly_check", "weekly_cleanup"]


@pytest.mark.django_db
def test_a_job_whose_slot_was_claimed_is_not_due_until_the_next_slot():
    schedule_enqueue_due(bishkek(2026, 3, 21, 3, 0, 30))

    assert schedule_due(bishkek(2026, 3, 21, 23, 0)) == []
    assert schedule_due(bishkek(2026, 3, 22, 2, 59)) == []
    assert schedule_due(bishkek(2026, 3, 22, 3, 0)) == ["nightly_check"]
    assert schedule_due(bishkek(2026, 3, 23, 0, 0)) == ["nightly_check", "weekly_cleanup"]


@pytest.mark.django_db
def test_due_jobs_are_enqueued_and_run():
    enqueued = schedule_enqueue_due(bishkek(2026, 3, 21, 12, 0))

    assert enqueued == ["nightly_check", "weekly_cleanup"]
    # The test settings run tasks at once (ImmediateBackend).
    assert RUNS == ["nightly_check", "weekly_cleanup"]
    assert ScheduledRun.objects.get(job="nightly_check").last_run_at == bishkek(2026, 3, 21, 3, 0)


@pytest.mark.django_db
def test_a_job_not_yet_due_is_not_enqueued():
    schedule_enqueue_due(bishkek(2026, 3, 21, 12, 0))
    RUNS.clear()

    enqueued = schedule_enqueue_due(bishkek(2026, 3, 22, 2, 0))

    assert enqueued == []
    assert RUNS == []


@pytest.mark.django_db
def test_two_claims_of_the_same_slot_give_it_to_one_claimant_only():
    slot = bishkek(2026, 3, 21, 3, 0)

    # The first-ever claim inserts the row, and a later one updates it: try both paths.
    assert schedule_claim("nightly_check", slot) is True
    assert schedule_claim("nightly_check", slot) is False
    later = slot + timedelta(days=1)
    assert schedule_claim("nightly_check", later) is True
    assert schedule_claim("nightly_check", later) is False
    assert schedule_claim("nightly_check", slot) is False  # an older slot never wins back


@pytest.mark.django_db
def test_two_workers_passing_at_the_same_moment_enqueue_each_job_once():
    now = bishkek(2026, 3, 21, 12, 0)

    first = schedule_enqueue_due(now)
    second = schedule_enqueue_due(now)

    assert first == ["nightly_check", "weekly_cleanup"]
    assert second == []
    assert RUNS == ["nightly_check", "weekly_cleanup"]


@pytest.mark.django_db
def test_a_worker_that_lost_the_race_after_asking_what_is_due_enqueues_nothing(monkeypatch):
    now = bishkek(2026, 3, 21, 12, 0)
    # Both workers saw the jobs as due; the other one claimed them first.
    monkeypatch.setattr(schedule, "schedule_due", lambda now: ["nightly_check", "weekly_cleanup"])
    schedule_claim("nightly_check", schedule._jobs["nightly_check"].slot(now))
    schedule_claim("weekly_cleanup", schedule._jobs["weekly_cleanup"].slot(now))

    assert schedule_enqueue_due(now) == []
    assert RUNS == []


class UnreachableQueue:
    module_path = "tests.unreachable_queue"

    def enqueue(self):
        raise ConnectionError("queue unavailable")


@pytest.mark.django_db
def test_a_job_that_cannot_be_enqueued_leaves_its_slot_unclaimed_and_others_still_run():
    periodic("broken", daily_at=time(1, 0))(UnreachableQueue())

    enqueued = schedule_enqueue_due(bishkek(2026, 3, 21, 12, 0))

    assert enqueued == ["nightly_check", "weekly_cleanup"]
    assert not ScheduledRun.objects.filter(job="broken").exists()
    assert schedule_due(bishkek(2026, 3, 21, 12, 1)) == ["broken"]


def test_a_job_needs_exactly_one_kind_of_timetable():
    with pytest.raises(ValueError):
        periodic("both", every=timedelta(hours=1), daily_at=time(3))
    with pytest.raises(ValueError):
        periodic("neither")


def test_two_different_tasks_cannot_share_a_job_name():
    with pytest.raises(ValueError):
        periodic("nightly_check", daily_at=time(4))(weekly_cleanup)


def test_the_timetable_refuses_a_naive_time():
    with pytest.raises(ValueError):
        schedule_due(datetime(2026, 3, 21, 12, 0))


def test_the_scheduler_thread_passes_at_once_and_stops_when_asked():
    passed = threading.Event()
    scheduler = SchedulerThread(interval=3600, scheduler_pass=passed.set)

    scheduler.start()
    assert passed.wait(timeout=10)
    scheduler.stop()
    scheduler.join(timeout=10)

    assert not scheduler.is_alive()


def test_a_failing_pass_does_not_end_the_scheduler_thread():
    calls = []
    second_pass = threading.Event()

    def flaky_pass():
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("database restarting")
        second_pass.set()

    scheduler = SchedulerThread(interval=0, scheduler_pass=flaky_pass)
    scheduler.start()
    assert second_pass.wait(timeout=10)
    scheduler.stop()
    scheduler.join(timeout=10)

    assert not scheduler.is_alive()


def test_core_registers_its_periodic_jobs():
    audit_job = REGISTERED["audit_verify_chain"]
    prune_job = REGISTERED["task_results_prune"]

    assert audit_job.daily_at == time(3, 0)
    assert audit_job.task.name == "audit_verify_chain"
    assert prune_job.every == timedelta(weeks=1)
    assert prune_job.task.name == "task_results_prune"


def test_slots_follow_the_wall_clock_in_a_zone_with_summer_time(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    weekly = schedule._jobs["weekly_cleanup"]
    nightly = schedule._jobs["nightly_check"]

    # Summer (UTC+2): Monday 6 July 2026 at midnight, and 03:00 on the day.
    assert weekly.slot(datetime(2026, 7, 8, 12, 0, tzinfo=UTC)) == datetime(
        2026, 7, 5, 22, 0, tzinfo=UTC
    )
    assert nightly.slot(datetime(2026, 7, 8, 12, 0, tzinfo=UTC)) == datetime(
        2026, 7, 8, 1, 0, tzinfo=UTC
    )
    # Winter (UTC+1).
    assert nightly.slot(datetime(2026, 1, 8, 12, 0, tzinfo=UTC)) == datetime(
        2026, 1, 8, 2, 0, tzinfo=UTC
    )
