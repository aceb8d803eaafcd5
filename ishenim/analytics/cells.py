"""H3 cells as uint64 arrays: points to cells, study areas, k-ring weights and counts per cell.

Hotspot statistics run on a study area of hexagonal H3 cells (Uber's hierarchical grid, documented
at h3geo.org; its aperture-7 hierarchy after Sahr, White & Kimerling 2003, Cartography and
Geographic Information Science 30(2)) that includes the cells without crime. Cells are 64-bit
H3 integers throughout; `h3.str_to_int` / `h3.int_to_str` convert at the edges.

- `cells_for_points`: `h3.latlng_to_cell` for every point. h3 has no vectorised indexer, so
  this is one C call per *distinct* coordinate pair (recorded crime repeats locations: the
  West Yorkshire month has 13,603 distinct places for 30,752 located records). One million
  distinct points take ~0.6 s on one core, of which 0.13 s is finding the distinct ones.
- `study_area_from_records`: the cells holding at least one record plus their k-ring
  (grid_disk) neighbours — the study area of a data set without boundaries (police.uk).
- `study_area_from_polygons`: every cell whose centre lies inside the GeoJSON polygons, holes
  excluded (`h3.geo_to_cells`, H3's polygon_to_cells "centre" containment), as a union.
- `kring_weights`: the binary weights matrix W with w_ij = 1 when cell j lies within grid
  distance k of cell i (the cell itself included, w_ii = 1) and inside the study area.
- `cell_counts`: records per study cell.

How the k-rings are found without one h3 call per cell. h3 numbers a cell by its base cell
and one digit per resolution; each digit picks one of the seven children of an aperture-7
hexagonal lattice (the centre or one of six unit vectors, the lattice turning ±19.1° at
alternate resolutions). Inside one base cell a cell's digits are therefore its coordinates on
a plain hexagonal lattice, and "k steps away" is lattice arithmetic — what h3's own neighbour
traversal (h3NeighborRotations) does while it stays within the base cell. The last m digits
(m = min(resolution, 6) for k ≤ 2, fewer for wider rings) place a cell within its ancestor m
levels up, an island of 7^m cells; a table computed once per (resolution, k) says for each of
the 7^m places and each offset of the k-disk whether the neighbour stays inside that ancestor
and, if so, its last m digits. A neighbour's id is then the cell's id with its last m digits
replaced: two array look-ups per cell and offset. The cells whose disk leaves their ancestor
(2% at k = 1, 4% at k = 2), and every cell of the twelve pentagonal base cells, ask h3's
`grid_disk` instead, so the result is exactly h3's; tests/test_cells.py compares the two
around every pentagon and across base-cell corners at resolutions 0–10 and k up to 8.
Measured on one core, 750,000 cells at resolution 9: the k = 1 weights matrix in 0.33 s,
where only calling `grid_disk` once per cell takes 1.1–1.5 s (k = 2: 0.85 s against 1.4–2 s).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from h3.api import numpy_int as h3int
from numpy.typing import ArrayLike
from scipy import sparse

_MAX_RESOLUTION = 15
_DIGIT_BITS = 3
# A cell's place within its ancestor m levels up is looked up in a table of 7^m rows by
# 1 + 3k(k+1) offsets; m is the largest (up to 6) whose table stays within this many entries
# (k = 1 and 2 get m = 6; a larger k a shallower table, until grid_disk does it all).
_SUFFIX_TABLE_ENTRIES = 2_500_000
_SUFFIX_DEPTH = 6

_RESOLUTION_SHIFT = np.uint64(52)
_BASE_CELL_SHIFT = np.uint64(45)
_MODE_SHIFT = np.uint64(59)
_H3_CELL_MODE = 1
_BASE_CELL_COUNT = 122

_PENTAGON_BASE_CELLS = np.zeros(128, dtype=bool)
_PENTAGON_BASE_CELLS[[h3int.get_base_cell_number(int(p)) for p in h3int.get_pentagons(0)]] = True

# The seven aperture-7 digits as (i, j) lattice steps, h3's UNIT_VECS with k folded into i, j:
# centre, K, J, JK, I, IK, IJ.
_UNIT_I = np.array([0, -1, 0, -1, 1, 0, 1], dtype=np.int64)
_UNIT_J = np.array([0, -1, 1, 0, 0, -1, 1], dtype=np.int64)
_DIGIT_OF_STEP = np.full((3, 3), -1, dtype=np.int64)
_DIGIT_OF_STEP[_UNIT_I + 1, _UNIT_J + 1] = np.arange(7)


def _as_cells(cells: ArrayLike, *, what: str = "cells", check: bool = True) -> np.ndarray:
    """Cells as a 1-d uint64 array, checked (unless told not to) to be valid H3 cells."""
    array = np.asarray(cells).reshape(-1)
    if array.dtype.kind == "O":
        try:
            array = array.astype(np.uint64)
        except (TypeError, ValueError, OverflowError):
            raise ValueError(
                f"The {what} must be H3 integers; convert hexadecimal ids with h3.str_to_int."
            ) from None
    if array.dtype.kind == "i":
        # PostgreSQL's bigint holds h3 ids as signed integers; valid ones are never negative.
        if (array < 0).any():
            raise ValueError(f"Some of the {what} are not valid H3 cell indexes.")
        array = array.astype(np.uint64)
    if array.dtype.kind != "u":
        raise ValueError(
            f"The {what} must be H3 integers; convert hexadecimal ids with h3.str_to_int."
        )
    array = array.astype(np.uint64, copy=False)
    if check:
        _check_cells(array, what=what)
    return array


def _check_cells(cells: np.ndarray, *, what: str) -> None:
    if cells.size and not _valid_cells(cells).all():
        raise ValueError(f"Some of the {what} are not valid H3 cell indexes.")


def _valid_cells(cells: np.ndarray) -> np.ndarray:
    """h3's isValidCell, vectorised over the bit fields."""
    mode = (cells >> _MODE_SHIFT) & np.uint64(0x1F)  # the high bit (reserved) must be 0 too
    resolution = ((cells >> _RESOLUTION_SHIFT) & np.uint64(0xF)).astype(np.int64)
    base_cell = ((cells >> _BASE_CELL_SHIFT) & np.uint64(0x7F)).astype(np.int64)
    reserved = (cells >> np.uint64(56)) & np.uint64(0x7)
    valid = (mode == _H3_CELL_MODE) & (reserved == 0) & (base_cell < _BASE_CELL_COUNT)
    first_nonzero = np.zeros(cells.shape, dtype=np.int64)
    for r in range(1, _MAX_RESOLUTION + 1):
        digit = _digit(cells, r)
        used = r <= resolution
        valid &= np.where(used, digit < 7, digit == 7)
        first_nonzero = np.where(used & (first_nonzero == 0), digit, first_nonzero)
    # Pentagons have no K-axis (digit 1) child next to their centre: h3's "deleted subsequence".
    valid &= ~(_PENTAGON_BASE_CELLS[np.minimum(base_cell, 127)] & (first_nonzero == 1))
    return valid


