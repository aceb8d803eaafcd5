"""Which administrative unit a point lies in: point-in-polygon over the unit boundaries.

A point lies in several units at once (the country, an oblast, a district); the answer is
the deepest one, and where outlines of the same depth overlap (the source data has slivers
of overlap along some borders) the smaller unit, then the lower id, so that the answer never
depends on the order rows came out of the database. Holes are honoured: a lake or an enclave
cut out of a unit is not in it.

This module needs no database and no settings: the benchmark and the tests build a Locator
from shapely geometries or straight from a reference folder.

Speed: every boundary is a prepared geometry (GEOS indexes its edges once), so testing a
point costs a few microseconds. `locate_many` takes the units one by one in answer order and
tests, with `shapely.intersects_xy`, only the points that are still unanswered and lie in
the unit's bounding box; about a million points a second on one core with the Kyrgyz data
(see docs/benchmarks.md), so no precomputed grid of cells is needed in front of it.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

OUTSIDE = -1


@dataclass(frozen=True)
class LocatorUnit:
    id: int
    code: str
    depth: int
    geometry: BaseGeometry


class Locator:
    """Answers `locate(lat, lon)` and `locate_many(lats, lons)` with unit ids."""

    def __init__(self, units: Iterable[LocatorUnit]):
        units = list(units)
        # Answer order: deeper first, then smaller, then lower id. The first unit in this
        # order that contains a point is the answer.
        units.sort(key=lambda unit: (-unit.depth, unit.geometry.area, unit.id))
        self._ids = np.array([unit.id for unit in units], dtype=np.int64)
        self._code_by_id = {unit.id: unit.code for unit in units}
        self._geometries = np.array([unit.geometry for unit in units], dtype=object)
        shapely.prepare(self._geometries)
        self._bounds = shapely.bounds(self._geometries).reshape(-1, 4)
        # The tree answers "which boxes hold this point" for the single form; its indexes
        # are positions in answer order.
        self._tree = STRtree(self._geometries)

    def __len__(self) -> int:
        return len(self._ids)

    @classmethod
    def from_boundaries(cls, boundaries: Iterable) -> "Locator":
        """From geo.Boundary rows fetched with their unit (select_related("unit"))."""
        return cls(
            LocatorUnit(
                id=boundary.unit_id,
                code=boundary.unit.code,
                depth=boundary.unit.depth,
                geometry=shape(boundary.geometry),
            )
            for boundary in boundaries
        )

    @classmethod
    def from_reference_folder(cls, directory: Path) -> "Locator":
        """Straight from a reference folder's files, through the loader's own reader; the ids
        are positions in the folder's unit list (the country is 0)."""
        from ishenim.geo.reference_folder import reference_folder_read

        folder = reference_folder_read(directory)
        position = {unit.code: index for index, unit in enumerate(folder.units)}
        depth = {unit.code: unit.depth for unit in folder.units}
        return cls(
            LocatorUnit(
                id=position[boundary.code],
                code=boundary.code,
                depth=depth[boundary.code],
                geometry=boundary.geometry,
            )
            for boundary in folder.boundaries
        )

    def code(self, unit_id: int) -> str:
        return self._code_by_id[unit_id]

    def locate(self, latitude: float, longitude: float) -> int | None:
        """The id of the deepest unit containing the point, or None outside every unit."""
        point = shapely.Point(longitude, latitude)
        # Positions of the boxes holding the point, tested in answer order.
        for position in np.sort(self._tree.query(point)):
            if shapely.intersects_xy(self._geometries[position], longitude, latitude):
                return int(self._ids[position])
        return None

    def locate_many(self, latitudes: Sequence[float], longitudes: Sequence[float]) -> np.ndarray:
        """Unit ids for arrays of points, OUTSIDE (-1) where no unit contains one; NaN
        coordinates are outside."""
        lats = np.asarray(latitudes, dtype=np.float64).ravel()
        lons = np.asarray(longitudes, dtype=np.float64).ravel()
        if lats.shape != lons.shape:
            raise ValueError("latitudes and longitudes must have the same length")
        result = np.full(lats.shape, OUTSIDE, dtype=np.int64)
        pending = np.arange(lats.size)
        pending_lons, pending_lats = lons, lats
        for position in range(len(self._ids)):
            if pending.size == 0:
                break
            min_lon, min_lat, max_lon, max_lat = self._bounds[position]
            in_box = (
                (pending_lons >= min_lon)
                & (pending_lons <= max_lon)
                & (pending_lats >= min_lat)
                & (pending_lats <= max_lat)
            )
            candidates = np.flatnonzero(in_box)
            if candidates.size == 0:
                continue
            inside = shapely.intersects_xy(
                self._geometries[position], pending_lons[candidates], pending_lats[candidates]
            )
            found = candidates[inside]
            if found.size == 0:
                continue
            result[pending[found]] = self._ids[position]
            keep = np.ones(pending.size, dtype=bool)
            keep[found] = False
            pending, pending_lons, pending_lats = (
                pending[keep],
                pending_lons[keep],
                pending_lats[keep],
            )
        return result
