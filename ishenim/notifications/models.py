from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ishenim.notifications.enums import Channel, NotificationStatus


class Notification(models.Model):
    """One message to one recipient on one channel, rendered when it was asked for (in the
    recipient's language) and delivered by the task worker, retried after a failure.

    Personal data: the address and the text. Only national administrators see these rows
    (notifications.scopes); the audit log holds digests of them, never the values."""

    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    # An email address, or a phone number in E.164 ("+996555123456").
    recipient = models.CharField(_("recipient"), max_length=254)
    language = models.CharField(_("language"), max_length=8)
    # The name its texts were rendered from: notifications/<template>.<part>.txt.
    template = models.CharField(_("template"), max_length=200)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("text"))
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=NotificationStatus.choices,
        default=NotificationStatus.QUEUED,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # Why the last attempt failed, in a few words: never the gateway's token or URL.
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    # When the next attempt is due (a queued row only); a row long past it has lost its
    # task, and the periodic job enqueues it again (services.notifications_stalled_requeue).
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # What it is about ("appeals.appeal", "123"): the caller's record, named rather than
    # linked, because the apps that notify sit in the same layer as this one or above it.
    object_type = models.CharField(_("about (type)"), max_length=100, blank=True)
    object_id = models.CharField(_("about (id)"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="notification_subject"),
            # The periodic job's question: queued rows whose next attempt is long past.
            models.Index(fields=["status", "next_attempt_at"], name="notification_due"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} · {self.template} ({self.get_status_display()})"
