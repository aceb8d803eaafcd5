"""The links to the import pages that other statistics pages show: "Imports" and "Import a
file" on the list of datasets, "Import into this dataset" on a dataset's dashboard, each only
for whoever the policy lets follow it (the pages themselves ask again).

A tag rather than the views' context: the links belong to the import pages, and the list and
the dashboard then need only one line each to carry them.
"""

from django import template

from ishenim.orgs import policy
from ishenim.orgs.enums import Action
from ishenim.stats.models import Dataset, ImportRun

register = template.Library()


@register.inclusion_tag("stats/imports/_links.html", takes_context=True)
def import_links(context, dataset: Dataset | None = None) -> dict:
    """For one dataset: may the reader import into it. Without one: may they see imports at
    all, and may they import into some dataset (importing is MANAGE on a dataset)."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return {"dataset": dataset}
    if dataset is not None:
        return {"dataset": dataset, "may_import": policy.can(user, Action.MANAGE, dataset)}
    return {
        "may_see_imports": policy.can(user, Action.VIEW, ImportRun),
        "may_import": policy.can(user, Action.MANAGE, Dataset),
    }
