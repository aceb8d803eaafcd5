"""Notifications: asked for by other apps' services, delivered by the task worker.

    notification_send(...)              render the texts now, store one row per channel,
                                        enqueue the delivery after the commit
    notification_deliver(...)           one delivery attempt (the task of the same name)
    notifications_stalled_requeue(...)  the periodic job: rows whose task was lost, again

Retries. A failed attempt leaves the row queued with its next attempt 1, 5, 30, 120 and then
720 minutes later; the sixth failure makes it failed. Each retry is a task enqueued with
run_after, where the task backend can defer (the database backend can); where it cannot
(the immediate backend of the tests) no retry is enqueued, and the row waits for the
periodic job or for a caller that passes `now`, so that a failing gateway never loops.

An attempt is claimed before it is made: a conditional UPDATE moves `attempts` on and sets
the next attempt, so that two tasks for one row (a retry and the periodic job's) make one
attempt, and a worker that stops mid-send leaves a row that the periodic job finds. The
message is sent outside any transaction: a slow gateway holds no lock, on SQLite least of
all. A worker killed between sending and recording can therefore send a message twice,
never lose it.
"""

import json
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.template import Context
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ishenim.core import phones
from ishenim.notifications import selectors, timeline
from ishenim.notifications.enums import Channel, NotificationStatus
from ishenim.notifications.models import Notification
from ishenim.notifications.outbound import DeliveryFailure, outbound_deliver

logger = logging.getLogger("ishenim.notifications")

# After the first attempt fails: the waits before the second, third, ... sixth.
RETRY_DELAYS = tuple(timedelta(minutes=minutes) for minutes in (1, 5, 30, 120, 720))
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# The last attempt has no retry to wait for: a row still queued this long after it was
# claimed lost its worker mid-send.
LAST_ATTEMPT_LEASE = timedelta(minutes=10)
# A queued row whose attempt has been due this long has no task left to make it.
STALLED_AFTER = timedelta(minutes=30)
# Rows enqueued again per transaction by the periodic job.
REQUEUE_BATCH = 500
ERROR_LENGTH = Notification._meta.get_field("last_error").max_length
SUBJECT_LENGTH = Notification._meta.get_field("subject").max_length


def _render(template: str, part: str, context: Mapping) -> str:
    """notifications/<template>.<part>.txt in the active language, as plain text: the
    engine's HTML escaping would turn "O'Brien" into "O&#x27;Brien" in a text message."""
    name = f"notifications/{template}.{part}.txt"
    text = get_template(name).template.render(Context(dict(context), autoescape=False))
    lines = [line.rstrip() for line in text.strip().splitlines()]
    # Template tags on lines of their own leave blank lines behind: at most one in a row.
    kept = [line for i, line in enumerate(lines) if line or (i and lines[i - 1])]
    rendered = "\n".join(kept)
    if not rendered:
        raise ValueError(f"{name} rendered no text.")
    return rendered


def _checked(language: str, context: Mapping) -> None:
    if language not in {code for code, _name in settings.LANGUAGES}:
        raise ValueError(f"{language!r} is not a language of this site.")
    try:
        # Plain values only: a model instance would let a template reach any of its fields.
        json.dumps(dict(context))
    except TypeError as error:
        raise ValueError(f"A notification's context holds plain values only: {error}") from None


def _email_checked(email: str) -> str:
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError as error:
        raise ValidationError({"email": error.messages}) from None
    return email


def _phone_checked(phone: str) -> str:
    try:
        return phones.phone_normalise(phone)
    except ValueError as error:
        raise ValidationError({"phone": str(error)}) from None


@transaction.atomic
def notification_send(
    *,
    template: str,
    context: dict,
    language: str,
    email: str | None = None,
    phone: str | None = None,
    subject_object: tuple[str, str] | None = None,
    actor,
) -> list[Notification]:
    """Tell `email` and/or `phone` what `template` says, in `language`; one notification
    per channel given, none when neither is. The texts are rendered now (a missing template
    fails the caller's transaction, not a worker later) and delivered after the commit of
    the caller's transaction, by the task worker: a rolled-back change notifies nobody and
    a request never waits for a gateway."""
    _checked(language, context)
    object_type, object_id = subject_object or ("", "")
    now = timezone.now()
    common = {
        "language": language,
        "template": template,
        "object_type": object_type,
        "object_id": str(object_id),
        "created_at": now,
        # Due at once: if the task is lost, the periodic job still finds it.
        "next_attempt_at": now,
    }
    notifications = []
    with translation.override(language):
        if email:
            subject = " ".join(_render(template, "subject", context).split())
            notifications.append(
                Notification(
                    channel=Channel.EMAIL,
                    recipient=_email_checked(email),
                    subject=subject[:SUBJECT_LENGTH],
                    body=_render(template, "email", context),
                    **common,
                )
            )
        if phone:
            notifications.append(
                Notification(
                    channel=Channel.SMS,
                    recipient=_phone_checked(phone),
                    body=_render(template, "sms", context),
                    **common,
                )
            )
    for notification in notifications:
        notification.full_clean()
        notification.save(force_insert=True)
        timeline.notification_created(notification=notification, actor=actor)
        _enqueue_after_commit(notification.pk)
    return notifications


