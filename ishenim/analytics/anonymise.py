"""Open data without identifying anyone: anchor points, small-count suppression, exclusions.

The method follows police.uk's (data.police.uk/about, "Anonymisation"): every published
crime location is replaced by the nearest point of a fixed master list of "anonymous map
points", each chosen so that its catchment — the area of all places nearer to it than to
any other map point — holds at least eight postal addresses (or none); map points whose
catchment held fewer were discarded. A published point then stands for at least eight
households, never for one house. Here:

- `anchors_from_points` builds the master list from a reference point set (addresses,
  buildings or settlements — for Kyrgyzstan, settlements weighted by their households), in
  two steps:
  1. Candidates from H3 cells. The reference points are grouped by their H3 cell at
     `resolution`; every cell holding at least `min_points` (by weight) gets a candidate at
     the weighted centroid of its points. The points of sparser cells move up to the parent
     cell (one resolution coarser), where the same rule applies to them, and so on up to
     resolution 0: dense towns get fine anchors, the countryside coarse ones. (Centroids are
     averaged in degrees, exact enough inside a cell anywhere but across the ±180° meridian.)
  2. Catchments, as police.uk checks them. Every reference point is assigned to its nearest
     candidate (`anchors_assign`); candidates serving fewer than `min_points` are discarded
     and the points reassigned, until every remaining anchor serves at least `min_points`.
     Discarding an anchor only adds points to the others, so this ends, and the guarantee
     holds for the nearest-anchor rule actually used to publish.
  Reference points must have at least `min_points` in total.
- `anchors_assign` finds the nearest anchor in metres (scipy.spatial.cKDTree on the shared
  local projection, `projection.project_to_metres`, centred on the anchors).
- `suppress_small` hides counts from 1 to threshold − 1 in published tables (zero stays
  zero: "no crime" identifies no one). It does not guard against recovering a hidden cell
  from published totals by subtraction (secondary suppression); publish totals computed from
  the suppressed table, or none.
- `open_records` drops the records of confidential categories (e.g. sexual offences and
  domestic violence, whose location or even existence identifies a victim) and snaps the
  rest to their nearest anchor. Records without a location stay, without one, as police.uk
  publishes them. The caller publishes dates by month only and no internal identifiers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from ishenim.analytics.cells import cells_for_points
from ishenim.analytics.counts import factorise
from ishenim.analytics.projection import project_to_metres, projection_origin

# H3 index layout (h3geo.org, "H3 index bit layout"): resolution in bits 52–55, then 15
# three-bit digits for resolutions 1..15, unused digits set to 7.
_RESOLUTION_SHIFT = 52
_RESOLUTION_MASK = np.uint64(0xF << _RESOLUTION_SHIFT)
_DIGIT_BITS = 3
_MAX_RESOLUTION = 15


@dataclass(frozen=True)
class Anchors:
    """Anchor points; `served` is the reference weight nearest each one (≥ min_points).

    `resolution` is the H3 resolution of the cell each anchor was made from.
    """

    latitude: np.ndarray
    longitude: np.ndarray
    served: np.ndarray
    resolution: np.ndarray

    def __len__(self) -> int:
        return len(self.latitude)


@dataclass(frozen=True)
class OpenRecords:
    """Records fit to publish: `index` into the input, snapped coordinates, anchor number.

    Records without a location have NaN coordinates and anchor −1.
    """

    index: np.ndarray
    latitude: np.ndarray
    longitude: np.ndarray
    anchor: np.ndarray


def anchors_assign(
    lat: np.ndarray, lon: np.ndarray, anchor_lat: np.ndarray, anchor_lon: np.ndarray
) -> np.ndarray:
    """Index of the nearest anchor (in metres) of each point; −1 for points without one."""
    lat, lon = _coordinates(lat, lon, "points", allow_missing=True)
    anchor_lat, anchor_lon = _coordinates(anchor_lat, anchor_lon, "anchors")
    if len(anchor_lat) == 0:
        raise ValueError("There are no anchors to snap to.")
    origin_lat, origin_lon = projection_origin(anchor_lat, anchor_lon)
    anchor_x, anchor_y = project_to_metres(
        anchor_lat, anchor_lon, origin_lat=origin_lat, origin_lon=origin_lon
    )
    located = np.isfinite(lat) & np.isfinite(lon)
    x, y = project_to_metres(
        lat[located], lon[located], origin_lat=origin_lat, origin_lon=origin_lon
    )
    nearest = np.full(len(lat), -1, dtype=np.int64)
    if located.any():
        _, found = cKDTree(np.column_stack([anchor_x, anchor_y])).query(np.column_stack([x, y]))
        nearest[located] = found
    return nearest


def anchors_from_points(
    lat: np.ndarray,
    lon: np.ndarray,
    *,
    min_points: float,
    resolution: int,
    weights: np.ndarray | None = None,
) -> Anchors:
    """Anchor points each nearest to at least `min_points` of the reference points."""
    lat, lon = _coordinates(lat, lon, "reference points")
    if weights is None:
        weights = np.ones(len(lat))
    weights = np.asarray(weights, dtype=np.float64)
    if weights.shape != lat.shape:
        raise ValueError(f"There are {len(lat)} reference points but {weights.size} weights.")
    if not np.all(np.isfinite(weights) & (weights > 0)):
        raise ValueError("Weights of reference points must be positive numbers.")
    if not min_points > 0:
        raise ValueError(f"Each anchor must serve at least one point; got {min_points}.")
    if not 0 <= resolution <= _MAX_RESOLUTION:
        raise ValueError(f"H3 resolutions run from 0 to 15; got {resolution}.")
    if weights.sum() < min_points:
        raise ValueError(
            f"The reference points weigh {weights.sum():g} in all, fewer than the "
            f"{min_points:g} one anchor must serve."
        )
    anchor_lat, anchor_lon, anchor_resolution = _candidates(
        lat, lon, weights, min_points=min_points, resolution=resolution
    )
    while True:
        nearest = anchors_assign(lat, lon, anchor_lat, anchor_lon)
        served = np.bincount(nearest, weights=weights, minlength=len(anchor_lat))
        enough = served >= min_points
        if enough.all():
            break
        if not enough.any():
            # Every candidate is short: keep the one serving most; it then serves everyone.
            enough = np.arange(len(served)) == np.argmax(served)
        anchor_lat = anchor_lat[enough]
        anchor_lon = anchor_lon[enough]
        anchor_resolution = anchor_resolution[enough]
    return Anchors(
        latitude=anchor_lat, longitude=anchor_lon, served=served, resolution=anchor_resolution
    )


def suppress_small(counts: np.ndarray, *, threshold: int) -> np.ma.MaskedArray:
    """The counts with every value from 1 to threshold − 1 masked; zeros stay visible."""
    counts = np.asarray(counts)
    if counts.dtype.kind not in "iuf":
        raise ValueError(f"Counts must be numbers; got {counts.dtype}.")
    if np.any(counts < 0):
        raise ValueError("Counts must not be negative.")
    if threshold < 1:
        raise ValueError(f"The suppression threshold must be at least 1; got {threshold}.")
    return np.ma.masked_array(counts, mask=(counts > 0) & (counts < threshold))


def open_records(
    lat: np.ndarray,
    lon: np.ndarray,
    category: np.ndarray,
    *,
    anchor_lat: np.ndarray,
    anchor_lon: np.ndarray,
    confidential_categories: Iterable,
) -> OpenRecords:
    """Drop the confidential categories and snap every remaining record to its anchor."""
    lat, lon = _coordinates(lat, lon, "records", allow_missing=True)
    category = np.asarray(category)
    if category.shape != lat.shape:
        raise ValueError(f"There are {len(lat)} records but {category.size} categories.")
    anchor_lat, anchor_lon = _coordinates(anchor_lat, anchor_lon, "anchors")
    confidential = list(confidential_categories)
    publishable = ~np.isin(category, confidential) if confidential else np.ones(len(lat), bool)
    index = np.flatnonzero(publishable)
    anchor = anchors_assign(lat[index], lon[index], anchor_lat, anchor_lon)
    located = anchor >= 0
    snapped_lat = np.full(len(index), np.nan)
    snapped_lon = np.full(len(index), np.nan)
    snapped_lat[located] = anchor_lat[anchor[located]]
    snapped_lon[located] = anchor_lon[anchor[located]]
    return OpenRecords(index=index, latitude=snapped_lat, longitude=snapped_lon, anchor=anchor)


def cell_parents(cells: np.ndarray, resolution: int) -> np.ndarray:
    """The ancestors of H3 cells (uint64, all at `resolution` or finer) at `resolution`.

    Bit arithmetic equal to `h3.cell_to_parent`: the resolution field is set and the digits
    of the finer resolutions become 7 (unused).
    """
    cells = np.asarray(cells, dtype=np.uint64)
    unused = np.uint64((1 << (_DIGIT_BITS * (_MAX_RESOLUTION - resolution))) - 1)
    return (cells & ~_RESOLUTION_MASK) | np.uint64(resolution << _RESOLUTION_SHIFT) | unused


def _candidates(
    lat: np.ndarray, lon: np.ndarray, weights: np.ndarray, *, min_points: float, resolution: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted centroids of the finest H3 cells holding `min_points`, sparse ones merged up."""
    cells = cells_for_points(lat, lon, resolution=resolution)
    pending = np.arange(len(lat))
    found_lat, found_lon, found_resolution = [], [], []
    for level in range(resolution, -1, -1):
        codes, _ = factorise(cell_parents(cells[pending], level))
        weight = np.bincount(codes, weights=weights[pending])
        dense = weight >= min_points
        found_lat.append(
            (np.bincount(codes, weights=weights[pending] * lat[pending]) / weight)[dense]
        )
        found_lon.append(
            (np.bincount(codes, weights=weights[pending] * lon[pending]) / weight)[dense]
        )
        found_resolution.append(np.full(np.count_nonzero(dense), level, dtype=np.int64))
        pending = pending[~dense[codes]]
        if len(pending) == 0:
            break
    anchor_lat = np.concatenate(found_lat)
    if len(anchor_lat) == 0:
        # Too few points in every base cell: one anchor at the centroid of them all.
        return (
            np.array([np.average(lat, weights=weights)]),
            np.array([np.average(lon, weights=weights)]),
            np.zeros(1, dtype=np.int64),
        )
    return anchor_lat, np.concatenate(found_lon), np.concatenate(found_resolution)


def _coordinates(
    lat: np.ndarray, lon: np.ndarray, what: str, *, allow_missing: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    lat = np.asarray(lat, dtype=np.float64)
    lon = np.asarray(lon, dtype=np.float64)
    if lat.ndim != 1 or lat.shape != lon.shape:
        raise ValueError(
            f"Give the {what}' latitudes and longitudes as two arrays of the same length; "
            f"got shapes {lat.shape} and {lon.shape}."
        )
    if not allow_missing and not (np.isfinite(lat).all() and np.isfinite(lon).all()):
        raise ValueError(f"Every one of the {what} needs a latitude and a longitude.")
    return lat, lon
