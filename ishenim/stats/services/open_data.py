"""Open data: the records and counts of public datasets, anonymised, for anyone to download.

What is published, and only for datasets whose sensitivity is public (`open_dataset_list`; an
internal, restricted or confidential dataset is never read here, whoever asks):
- records (`open_record_rows`), as police.uk publishes them: month only (never the day),
  the location snapped to an anchor point, no identifier of ours (Crime ID is blank), no free
  text (Context is blank; an outcome is given only when at least OUTCOME_MIN_RECORDS records
  of the dataset share its wording, so that a typed note is never published);
- counts per area × month × category (`open_count_rows`), from the rollups, with every count
  from 1 to COUNT_THRESHOLD − 1 suppressed (published empty, flagged);
- in both, nothing of the withheld categories (WITHHELD: data, not `if`s).

Anchors (analytics.anonymise, police.uk's method): every published point is one of a fixed set
of anchor points, each standing for many places, never one house.
- For a dataset of the platform's own country, when the gazetteer has settlements with their
  population: anchors from the settlements, weighted by residents, each serving at least
  SETTLEMENT_MIN_RESIDENTS; a crime is published "on or near" its nearest anchor's largest
  settlement, in that settlement's administrative unit.
- Otherwise (another country's data such as police.uk, or no settlements): anchors from the
  dataset's own distinct crime locations, each anchor the centroid of at least
  ANCHOR_MIN_PLACES of them (H3 cells from resolution ANCHOR_RESOLUTION, sparse cells merged
  upwards, then catchments pruned until each anchor is nearest to that many places). A crime
  is published at its anchor, in the area most of the anchor's crimes lie in.
When no anchor can be made (too few places), records are published without a location. The
anchors depend only on the data, so they are the same on every request; they are cached
until the dataset's next import.

Streams: records and counts come from the database in pages and are written as they come
(services/open_data_files.py: police.uk CSV, GeoJSON, HXL), so that writing a million
records keeps a flat memory (bench/export_open_data.py); only the anchors, made from the
dataset's distinct places, are held whole.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
from django.core.cache import cache
from django.db.models import Count, Max, Min, Q, QuerySet, Sum
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from scipy.spatial import cKDTree

from ishenim.analytics.anonymise import anchors_assign, anchors_from_points
from ishenim.analytics.projection import project_to_metres, projection_origin
from ishenim.core.enums import Sensitivity
from ishenim.geo.models import AdminUnit, Settlement
from ishenim.stats.models import (
    CountRollup,
    CrimeRecord,
    Dataset,
    DatasetArea,
    ImportRun,
    OffenceCategory,
)

# Each anchor made from a dataset's own locations stands for at least this many distinct
# places where crime was recorded (police.uk: eight postal addresses per map point).
ANCHOR_MIN_PLACES = 8
# The finest H3 resolution anchors are made at (about 0.1 km² a cell); sparser places merge
# into coarser cells.
ANCHOR_RESOLUTION = 9
# Each anchor made from settlements stands for at least this many residents.
SETTLEMENT_MIN_RESIDENTS = 100
# Published counts from 1 to 4 are suppressed: a small count in a small area and month can
# point at a household (zero stays zero: "no crime" identifies no one).
COUNT_THRESHOLD = 5
# An outcome's wording is published only when this many records share it (a category such as
# "Under investigation", never a note typed about one case).
OUTCOME_MIN_RECORDS = 20
# police.uk's wording, kept in every language: the file is police.uk's format.
ON_OR_NEAR = "On or near"
NO_LOCATION = "No Location"
COORDINATE_DECIMALS = 6
_CHUNK = 5000
# Areas whose counts are read in one query.
_AREA_PAGE = 500
_CACHE_SECONDS = 3600


@dataclass(frozen=True)
class Withheld:
    """A category never published: an ICCS code (a section withholds its divisions) or a
    category name as sources write it (matched whatever its case and spaces)."""

    reason: str
    iccs: str = ""
    source_category: str = ""


# Categories whose existence at a place and time can identify a victim. ICCS has no family
# violence category (it is a victim-perpetrator relation on any act against the person), so
# family violence is withheld by the names sources give it.
WITHHELD = (
    Withheld(
        iccs="03",
        reason=_(
            "Sexual violence and exploitation (ICCS 03): where and when it happened can identify"
            " the victim."
        ),
    ),
    Withheld(
        iccs="0203",
        reason=_("Slavery and exploitation (ICCS 0203): the place can identify the victims."),
    ),
    Withheld(
        iccs="0204",
        reason=_("Trafficking in persons (ICCS 0204): the place can identify the victims."),
    ),
    Withheld(
        iccs="0802",
        reason=_(
            "Acts against public order sexual standards (ICCS 0802): the place can identify the"
            " people involved."
        ),
    ),
    *(
        Withheld(
            source_category=name,
            reason=_("Family violence: the place is the victim's home."),
        )
        for name in (
            "Семейное насилие",
            "Домашнее насилие",
            "Насилие в семье",
            "Үй-бүлөлүк зомбулук",
            "Family violence",
            "Domestic violence",
            "Domestic abuse",
        )
    ),
)


@dataclass(frozen=True)
class WithheldGroup:
    """Withheld categories that share a reason, as a page lists them."""

    categories: list[str]
    reason: str


def withheld_groups() -> list[WithheldGroup]:
    """WITHHELD for a reader: ICCS categories by code and name, source names together."""
    names = {
        category.code: category.name
        for category in OffenceCategory.objects.filter(
            code__in=[item.iccs for item in WITHHELD if item.iccs]
        )
    }
    groups: dict[str, WithheldGroup] = {}
    for item in WITHHELD:
        label = (
            f"{item.iccs} {names.get(item.iccs, '')}".strip() if item.iccs else item.source_category
        )
        group = groups.setdefault(str(item.reason), WithheldGroup([], str(item.reason)))
        group.categories.append(label)
    return list(groups.values())


def _fold(name: str) -> str:
    return " ".join(name.split()).casefold()


# --- what is published ----------------------------------------------------------------------


def open_dataset_list() -> QuerySet[Dataset]:
    """The datasets published as open data: the public ones, and only those."""
    return Dataset.objects.filter(sensitivity=Sensitivity.PUBLIC).order_by("title", "name")


@dataclass(frozen=True)
class Exclusion:
    """The dataset's records that are withheld, as database conditions."""

    category_ids: frozenset[int]
    source_categories: frozenset[str]

    def condition(self) -> Q:
        """The withheld rows (of records or rollups, which share these fields)."""
        return Q(category_id__in=self.category_ids) | Q(source_category__in=self.source_categories)