def _enqueue_after_commit(notification_id: int, *, run_after: datetime | None = None) -> None:
    from ishenim.notifications.tasks import notification_deliver as deliver_task

    def enqueue() -> None:
        task = deliver_task.using(run_after=run_after) if run_after else deliver_task
        task.enqueue(notification_id)

    # robust: a task that cannot be enqueued must not turn a committed change into an error
    # page; the row stays due and the periodic job enqueues it later.
    transaction.on_commit(enqueue, robust=True)


def _retries_can_wait() -> bool:
    from ishenim.notifications.tasks import notification_deliver as deliver_task

    return deliver_task.get_backend().supports_defer


def notification_deliver(
    *, notification_id: int, now: datetime | None = None
) -> Notification | None:
    """Make the notification's next attempt if it is due at `now` (default: the time now);
    a notification that is not queued, or not yet due, is left alone. Returns it as it
    stands afterwards (None if it does not exist)."""
    now = now or timezone.now()
    notification = Notification.objects.filter(pk=notification_id).first()
    if notification is None or notification.status != NotificationStatus.QUEUED:
        return notification
    if notification.next_attempt_at is not None and notification.next_attempt_at > now:
        return notification
    if notification.attempts >= MAX_ATTEMPTS:
        return _interrupted_fail(notification)
    attempt = notification.attempts + 1
    retry_at = now + (RETRY_DELAYS[attempt - 1] if attempt < MAX_ATTEMPTS else LAST_ATTEMPT_LEASE)
    claimed = Notification.objects.filter(
        pk=notification.pk, status=NotificationStatus.QUEUED, attempts=notification.attempts
    ).update(attempts=F("attempts") + 1, next_attempt_at=retry_at)
    if not claimed:
        # Another task made this attempt.
        return Notification.objects.get(pk=notification.pk)
    notification.attempts, notification.next_attempt_at = attempt, retry_at
    try:
        status = outbound_deliver(notification)
    except DeliveryFailure as failure:
        return _attempt_failed(notification, str(failure))
    notification.status, notification.sent_at = status, now
    notification.next_attempt_at, notification.last_error = None, ""
    notification.save(update_fields=["status", "sent_at", "next_attempt_at", "last_error"])
    return notification


def _attempt_failed(notification: Notification, reason: str) -> Notification:
    notification.last_error = reason[:ERROR_LENGTH]
    final = notification.attempts >= MAX_ATTEMPTS
    logger.warning(
        "Notification %s: attempt %s of %s failed%s: %s",
        notification.pk,
        notification.attempts,
        MAX_ATTEMPTS,
        "" if not final else ", no more attempts",
        notification.last_error,
    )
    with transaction.atomic():
        if final:
            notification.status, notification.next_attempt_at = NotificationStatus.FAILED, None
        elif _retries_can_wait():
            _enqueue_after_commit(notification.pk, run_after=notification.next_attempt_at)
        notification.save(update_fields=["status", "next_attempt_at", "last_error"])
    return notification


def _interrupted_fail(notification: Notification) -> Notification:
    """The last attempt was claimed and never recorded: its worker stopped mid-send."""
    notification.status, notification.next_attempt_at = NotificationStatus.FAILED, None
    notification.last_error = (
        notification.last_error
        or _("The last attempt was interrupted: the worker making it stopped.")
    )[:ERROR_LENGTH]
    Notification.objects.filter(
        pk=notification.pk, status=NotificationStatus.QUEUED, attempts=notification.attempts
    ).update(status=notification.status, next_attempt_at=None, last_error=notification.last_error)
    return Notification.objects.get(pk=notification.pk)


def notifications_stalled_requeue(*, now: datetime | None = None) -> int:
    """Enqueue again every queued notification whose attempt has been due for longer than
    STALLED_AFTER (its task was lost: a worker stopped, an enqueue failed after a commit).
    Each is made due `now`, so that the next run leaves it to the task just enqueued for
    another STALLED_AFTER. Returns how many were enqueued."""
    now = now or timezone.now()
    cutoff = now - STALLED_AFTER
    stalled = selectors.notification_ids_stalled(due_before=cutoff)
    enqueued = 0
    for start in range(0, len(stalled), REQUEUE_BATCH):
        with transaction.atomic():
            # Locked and asked again: a task may have claimed one of them meanwhile, and
            # making that one due now would cut its wait before the next attempt short.
            batch = list(
                Notification.objects.select_for_update()
                .filter(
                    pk__in=stalled[start : start + REQUEUE_BATCH],
                    status=NotificationStatus.QUEUED,
                    next_attempt_at__lt=cutoff,
                )
                .values_list("pk", flat=True)
            )
            Notification.objects.filter(pk__in=batch).update(next_attempt_at=now)
            for notification_id in batch:
                _enqueue_after_commit(notification_id)
        enqueued += len(batch)
    if enqueued:
        logger.info("Enqueued %s stalled notification(s) again", enqueued)
    return enqueued