def _digit(cells: np.ndarray, resolution: int) -> np.ndarray:
    shift = np.uint64((_MAX_RESOLUTION - resolution) * _DIGIT_BITS)
    return ((cells >> shift) & np.uint64(7)).astype(np.int64)


def _common_resolution(cells: np.ndarray, *, what: str = "cells") -> int:
    resolutions = ((cells >> _RESOLUTION_SHIFT) & np.uint64(0xF)).astype(np.int64)
    resolution = int(resolutions[0])
    if (resolutions != resolution).any():
        found = ", ".join(str(r) for r in np.unique(resolutions))
        raise ValueError(f"The {what} mix H3 resolutions ({found}); use one resolution.")
    return resolution


def _check_resolution(resolution: int) -> int:
    if isinstance(resolution, bool) or not isinstance(resolution, int | np.integer):
        raise ValueError(f"The H3 resolution must be an integer; got {resolution!r}.")
    if not 0 <= resolution <= _MAX_RESOLUTION:
        raise ValueError(f"The H3 resolution must be between 0 and 15; got {resolution}.")
    return int(resolution)


def _check_k(k: int) -> int:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 0:
        raise ValueError(f"The k-ring size must be a whole number of rings, 0 or more; got {k!r}.")
    return int(k)


def cells_for_points(lat: ArrayLike, lon: ArrayLike, *, resolution: int) -> np.ndarray:
    """The H3 cell (uint64) of each point at `resolution`, in the order of the points."""
    resolution = _check_resolution(resolution)
    lat = np.asarray(lat, dtype=np.float64).reshape(-1)
    lon = np.asarray(lon, dtype=np.float64).reshape(-1)
    if lat.shape != lon.shape:
        raise ValueError(f"There are {lat.size} latitudes but {lon.size} longitudes.")
    if not (np.isfinite(lat).all() and np.isfinite(lon).all()):
        raise ValueError("Coordinates must be finite numbers; drop records without a location.")
    if (np.abs(lat) > 90).any() or (np.abs(lon) > 180).any():
        raise ValueError(
            "Latitudes must lie within ±90° and longitudes within ±180° (degrees, WGS 84)."
        )
    if lat.size == 0:
        return np.zeros(0, dtype=np.uint64)
    # One h3 call per distinct place: a complex number sorts by (lat, lon) in one pass.
    places, place_of_point = np.unique(lat + 1j * lon, return_inverse=True)
    index = h3int.latlng_to_cell
    place_cells = np.fromiter(
        map(index, places.real.tolist(), places.imag.tolist(), [resolution] * places.size),
        dtype=np.uint64,
        count=places.size,
    )
    return place_cells[place_of_point.reshape(-1)]


