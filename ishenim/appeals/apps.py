from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _reference_seed(sender, *, using, apps=None, **kwargs) -> None:
    """After every migrate (and the test database's, and a flush's): the shipped service list
    and the default deadline rule, through the migration state's models."""
    from django.apps import apps as project_apps

    from ishenim.appeals.services.reference import appeals_reference_seed

    apps = apps or project_apps
    try:
        category_model = apps.get_model("appeals", "AppealCategory")
        rule_model = apps.get_model("appeals", "DeadlineRule")
    except LookupError:
        return  # appeals' tables are not migrated yet (a partial `migrate <app>`)
    appeals_reference_seed(category_model=category_model, rule_model=rule_model, using=using)


class AppealsConfig(AppConfig):
    name = "ishenim.appeals"
    label = "appeals"
    verbose_name = _("Appeals")

    def ready(self):
        from ishenim.appeals.scopes import scopes_register
        from ishenim.appeals.shell import shell_register

        scopes_register()
        shell_register()
        # Registers the appeals' periodic jobs with the timetable.
        from ishenim.appeals import tasks  # noqa: F401

        post_migrate.connect(_reference_seed, sender=self, dispatch_uid="appeals_reference_seed")
