import io
import signal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from ishenim.core.audit import SYSTEM, audit_record
from ishenim.core.models import AuditEntry, ScheduledRun

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def database_tasks():
    with override_settings(TASKS=DATABASE_TASKS):
        yield


# The worker runs in autocommit mode, as in production: it closes connections between tasks
# (close_old_connections), which would end a test's enclosing transaction on PostgreSQL.
@pytest.mark.django_db(transaction=True)
def test_once_enqueues_the_due_jobs_runs_them_and_exits_and_a_second_run_adds_nothing(
    database_tasks,
):
    with transaction.atomic():
        audit_record(action="appeal_submitted", actor=SYSTEM, object_type="a", object_id=1)

    call_command("run_worker", "--once", stdout=io.StringIO(), stderr=io.StringIO())

    results = {r.task_path.rsplit(".", 1)[-1]: r for r in DBTaskResult.objects.all()}
    # Core's own jobs; other apps add theirs to the same timetable.
    assert {"audit_verify_chain", "task_results_prune"} <= set(results)
    assert all(r.status == "SUCCESSFUL" for r in results.values())
    assert results["audit_verify_chain"].return_value["ok"] is True
    assert results["audit_verify_chain"].return_value["checked"] == AuditEntry.objects.count()
    assert set(ScheduledRun.objects.values_list("job", flat=True)) == set(results)

    call_command("run_worker", "--once", stdout=io.StringIO(), stderr=io.StringIO())

    assert DBTaskResult.objects.count() == len(results)


@pytest.mark.django_db(transaction=True)
def test_once_runs_what_was_already_queued_and_gives_back_the_signal_handlers(database_tasks):
    from ishenim.core.tasks import task_results_prune

    def ours(signum, frame):
        raise AssertionError("not called")

    queued = task_results_prune.enqueue()
    previous = signal.signal(signal.SIGTERM, ours)
    try:
        call_command("run_worker", "--once", stdout=io.StringIO(), stderr=io.StringIO())

        assert signal.getsignal(signal.SIGTERM) is ours
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert DBTaskResult.objects.get(id=queued.id).status == "SUCCESSFUL"


@pytest.mark.django_db
def test_the_worker_refuses_a_backend_that_is_not_the_database():
    # The test settings run tasks at once: there is no queue for a worker to read.
    with pytest.raises(CommandError):
        call_command("run_worker", "--once", stdout=io.StringIO(), stderr=io.StringIO())


def test_the_worker_refuses_a_negative_interval():
    with pytest.raises(CommandError):
        call_command("run_worker", "--once", "--interval", "-1")
