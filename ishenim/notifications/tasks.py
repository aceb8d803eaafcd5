"""Background tasks of the notifications, thin and named after the services they call."""

from datetime import timedelta

from django_tasks import task

from ishenim.core.schedule import periodic
from ishenim.notifications import services as notification_services


@task()
def notification_deliver(notification_id: int) -> dict | None:
    """One delivery attempt of notification `notification_id` (services.notification_deliver);
    a failure is recorded on the row and retried later, never raised."""
    notification = notification_services.notification_deliver(notification_id=notification_id)
    if notification is None:
        return None
    return {"status": notification.status, "attempts": notification.attempts}


@periodic("notifications_stalled_requeue", every=timedelta(minutes=10))
@task()
def notifications_stalled_requeue() -> dict:
    """Queued notifications whose task was lost, enqueued again
    (services.notifications_stalled_requeue)."""
    return {"enqueued": notification_services.notifications_stalled_requeue()}
