"""Reads of the statistics, for pages, exports, commands and the analytics engine.

Counts come from the rollups (`CountRollup`), never from raw records, so a dashboard costs the
same at a thousand records and at ten million. Only `records_for_map` reads records, and it
asks orgs.policy which of them the viewer may see.

Which datasets a person may see is `dataset_list_for_viewer` (and, for one named in a URL or
on the command line, `access.access_dataset`); the count functions take a dataset already
fetched that way and add no check of their own.

Common arguments:
- `period`: a `stats.periods.Period` (whole months, both ends included) or None for all;
- `area`: a `DatasetArea` of the dataset, or None for the whole dataset;
- `category`: an `OffenceCategory` or its code; a section ("05") includes its divisions.

Rates are per 100,000 residents, `count * 100000 / population`, given only where the
population is known (None otherwise).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Max, Min, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from ishenim.geo.models import AdminUnit
from ishenim.orgs import policy
from ishenim.orgs.enums import Action
from ishenim.stats.enums import CountKey
from ishenim.stats.models import (
    CountRollup,
    CrimeRecord,
    Dataset,
    DatasetArea,
    ImportRun,
    OffenceCategory,
)
from ishenim.stats.periods import Period, month_after

PER = 100_000


def dataset_list_for_viewer(viewer) -> QuerySet[Dataset]:
    """The datasets `viewer` may see (None: a visitor who has not signed in)."""
    return policy.visible(viewer, Dataset.objects.select_related("unit")).order_by("title", "name")


def dataset_get(name: str) -> Dataset:
    """The dataset of that name; Dataset.DoesNotExist when there is none. No policy check:
    for the command line and for access.access_dataset."""
    return Dataset.objects.select_related("unit").get(name=name)


def import_list(dataset: Dataset) -> QuerySet[ImportRun]:
    """The dataset's imports, newest first."""
    return ImportRun.objects.filter(dataset=dataset).select_related("actor")


def category_list() -> QuerySet[OffenceCategory]:
    """Every offence category, sections before their divisions, with their sections."""
    return OffenceCategory.objects.select_related("parent").order_by("code")


def category_ids(category: OffenceCategory | str) -> list[int]:
    """The category and, for a section, its divisions."""
    code = category if isinstance(category, str) else category.code
    return list(
        OffenceCategory.objects.filter(Q(code=code) | Q(parent__code=code)).values_list(
            "id", flat=True
        )
    )


@dataclass(frozen=True)
class DatasetSummary:
    records: int
    first_month: date | None
    last_month: date | None
    # Records without an area (police.uk rows published without a location).
    records_without_area: int
    areas: int
    areas_with_population: int
    # The sum over the areas, when every area has one; None otherwise.
    population: int | None


def dataset_summary(dataset: Dataset) -> DatasetSummary:
    counts = CountRollup.objects.filter(dataset=dataset).aggregate(
        records=Sum("count"),
        first=Min("month"),
        last=Max("month"),
        without_area=Sum("count", filter=Q(area__isnull=True)),
    )
    areas = DatasetArea.objects.filter(dataset=dataset).aggregate(
        areas=Count("id"), counted=Count("population"), population=Sum("population")
    )
    complete = areas["areas"] > 0 and areas["counted"] == areas["areas"]
    return DatasetSummary(
        records=counts["records"] or 0,
        first_month=counts["first"],
        last_month=counts["last"],
        records_without_area=counts["without_area"] or 0,
        areas=areas["areas"],
        areas_with_population=areas["counted"],
        population=areas["population"] if complete else None,
    )


def rate_per_100k(count: int, population: int | None) -> float | None:
    if not population:
        return None
    return count * PER / population


def _rollups(
    dataset: Dataset | None,
    *,
    area: DatasetArea | None,
    period: Period | None,
    category: OffenceCategory | str | None,
) -> QuerySet[CountRollup]:
    rollups = CountRollup.objects.filter(dataset=dataset)
    if area is not None:
        rollups = rollups.filter(area=area)
    if period is not None:
        rollups = rollups.filter(month__gte=period.first, month__lte=period.last)
    if category is not None:
        rollups = rollups.filter(category_id__in=category_ids(category))
    return rollups


