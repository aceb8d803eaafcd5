from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GeoConfig(AppConfig):
    name = "ishenim.geo"
    label = "geo"
    verbose_name = _("Geography")

    def ready(self):
        from ishenim.geo.shell import shell_register

        shell_register()
