"""Analyses on H3 hexagons: hot and cold spots (Getis–Ord Gi*), and how concentrated crime is.

The study area (analytics.cells) is every cell whose centre lies inside the chosen unit's
outline, for a dataset of the platform's country and a unit with an outline; otherwise (a
police.uk dataset, a unit without an outline) the cells holding at least one record plus
their k-ring neighbours. Records are counted per cell from the stored `h3_r<resolution>`
column by one GROUP BY over the records the viewer may see; a record in a cell outside the
study area is not counted (it is reported).
"""

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

import h3
import numpy as np
from django.db.models import Count
from django.utils.translation import gettext as _
from shapely.geometry import shape

from ishenim.analytics.cells import kring_weights, study_area_from_polygons, study_area_from_records
from ishenim.analytics.concentration import Concentration, concentration
from ishenim.analytics.hotspots import CLASS_NAMES, gi_star
from ishenim.geo.models import Boundary
from ishenim.stats.models import Dataset, OffenceCategory
from ishenim.stats.periods import Period
from ishenim.stats.services.analysis.points import points_allowed
from ishenim.stats.services.analysis.scope import (
    PLATFORM,
    RESOLUTIONS,
    AnalysisError,
    AreaScope,
    records_visible,
    resolution_checked,
    rings_checked,
)

# The most cells an analysis builds (weights for 250,000 cells take about a second); a finer
# resolution over a bigger area is refused with the resolution that would fit.
MAX_STUDY_CELLS = 250_000
# Six decimals of a degree are about 10 cm: finer than any hexagon's outline needs.
COORDINATE_DECIMALS = 6
KM_PER_DEGREE = 111.32


class Study:
    BOUNDARY = "boundary"
    RECORDS = "records"


@dataclass(frozen=True)
class CellCounts:
    """Records per cell of the study area (cells sorted, uint64)."""

    resolution: int
    k: int
    study: str
    cells: np.ndarray
    counts: np.ndarray
    # Records with a place that fell outside the study area (not counted).
    outside: int

    @property
    def records(self) -> int:
        return int(self.counts.sum())


def _estimated_cells(geometry: dict, resolution: int) -> float:
    outline = shape(geometry)
    latitude = outline.centroid.y
    area_km2 = outline.area * KM_PER_DEGREE**2 * math.cos(math.radians(latitude))
    return area_km2 / h3.average_hexagon_area(resolution, "km^2")


def _too_many(cells: float, resolution: int) -> AnalysisError:
    return AnalysisError(
        _(
            "At resolution %(resolution)d the study area would have about %(cells)s hexagons,"
            " more than the %(limit)s an analysis may use: choose a coarser resolution or a"
            " smaller area."
        )
        % {
            "resolution": resolution,
            "cells": f"{round(cells):,}",
            "limit": f"{MAX_STUDY_CELLS:,}",
        }
    )


# The finest resolution a page opens on; coarser for an area whose outline would hold more
# hexagons than a map shows readably.
DEFAULT_RESOLUTION = 9
MAP_CELLS = 20_000


# The finest hexagons shown to anyone but staff (about 0.7 km², a neighbourhood): finer ones
# would hold a handful of records each, close to the exact places that the public never sees
# (open data snaps them to anchors; points are for staff only).
PUBLIC_FINEST_RESOLUTION = 8


def finest_resolution(viewer) -> int:
    return RESOLUTIONS[-1] if points_allowed(viewer) else PUBLIC_FINEST_RESOLUTION


def resolution_default(area: AreaScope | None, viewer=PLATFORM) -> int:
    """Resolution 9 (hexagons of about 0.1 km², a few blocks), or the finest coarser one at
    which the unit's outline holds at most MAP_CELLS hexagons; no finer than the viewer may
    see."""
    boundary = None
    if area is not None and area.is_unit:
        boundary = Boundary.objects.filter(unit=area.unit).only("geometry").first()
    resolution = DEFAULT_RESOLUTION
    if boundary is not None:
        while (
            resolution > RESOLUTIONS[0]
            and _estimated_cells(boundary.geometry, resolution) > MAP_CELLS
        ):
            resolution -= 1
    return min(resolution, finest_resolution(viewer))