def exclusion_for(dataset: Dataset) -> Exclusion:
    codes = [item.iccs for item in WITHHELD if item.iccs]
    category_ids = OffenceCategory.objects.filter(
        Q(code__in=codes) | Q(parent__code__in=codes)
    ).values_list("id", flat=True)
    names = {_fold(item.source_category) for item in WITHHELD if item.source_category}
    # The spellings the dataset uses, found among its (few) distinct category names.
    spelt = CountRollup.objects.filter(dataset=dataset).values_list("source_category", flat=True)
    return Exclusion(
        category_ids=frozenset(category_ids),
        source_categories=frozenset(
            name for name in set(spelt.distinct()) if name and _fold(name) in names
        ),
    )


def published_records(dataset: Dataset, exclusion: Exclusion | None = None) -> QuerySet:
    """The records of a public dataset that may be published (none of another dataset)."""
    if dataset.sensitivity != Sensitivity.PUBLIC:
        return CrimeRecord.objects.none()
    exclusion = exclusion or exclusion_for(dataset)
    return CrimeRecord.objects.filter(dataset=dataset, sensitivity=Sensitivity.PUBLIC).exclude(
        exclusion.condition()
    )


def published_rollups(dataset: Dataset, exclusion: Exclusion | None = None) -> QuerySet:
    if dataset.sensitivity != Sensitivity.PUBLIC:
        return CountRollup.objects.none()
    exclusion = exclusion or exclusion_for(dataset)
    return CountRollup.objects.filter(dataset=dataset, sensitivity=Sensitivity.PUBLIC).exclude(
        exclusion.condition()
    )


