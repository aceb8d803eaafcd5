"""Appeals' entries in the web shell: "Send an appeal" and "Track an appeal" for everyone,
the work queue and the figures for staff, and the "Appeals" panel of My work. Called once
from AppealsConfig.ready()."""

from django.utils.translation import gettext_lazy as _

from ishenim.core.navigation import nav_entry
from ishenim.core.work import activity_label, work_panel
from ishenim.orgs import policy

ACTIVITY_LABELS = {
    "appeal_submitted": _("Took in an appeal"),
    "appeal_registered": _("Registered an appeal"),
    "appeal_assigned": _("Assigned an appeal"),
    "appeal_started": _("Started work on an appeal"),
    "appeal_clarification_requested": _("Asked a resident to clarify an appeal"),
    "appeal_extended": _("Extended an appeal's deadline"),
    "appeal_redirected": _("Redirected an appeal"),
    "appeal_merged": _("Merged duplicate appeals"),
    "appeal_rejected": _("Rejected an appeal"),
    "appeal_answered": _("Answered an appeal"),
    "appeal_closed": _("Closed an appeal"),
    "appeal_note": _("Added a note to an appeal"),
    "appeal_classified": _("Changed an appeal's sensitivity"),
}


def appeals_panel_context(request) -> dict | None:
    from ishenim.appeals import selectors

    if not policy.is_staff(request.user):
        return None
    counts = selectors.appeal_count_waiting_for(request.user)
    if not any(counts.values()):
        return None
    return counts


def shell_register() -> None:
    for action, label in ACTIVITY_LABELS.items():
        activity_label(action=action, label=label)
    nav_entry(url_name="appeals:submit", label=_("Send an appeal"), order=10)
    nav_entry(url_name="appeals:track_find", label=_("Track an appeal"), order=11)
    nav_entry(url_name="appeals:queue", label=_("Appeals"), order=20, audience="staff")
    nav_entry(url_name="appeals:figures", label=_("Appeal figures"), order=21, audience="staff")
    work_panel(
        key="appeals",
        title=_("Appeals"),
        template="appeals/panels/appeals.html",
        order=100,
        context=appeals_panel_context,
    )
