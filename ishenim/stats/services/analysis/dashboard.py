"""The area dashboard's figures: totals, the rate per 100,000 with its exact interval, the
change against a comparison period, counts by category and by part of the area, and the
monthly series with its trend.

Everything is read from the rollups (area × month × category counts) with the viewer's
permissions, in a handful of GROUP BY queries whose cost does not grow with the number of
records: one for the categories of both periods, one for the parts, one for the months.
"""

import dataclasses
from dataclasses import dataclass
from datetime import date

import numpy as np
from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from ishenim.analytics.rates import rate_per
from ishenim.analytics.trend import Trend, monthly_trend
from ishenim.geo import selectors as geo_selectors
from ishenim.geo.models import AdminUnit
from ishenim.stats.models import CountRollup, Dataset, DatasetArea, OffenceCategory
from ishenim.stats.periods import Period
from ishenim.stats.services.analysis.change import (
    ChangeFigure,
    change_figure,
    change_figures,
    periods_checked,
)
from ishenim.stats.services.analysis.scope import (
    AreaScope,
    MonthSpan,
    jurisdiction_reach,
    month_range,
    month_span,
    months_before,
    periods_default,
    rollups_visible,
    sees_whole,
)

PER = 100_000
# Seasonal decomposition needs two full years (analytics.trend).
TREND_MONTHS = 24
TREND_PERMUTATIONS = 999
TREND_SEED = 0


@dataclass(frozen=True)
class RateFigure:
    """Records per 100,000 residents in the period, with the exact 95% Poisson interval."""

    rate: float
    lower: float
    upper: float
    population: int
    population_year: int | None
    # Set when the rate covers only the areas with a known population (the whole of a
    # dataset some of whose areas have none): the records and areas it is computed on.
    records: int | None = None
    areas: int | None = None
    of_areas: int | None = None


def rate_figure(count: int, population: int | None, year: int | None) -> RateFigure | None:
    if not population:
        return None
    estimate = rate_per(np.array([count]), np.array([population]), per=PER)
    return RateFigure(
        rate=float(estimate.rate[0]),
        lower=float(estimate.lower[0]),
        upper=float(estimate.upper[0]),
        population=population,
        population_year=year,
    )


def rate_figures(
    counts: list[int], populations: list[int | None], years: list[int | None]
) -> list[RateFigure | None]:
    """rate_figure for many areas at once (one vectorised call of the engine)."""
    if not counts:
        return []
    known = np.array([float(p) if p else np.nan for p in populations])
    estimate = rate_per(np.asarray(counts, dtype=np.int64), known, per=PER)
    return [
        RateFigure(
            rate=float(estimate.rate[i]),
            lower=float(estimate.lower[i]),
            upper=float(estimate.upper[i]),
            population=populations[i],
            population_year=years[i],
        )
        if populations[i]
        else None
        for i in range(len(counts))
    ]


@dataclass(frozen=True)
class Part:
    """A part of the area (a unit directly under it, or one of the dataset's own areas) with
    its counts in each of the periods asked for."""

    code: str
    name: str
    population: int | None
    population_year: int | None
    counts: tuple[int, ...]
    # Whether the viewer sees all of its records.
    whole: bool
    # Whether the code can be chosen as an area of the dataset.
    choosable: bool = True


def period_sums(rollups: QuerySet[CountRollup], keys: list[str], periods: list[Period]) -> dict:
    """(key values) → (count in each period), by one GROUP BY."""
    sums = {
        f"in_{i}": Sum("count", filter=Q(month__gte=period.first, month__lte=period.last))
        for i, period in enumerate(periods)
    }
    names = list(sums)
    rows = rollups.values(*keys).annotate(**sums).order_by().values_list(*keys, *names)
    width = len(keys)
    return {row[:width]: tuple(value or 0 for value in row[width:]) for row in rows}


def _folded(sums: dict, position: int) -> dict:
    """The sums of period_sums by one of its keys, the others added up."""
    folded: dict[object, list[int]] = {}
    for key, counts in sums.items():
        value = key[position]
        total = folded.get(value)
        if total is None:
            folded[value] = list(counts)
        else:
            for i, count in enumerate(counts):
                total[i] += count
    return {value: tuple(total) for value, total in folded.items()}


