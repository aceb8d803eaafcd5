"""The timetable of periodic jobs, which Django's task API does not have.

An app registers a task as periodic where the task is defined:

    @periodic("appeal_warn_due", daily_at=time(8, 0))
    @task()
    def appeal_warn_due(): ...

and imports its tasks module in AppConfig.ready(). `ishenim worker` asks every 30 seconds
which jobs are due and enqueues them as ordinary tasks.

Time is cut into slots: for `daily_at`, one slot a day at that wall-clock time in
settings.TIME_ZONE; for `every`, consecutive periods counted from Monday 1 January 2001,
00:00 local time (so `every=timedelta(weeks=1)` runs on Mondays at midnight). A job is due
when the latest slot that has begun has not been claimed. Claiming writes the slot into
`ScheduledRun` with a conditional UPDATE, so that of two workers running side by side exactly
one enqueues it. A worker that was down for days runs each job once when it comes back, not
once per missed slot; one that starts for the first time runs every job at once.
"""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, close_old_connections, connections, transaction
from django.utils import timezone

from ishenim.core.models import ScheduledRun

logger = logging.getLogger(__name__)

# How often `ishenim worker` looks at the timetable: a job runs at most this late.
SCHEDULER_INTERVAL_SECONDS = 30
_EPOCH = datetime(2001, 1, 1)  # a Monday


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: object  # a django_tasks Task
    every: timedelta | None = None
    daily_at: time | None = None

    def slot(self, now: datetime) -> datetime:
        """The start of the latest slot that has begun at `now`, in UTC."""
        zone = ZoneInfo(settings.TIME_ZONE)
        if self.daily_at is not None:
            local = now.astimezone(zone)
            start = datetime.combine(local.date(), self.daily_at, tzinfo=zone).astimezone(UTC)
            if start > now:
                start = datetime.combine(
                    local.date() - timedelta(days=1), self.daily_at, tzinfo=zone
                ).astimezone(UTC)
            return start
        # Counted on the wall clock, not in absolute time: a zone's offset has changed since
        # 2001 (Bishkek's did in 2005), and a weekly job should stay on Monday midnight.
        local = now.astimezone(zone).replace(tzinfo=None)
        start_local = _EPOCH + ((local - _EPOCH) // self.every) * self.every
        start = start_local.replace(tzinfo=zone).astimezone(UTC)
        # A clock moved forward can put that wall-clock time after `now`: the slot before.
        return (
            start
            if start <= now
            else (start_local - self.every).replace(tzinfo=zone).astimezone(UTC)
        )


_jobs: dict[str, PeriodicJob] = {}


def periodic(name: str, *, every: timedelta | None = None, daily_at: time | None = None):
    """Register the decorated task as the periodic job `name` (its own name, by custom)."""
    if (every is None) == (daily_at is None):
        raise ValueError("A periodic job runs either every <interval> or daily at <time>.")
    if every is not None and every < timedelta(minutes=1):
        raise ValueError("A periodic job runs at most once a minute.")
    if daily_at is not None and daily_at.tzinfo is not None:
        raise ValueError("daily_at is a wall-clock time in settings.TIME_ZONE, without tzinfo.")

    def register(task):
        existing = _jobs.get(name)
        if existing is not None and _task_path(existing.task) != _task_path(task):
            raise ValueError(f"Two periodic jobs are named {name!r}.")
        _jobs[name] = PeriodicJob(name=name, task=task, every=every, daily_at=daily_at)
        return task

    return register


def _task_path(task) -> str:
    return getattr(task, "module_path", repr(task))


def periodic_jobs() -> list[PeriodicJob]:
    return [_jobs[name] for name in sorted(_jobs)]


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("The scheduler needs an aware datetime (django.utils.timezone.now()).")
    return now


def schedule_due(now: datetime) -> list[str]:
    """The names of the jobs whose latest slot has begun and has not been claimed."""
    now = _aware(now)
    claimed = dict(
        ScheduledRun.objects.filter(job__in=list(_jobs)).values_list("job", "last_run_at")
    )
    return [
        job.name
        for job in periodic_jobs()
        if job.name not in claimed or claimed[job.name] < job.slot(now)
    ]


def schedule_claim(name: str, slot: datetime) -> bool:
    """Mark `slot` of job `name` as taken; True for the one caller that took it.

    The UPDATE's condition is the lock: on PostgreSQL a second worker's UPDATE waits for the
    first to commit, then finds the row no longer matches and changes nothing; on SQLite the
    write lock makes them take turns. A first run inserts the row, and the unique job name
    turns the slower of two inserts into an IntegrityError.
    """
    with transaction.atomic():
        if ScheduledRun.objects.filter(job=name, last_run_at__lt=slot).update(last_run_at=slot):
            return True
        if ScheduledRun.objects.filter(job=name).exists():
            return False
        try:
            with transaction.atomic():
                ScheduledRun.objects.create(job=name, last_run_at=slot)
        except IntegrityError:
            return False
        return True


def schedule_enqueue_due(now: datetime) -> list[str]:
    """Claim and enqueue every due job; the names of those this call enqueued."""
    now = _aware(now)
    enqueued = []
    for name in schedule_due(now):
        job = _jobs[name]
        slot = job.slot(now)
        try:
            # Claim and enqueue commit together: a failed enqueue leaves the slot unclaimed,
            # and with the database backend a claimed slot always has its task row.
            with transaction.atomic():
                if not schedule_claim(name, slot):
                    continue
                job.task.enqueue()
        except Exception:
            logger.exception("Periodic job %s could not be enqueued for %s", name, slot)
            continue
        logger.info("Enqueued periodic job %s for %s", name, slot.isoformat())
        enqueued.append(name)
    return enqueued


class SchedulerThread(threading.Thread):
    """Runs a scheduler pass now and then every `interval` seconds until stop() is called."""

    def __init__(
        self,
        *,
        interval: float = SCHEDULER_INTERVAL_SECONDS,
        scheduler_pass: Callable[[], object] | None = None,
    ):
        # A daemon, so that a pass stuck on the database can never keep the process alive.
        super().__init__(name="ishenim-scheduler", daemon=True)
        self.interval = interval
        self.scheduler_pass = scheduler_pass or _scheduler_pass
        self._stopping = threading.Event()

    def stop(self) -> None:
        self._stopping.set()

    def run(self) -> None:
        try:
            while not self._stopping.is_set():
                try:
                    self.scheduler_pass()
                except Exception:
                    # The database may be restarting: log, and try again at the next pass.
                    logger.exception("Scheduler pass failed")
                self._stopping.wait(self.interval)
        finally:
            # This thread's own connections: the main thread's are not touched.
            connections.close_all()


def _scheduler_pass() -> list[str]:
    # A connection idle for longer than CONN_MAX_AGE, or broken, is replaced before use.
    close_old_connections()
    try:
        return schedule_enqueue_due(timezone.now())
    finally:
        close_old_connections()
