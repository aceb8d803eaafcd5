import signal
import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from ishenim.core.schedule import (
    SCHEDULER_INTERVAL_SECONDS,
    SchedulerThread,
    periodic_jobs,
    schedule_enqueue_due,
)

_STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGQUIT") if hasattr(signal, name)
)


class Command(BaseCommand):
    help = (
        "Run background tasks (django-tasks database backend) and the timetable of periodic "
        "jobs. SIGTERM or Ctrl+C stops it after the task in hand; a second one stops it at once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--queue-name",
            default="default",
            help="queues to process, comma-separated, '*' for all (default: default)",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="seconds to wait when the queue is empty before looking again (default 1)",
        )
        parser.add_argument(
            "--batch",
            action="store_true",
            help="process what is queued, then exit",
        )
        parser.add_argument(
            "--max-tasks",
            type=int,
            default=None,
            help="exit after running this many tasks",
        )
        parser.add_argument(
            "--once",
            action="store_true",
            help="one pass of the timetable, then process what is queued and exit (for cron)",
        )

    def handle(self, *args, queue_name, interval, batch, max_tasks, once, verbosity, **options):
        if interval < 0:
            raise CommandError(_("--interval must be zero or more seconds."))
        if max_tasks is not None and max_tasks < 1:
            raise CommandError(_("--max-tasks must be at least 1."))
        worker_options = {
            "queue_name": queue_name,
            "interval": interval,
            "batch": batch or once,
            "max_tasks": max_tasks,
            # The reloader would restart the worker in a child process without the timetable.
            "reload": False,
            "startup_delay": not once,
            "verbosity": verbosity,
            "stdout": self.stdout,
            "stderr": self.stderr,
        }
        if verbosity:
            names = ", ".join(job.name for job in periodic_jobs())
            self.stdout.write(_("Periodic jobs: %(names)s") % {"names": names or "-"})
        if once:
            enqueued = schedule_enqueue_due(timezone.now())
            if verbosity:
                self.stdout.write(
                    _("Enqueued now: %(names)s") % {"names": ", ".join(enqueued) or "-"}
                )
            self._run_worker(worker_options)
            return
        scheduler = SchedulerThread(interval=SCHEDULER_INTERVAL_SECONDS)
        scheduler.start()
        try:
            # django_tasks_db's worker, in the main thread where signals arrive. On SIGTERM it
            # finishes the task in hand and returns, or exits at once when idle (SystemExit):
            # either way the timetable thread is stopped below.
            self._run_worker(worker_options)
        finally:
            scheduler.stop()
            scheduler.join(timeout=SCHEDULER_INTERVAL_SECONDS)

    def _run_worker(self, worker_options: dict) -> None:
        # The worker installs its own signal handlers; put back whoever called us (a test run,
        # a shell) so that Ctrl+C means to them what it meant before.
        previous = {number: signal.getsignal(number) for number in _STOP_SIGNALS}
        try:
            call_command("db_worker", **worker_options)
        finally:
            if threading.current_thread() is threading.main_thread():
                for number, handler in previous.items():
                    signal.signal(number, handler)