def cell_counts_compute(
    *,
    dataset: Dataset,
    resolution: int,
    k: int,
    area: AreaScope | None,
    period: Period | None,
    category: OffenceCategory | None,
    viewer,
) -> CellCounts:
    resolution = resolution_checked(resolution)
    k = rings_checked(k)
    finest = finest_resolution(viewer)
    if resolution > finest:
        raise AnalysisError(
            _(
                "Hexagons finer than resolution %(finest)d are for staff only: each would hold"
                " a handful of records. Choose resolution %(finest)d or coarser."
            )
            % {"finest": finest}
        )
    column = f"h3_r{resolution}"
    records = records_visible(viewer, dataset, area=area, period=period, category=category)
    grouped = (
        records.filter(**{f"{column}__isnull": False})
        .values(column)
        .annotate(records=Count("*"))
        .order_by()
        .values_list(column, "records")
    )
    hexes, numbers = [], []
    for cell, number in grouped:
        hexes.append(cell)
        numbers.append(number)
    record_cells = np.fromiter(
        (h3.str_to_int(cell) for cell in hexes), dtype=np.uint64, count=len(hexes)
    )
    record_counts = np.asarray(numbers, dtype=np.int64)

    boundary = None
    if area is not None and area.is_unit:
        boundary = Boundary.objects.filter(unit=area.unit).only("geometry").first()
    if boundary is not None:
        estimate = _estimated_cells(boundary.geometry, resolution)
        if estimate > MAX_STUDY_CELLS * 1.2:
            raise _too_many(estimate, resolution)
        study = study_area_from_polygons(boundary.geometry, resolution=resolution)
        kind = Study.BOUNDARY
    else:
        if record_cells.size * (1 + 3 * k * (k + 1)) > MAX_STUDY_CELLS * 4:
            raise _too_many(record_cells.size * (1 + 3 * k * (k + 1)) / 2, resolution)
        study = study_area_from_records(record_cells, k=k)
        kind = Study.RECORDS
    if study.size > MAX_STUDY_CELLS:
        raise _too_many(study.size, resolution)
    counts = np.zeros(study.size, dtype=np.int64)
    outside = 0
    if record_cells.size:
        at = np.minimum(np.searchsorted(study, record_cells), max(study.size - 1, 0))
        hit = (study[at] == record_cells) if study.size else np.zeros(record_cells.size, bool)
        np.add.at(counts, at[hit], record_counts[hit])
        outside = int(record_counts[~hit].sum())
    return CellCounts(
        resolution=resolution, k=k, study=kind, cells=study, counts=counts, outside=outside
    )


@dataclass(frozen=True)
class Hotspots:
    """Gi* per cell of the study area: z-score, two-sided p-value, class −3…3 (±3 hot/cold at
    99% confidence ... 0 not significant; analytics.hotspots.CLASS_NAMES), FDR-corrected."""

    dataset: Dataset
    area: AreaScope | None
    period: Period | None
    category: OffenceCategory | None
    cells: CellCounts
    z: np.ndarray
    p: np.ndarray
    classes: np.ndarray

    def class_counts(self) -> dict[int, int]:
        """Class → number of cells, every class listed."""
        found = dict(zip(*np.unique(self.classes, return_counts=True), strict=True))
        return {level: int(found.get(level, 0)) for level in sorted(CLASS_NAMES, reverse=True)}


def hotspots_compute(
    *,
    dataset: Dataset,
    resolution: int,
    viewer,
    k: int = 1,
    area: AreaScope | None = None,
    period: Period | None = None,
    category: OffenceCategory | None = None,
    progress: Callable[[str], None] | None = None,
) -> Hotspots:
    """Getis–Ord Gi* on the study area's cells with binary k-ring weights (the cell itself
    included), with the viewer's records. `progress(step)` hears of each step."""
    progress = progress or _quiet
    progress(_("Counting records per hexagon…"))
    counted = cell_counts_compute(
        dataset=dataset,
        resolution=resolution,
        k=k,
        area=area,
        period=period,
        category=category,
        viewer=viewer,
    )
    _check_testable(counted)
    progress(
        _("Gi* on %(cells)s hexagons with %(records)s records…")
        % {"cells": f"{counted.cells.size:,}", "records": f"{counted.records:,}"}
    )
    result = gi_star(counted.counts, kring_weights(counted.cells, k=counted.k))
    return Hotspots(
        dataset=dataset,
        area=area,
        period=period,
        category=category,
        cells=counted,
        z=result.z,
        p=result.p,
        classes=result.classes,
    )


def _quiet(step: str) -> None:
    pass


def _check_testable(counted: CellCounts) -> None:
    if counted.records == 0:
        raise AnalysisError(_("There are no records with a place in this area and period."))
    if counted.cells.size < 3:
        raise AnalysisError(
            _("The study area has fewer than three hexagons: choose a finer resolution.")
        )
    if (counted.counts == counted.counts[0]).all():
        raise AnalysisError(_("Every hexagon has the same count, so none can stand out."))


# The map's palette names (core/static/core/map.js reads them as CSS custom properties
# --map-<name>): a diverging scale, warm for hot, cool for cold.
STYLE_CLASSES = {
    3: "warm-3",
    2: "warm-2",
    1: "warm-1",
    0: "neutral",
    -1: "cool-1",
    -2: "cool-2",
    -3: "cool-3",
}


