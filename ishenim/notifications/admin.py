"""The notifications in the Django admin: a read-only list for national administrators (the
only ones orgs.policy lets see them, notifications.scopes). Notifications are written by
their services only; nothing is edited or resent from here."""

from django.contrib import admin

from ishenim.notifications.models import Notification
from ishenim.orgs.admin.base import ReadOnlyAdmin


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "channel",
        "recipient",
        "template",
        "language",
        "status",
        "attempts",
        "sent_at",
        "last_error",
    )
    list_filter = ("status", "channel", "language", "template")
    search_fields = ("recipient", "object_type", "object_id", "template")
    date_hierarchy = "created_at"
    show_full_result_count = False