@dataclass(frozen=True)
class PartsPlan:
    """How the area splits into parts: by the dataset's own areas ("area_id"), by the units
    directly under `parent` ("unit_id"), or not at all (None)."""

    key: str | None
    parent: AdminUnit | None = None


def parts_plan(dataset: Dataset, area: AreaScope | None, reach: set[int] | None) -> PartsPlan:
    """The dataset's own areas for the whole dataset (when it has any), else the units
    directly under the chosen unit (or under the unit the dataset covers, or the country).
    A dataset area has no parts."""
    if area is not None and area.dataset_area is not None:
        return PartsPlan(None)
    if area is None and DatasetArea.objects.filter(dataset=dataset).exists():
        # The dataset's own areas are not units: who sees part of the dataset cannot be
        # shown whole areas of it.
        return PartsPlan("area_id" if reach is None else None)
    if not dataset.in_platform_country:
        return PartsPlan(None)
    parent = area.unit if area is not None else (dataset.unit or geo_selectors.unit_root())
    return PartsPlan("unit_id" if parent is not None else None, parent)


def grouped_sums(
    rollups: QuerySet[CountRollup], plan: PartsPlan, periods: list[Period]
) -> tuple[dict, dict]:
    """Counts per category and per part key, from one GROUP BY (part, category): the
    database reads the rollups once for both tables."""
    if plan.key is None:
        return _folded(period_sums(rollups, ["category_id"], periods), 0), {}
    sums = period_sums(rollups, [plan.key, "category_id"], periods)
    return _folded(sums, 1), _folded(sums, 0)


def area_parts(
    dataset: Dataset,
    plan: PartsPlan,
    counts: dict,
    reach: set[int] | None,
    periods: int,
) -> list[Part]:
    """The parts of the plan with their counts (part key → counts per period)."""
    zero = (0,) * periods
    if plan.key == "area_id":
        return [
            Part(
                code=code,
                name=name,
                population=population,
                population_year=year,
                counts=counts.get(pk, zero),
                whole=True,
            )
            for pk, code, name, population, year in DatasetArea.objects.filter(dataset=dataset)
            .order_by("code")
            .values_list("id", "code", "name", "population", "population_year")
        ]
    if plan.key != "unit_id":
        return []
    children = list(geo_selectors.unit_children(plan.parent))
    if not children:
        return []
    paths = dict(
        AdminUnit.objects.filter(path__startswith=plan.parent.path).values_list("id", "path")
    )
    parts = []
    for child in children:
        inside = {pk for pk, path in paths.items() if path.startswith(child.path)}
        if reach is not None and not inside & reach:
            continue
        totals = [0] * periods
        for pk in inside & counts.keys():
            for i, value in enumerate(counts[pk]):
                totals[i] += value
        parts.append(
            Part(
                code=child.code,
                name=child.name,
                population=child.population,
                population_year=child.population_year,
                counts=tuple(totals),
                whole=reach is None or inside <= reach,
            )
        )
    return parts


@dataclass(frozen=True)
class CountRow:
    """One row of the dashboard's tables (a category, a part of the area)."""

    code: str
    name: str
    count: int
    share: float | None
    rate: RateFigure | None
    change: ChangeFigure | None
    whole: bool = True


@dataclass(frozen=True)
class MonthBar:
    month: date
    count: int
    # In the period (else in the comparison period).
    in_period: bool
    trend: float | None


@dataclass(frozen=True)
class Dashboard:
    dataset: Dataset
    area: AreaScope | None
    category: OffenceCategory | None
    span: MonthSpan | None
    period: Period | None
    compare: Period | None
    # Why there is no comparison, when there is none.
    compare_note: str
    # Whether the viewer sees every record of the area (else rates are withheld).
    whole: bool
    total: int
    rate: RateFigure | None
    change: ChangeFigure | None
    categories: list[CountRow]
    parts: list[CountRow]
    months: list[MonthBar]
    trend: Trend | None
    # The first month at a new level, when the series shifted significantly.
    change_month: date | None

    @property
    def compare_total(self) -> int | None:
        return self.change.before if self.change is not None else None


