from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "ishenim.orgs"
    label = "orgs"
    verbose_name = _("Organisations and people")

    def ready(self):
        from ishenim.orgs.panels import panels_register
        from ishenim.orgs.scopes import scopes_register

        scopes_register()
        panels_register()

        # Imported for what importing does: registers orgs' periodic jobs with the timetable.
        from ishenim.orgs import tasks  # noqa: F401
