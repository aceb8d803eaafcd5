"""Orgs' entries in the web shell: the directory and account links, and the "Your roles"
panel of My work. Called once from OrgsConfig.ready()."""

from django.utils.translation import gettext_lazy as _

from ishenim.core.navigation import nav_entry
from ishenim.core.work import activity_label, work_panel
from ishenim.orgs import policy, selectors


def roles_panel_context(request) -> dict | None:
    user = request.user
    if not user.is_authenticated:
        return None
    memberships = list(selectors.membership_list_for_user(user))
    if not memberships:
        return None
    return {
        "memberships": memberships,
        # Staff who could turn two-factor on and have not: a gentle nudge (administrators
        # are not asked: the middleware already insists).
        "suggest_two_factor": policy.is_staff(user) and not selectors.authenticator_enrolled(user),
    }


# What the Recent activity panel of My work calls orgs' audit actions (the actor's own).
ACTIVITY_LABELS = {
    "user_created": _("Created an account"),
    "user_updated": _("Changed an account"),
    "user_deactivated": _("Deactivated an account"),
    "password_set": _("Set a password"),
    "two_factor_enrolled": _("Turned on two-factor sign-in"),
    "backup_codes_renewed": _("Made new backup codes"),
    "signed_in": _("Signed in"),
    "organisation_created": _("Added an organisation"),
    "organisation_updated": _("Changed an organisation"),
    "membership_granted": _("Gave someone a role"),
    "membership_updated": _("Changed someone's position"),
    "membership_revoked": _("Took away someone's role"),
}


def panels_register() -> None:
    for action, label in ACTIVITY_LABELS.items():
        activity_label(action=action, label=label)
    nav_entry(url_name="orgs:organisation_list", label=_("Organisations"), order=60)
    nav_entry(url_name="orgs:profile", label=_("Your account"), order=90, audience="signed_in")
    work_panel(
        key="roles",
        title=_("Your roles"),
        template="orgs/panels/roles.html",
        order=910,
        context=roles_panel_context,
        waiting=False,
    )
