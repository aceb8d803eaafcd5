"""What an analysis covers and whose eyes it is computed for: the area chosen, the viewer's
share of the records, the limits every analysis shares.

An area is named by a code: one of the dataset's own areas (an LSOA of police.uk), or, for a
dataset of the platform's own country, an administrative unit and everything inside it. The
viewer is a person (request.user, AnonymousUser included) whose counts and records are narrowed
by orgs.policy, or `PLATFORM` — the command line, which an operator runs with the database's
own rights, as the importers do.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Max, Min, Q, QuerySet
from django.utils.translation import gettext as _

from ishenim.core.enums import Sensitivity
from ishenim.geo import selectors as geo_selectors
from ishenim.geo.models import AdminUnit
from ishenim.orgs import policy
from ishenim.orgs.enums import Action
from ishenim.stats import selectors
from ishenim.stats.models import CountRollup, CrimeRecord, Dataset, DatasetArea, OffenceCategory
from ishenim.stats.periods import Period, month_after

# H3 resolutions the pages and commands accept: 6 (36 km² hexagons, a district's towns) to 10
# (0.015 km², a block). Coarser says nothing about places; finer holds one record per cell.
RESOLUTIONS = range(6, 11)
# Rings of neighbours in a cell's Gi* neighbourhood: 1 is the standard choice, 3 already spans
# 37 cells.
RINGS = range(1, 4)


class _Platform:
    def __repr__(self) -> str:
        return "PLATFORM"


# The viewer of the command line: every record, as the importers write every record.
PLATFORM = _Platform()


class AnalysisError(ValueError):
    """What the analysis cannot do with these inputs, in the reader's language."""


def resolution_checked(resolution) -> int:
    try:
        value = int(resolution)
    except (TypeError, ValueError):
        value = None
    if value is None or value != resolution or value not in RESOLUTIONS:
        raise AnalysisError(
            _("The hexagon resolution must be a whole number from %(low)d to %(high)d.")
            % {"low": RESOLUTIONS[0], "high": RESOLUTIONS[-1]}
        )
    return value


def rings_checked(k) -> int:
    try:
        value = int(k)
    except (TypeError, ValueError):
        value = None
    if value is None or value != k or value not in RINGS:
        raise AnalysisError(
            _("The neighbourhood must be %(low)d to %(high)d rings of hexagons.")
            % {"low": RINGS[0], "high": RINGS[-1]}
        )
    return value


@dataclass(frozen=True)
class AreaScope:
    """The part of a dataset an analysis covers: one of its own areas, or an administrative
    unit with everything inside it."""

    code: str
    name: str
    population: int | None
    population_year: int | None
    unit: AdminUnit | None = None
    dataset_area: DatasetArea | None = None
    # The unit and its whole subtree (empty for a dataset area).
    unit_ids: frozenset[int] = field(default=frozenset(), repr=False)

    @property
    def is_unit(self) -> bool:
        return self.unit is not None

    def __str__(self) -> str:
        return f"{self.name} ({self.code})" if self.name else self.code

    def rollup_filter(self) -> Q:
        if self.unit is not None:
            return Q(unit_id__in=self.unit_ids)
        return Q(area_id=self.dataset_area.pk)


def unit_scope(unit: AdminUnit) -> AreaScope:
    return AreaScope(
        code=unit.code,
        name=unit.name,
        population=unit.population,
        population_year=unit.population_year,
        unit=unit,
        unit_ids=frozenset(geo_selectors.unit_subtree_ids([unit])),
    )


def area_scope_resolve(dataset: Dataset, code: str | None) -> AreaScope | None:
    """The area a code names within the dataset; None for no code (the whole dataset);
    AnalysisError for a code that names nothing there."""
    code = (code or "").strip()
    if not code:
        return None
    area = DatasetArea.objects.filter(dataset=dataset, code=code).first()
    if area is not None:
        return AreaScope(
            code=area.code,
            name=area.name,
            population=area.population,
            population_year=area.population_year,
            dataset_area=area,
        )
    if dataset.in_platform_country:
        unit = AdminUnit.objects.filter(code=code).first()
        if unit is not None and _unit_within(unit, dataset.unit):
            return unit_scope(unit)
    raise AnalysisError(
        _("“%(code)s” is not an area of the dataset %(dataset)s.")
        % {"code": code[:60], "dataset": dataset.name}
    )


def _unit_within(unit: AdminUnit, cover: AdminUnit | None) -> bool:
    return cover is None or unit.path.startswith(cover.path)


def area_choices(dataset: Dataset, viewer) -> list[tuple[str, str]]:
    """(code, label) of every area the viewer may choose: the dataset's own areas, then, for a
    dataset of the platform's country, the units it covers that the viewer's jurisdiction
    reaches (indented by depth, so that the tree reads in a plain list)."""
    choices = [
        (code, f"{code} {name}".strip())
        for code, name in DatasetArea.objects.filter(dataset=dataset)
        .order_by("code")
        .values_list("code", "name")
    ]
    if dataset.in_platform_country:
        units = AdminUnit.objects.order_by("path").only(
            "id", "code", "name_ky", "name_ru", "name_en", "depth", "path"
        )
        if dataset.unit is not None:
            units = units.filter(path__startswith=dataset.unit.path)
        reach = jurisdiction_reach(viewer, dataset)
        for unit in units:
            if reach is None or unit.pk in reach:
                choices.append((unit.code, "\u2003" * max(unit.depth - 1, 0) + unit.name))
    return choices


def _superuser(viewer) -> bool:
    return bool(getattr(viewer, "is_superuser", False) and getattr(viewer, "is_active", False))


