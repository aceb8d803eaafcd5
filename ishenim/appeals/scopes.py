"""How orgs.policy reads the appeals' models. Called once from AppealsConfig.ready()."""

from ishenim.core.enums import Sensitivity
from ishenim.orgs import policy
from ishenim.orgs.enums import Action
from ishenim.orgs.policy import Scope

# An appeal is handled by its organisation and, for complaints against the police, by a
# second one (the police inspection beside the Ombudsman's office): need to know opens a
# confidential appeal to either.
HANDLERS = ("organisation", "co_organisation")


def scopes_register() -> None:
    from ishenim.appeals.models import (
        Appeal,
        AppealCategory,
        AppealReporter,
        DeadlineRule,
        RoutingRule,
    )

    # Where it happened decides whose jurisdiction it is in; the resident who filed it while
    # signed in may always read it.
    policy.register(
        Appeal,
        Scope(sensitivity="sensitivity", unit="unit", organisation=HANDLERS, owner="submitted_by"),
    )
    # The reporter is guarded apart: restricted, and confidential for an anonymous reporter
    # or a confidential appeal, so that their contact never leaves the handling organisation.
    policy.register(
        AppealReporter,
        Scope(
            sensitivity="sensitivity",
            unit="appeal__unit",
            organisation=tuple(f"appeal__{path}" for path in HANDLERS),
            owner="appeal__submitted_by",
        ),
    )
    # The service list, the routing and the deadlines are public configuration, edited by
    # national administrators in the admin.
    for model in (AppealCategory, RoutingRule, DeadlineRule):
        policy.register(
            model, Scope(sensitivity=Sensitivity.PUBLIC, unit=None, write_action=Action.MANAGE)
        )
