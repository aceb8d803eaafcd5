"""H3 study areas and weights against h3's own per-cell answers (latlng_to_cell, grid_disk)."""

import csv
from collections import Counter
from pathlib import Path

import h3
import numpy as np
import pytest
from h3.api import numpy_int as h3int
from scipy import sparse

from ishenim.analytics.cells import (
    cell_counts,
    cells_for_points,
    kring_weights,
    study_area_from_polygons,
    study_area_from_records,
)

DATA = Path(__file__).parents[3].parent / "shared" / "data" / "policeuk"
STREET_CSV = DATA / "2018-07-west-yorkshire-street.csv"


@pytest.fixture(scope="module")
def west_yorkshire():
    """(lat, lon) of the located records of July 2018."""
    if not STREET_CSV.exists():
        pytest.skip(f"The police.uk test data is not at {STREET_CSV}.")
    with STREET_CSV.open(newline="") as street:
        located = [row for row in csv.DictReader(street) if row["Latitude"]]
    lat = np.array([float(row["Latitude"]) for row in located])
    lon = np.array([float(row["Longitude"]) for row in located])
    return lat, lon


def _grid_disk_weights(cells, k):
    """The reference: one h3.grid_disk per cell, kept inside the study area."""
    position = {int(cell): i for i, cell in enumerate(cells)}
    rows, columns = [], []
    for i, cell in enumerate(cells):
        for neighbour in h3int.grid_disk(int(cell), k):
            j = position.get(int(neighbour))
            if j is not None:
                rows.append(i)
                columns.append(j)
    n = len(cells)
    return sparse.csr_matrix((np.ones(len(rows)), (rows, columns)), shape=(n, n))


def _places_where_the_lattice_turns():
    """Pentagon centres and one corner of each base cell: where h3's grid is hardest."""
    pentagons = [h3int.cell_to_latlng(int(p)) for p in h3int.get_pentagons(0)]
    corners = [h3int.cell_to_boundary(int(c))[i % 5] for i, c in enumerate(h3int.get_res0_cells())]
    return pentagons + corners[::4]


def test_points_get_the_cell_h3_gives_each_of_them(west_yorkshire):
    lat, lon = west_yorkshire
    cells = cells_for_points(lat, lon, resolution=9)
    expected = [h3int.latlng_to_cell(a, b, 9) for a, b in zip(lat, lon, strict=True)]
    assert cells.dtype == np.uint64
    np.testing.assert_array_equal(cells, np.array(expected, dtype=np.uint64))


def test_weights_equal_grid_disk_around_pentagons_and_base_cell_corners():
    rng = np.random.default_rng(20180701)
    for place in _places_where_the_lattice_turns():
        for resolution in (0, 2, 7, 10):
            centre = h3int.latlng_to_cell(place[0], place[1], resolution)
            nearby = np.asarray(h3int.grid_disk(int(centre), 6), dtype=np.uint64)
            # Holes and an arbitrary order: the study area is rarely a full disk in id order.
            cells = rng.permutation(nearby[rng.random(nearby.size) < 0.7])
            for k in (1, 2):
                difference = kring_weights(cells, k=k) != _grid_disk_weights(cells, k)
                assert difference.nnz == 0, (place, resolution, k)


def test_weights_equal_grid_disk_on_the_west_yorkshire_study_area(west_yorkshire):
    lat, lon = west_yorkshire
    study = study_area_from_records(cells_for_points(lat, lon, resolution=9), k=1)
    for k in (1, 3):
        weights = kring_weights(study, k=k)
        assert (weights != _grid_disk_weights(study, k)).nnz == 0
    assert weights.has_sorted_indices


def test_weights_are_binary_symmetric_and_count_the_cell_itself():
    centre = h3int.latlng_to_cell(42.8746, 74.5698, 9)
    disk = np.asarray(h3int.grid_disk(int(centre), 2), dtype=np.uint64)
    weights = kring_weights(disk, k=1)
    assert set(np.unique(weights.data)) == {1.0}
    assert (weights != weights.T).nnz == 0
    np.testing.assert_array_equal(weights.diagonal(), np.ones(disk.size))
    row_sums = np.asarray(weights.sum(axis=1)).ravel()
    centre_row = int(np.flatnonzero(disk == centre)[0])
    # The centre sees itself and its six neighbours; the outer ring loses those outside.
    assert row_sums[centre_row] == 7
    assert set(row_sums.tolist()) == {4.0, 5.0, 7.0}


def test_study_area_from_records_is_the_record_cells_and_their_k_rings(west_yorkshire):
    lat, lon = west_yorkshire
    records = cells_for_points(lat, lon, resolution=9)
    for k in (0, 1, 2):
        expected = set()
        for cell in np.unique(records).tolist():
            expected.update(int(c) for c in h3int.grid_disk(cell, k))
        study = study_area_from_records(records, k=k)
        assert study.tolist() == sorted(expected)


def _bishkek_polygon_with_a_hole():
    outer = [[74.50, 42.82], [74.66, 42.82], [74.66, 42.92], [74.50, 42.92], [74.50, 42.82]]
    hole = [[74.55, 42.85], [74.60, 42.85], [74.60, 42.89], [74.55, 42.89], [74.55, 42.85]]
    return {"type": "Polygon", "coordinates": [outer, hole]}