@dataclass(frozen=True)
class OpenSummary:
    """What the open data page says about a dataset."""

    dataset: Dataset
    records: int
    first_month: object
    last_month: object
    imports: list[ImportRun]


def open_summary(dataset: Dataset) -> OpenSummary:
    figures = published_rollups(dataset).aggregate(
        records=Sum("count"), first=Min("month"), last=Max("month")
    )
    imports = list(
        ImportRun.objects.filter(dataset=dataset, status="done")
        .exclude(kind="areas")
        .order_by("started_at")
        .only("started_at", "finished_at", "file_sha256", "rows_imported")
    )
    return OpenSummary(
        dataset=dataset,
        records=figures["records"] or 0,
        first_month=figures["first"],
        last_month=figures["last"],
        imports=imports,
    )


# --- anchors --------------------------------------------------------------------------------


@dataclass
class OpenAnchors:
    """The anchor points of a dataset and how each is named; `assign` snaps points."""

    method: str  # "settlements" or "records"
    latitude: np.ndarray
    longitude: np.ndarray
    label: list[str]
    area_code: list[str]
    area_name: list[str]
    # Area (dataset area id, or unit id) → the mean of its records' anchors, for the counts'
    # map: a point made of published points only.
    area_points: dict[int, tuple[float, float]]

    def __post_init__(self):
        self._tree = None

    def __len__(self) -> int:
        return len(self.latitude)

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_tree"] = None  # rebuilt where it is used: the cache keeps the anchors only
        return state

    def assign(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """The nearest anchor of each point (−1 where there is none): analytics.anonymise.
        anchors_assign's answer, with the tree built once for a whole download."""
        lat = np.asarray(lat, dtype=np.float64)
        lon = np.asarray(lon, dtype=np.float64)
        nearest = np.full(len(lat), -1, dtype=np.int64)
        located = np.isfinite(lat) & np.isfinite(lon)
        if not located.any():
            return nearest
        if self._tree is None:
            self._origin = projection_origin(self.latitude, self.longitude)
            x, y = self._project(self.latitude, self.longitude)
            self._tree = cKDTree(np.column_stack([x, y]))
        x, y = self._project(lat[located], lon[located])
        _distance, found = self._tree.query(np.column_stack([x, y]))
        nearest[located] = found
        return nearest

    def _project(self, lat, lon):
        return project_to_metres(lat, lon, origin_lat=self._origin[0], origin_lon=self._origin[1])


def _version(dataset: Dataset) -> str:
    """Changes whenever the published records may have: any import ending, counts rebuilt
    (rollups_refresh writes new rows: a category mapping applied again can withhold records
    and so remove places), a new sensitivity."""
    runs = ImportRun.objects.filter(dataset=dataset).aggregate(
        last=Max("finished_at"), top=Max("pk")
    )
    rollups = CountRollup.objects.filter(dataset=dataset).aggregate(top=Max("pk"))
    return f"{dataset.pk}:{dataset.sensitivity}:{runs['top']}:{runs['last']}:{rollups['top']}"


def open_anchors(dataset: Dataset) -> OpenAnchors | None:
    """The dataset's anchors (see the module docstring), None when none can be made."""
    # Per language too: anchors are named after settlements and units, in the reader's words.
    version = f"{_version(dataset)}:{translation.get_language()}"
    key = "stats:open-anchors:v1:" + hashlib.sha256(version.encode()).hexdigest()[:32]
    found = cache.get(key)
    if found is None:
        found = _anchors_build(dataset) or "none"
        cache.set(key, found, _CACHE_SECONDS)
    return None if found == "none" else found


@dataclass
class _Places:
    """The published located records, grouped: one entry per (point, area) with its count."""

    lat: np.ndarray
    lon: np.ndarray
    area: np.ndarray  # dataset area id or unit id, −1 for none
    count: np.ndarray


def _places(dataset: Dataset, *, by_unit: bool) -> _Places:
    key = "unit_id" if by_unit else "area_id"
    grouped = (
        published_records(dataset)
        .filter(latitude__isnull=False, longitude__isnull=False)
        .values("latitude", "longitude", key)
        .annotate(n=Count("id"))
        .order_by()
        .values_list("latitude", "longitude", key, "n")
    )
    lat, lon, area, count = [], [], [], []
    for chunk in _chunks(grouped.iterator(chunk_size=_CHUNK), _CHUNK):
        rows = list(zip(*chunk, strict=True))
        lat.append(np.array(rows[0], dtype=np.float64))
        lon.append(np.array(rows[1], dtype=np.float64))
        area.append(np.array([-1 if value is None else value for value in rows[2]], np.int64))
        count.append(np.array(rows[3], dtype=np.int64))
    if not lat:
        empty = np.zeros(0)
        return _Places(empty, empty, empty.astype(np.int64), empty.astype(np.int64))
    return _Places(
        np.concatenate(lat), np.concatenate(lon), np.concatenate(area), np.concatenate(count)
    )


def _by_unit(dataset: Dataset) -> bool:
    """Counts and record areas by administrative unit when the dataset has no areas of its
    own (a ministry's extract by point only), else by the dataset's areas."""
    return not DatasetArea.objects.filter(dataset=dataset).exists()


def _anchors_build(dataset: Dataset) -> OpenAnchors | None:
    by_unit = _by_unit(dataset)
    places = _places(dataset, by_unit=by_unit)
    anchors = None
    if dataset.in_platform_country:
        anchors = _settlement_anchors()
    if anchors is None:
        anchors = _record_anchors(places, by_unit=by_unit, dataset=dataset)
    if anchors is None:
        return None
    snapped = anchors.assign(places.lat, places.lon)
    anchors.area_points = _area_points(places, snapped, anchors)
    return anchors


def _settlement_anchors() -> OpenAnchors | None:
    settlements = list(
        Settlement.objects.filter(population__gt=0).select_related("unit").order_by("pk")
    )
    weights = np.array([settlement.population for settlement in settlements], dtype=np.float64)
    if weights.sum() < SETTLEMENT_MIN_RESIDENTS:
        return None
    lat = np.array([settlement.latitude for settlement in settlements])
    lon = np.array([settlement.longitude for settlement in settlements])
    made = anchors_from_points(
        lat, lon, weights=weights, min_points=SETTLEMENT_MIN_RESIDENTS, resolution=ANCHOR_RESOLUTION
    )
    # Each anchor is named after the largest settlement nearest to it.
    nearest = anchors_assign(lat, lon, made.latitude, made.longitude)
    largest: dict[int, Settlement] = {}
    for settlement, anchor in zip(settlements, nearest.tolist(), strict=True):
        held = largest.get(anchor)
        if held is None or settlement.population > held.population:
            largest[anchor] = settlement
    names = [largest.get(anchor) for anchor in range(len(made))]
    return OpenAnchors(
        method="settlements",
        latitude=made.latitude,
        longitude=made.longitude,
        label=[settlement.name if settlement else "" for settlement in names],
        area_code=[settlement.unit.code if settlement else "" for settlement in names],
        area_name=[settlement.unit.name if settlement else "" for settlement in names],
        area_points={},
    )


def _record_anchors(places: _Places, *, by_unit: bool, dataset: Dataset) -> OpenAnchors | None:
    if len(places.lat) == 0:
        return None
    points = np.unique(np.column_stack([places.lat, places.lon]), axis=0)
    if len(points) < ANCHOR_MIN_PLACES:
        return None
    made = anchors_from_points(
        points[:, 0], points[:, 1], min_points=ANCHOR_MIN_PLACES, resolution=ANCHOR_RESOLUTION
    )
    anchors = OpenAnchors(
        method="records",
        latitude=made.latitude,
        longitude=made.longitude,
        label=[""] * len(made),
        area_code=[""] * len(made),
        area_name=[""] * len(made),
        area_points={},
    )
    # Each anchor lies in the area most of its records lie in, and is named after it.
    snapped = anchors.assign(places.lat, places.lon)
    names = _area_names(dataset, by_unit=by_unit)
    for anchor, area in _majority(snapped, places.area, places.count).items():
        code, name = names.get(area, ("", ""))
        anchors.area_code[anchor], anchors.area_name[anchor] = code, name
        anchors.label[anchor] = name
    return anchors


def _majority(groups: np.ndarray, values: np.ndarray, weights: np.ndarray) -> dict[int, int]:
    """For each group, the value carrying the most weight (a real value before −1, then the
    smallest on a tie)."""
    if len(groups) == 0:
        return {}
    pairs, inverse = np.unique(np.column_stack([groups, values]), axis=0, return_inverse=True)
    totals = np.bincount(inverse.reshape(-1), weights=weights)
    # Within each group: most weight first, −1 last, smallest value first.
    order = np.lexsort((pairs[:, 1], pairs[:, 1] < 0, -totals, pairs[:, 0]))
    pairs = pairs[order]
    first = np.ones(len(pairs), dtype=bool)
    first[1:] = pairs[1:, 0] != pairs[:-1, 0]
    return {int(group): int(value) for group, value in pairs[first]}


def _area_names(dataset: Dataset, *, by_unit: bool) -> dict[int, tuple[str, str]]:
    if by_unit:
        return {unit.pk: (unit.code, unit.name) for unit in AdminUnit.objects.all()}
    return {
        pk: (code, name)
        for pk, code, name in DatasetArea.objects.filter(dataset=dataset).values_list(
            "id", "code", "name"
        )
    }


def _area_points(
    places: _Places, snapped: np.ndarray, anchors: OpenAnchors
) -> dict[int, tuple[float, float]]:
    located = (snapped >= 0) & (places.area >= 0)
    if not located.any():
        return {}
    area = places.area[located]
    weight = places.count[located].astype(np.float64)
    anchor = snapped[located]
    codes, areas = np.unique(area, return_inverse=True)
    areas = areas.reshape(-1)
    total = np.bincount(areas, weights=weight)
    lat = np.bincount(areas, weights=weight * anchors.latitude[anchor]) / total
    lon = np.bincount(areas, weights=weight * anchors.longitude[anchor]) / total
    return {
        int(code): (round(float(y), COORDINATE_DECIMALS), round(float(x), COORDINATE_DECIMALS))
        for code, y, x in zip(codes, lat, lon, strict=True)
    }


# --- records ----------------------------------------------------------------------------------


def open_record_rows(dataset: Dataset) -> Iterator[dict]:
    """The published records, police.uk's columns (POLICE_UK_COLUMNS) plus the ICCS category
    (`category`, `category_name`), in month order, streamed in pages (_record_pages)."""
    exclusion = exclusion_for(dataset)
    anchors = open_anchors(dataset)
    records = published_records(dataset, exclusion)
    outcomes = set(
        records.values("outcome")
        .annotate(n=Count("id"))
        .filter(n__gte=OUTCOME_MIN_RECORDS)
        .exclude(outcome="")
        .values_list("outcome", flat=True)
    )
    categories = {
        category.pk: (category.code, category.name) for category in OffenceCategory.objects.all()
    }
    reported_by = dataset.title
    for chunk in _record_pages(records):
        if anchors is not None:
            lat = np.array([row[2] if row[2] is not None else np.nan for row in chunk])
            lon = np.array([row[3] if row[3] is not None else np.nan for row in chunk])
            snapped = anchors.assign(lat, lon).tolist()
        else:
            snapped = [-1] * len(chunk)
        for (_id, month, _lat, _lon, category_id, source_category, outcome), anchor in zip(
            chunk, snapped, strict=True
        ):
            code, name = categories.get(category_id, ("", ""))
            row = {
                "Crime ID": "",
                "Month": f"{month:%Y-%m}",
                "Reported by": reported_by,
                "Falls within": reported_by,
                "Longitude": None,
                "Latitude": None,
                "Location": NO_LOCATION,
                "LSOA code": "",
                "LSOA name": "",
                "Crime type": source_category or name,
                "Last outcome category": outcome if outcome in outcomes else "",
                "Context": "",
                "category": code,
                "category_name": name,
            }
            if anchor >= 0:
                row["Longitude"] = round(float(anchors.longitude[anchor]), COORDINATE_DECIMALS)
                row["Latitude"] = round(float(anchors.latitude[anchor]), COORDINATE_DECIMALS)
                label = anchors.label[anchor]
                row["Location"] = f"{ON_OR_NEAR} {label}" if label else ON_OR_NEAR
                row["LSOA code"] = anchors.area_code[anchor]
                row["LSOA name"] = anchors.area_name[anchor]
            yield row


def open_record_total(dataset: Dataset) -> int:
    """How many records open_record_rows gives."""
    return published_records(dataset).count()


def _record_pages(records: QuerySet) -> Iterator[list[tuple]]:
    """The records in (month, id) order, in pages of _CHUNK, from one cursor: the database
    sorts once (SQLite reads them in order from the (dataset, month) index, whose entries end
    with the rowid). Writes of the same connection meanwhile (the build's progress) commit at
    once: PostgreSQL holds the cursor WITH HOLD outside a transaction, and SQLite in WAL mode
    commits a write while a read statement is open. Pages by month and id, tried instead,
    were 9 times slower on PostgreSQL at a million records: each page read its month's
    scattered rows again."""
    columns = ("id", "month", "latitude", "longitude", "category_id", "source_category", "outcome")
    ordered = records.order_by("month", "id").values_list(*columns)
    yield from _chunks(ordered.iterator(chunk_size=_CHUNK), _CHUNK)


def _chunks(iterable: Iterable, size: int) -> Iterator[list]:
    iterator = iter(iterable)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


# --- counts -----------------------------------------------------------------------------------

COUNT_COLUMNS = (
    "area_code",
    "area_name",
    "month",
    "category",
    "category_name",
    "count",
    "suppressed",
)


def open_count_rows(dataset: Dataset) -> Iterator[dict]:
    """Published counts per area × month × ICCS category: COUNT_COLUMNS, plus `latitude` and
    `longitude` of the area's point (None where it has no located record). `count` is None
    where it is suppressed (`suppressed` true). In area code order, counts without an area
    last, on every database; read in pages of _AREA_PAGE areas, each sorted here."""
    by_unit = _by_unit(dataset)
    key = "unit_id" if by_unit else "area_id"
    names = _area_names(dataset, by_unit=by_unit)
    categories = {
        category.pk: (category.code, category.name) for category in OffenceCategory.objects.all()
    }
    anchors = open_anchors(dataset)
    points = anchors.area_points if anchors is not None else {}
    rollups = published_rollups(dataset)
    areas = sorted(
        (area for area in rollups.values_list(key, flat=True).distinct() if area is not None),
        key=lambda area: (names.get(area, ("", ""))[0], area),
    )
    pages = [
        rollups.filter(**{f"{key}__in": areas[start : start + _AREA_PAGE]})
        for start in range(0, len(areas), _AREA_PAGE)
    ]
    pages.append(rollups.filter(**{f"{key}__isnull": True}))
    for page in pages:
        grouped = list(
            page.values(key, "month", "category_id")
            .annotate(total=Sum("count"))
            .order_by()
            .values_list(key, "month", "category_id", "total")
        )
        grouped.sort(
            key=lambda row: (
                names.get(row[0], ("", ""))[0],
                row[0] or 0,
                row[1],
                categories.get(row[2], ("\uffff", ""))[0],
            )
        )
        for area, month, category_id, total in grouped:
            yield _count_row(
                names.get(area, ("", "")),
                month,
                categories.get(category_id, ("", "")),
                total,
                points.get(area, (None, None)),
            )


def published_count(total: int) -> int | None:
    """The count as published: None (suppressed) from 1 to COUNT_THRESHOLD − 1."""
    return None if 0 < total < COUNT_THRESHOLD else total


def _count_row(area: tuple, month, category: tuple, total: int, point: tuple) -> dict:
    count = published_count(total)
    return {
        "area_code": area[0],
        "area_name": area[1],
        "month": f"{month:%Y-%m}",
        "category": category[0],
        "category_name": category[1],
        "count": count,
        "suppressed": count is None,
        "latitude": point[0],
        "longitude": point[1],
    }


def open_count_total(dataset: Dataset) -> int:
    """How many rows open_count_rows gives."""
    key = "unit_id" if _by_unit(dataset) else "area_id"
    return published_rollups(dataset).values(key, "month", "category_id").distinct().count()