def whole_population(dataset: Dataset) -> tuple[int | None, int | None]:
    """The population the whole dataset covers: its unit's, the country's for national data
    of the platform's country, else the sum of its areas' when every area has one."""
    if dataset.in_platform_country:
        unit = dataset.unit or geo_selectors.unit_root()
        if unit is not None:
            return unit.population, unit.population_year
        return None, None
    areas = DatasetArea.objects.filter(dataset=dataset)
    known = areas.aggregate(
        areas=Count("id"), counted=Count("population"), population=Sum("population")
    )
    if not known["areas"] or known["counted"] != known["areas"]:
        return None, None
    years = set(areas.values_list("population_year", flat=True).distinct())
    return known["population"], years.pop() if len(years) == 1 else None


def dashboard_compute(
    *,
    dataset: Dataset,
    viewer,
    area: AreaScope | None = None,
    period: Period | None = None,
    compare: Period | None = None,
    category: OffenceCategory | None = None,
) -> Dashboard:
    """The dashboard of the area (None: the whole dataset) for `period` against `compare`.
    Without a period: the latest twelve months against the twelve before (see
    scope.periods_default); without a comparison: the same number of months just before."""
    span = month_span(dataset)
    if period is None:
        period, default_compare = periods_default(span)
        compare = compare or default_compare
    elif compare is None:
        compare = months_before(period)
    compare_note = ""
    if compare is not None:
        periods_checked(period, compare)
        if span is None or not span.covers(compare):
            compare_note = _(
                "The dataset has no counts for %(period)s, so there is nothing to compare with."
            ) % {"period": compare}
            compare = None
    else:
        compare_note = _("The dataset holds a single month: there is nothing to compare with.")
    reach = jurisdiction_reach(viewer, dataset)
    whole = sees_whole(reach, area)
    if period is None:
        return Dashboard(
            dataset=dataset,
            area=area,
            category=category,
            span=None,
            period=None,
            compare=None,
            compare_note="",
            whole=whole,
            total=0,
            rate=None,
            change=None,
            categories=[],
            parts=[],
            months=[],
            trend=None,
            change_month=None,
        )
    periods = [period] + ([compare] if compare is not None else [])
    rollups = rollups_visible(viewer, dataset, area=area, months=periods, category=category)

    plan = parts_plan(dataset, area, reach)
    by_category, by_part = grouped_sums(rollups, plan, periods)
    total = sum(counts[0] for counts in by_category.values())
    if area is not None:
        population, year = area.population, area.population_year
    else:
        population, year = whole_population(dataset)
    rate = rate_figure(total, population, year) if whole else None
    parts_found = area_parts(dataset, plan, by_part, reach, len(periods))
    if rate is None and whole and area is None and plan.key == "area_id":
        rate = _rate_of_known_areas(parts_found)
    change = None
    if compare is not None:
        change = change_figure(
            sum(counts[1] for counts in by_category.values()),
            total,
            months_before=len(compare.months),
            months_after=len(period.months),
        )
    categories = _category_rows(by_category, total, period, compare)
    parts = _part_rows(parts_found, total, period, compare)
    months, trend, change_month = _months(
        viewer, dataset, area=area, category=category, period=period, compare=compare
    )
    return Dashboard(
        dataset=dataset,
        area=area,
        category=category,
        span=span,
        period=period,
        compare=compare,
        compare_note=compare_note,
        whole=whole,
        total=total,
        rate=rate,
        change=change,
        categories=categories,
        parts=parts,
        months=months,
        trend=trend,
        change_month=change_month,
    )