def _disk_offsets(k: int) -> tuple[np.ndarray, np.ndarray]:
    """(i, j) lattice offsets within grid distance k, the centre first."""
    steps = np.arange(-k, k + 1)
    i, j = (a.ravel() for a in np.meshgrid(steps, steps, indexing="ij"))
    distance = np.maximum(np.maximum(np.abs(i), np.abs(j)), np.abs(i - j))
    inside = distance <= k
    i, j, distance = i[inside], j[inside], distance[inside]
    order = np.argsort(distance, kind="stable")
    return i[order], j[order]


def _down(i: np.ndarray, j: np.ndarray, resolution: int) -> tuple[np.ndarray, np.ndarray]:
    """A lattice point's centre child one resolution finer (h3's _downAp7 / _downAp7r)."""
    if resolution % 2:  # class III resolutions turn counter-clockwise
        return 2 * i + j, 3 * j - i
    return 3 * i - j, i + 2 * j


def _round_sevenths(numerator: np.ndarray) -> np.ndarray:
    # round(x / 7) for integers; x / 7 is never exactly half-way, so floor((2x + 7) / 14).
    return (2 * numerator + 7) // 14


def _up(i: np.ndarray, j: np.ndarray, resolution: int) -> tuple[np.ndarray, np.ndarray]:
    """The parent of a lattice point at `resolution` (h3's _upAp7 / _upAp7r)."""
    if resolution % 2:
        return _round_sevenths(3 * i - j), _round_sevenths(i + 2 * j)
    return _round_sevenths(2 * i + j), _round_sevenths(3 * j - i)


def _suffix_depth(resolution: int, k: int) -> int:
    offsets = 1 + 3 * k * (k + 1)
    depth = min(resolution, _SUFFIX_DEPTH)
    while depth > 0 and 7**depth * offsets > _SUFFIX_TABLE_ENTRIES:
        depth -= 1
    return depth


