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
        _routing_signals_connect()


def _routing_signals_connect() -> None:
    """Routes and deadline rules kept per process are forgotten when their rows change here."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from ishenim.appeals.models import DeadlineRule, RoutingRule
    from ishenim.appeals.services import deadlines, routing
    from ishenim.orgs.models import Organisation

    for model in (RoutingRule, Organisation):
        for signal in (post_save, post_delete):
            signal.connect(
                routing.routes_forget,
                sender=model,
                dispatch_uid=f"routes_{model.__name__}_{signal}",
            )
    m2m_changed.connect(
        routing.routes_forget,
        sender=Organisation.jurisdiction.through,
        dispatch_uid="routes_jurisdiction",
    )
    for signal in (post_save, post_delete):
        signal.connect(
            deadlines.rules_forget, sender=DeadlineRule, dispatch_uid=f"deadline_rules_{signal}"
        )
