from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "ishenim.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from ishenim.core.work import activity_label
        from ishenim.notifications.scopes import scopes_register

        scopes_register()
        # An officer's change that tells a resident shows in their Recent activity.
        activity_label(action="notification_created", label=_("Sent a notification"))
        # Registers the periodic job that picks up deliveries a stopped worker lost.
        from ishenim.notifications import tasks  # noqa: F401
