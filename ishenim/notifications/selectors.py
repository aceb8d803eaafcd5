"""Reads of the notifications, narrowed by orgs.policy."""

from datetime import datetime

from django.db.models import QuerySet

from ishenim.notifications.enums import NotificationStatus
from ishenim.notifications.models import Notification
from ishenim.orgs import policy


def notification_list_for_subject(
    user, object_type: str, object_id: str | int
) -> QuerySet[Notification]:
    """What was sent about one record ("appeals.appeal", 123), oldest first, as far as
    `user` may see it (national administrators: all; everyone else: none)."""
    return policy.visible(
        user,
        Notification.objects.filter(object_type=object_type, object_id=str(object_id)),
    ).order_by("created_at", "pk")


def notification_ids_stalled(*, due_before: datetime) -> list[int]:
    """Queued notifications whose next attempt was due before `due_before`: their task was
    lost (a worker stopped, an enqueue failed after the commit). No policy: for the worker."""
    return list(
        Notification.objects.filter(
            status=NotificationStatus.QUEUED, next_attempt_at__lt=due_before
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)
    )