def _rate_of_known_areas(parts: list[Part]) -> RateFigure | None:
    """The whole dataset's rate when some of its areas have no population (police.uk files
    name a few areas beyond the force's own): the records of the areas with one over their
    population, and says so. None when no area has a population."""
    known = [part for part in parts if part.population]
    if not known:
        return None
    years = {part.population_year for part in known}
    records = sum(part.counts[0] for part in known)
    figure = rate_figure(
        records, sum(part.population for part in known), years.pop() if len(years) == 1 else None
    )
    return dataclasses.replace(figure, records=records, areas=len(known), of_areas=len(parts))


def _share(count: int, total: int) -> float | None:
    return count / total if total else None


def _category_rows(by_category: dict, total: int, period: Period, compare: Period | None):
    keys = [key for key, counts in by_category.items() if any(counts)]
    found = OffenceCategory.objects.in_bulk([key for key in keys if key is not None])
    changes: list[ChangeFigure | None] = [None] * len(keys)
    if compare is not None:
        changes = change_figures(
            [by_category[key][1] for key in keys],
            [by_category[key][0] for key in keys],
            months_before=len(compare.months),
            months_after=len(period.months),
        )
    rows = [
        CountRow(
            code=found[key].code if key is not None else "",
            name=found[key].name if key is not None else _("No category"),
            count=by_category[key][0],
            share=_share(by_category[key][0], total),
            rate=None,
            change=change,
        )
        for key, change in zip(keys, changes, strict=True)
    ]
    rows.sort(key=lambda row: (-row.count, row.code == "", row.code))
    return rows


def _part_rows(parts: list[Part], total: int, period: Period, compare: Period | None):
    changes: list[ChangeFigure | None] = [None] * len(parts)
    if compare is not None:
        changes = change_figures(
            [part.counts[1] for part in parts],
            [part.counts[0] for part in parts],
            months_before=len(compare.months),
            months_after=len(period.months),
        )
    rates = rate_figures(
        [part.counts[0] for part in parts],
        [part.population if part.whole else None for part in parts],
        [part.population_year for part in parts],
    )
    rows = [
        CountRow(
            code=part.code,
            name=part.name,
            count=part.counts[0],
            share=_share(part.counts[0], total),
            rate=rate,
            change=change,
            whole=part.whole,
        )
        for part, change, rate in zip(parts, changes, rates, strict=True)
    ]
    rows.sort(key=lambda row: (-row.count, row.code))
    return rows


def _months(viewer, dataset, *, area, category, period, compare):
    """The bars of the chart (the comparison period's months, then the period's) and, over
    two years or more, the trend and any significant shift of level."""
    first = compare.first if compare is not None else period.first
    shown = Period(min(first, period.first), period.last)
    rollups = rollups_visible(viewer, dataset, area=area, months=[shown], category=category)
    counts = dict(
        rollups.values("month")
        .annotate(total=Sum("count"))
        .order_by()
        .values_list("month", "total")
    )
    months = month_range(shown.first, shown.last)
    series = np.array([counts.get(month, 0) for month in months], dtype=np.int64)
    trend = None
    change_month = None
    if len(months) >= TREND_MONTHS:
        trend = monthly_trend(series, permutations=TREND_PERMUTATIONS, seed=TREND_SEED)
        if trend.change_point is not None:
            change_month = months[trend.change_point]
    bars = [
        MonthBar(
            month=month,
            count=int(series[i]),
            in_period=period.first <= month <= period.last,
            trend=None if trend is None or np.isnan(trend.trend[i]) else float(trend.trend[i]),
        )
        for i, month in enumerate(months)
    ]
    return bars, trend, change_month


def trend_compute(
    *,
    dataset: Dataset,
    viewer,
    area: AreaScope | None = None,
    period: Period | None = None,
    category: OffenceCategory | None = None,
) -> tuple[list[MonthBar], Trend | None]:
    """The monthly series of the period (the dataset's whole span without one) and, when it
    runs two years or more, its decomposition and level-shift test (analytics.trend)."""
    if period is None:
        span = month_span(dataset)
        if span is None:
            return [], None
        period = Period(span.first, span.last)
    months, trend, _change_month = _months(
        viewer, dataset, area=area, category=category, period=period, compare=None
    )
    return months, trend
