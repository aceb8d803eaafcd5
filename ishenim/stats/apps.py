from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _categories_seed(sender, *, using, apps=None, **kwargs) -> None:
    """After every migrate (and the test database's, and a flush's): the shipped offence
    categories and the police.uk mapping, through the migration state's models (`flush` sends
    none: then the project's own)."""
    from django.apps import apps as project_apps

    from ishenim.stats.services.reference import categories_seed

    apps = apps or project_apps
    try:
        category_model = apps.get_model("stats", "OffenceCategory")
        mapping_model = apps.get_model("stats", "CategoryMapping")
    except LookupError:
        return  # stats' tables are not migrated yet (a partial `migrate <app>`)
    categories_seed(category_model=category_model, mapping_model=mapping_model, using=using)


class StatsConfig(AppConfig):
    name = "ishenim.stats"
    label = "stats"
    verbose_name = _("Crime statistics")

    def ready(self):
        from ishenim.stats.scopes import scopes_register
        from ishenim.stats.shell import shell_register

        scopes_register()
        shell_register()
        # Registers the statistics' periodic jobs with the timetable.
        from ishenim.stats import tasks  # noqa: F401

        post_migrate.connect(_categories_seed, sender=self, dispatch_uid="stats_categories_seed")
