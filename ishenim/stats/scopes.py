"""How orgs.policy reads the statistics' models. Called once from StatsConfig.ready()."""

from ishenim.core.enums import Sensitivity
from ishenim.orgs import policy
from ishenim.orgs.enums import Action
from ishenim.orgs.policy import Scope


def scopes_register() -> None:
    from ishenim.stats.models import (
        CategoryMapping,
        CountRollup,
        CrimeRecord,
        Dataset,
        DatasetArea,
        ImportRun,
        OffenceCategory,
        OpenDataBuild,
    )

    # A dataset is internal unless someone decides otherwise (core.enums.Sensitivity). It
    # belongs to the unit it covers; another country's data, or national data, has none and
    # is seen by national jurisdictions (or by everyone, once public). Creating and
    # changing one, importing included, is administration.
    policy.register(
        Dataset, Scope(sensitivity="sensitivity", unit="unit", write_action=Action.MANAGE)
    )
    # Records and counts follow their dataset's sensitivity (copied onto them, see
    # stats.models) and, for the platform's own country, the unit their point lies in: a
    # Batken officer sees Batken's points of an internal dataset, not Balykchy's. Only the
    # importers write them.
    policy.register(CrimeRecord, Scope(sensitivity="sensitivity", unit="unit", read_only=True))
    policy.register(CountRollup, Scope(sensitivity="sensitivity", unit="unit", read_only=True))
    # Areas and imports describe a dataset: internal, where the dataset belongs, written by
    # the importers only.
    policy.register(
        DatasetArea,
        Scope(sensitivity=Sensitivity.INTERNAL, unit="dataset__unit", read_only=True),
    )
    policy.register(
        ImportRun,
        Scope(sensitivity=Sensitivity.INTERNAL, unit="dataset__unit", read_only=True),
    )
    # The open data pages show a public dataset's builds to anyone without asking the policy
    # (stats.access.access_open_dataset); this scope is the admin's, like the imports'.
    policy.register(
        OpenDataBuild,
        Scope(sensitivity=Sensitivity.INTERNAL, unit="dataset__unit", read_only=True),
    )
    # The classification is public reference data that follows the shipped ICCS file; only
    # superusers correct it by hand. How a source's categories map to it is public too, and
    # national administrators correct it in the admin.
    policy.register(
        OffenceCategory, Scope(sensitivity=Sensitivity.PUBLIC, unit=None, read_only=True)
    )
    policy.register(
        CategoryMapping,
        Scope(sensitivity=Sensitivity.PUBLIC, unit=None, write_action=Action.MANAGE),
    )
