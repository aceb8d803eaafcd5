from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message")


class NotificationStatus(models.TextChoices):
    # Waiting for its first attempt, or for the next one after a failure.
    QUEUED = "queued", _("Waiting")
    SENT = "sent", _("Sent")
    # OUTBOUND_DELIVERY=log: written to the log instead of being sent.
    LOGGED = "logged", _("Written to the log")
    # Every attempt failed.
    FAILED = "failed", _("Failed")
