"""A failed delivery is tried again 1, 5, 30, 120 and 720 minutes later, then given up; the
immediate task backend of the tests never loops; a deferring backend gets each retry as a
task with run_after. The periodic job finds rows whose task was lost."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from ishenim.core.schedule import periodic_jobs
from ishenim.notifications import services
from ishenim.notifications.enums import NotificationStatus
from ishenim.notifications.models import Notification
from ishenim.notifications.tests.conftest import GATEWAY_TOKEN, send

pytestmark = pytest.mark.django_db

DEFERRING_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def failing_text(live_gateway, django_capture_on_commit_callbacks):
    """A text message whose first attempt the gateway refused (503), as after the commit."""
    live_gateway.respond(503, f"busy, token {GATEWAY_TOKEN}".encode())
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        (sms,) = send(phone="+996555100001")
    return Notification.objects.get(pk=sms.pk)


def test_a_refused_text_stays_queued_with_its_reason_and_its_next_attempt(
    failing_text, live_gateway
):
    assert len(live_gateway.requests) == 1  # the immediate backend did not loop
    assert failing_text.status == NotificationStatus.QUEUED
    assert failing_text.attempts == 1
    assert failing_text.last_error == "The SMS gateway answered HTTP 503: busy, token ***"
    assert GATEWAY_TOKEN not in failing_text.last_error
    waited = failing_text.next_attempt_at - failing_text.created_at
    assert timedelta(seconds=59) < waited < timedelta(minutes=1, seconds=5)


def test_retries_wait_1_5_30_120_720_minutes_then_the_notification_fails(
    failing_text, live_gateway
):
    waits, notification = [], failing_text
    while notification.status == NotificationStatus.QUEUED:
        due = notification.next_attempt_at
        notification = services.notification_deliver(notification_id=notification.pk, now=due)
        if notification.next_attempt_at is not None:
            waits.append(notification.next_attempt_at - due)

    assert waits == [timedelta(minutes=m) for m in (5, 30, 120, 720)]
    assert notification.status == NotificationStatus.FAILED
    assert notification.attempts == services.MAX_ATTEMPTS == 6
    assert notification.next_attempt_at is None
    assert notification.sent_at is None
    assert len(live_gateway.requests) == 6
    # A failed notification is left alone.
    services.notification_deliver(notification_id=notification.pk, now=timezone.now())
    assert len(live_gateway.requests) == 6


def test_an_attempt_that_is_not_due_yet_is_not_made(failing_text, live_gateway):
    early = failing_text.next_attempt_at - timedelta(seconds=1)

    notification = services.notification_deliver(notification_id=failing_text.pk, now=early)

    assert notification.attempts == 1
    assert len(live_gateway.requests) == 1


def test_two_tasks_for_one_due_attempt_make_it_once(failing_text, live_gateway):
    due = failing_text.next_attempt_at
    services.notification_deliver(notification_id=failing_text.pk, now=due)
    services.notification_deliver(notification_id=failing_text.pk, now=due)

    assert Notification.objects.get(pk=failing_text.pk).attempts == 2
    assert len(live_gateway.requests) == 2


def test_a_retry_that_gets_through_sends_and_forgets_the_error(failing_text, live_gateway):
    live_gateway.respond(202)
    due = failing_text.next_attempt_at

    notification = services.notification_deliver(notification_id=failing_text.pk, now=due)

    assert notification.status == NotificationStatus.SENT
    assert notification.sent_at == due
    assert (notification.last_error, notification.next_attempt_at) == ("", None)
    assert Notification.objects.get(pk=failing_text.pk).status == NotificationStatus.SENT


def test_a_deferring_task_backend_gets_each_retry_as_a_task_with_run_after(
    settings, live_gateway, django_capture_on_commit_callbacks
):
    from django_tasks import default_task_backend

    settings.TASKS = DEFERRING_TASKS
    live_gateway.respond(500)
    with django_capture_on_commit_callbacks(execute=True):
        (sms,) = send(phone="+996555100001")
    (first,) = default_task_backend.results
    assert first.task.run_after is None
    assert first.args == [sms.pk]

    with django_capture_on_commit_callbacks(execute=True):
        notification = services.notification_deliver(notification_id=sms.pk)

    retry = default_task_backend.results[-1]
    assert len(default_task_backend.results) == 2
    assert retry.task.name == "notification_deliver"
    assert retry.args == [sms.pk]
    assert retry.task.run_after == notification.next_attempt_at


def test_the_last_attempt_of_a_worker_that_stopped_mid_send_ends_failed():
    (sms,) = send(phone="+996555100001")
    Notification.objects.filter(pk=sms.pk).update(
        attempts=services.MAX_ATTEMPTS,
        next_attempt_at=timezone.now() - timedelta(minutes=1),
        last_error="",
    )

    notification = services.notification_deliver(notification_id=sms.pk)

    assert notification.status == NotificationStatus.FAILED
    assert notification.attempts == services.MAX_ATTEMPTS
    assert notification.last_error


def _queued(*, due_ago: timedelta, status=NotificationStatus.QUEUED) -> Notification:
    (sms,) = send(phone="+996555100001")
    Notification.objects.filter(pk=sms.pk).update(
        status=status, next_attempt_at=timezone.now() - due_ago
    )
    return sms


def test_the_periodic_job_delivers_what_has_waited_over_30_minutes_for_a_lost_task(
    django_capture_on_commit_callbacks,
):
    lost = _queued(due_ago=timedelta(minutes=31))
    waiting = _queued(due_ago=timedelta(minutes=29))
    failed = _queued(due_ago=timedelta(hours=5), status=NotificationStatus.FAILED)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.notifications_stalled_requeue() == 1

    # The immediate backend ran the re-enqueued task: OUTBOUND_DELIVERY=log logs it.
    assert Notification.objects.get(pk=lost.pk).status == NotificationStatus.LOGGED
    assert Notification.objects.get(pk=waiting.pk).status == NotificationStatus.QUEUED
    assert Notification.objects.get(pk=failed.pk).status == NotificationStatus.FAILED


def test_a_requeued_notification_is_not_enqueued_again_while_its_task_waits(
    settings, django_capture_on_commit_callbacks
):
    from django_tasks import default_task_backend

    settings.TASKS = DEFERRING_TASKS
    lost = _queued(due_ago=timedelta(hours=2))
    now = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        assert services.notifications_stalled_requeue(now=now) == 1
        assert services.notifications_stalled_requeue(now=now + timedelta(minutes=10)) == 0
    assert [result.args for result in default_task_backend.results] == [[lost.pk]]
    assert Notification.objects.get(pk=lost.pk).next_attempt_at == now

    # Still not done 31 minutes later: the worker lost that task too.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notifications_stalled_requeue(now=now + timedelta(minutes=31)) == 1


def test_the_periodic_job_runs_every_10_minutes():
    (job,) = [job for job in periodic_jobs() if job.name == "notifications_stalled_requeue"]
    assert job.every == timedelta(minutes=10)
    assert job.task.module_path == "ishenim.notifications.tasks.notifications_stalled_requeue"