@functools.lru_cache(maxsize=8)
def _suffix_neighbours(resolution: int, depth: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """For each position of a cell within its ancestor `depth` levels up, and each k-disk
    offset: whether the neighbour is inside that ancestor, and the bits of its last digits."""
    positions = 7**depth
    position = np.arange(positions, dtype=np.int64)
    i = np.zeros(positions, dtype=np.int64)
    j = np.zeros(positions, dtype=np.int64)
    first = resolution - depth + 1
    for r in range(first, resolution + 1):
        digit = (position // 7 ** (resolution - r)) % 7
        i, j = _down(i, j, r)
        i, j = i + _UNIT_I[digit], j + _UNIT_J[digit]
    offset_i, offset_j = _disk_offsets(k)
    inside = np.ones((positions, offset_i.size), dtype=bool)
    bits = np.zeros((positions, offset_i.size), dtype=np.uint64)
    for s, (di, dj) in enumerate(zip(offset_i.tolist(), offset_j.tolist(), strict=True)):
        ni, nj = i + di, j + dj
        for r in range(resolution, first - 1, -1):
            pi, pj = _up(ni, nj, r)
            ci, cj = _down(pi, pj, r)
            digit = _DIGIT_OF_STEP[ni - ci + 1, nj - cj + 1]
            shift = np.uint64((_MAX_RESOLUTION - r) * _DIGIT_BITS)
            bits[:, s] |= digit.astype(np.uint64) << shift
            ni, nj = pi, pj
        inside[:, s] = (ni == 0) & (nj == 0)
    bits[~inside] = 0
    return inside, bits


def _disk_cells(cells: np.ndarray, resolution: int, k: int) -> np.ndarray:
    """(n, 1 + 3k(k+1)) array of each cell's grid_disk(cell, k); 0 fills a pentagon's gap."""
    offsets = 1 + 3 * k * (k + 1)
    depth = _suffix_depth(resolution, k)
    inside, bits = _suffix_neighbours(resolution, depth, k)
    position = np.zeros(cells.size, dtype=np.int64)
    suffix_mask = np.uint64(0)
    for r in range(resolution - depth + 1, resolution + 1):
        position = position * 7 + _digit(cells, r)
        suffix_mask |= np.uint64(7) << np.uint64((_MAX_RESOLUTION - r) * _DIGIT_BITS)
    disks = (cells & ~suffix_mask)[:, None] | bits[position]
    base_cell = ((cells >> _BASE_CELL_SHIFT) & np.uint64(0x7F)).astype(np.int64)
    # Leaving the ancestor may mean leaving the base cell, where the lattice turns; the
    # pentagons' base cells lack a sixth of their lattice. h3 walks those itself.
    exact = inside[position].all(axis=1) & ~_PENTAGON_BASE_CELLS[base_cell]
    for row in np.flatnonzero(~exact).tolist():
        disk = h3int.grid_disk(int(cells[row]), k)
        disks[row, : disk.size] = disk
        disks[row, disk.size : offsets] = 0
    return disks


def study_area_from_records(cells: ArrayLike, *, k: int) -> np.ndarray:
    """The cells holding at least one record plus their k-ring neighbours, sorted uint64."""
    k = _check_k(k)
    # Records repeat cells: check and expand each distinct cell once.
    occupied = np.unique(_as_cells(cells, what="record cells", check=False))
    _check_cells(occupied, what="record cells")
    if occupied.size == 0:
        return occupied
    resolution = _common_resolution(occupied, what="record cells")
    disks = _disk_cells(occupied, resolution, k)
    return np.unique(disks[disks != 0])


def study_area_from_polygons(
    geometries: Mapping[str, Any] | Iterable[Mapping[str, Any]], *, resolution: int
) -> np.ndarray:
    """Every cell whose centre lies inside the GeoJSON Polygon/MultiPolygon geometries (holes
    excluded), as one sorted uint64 array without repeats."""
    resolution = _check_resolution(resolution)
    if isinstance(geometries, Mapping):
        geometries = [geometries]
    found = [np.zeros(0, dtype=np.uint64)]
    for geometry in geometries:
        kind = geometry.get("type") if isinstance(geometry, Mapping) else None
        if kind not in ("Polygon", "MultiPolygon"):
            raise ValueError(
                f"Study areas are drawn from GeoJSON Polygon or MultiPolygon geometries; "
                f"got {kind!r}."
            )
        found.append(np.asarray(h3int.geo_to_cells(geometry, resolution), dtype=np.uint64))
    return np.unique(np.concatenate(found))


def kring_weights(cells: ArrayLike, *, k: int = 1) -> sparse.csr_matrix:
    """Binary weights: w_ij = 1 when cell j is within grid distance k of cell i (w_ii = 1),
    both in `cells`; rows and columns follow the order of `cells`."""
    k = _check_k(k)
    cells = _as_cells(cells)
    n = cells.size
    if n == 0:
        return sparse.csr_matrix((0, 0), dtype=np.float64)
    resolution = _common_resolution(cells)
    order = np.argsort(cells, kind="stable")
    ordered = cells[order]
    if (ordered[1:] == ordered[:-1]).any():
        raise ValueError("The study area lists a cell more than once.")
    # Neighbours of cells taken in id order arrive nearly sorted, offset by offset, which keeps
    # the binary searches cache-friendly (ten times faster than in arbitrary order).
    disks = _disk_cells(ordered, resolution, k).T
    at = np.searchsorted(ordered, disks)
    np.minimum(at, n - 1, out=at)
    hit = ordered[at] == disks
    # Row by row (the transposes are views), so the entries come out grouped by row.
    indices = at.T[hit.T]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(hit.sum(axis=0), out=indptr[1:])
    data = np.ones(indices.size, dtype=np.float64)
    if np.array_equal(order, np.arange(n)):
        weights = sparse.csr_matrix((data, indices, indptr), shape=(n, n))
    else:
        by_id = sparse.csr_matrix((data, order[indices], indptr), shape=(n, n))
        position = np.empty(n, dtype=np.int64)
        position[order] = np.arange(n)
        weights = by_id[position]
    weights.sort_indices()
    return weights


def cell_counts(record_cells: ArrayLike, study_cells: ArrayLike) -> np.ndarray:
    """Records per study cell (int64, in the order of `study_cells`); records in cells outside
    the study area are not counted."""
    study = _as_cells(study_cells, what="study cells")
    occupied, records = np.unique(
        _as_cells(record_cells, what="record cells", check=False), return_counts=True
    )
    _check_cells(occupied, what="record cells")
    if study.size == 0:
        return np.zeros(0, dtype=np.int64)
    counts = np.zeros(study.size, dtype=np.int64)
    if occupied.size == 0:
        return counts
    study_resolution = _common_resolution(study, what="study cells")
    record_resolution = _common_resolution(occupied, what="record cells")
    if record_resolution != study_resolution:
        raise ValueError(
            f"The records are at H3 resolution {record_resolution} "
            f"but the study area at {study_resolution}."
        )
    order = np.argsort(study, kind="stable")
    ordered = study[order]
    if (ordered[1:] == ordered[:-1]).any():
        raise ValueError("The study area lists a cell more than once.")
    at = np.minimum(np.searchsorted(ordered, occupied), study.size - 1)
    hit = ordered[at] == occupied
    counts[order[at[hit]]] = records[hit]
    return counts
