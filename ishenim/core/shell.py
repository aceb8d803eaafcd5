"""Core's own entries in the web shell's registries: the Home and My work links, the account
and recent-activity panels. Called once from CoreConfig.ready()."""

from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.utils.translation import gettext_lazy as _

from ishenim.core import selectors
from ishenim.core.navigation import nav_entry
from ishenim.core.work import activity_label_for, work_panel


def account_panel_context(request) -> dict | None:
    user = request.user
    if not user.is_authenticated:
        return None
    return {"account": user}


@dataclass(frozen=True)
class Activity:
    at: datetime
    action: str
    label: str | None
    object_kind: str
    object_id: str


def _object_kind(object_type: str) -> str:
    """ "orgs.user" → the model's own (translated) name, "user"; other types as recorded."""
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type


def recent_activity_panel_context(request) -> dict | None:
    entries = selectors.audit_entry_list_for_actor(request.user, limit=10)
    activities = [
        Activity(
            at=entry.at,
            action=entry.action,
            label=activity_label_for(entry.action),
            object_kind=_object_kind(entry.object_type),
            object_id=entry.object_id,
        )
        for entry in entries
    ]
    if not activities:
        return None
    return {"activities": activities}


def shell_register() -> None:
    nav_entry(url_name="core:home", label=_("Home"), order=0)
    nav_entry(url_name="core:my_work", label=_("My work"), order=10, audience="signed_in")
    nav_entry(url_name="core:about", label=_("About Ishenim"), order=0, group="footer")
    work_panel(
        key="account",
        title=_("Your account"),
        template="core/panels/account.html",
        order=900,
        context=account_panel_context,
        waiting=False,
    )
    work_panel(
        key="recent_activity",
        title=_("Recent activity"),
        template="core/panels/recent_activity.html",
        order=950,
        context=recent_activity_panel_context,
        waiting=False,
    )
