from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "ishenim.core"
    label = "core"
    verbose_name = _("Platform core")

    def ready(self):
        from ishenim.core.shell import shell_register

        shell_register()

        # Imported for what importing does: the calendar connects its cache to CalendarDay's
        # signals, the tasks module registers core's periodic jobs with the timetable.
        from ishenim.core import calendar, tasks  # noqa: F401
        from ishenim.core.checks import checks_register

        checks_register()