_KEY_FIELDS = {
    CountKey.AREA: "area_id",
    CountKey.UNIT: "unit_id",
    CountKey.CATEGORY: "category_id",
    CountKey.SOURCE_CATEGORY: "source_category",
    CountKey.MONTH: "month",
}


def count_keys(by: Iterable[str]) -> tuple[CountKey, ...]:
    """The grouping keys, checked: ValueError for an unknown or repeated one."""
    keys = []
    for name in by:
        try:
            key = CountKey(str(name).strip())
        except ValueError:
            raise ValueError(
                _("Counts cannot be grouped by “%(key)s”; choose from %(keys)s.")
                % {"key": name, "keys": ", ".join(CountKey.values)}
            ) from None
        if key in keys:
            raise ValueError(_("“%(key)s” is named twice.") % {"key": key})
        keys.append(key)
    return tuple(keys)


def counts_by(
    dataset: Dataset,
    *,
    by: Sequence[str] = (CountKey.AREA, CountKey.CATEGORY, CountKey.MONTH),
    area: DatasetArea | None = None,
    period: Period | None = None,
    category: OffenceCategory | str | None = None,
) -> list[dict]:
    """One row per combination of the `by` keys that has records, as dicts with, per key:
    area → area_id, area_code, area_name, population; unit → unit_id, unit_code, unit_name,
    population; category → category_id, category (its code), category_name; source_category;
    month (a date); and always `count` and `rate_per_100k` (None where no population is
    known). Without area or unit among the keys the population is the area's given, else
    the dataset's (see dataset_summary). Sorted by the keys in the order given."""
    keys = count_keys(by)
    rollups = _rollups(dataset, area=area, period=period, category=category)
    if keys:
        grouped = rollups.values(*[_KEY_FIELDS[key] for key in keys]).annotate(total=Sum("count"))
        rows = [dict(row) for row in grouped.order_by()]
        for row in rows:
            row["count"] = row.pop("total")
    else:
        rows = [{"count": rollups.aggregate(total=Sum("count"))["total"] or 0}]
    _describe(rows, keys)
    whole = None
    if CountKey.AREA not in keys and CountKey.UNIT not in keys:
        whole = area.population if area is not None else dataset_summary(dataset).population
    for row in rows:
        row["rate_per_100k"] = rate_per_100k(row["count"], row.get("population", whole))
    rows.sort(key=lambda row: tuple(_sort_value(row, key) for key in keys))
    return rows


def _describe(rows: list[dict], keys: Sequence[CountKey]) -> None:
    """Codes, names and populations beside the ids."""
    if CountKey.AREA in keys:
        areas = DatasetArea.objects.in_bulk({row["area_id"] for row in rows} - {None})
        for row in rows:
            area = areas.get(row["area_id"])
            row["area_code"] = area.code if area else ""
            row["area_name"] = area.name if area else ""
            row["population"] = area.population if area else None
    if CountKey.UNIT in keys:
        units = AdminUnit.objects.in_bulk({row["unit_id"] for row in rows} - {None})
        for row in rows:
            unit = units.get(row["unit_id"])
            row["unit_code"] = unit.code if unit else ""
            row["unit_name"] = unit.name if unit else ""
            if CountKey.AREA not in keys:
                row["population"] = unit.population if unit else None
    if CountKey.CATEGORY in keys:
        categories = OffenceCategory.objects.in_bulk({row["category_id"] for row in rows} - {None})
        for row in rows:
            category = categories.get(row["category_id"])
            row["category"] = category.code if category else ""
            row["category_name"] = category.name if category else ""


def _sort_value(row: dict, key: CountKey):
    value = {
        CountKey.AREA: row.get("area_code"),
        CountKey.UNIT: row.get("unit_code"),
        CountKey.CATEGORY: row.get("category"),
        CountKey.SOURCE_CATEGORY: row.get("source_category"),
        CountKey.MONTH: row.get("month"),
    }[key]
    # Rows without the key (no area, no category) come last.
    return (value in (None, ""), value or "")


