"""Reads of the geography: units, their tree, settlements, and the process's Locator.

Units and settlements are public records: nothing here filters by who is asking.
"""

import threading
from collections.abc import Iterable

from django.db.models import Case, Count, Exists, Max, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Left, Length

from ishenim.geo.enums import UnitLevel
from ishenim.geo.locate import Locator
from ishenim.geo.models import AdminUnit, Boundary, Settlement, settlement_search_text


def unit_root() -> AdminUnit | None:
    """The country: the one unit without a parent."""
    return AdminUnit.objects.filter(parent__isnull=True).order_by("depth", "path").first()


def unit_get(code: str) -> AdminUnit:
    """The unit with this code; AdminUnit.DoesNotExist when there is none."""
    return AdminUnit.objects.select_related("parent").get(code=code)


def unit_list(*, level: str = "", parent: AdminUnit | None = None) -> QuerySet[AdminUnit]:
    """Units in tree order; of one level, and/or directly under one unit."""
    units = AdminUnit.objects.select_related("parent")
    if level:
        units = units.filter(level=level)
    if parent is not None:
        units = units.filter(parent=parent)
    return units.order_by("path")


def unit_children(unit: AdminUnit) -> QuerySet[AdminUnit]:
    return AdminUnit.objects.filter(parent=unit).order_by("path")


def unit_parents() -> QuerySet[AdminUnit]:
    """Units that have children: the choices of a "inside" filter."""
    return (
        AdminUnit.objects.filter(Exists(AdminUnit.objects.filter(parent=OuterRef("pk"))))
        .order_by("path")
        .only("id", "code", "name_ky", "name_ru", "name_en", "depth", "path")
    )


def unit_subtree_ids(units: Iterable[AdminUnit] | QuerySet[AdminUnit]) -> set[int]:
    """Ids of the units and of everything inside them, in one query.

    orgs.policy asks this for a jurisdiction. A queryset (`org.jurisdiction.all()`) stays a
    subquery: a unit is inside when one of the given units' paths is a prefix of its own.
    """
    if isinstance(units, QuerySet):
        ancestor = units.model.objects.filter(
            pk__in=units.values("pk"),
            path=Left(OuterRef("path"), Length("path")),
        )
        return set(AdminUnit.objects.filter(Exists(ancestor)).values_list("id", flat=True))
    paths = {unit.path for unit in units}
    if not paths:
        return set()
    condition = Q()
    for path in paths:
        condition |= Q(path__startswith=path)
    return set(AdminUnit.objects.filter(condition).values_list("id", flat=True))


def unit_ancestors(unit: AdminUnit) -> list[AdminUnit]:
    """From the country down to the unit's parent."""
    codes = [code for code in unit.path.strip("/").split("/") if code and code != unit.code]
    if not codes:
        return []
    return list(AdminUnit.objects.filter(code__in=codes).order_by("depth"))


def unit_has_boundary(unit: AdminUnit) -> bool:
    return Boundary.objects.filter(unit=unit).exists()


def boundaries_for(units: Iterable[AdminUnit]) -> QuerySet[Boundary]:
    return Boundary.objects.filter(unit__in=units).select_related("unit").order_by("unit__path")


def settlement_list(*, unit: AdminUnit | None = None, query: str = "") -> QuerySet[Settlement]:
    """Settlements inside a unit (its whole subtree), whose names contain `query`."""
    settlements = Settlement.objects.select_related("unit")
    if unit is not None:
        settlements = settlements.filter(unit__path__startswith=unit.path)
    folded = settlement_search_text(query.strip())
    if folded:
        settlements = settlements.filter(search_text__contains=folded)
    return settlements.order_by("name_en", "pk")


def settlement_search(query: str, limit: int = 20) -> list[Settlement]:
    """For the villages picker: a name in any of the three languages, any case; names that
    start with the query first."""
    folded = settlement_search_text(query.strip())
    if not folded:
        return []
    starts = Q(search_text__startswith=folded) | Q(search_text__contains="\n" + folded)
    matches = (
        Settlement.objects.select_related("unit")
        .filter(search_text__contains=folded)
        .annotate(rank=Case(When(starts, then=Value(0)), default=Value(1)))
        .order_by("rank", "name_en", "pk")
    )
    return list(matches[: max(limit, 0)])


# --- The process's Locator ----------------------------------------------------------------

_locator_lock = threading.Lock()
_locator_cache: tuple[tuple, Locator] | None = None


def boundary_signature() -> tuple:
    """Changes whenever any process adds, changes or removes a boundary."""
    summary = Boundary.objects.aggregate(count=Count("id"), latest=Max("updated_at"))
    return (summary["count"], summary["latest"])


def locator_current() -> Locator:
    """The Locator over the stored boundaries, built once per process and rebuilt when the
    boundaries change (`ishenim load-reference` in another process included)."""
    global _locator_cache
    signature = boundary_signature()
    cached = _locator_cache
    if cached is not None and cached[0] == signature:
        return cached[1]
    with _locator_lock:
        cached = _locator_cache
        if cached is not None and cached[0] == signature:
            return cached[1]
        boundaries = Boundary.objects.select_related("unit").only(
            "unit_id", "geometry", "unit__code", "unit__depth"
        )
        locator = Locator.from_boundaries(boundaries)
        _locator_cache = (signature, locator)
        return locator


def locator_reset() -> None:
    global _locator_cache
    with _locator_lock:
        _locator_cache = None


def unit_levels_present() -> list[str]:
    """The levels that have units, in the order of UnitLevel."""
    present = set(AdminUnit.objects.values_list("level", flat=True).distinct())
    return [level for level in UnitLevel.values if level in present]