def class_label(level: int) -> str:
    return {
        # xgettext:no-python-format
        3: _("Hot spot, 99% confidence"),
        # xgettext:no-python-format
        2: _("Hot spot, 95% confidence"),
        # xgettext:no-python-format
        1: _("Hot spot, 90% confidence"),
        0: _("Not significant"),
        # xgettext:no-python-format
        -1: _("Cold spot, 90% confidence"),
        # xgettext:no-python-format
        -2: _("Cold spot, 95% confidence"),
        # xgettext:no-python-format
        -3: _("Cold spot, 99% confidence"),
    }[int(level)]


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _ring(cell: str) -> list[list[float]]:
    ring = [
        [round(lng, COORDINATE_DECIMALS), round(lat, COORDINATE_DECIMALS)]
        for lat, lng in h3.cell_to_boundary(cell)
    ]
    ring.append(ring[0])
    return ring


def hotspot_features(hotspots: Hotspots, *, significant_only: bool = False, for_map: bool = False):
    """One GeoJSON Polygon feature per cell, with properties h3, count, gi_z, gi_p and class
    (hot_99 … not_significant … cold_99); `for_map` adds a `name` for the tooltip and the
    map palette's `style_class`."""
    cells = hotspots.cells
    for i in range(cells.cells.size):
        level = int(hotspots.classes[i])
        if significant_only and level == 0:
            continue
        cell = h3.int_to_str(int(cells.cells[i]))
        properties = {
            "h3": cell,
            "count": int(cells.counts[i]),
            "gi_z": _finite(hotspots.z[i]),
            "gi_p": _finite(hotspots.p[i]),
            "class": CLASS_NAMES[level],
        }
        if for_map:
            properties["name"] = _("%(class)s: %(count)s records") % {
                "class": class_label(level),
                "count": int(cells.counts[i]),
            }
            properties["style_class"] = STYLE_CLASSES[level]
        yield {
            "type": "Feature",
            "id": cell,
            "geometry": {"type": "Polygon", "coordinates": [_ring(cell)]},
            "properties": properties,
        }


def hotspots_geojson(hotspots: Hotspots, *, significant_only: bool = False, for_map: bool = False):
    return {
        "type": "FeatureCollection",
        "features": list(
            hotspot_features(hotspots, significant_only=significant_only, for_map=for_map)
        ),
    }


def hotspots_write(hotspots: Hotspots, output: TextIO) -> int:
    """The whole study area as a GeoJSON file, feature by feature; returns the features."""
    output.write('{"type": "FeatureCollection", "features": [\n')
    written = 0
    for feature in hotspot_features(hotspots):
        if written:
            output.write(",\n")
        output.write(json.dumps(feature, ensure_ascii=False, allow_nan=False))
        written += 1
    output.write("\n]}\n")
    return written


@dataclass(frozen=True)
class TopCell:
    h3: str
    count: int
    share: float
    cumulative_share: float
    latitude: float
    longitude: float


@dataclass(frozen=True)
class ConcentrationReport:
    dataset: Dataset
    area: AreaScope | None
    period: Period | None
    category: OffenceCategory | None
    cells: CellCounts
    measures: Concentration
    top: list[TopCell]


def concentration_compute(
    *,
    dataset: Dataset,
    resolution: int,
    viewer,
    top: int = 10,
    area: AreaScope | None = None,
    period: Period | None = None,
    category: OffenceCategory | None = None,
) -> ConcentrationReport:
    """How concentrated the records are over the study area's cells (the empty ones
    included, k = 1 around records where there is no outline): the share of cells holding
    half of them, the Gini coefficient, and the `top` busiest cells."""
    counted = cell_counts_compute(
        dataset=dataset,
        resolution=resolution,
        k=1,
        area=area,
        period=period,
        category=category,
        viewer=viewer,
    )
    if counted.records == 0:
        raise AnalysisError(_("There are no records with a place in this area and period."))
    measures = concentration(counted.counts, top=top)
    rows, cumulative = [], 0
    for index, count in zip(measures.top_indices, measures.top_counts, strict=True):
        cumulative += int(count)
        cell = h3.int_to_str(int(counted.cells[index]))
        latitude, longitude = h3.cell_to_latlng(cell)
        rows.append(
            TopCell(
                h3=cell,
                count=int(count),
                share=int(count) / counted.records,
                cumulative_share=cumulative / counted.records,
                latitude=round(latitude, COORDINATE_DECIMALS),
                longitude=round(longitude, COORDINATE_DECIMALS),
            )
        )
    return ConcentrationReport(
        dataset=dataset,
        area=area,
        period=period,
        category=category,
        cells=counted,
        measures=measures,
        top=rows,
    )
