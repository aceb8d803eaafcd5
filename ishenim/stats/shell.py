"""Stats' entry in the web shell: the "Statistics" menu link. Called once from
StatsConfig.ready().

Who sees the link: staff (anyone working for the platform in a role other than resident),
and every signed-in person once a public dataset exists. Visitors who have not signed in do
not see it: the menu registry cannot ask the database about them, and the public face of the
statistics is the open data page and, later, the portal; /stats/ itself still lists public
datasets to anyone who opens it.

No "My work" panel: nothing in the statistics waits for a person (imports in progress are
the imports pages' panel).
"""

from django.utils.translation import gettext_lazy as _

from ishenim.core.enums import Sensitivity
from ishenim.core.navigation import nav_entry
from ishenim.orgs import policy


def statistics_audience(user) -> bool:
    from ishenim.stats.models import Dataset

    if policy.is_staff(user):
        return True
    return Dataset.objects.filter(sensitivity=Sensitivity.PUBLIC).exists()


def shell_register() -> None:
    nav_entry(
        url_name="stats:dataset_list",
        label=_("Statistics"),
        order=40,
        audience=statistics_audience,
    )
    # The public datasets' anonymised files: for everyone, signed in or not.
    nav_entry(url_name="open_data:dataset_list", label=_("Open data"), order=45)