def area_totals(
    dataset: Dataset,
    *,
    period: Period | None = None,
    category: OffenceCategory | str | None = None,
) -> list[dict]:
    """Every area of the dataset, with no records or some: area_id, area_code, area_name,
    population, population_year, count, rate_per_100k; by area code. Records without an
    area are in no row (dataset_summary counts them)."""
    counts = dict(
        _rollups(dataset, area=None, period=period, category=category)
        .filter(area__isnull=False)
        .values("area_id")
        .annotate(total=Sum("count"))
        .order_by()
        .values_list("area_id", "total")
    )
    return [
        {
            "area_id": area.pk,
            "area_code": area.code,
            "area_name": area.name,
            "population": area.population,
            "population_year": area.population_year,
            "count": counts.get(area.pk, 0),
            "rate_per_100k": rate_per_100k(counts.get(area.pk, 0), area.population),
        }
        for area in DatasetArea.objects.filter(dataset=dataset).order_by("code")
    ]


def monthly_series(
    dataset: Dataset,
    *,
    area: DatasetArea | None = None,
    period: Period | None = None,
    category: OffenceCategory | str | None = None,
) -> list[dict]:
    """[{"month": date, "count": n}] for every month of the period (or from the dataset's
    first month to its last), months without records included as 0."""
    rollups = _rollups(dataset, area=area, period=period, category=category)
    counts = dict(
        rollups.values("month")
        .annotate(total=Sum("count"))
        .order_by()
        .values_list("month", "total")
    )
    if period is None:
        if not counts:
            return []
        first, last = min(counts), max(counts)
    else:
        first, last = period.first, period.last
    series, month = [], first
    while month <= last:
        series.append({"month": month, "count": counts.get(month, 0)})
        month = month_after(month)
    return series


MAP_FIELDS = (
    "id",
    "latitude",
    "longitude",
    "month",
    "h3_r7",
    "h3_r8",
    "h3_r9",
    "h3_r10",
    "category__code",
    "source_category",
)


def records_for_map(
    viewer,
    dataset: Dataset,
    *,
    area: DatasetArea | None = None,
    period: Period | None = None,
    category: OffenceCategory | str | None = None,
) -> QuerySet:
    """The dataset's records with a place that `viewer` may see (orgs.policy), as dicts of
    MAP_FIELDS. A queryset: slice it or iterate it in chunks for a big dataset."""
    records = CrimeRecord.objects.filter(dataset=dataset, latitude__isnull=False)
    if area is not None:
        records = records.filter(area=area)
    if period is not None:
        records = records.filter(month__gte=period.first, month__lte=period.last)
    if category is not None:
        records = records.filter(category_id__in=category_ids(category))
    return policy.visible(viewer, records).values(*MAP_FIELDS).order_by("id")


# --- imports (the import pages) ---------------------------------------------------------------


def import_run_get(pk: int) -> ImportRun:
    """The import with its dataset and who started it; ImportRun.DoesNotExist when there is
    none. No policy check: for access.access_import_run."""
    return ImportRun.objects.select_related("dataset", "actor", "retry_of").get(pk=pk)


def import_list_for_viewer(viewer) -> QuerySet[ImportRun]:
    """The imports `viewer` may see (the run and its dataset, as access_import_run asks),
    newest first."""
    datasets = policy.visible(viewer, Dataset.objects.all())
    runs = policy.visible(viewer, ImportRun.objects.all()).filter(dataset__in=datasets)
    return runs.select_related("dataset", "actor").order_by("-started_at", "-pk")


def datasets_for_import(viewer) -> QuerySet[Dataset]:
    """The datasets `viewer` may import into (changing a dataset is administration: MANAGE,
    see stats/scopes.py)."""
    return policy.visible(viewer, Dataset.objects.all(), Action.MANAGE).order_by("title", "name")