def test_study_area_from_polygons_takes_cells_whose_centre_is_inside_and_not_in_a_hole():
    shapely = pytest.importorskip("shapely")
    polygon = _bishkek_polygon_with_a_hole()
    study = study_area_from_polygons([polygon], resolution=9)
    shape = shapely.geometry.shape(polygon)
    # A disk reaching well beyond the polygon.
    candidates = np.asarray(h3int.grid_disk(h3int.latlng_to_cell(42.87, 74.58, 9), 60))
    centres = [h3int.cell_to_latlng(int(c)) for c in candidates]
    inside = [shape.contains(shapely.geometry.Point(lon, lat)) for lat, lon in centres]
    assert study.tolist() == sorted(candidates[inside].tolist())
    hole_centre = h3int.latlng_to_cell(42.87, 74.575, 9)
    assert hole_centre not in set(study.tolist())


def test_study_area_from_polygons_joins_several_geometries_once():
    polygon = _bishkek_polygon_with_a_hole()
    east = {
        "type": "MultiPolygon",
        "coordinates": [
            [[[74.64, 42.82], [74.70, 42.82], [74.70, 42.86], [74.64, 42.86], [74.64, 42.82]]]
        ],
    }
    both = study_area_from_polygons([polygon, east], resolution=8)
    separately = np.union1d(
        study_area_from_polygons(polygon, resolution=8),
        study_area_from_polygons(east, resolution=8),
    )
    np.testing.assert_array_equal(both, separately)
    assert np.all(np.diff(both.astype(np.float64)) > 0)


def test_study_area_from_polygons_refuses_points_and_lines():
    with pytest.raises(ValueError, match="Polygon or MultiPolygon"):
        study_area_from_polygons({"type": "Point", "coordinates": [74.6, 42.9]}, resolution=8)


def test_cell_counts_equal_a_plain_tally_and_skip_records_outside(west_yorkshire):
    lat, lon = west_yorkshire
    records = cells_for_points(lat, lon, resolution=8)
    study = study_area_from_records(records, k=1)
    tally = Counter(records.tolist())
    counts = cell_counts(records, study)
    assert counts.tolist() == [tally.get(cell, 0) for cell in study.tolist()]
    assert counts.sum() == lat.size
    # Half the study area, in a different order: the other records are not counted.
    part = study[::2][::-1]
    assert cell_counts(records, part).tolist() == [tally.get(c, 0) for c in part.tolist()]


def test_signed_64_bit_ids_from_a_database_are_accepted():
    centre = h3int.latlng_to_cell(42.8746, 74.5698, 9)
    disk = np.asarray(h3int.grid_disk(int(centre), 1), dtype=np.uint64)
    signed = disk.astype(np.int64)
    assert (kring_weights(signed) != kring_weights(disk)).nnz == 0
    assert cell_counts(signed[:2], signed).tolist() == [1, 1, 0, 0, 0, 0, 0]


def test_invalid_cells_are_refused_with_a_reason():
    pentagon = int(h3int.get_pentagons(5)[0])
    # A pentagon has no child along the K axis (digit 1): h3's "deleted subsequence".
    deleted = (pentagon & ~(7 << (3 * (15 - 6))) & ~(0xF << 52)) | (6 << 52) | (1 << 27)
    assert not h3.is_valid_cell(deleted)
    for bad in (["89754e64993ffff"], [-1], [2**62], [deleted], [1.5]):
        with pytest.raises(ValueError, match="H3"):
            kring_weights(bad)


def test_inconsistent_study_areas_are_refused_with_a_reason():
    cell9 = h3int.latlng_to_cell(42.8746, 74.5698, 9)
    cell8 = h3int.latlng_to_cell(42.8746, 74.5698, 8)
    with pytest.raises(ValueError, match="more than once"):
        kring_weights([cell9, cell9])
    with pytest.raises(ValueError, match="mix H3 resolutions"):
        kring_weights([cell9, cell8])
    with pytest.raises(ValueError, match="resolution 8 but the study area at 9"):
        cell_counts([cell8], [cell9])
    with pytest.raises(ValueError, match="k-ring"):
        study_area_from_records([cell9], k=-1)
    with pytest.raises(ValueError, match="between 0 and 15"):
        cells_for_points([42.0], [74.0], resolution=16)
    with pytest.raises(ValueError, match="finite"):
        cells_for_points([np.nan], [74.0], resolution=9)


def test_wide_rings_agree_with_grid_disk_across_a_base_cell_corner():
    corner = h3int.cell_to_boundary(int(h3int.get_res0_cells()[20]))[0]
    centre = h3int.latlng_to_cell(corner[0], corner[1], 8)
    cells = np.asarray(h3int.grid_disk(int(centre), 15), dtype=np.uint64)
    assert np.unique((cells >> np.uint64(45)) & np.uint64(0x7F)).size > 1
    for k in (4, 8):
        assert (kring_weights(cells, k=k) != _grid_disk_weights(cells, k)).nnz == 0