def jurisdiction_reach(viewer, dataset: Dataset) -> set[int] | None:
    """The units whose records of this dataset the viewer may see; None for all of them (the
    platform, a public dataset, a national jurisdiction). Whatever the viewer sees of a
    dataset they may open at all is bounded by units only: its records carry its own
    sensitivity, for which opening the dataset already proved the clearance."""
    if viewer is PLATFORM or _superuser(viewer) or dataset.sensitivity == Sensitivity.PUBLIC:
        return None
    rank = Sensitivity.rank(dataset.sensitivity)
    granting = [
        seat
        for seat in policy.seats(viewer)
        if Action.VIEW in seat.grant.actions
        and Sensitivity.rank(seat.grant.clearance) >= rank
        # Records name no handling organisation: need-to-know roles see no confidential one.
        and not (seat.grant.need_to_know and dataset.sensitivity == Sensitivity.CONFIDENTIAL)
    ]
    if any(seat.national for seat in granting):
        return None
    return set().union(*(seat.unit_ids for seat in granting))


def sees_whole(reach: set[int] | None, area: AreaScope | None) -> bool:
    """Whether the viewer sees every record of the area (or of the whole dataset): only then
    is a count a count of the area, and a rate per head of its population meaningful."""
    if reach is None:
        return True
    if area is None or not area.is_unit:
        return False
    return area.unit_ids <= reach


def rollups_visible(
    viewer,
    dataset: Dataset,
    *,
    area: AreaScope | None = None,
    months: Iterable[Period] = (),
    category: OffenceCategory | None = None,
) -> QuerySet[CountRollup]:
    """The dataset's counts the viewer may see: in the area, within any of the periods (all
    months without one), of the category (a section with its divisions)."""
    rollups = CountRollup.objects.filter(dataset=dataset)
    periods = [period for period in months if period is not None]
    if periods:
        within = Q()
        for first, last in _joined(periods):
            within |= Q(month__gte=first, month__lte=last)
        rollups = rollups.filter(within)
    if area is not None:
        rollups = rollups.filter(area.rollup_filter())
    if category is not None:
        rollups = rollups.filter(category_id__in=selectors.category_ids(category))
    return rollups if viewer is PLATFORM else policy.visible(viewer, rollups)


def _joined(periods: list[Period]) -> list[tuple[date, date]]:
    """The periods as few ranges of months as possible: a period and the one just before it
    are one range, which the database reads in one pass of its (dataset, month) index
    instead of two."""
    ranges: list[list[date]] = []
    for period in sorted(periods, key=lambda period: period.first):
        if ranges and period.first <= month_after(ranges[-1][1]):
            ranges[-1][1] = max(ranges[-1][1], period.last)
        else:
            ranges.append([period.first, period.last])
    return [(first, last) for first, last in ranges]


def records_visible(
    viewer,
    dataset: Dataset,
    *,
    area: AreaScope | None = None,
    period: Period | None = None,
    category: OffenceCategory | None = None,
) -> QuerySet[CrimeRecord]:
    """The dataset's records the viewer may see, with the same filters (the records of a unit
    scope are those located in it; of a dataset area, those the source gave that area)."""
    records = CrimeRecord.objects.filter(dataset=dataset)
    if period is not None:
        records = records.filter(month__gte=period.first, month__lte=period.last)
    if area is not None:
        records = records.filter(area.rollup_filter())
    if category is not None:
        records = records.filter(category_id__in=selectors.category_ids(category))
    return records if viewer is PLATFORM else policy.visible(viewer, records)


@dataclass(frozen=True)
class MonthSpan:
    """The first and last month the dataset has counts for."""

    first: date
    last: date

    @property
    def months(self) -> int:
        return (self.last.year - self.first.year) * 12 + self.last.month - self.first.month + 1

    def covers(self, period: Period) -> bool:
        return self.first <= period.first and period.last <= self.last


def month_span(dataset: Dataset) -> MonthSpan | None:
    """From the counts (two index look-ups: SQLite answers a lone MIN or MAX from the index
    on (dataset, month), not both in one query)."""
    first = CountRollup.objects.filter(dataset=dataset).aggregate(first=Min("month"))["first"]
    if first is None:
        return None
    last = CountRollup.objects.filter(dataset=dataset).aggregate(last=Max("month"))["last"]
    return MonthSpan(first=first, last=last)


def months_before(period: Period) -> Period:
    """The period of the same number of months that ends just before `period` begins."""
    length = len(period.months)
    first = period.first
    for _step in range(length):
        first = _month_before(first)
    return Period(first, _month_before(period.first))


def _month_before(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def periods_default(span: MonthSpan | None) -> tuple[Period | None, Period | None]:
    """The period a page opens on, and what it is compared with: the latest 12 months against
    the 12 before them when the data has two years; else the later half against the earlier;
    a single month alone."""
    if span is None:
        return None, None
    if span.months >= 24:
        length = 12
    elif span.months >= 2:
        length = span.months // 2
    else:
        return Period(span.first, span.last), None
    first = span.last
    for _step in range(length - 1):
        first = _month_before(first)
    period = Period(first, span.last)
    return period, months_before(period)


def period_parse(text: str | None) -> Period | None:
    """A period from a form or a command line; None for nothing; AnalysisError otherwise."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return Period.parse(text)
    except ValueError as error:
        raise AnalysisError(str(error)) from None


def month_range(first: date, last: date) -> list[date]:
    months, month = [], first
    while month <= last:
        months.append(month)
        month = month_after(month)
    return months
