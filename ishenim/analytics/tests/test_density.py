"""Quartic kernel density against the brute-force sum over points at every cell centre."""

import csv
from pathlib import Path

import numpy as np
import pytest

from ishenim.analytics.density import dual_kernel_density, kernel_density
from ishenim.analytics.projection import project_to_degrees, project_to_metres

DATA = Path(__file__).parents[3].parent / "shared" / "data" / "policeuk"
STREET_CSV = DATA / "2018-07-west-yorkshire-street.csv"

# Central Bishkek, about 3 × 3 km.
BOUNDS = (42.860, 74.570, 42.890, 74.610)


def _brute_force(grid, lat, lon, weights=None):
    """Σ w K(d) per km² at every cell centre, one point at a time."""
    x, y = project_to_metres(lat, lon, origin_lat=grid.origin_lat, origin_lon=grid.origin_lon)
    centre_x, centre_y = grid.centres_m()
    h = grid.bandwidth_m
    weights = np.ones(len(x)) if weights is None else weights
    total = np.zeros(grid.shape)
    for px, py, w in zip(x, y, weights, strict=True):
        u = ((centre_x - px) ** 2 + (centre_y - py) ** 2) / h**2
        total += w * np.where(u < 1, (1 - u) ** 2, 0.0)
    return total * 3 / (np.pi * h**2) * 1e6


def _random_points(count, seed):
    rng = np.random.default_rng(seed)
    lat = rng.uniform(BOUNDS[0], BOUNDS[2], count)
    lon = rng.uniform(BOUNDS[1], BOUNDS[3], count)
    return lat, lon


def _points_on_cell_centres(count, seed):
    """Places exactly on cell centres of the BOUNDS grid at 50 m, some repeated."""
    grid = kernel_density([], [], bandwidth_m=400, cell_size_m=50, bounds=BOUNDS)
    lon, lat = grid.to_lonlat()
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, grid.shape[0], count)
    columns = rng.integers(0, grid.shape[1], count)
    return lat[rows, columns], lon[rows, columns]


@pytest.mark.parametrize("bandwidth_m", [100, 120, 400, 1000])
def test_binned_density_equals_the_sum_when_points_sit_on_cell_centres(bandwidth_m):
    lat, lon = _points_on_cell_centres(400, seed=1)
    grid = kernel_density(lat, lon, bandwidth_m=bandwidth_m, cell_size_m=50, bounds=BOUNDS)
    expected = _brute_force(grid, lat, lon)
    # Degrees put a point on a centre only to within ~5 nm. That moves a term whose cell lies
    # at the kernel's very edge (d ≈ h, where the sum has ~1e-19 and binning ~1e-9): hence
    # the absolute allowance of a billionth of one incident's peak, K(0).
    one_incident_peak = 3 / (np.pi * bandwidth_m**2) * 1e6
    np.testing.assert_allclose(grid.values, expected, rtol=1e-9, atol=1e-9 * one_incident_peak)
    assert grid.values.max() > 2 * one_incident_peak  # kernels overlap: a real sum


def test_binned_density_is_exactly_zero_a_cell_beyond_the_bandwidth():
    lat, lon = _random_points(20, seed=12)
    grid = kernel_density(lat, lon, bandwidth_m=150, cell_size_m=50, bounds=BOUNDS)
    # Binning shares a point with centres up to a cell diagonal (71 m) away.
    wider = kernel_density(lat, lon, bandwidth_m=150 + 75, cell_size_m=50, bounds=BOUNDS)
    beyond = _brute_force(wider, lat, lon) == 0
    assert beyond.mean() > 0.5
    assert (grid.values[beyond] == 0).all()


def test_exact_density_equals_the_sum_anywhere():
    lat, lon = _random_points(500, seed=2)
    weights = np.random.default_rng(3).uniform(0.5, 3.0, lat.size)
    grid = kernel_density(
        lat, lon, bandwidth_m=333, cell_size_m=40, weights=weights, method="exact"
    )
    expected = _brute_force(grid, lat, lon, weights)
    reached = expected > 0
    np.testing.assert_allclose(grid.values[reached], expected[reached], rtol=1e-12, atol=0)
    assert (grid.values[~reached] == 0).all()


@pytest.mark.parametrize(
    ("cells_per_bandwidth", "peak_share", "mean_share"), [(4, 0.05, 0.05), (8, 0.02, 0.01)]
)
def test_binning_error_stays_within_the_documented_share(
    cells_per_bandwidth, peak_share, mean_share
):
    lat, lon = _random_points(300, seed=4)
    grid = kernel_density(
        lat, lon, bandwidth_m=50 * cells_per_bandwidth, cell_size_m=50, bounds=BOUNDS
    )
    error = np.abs(grid.values - _brute_force(grid, lat, lon))
    assert error.max() < peak_share * grid.values.max()
    assert error.mean() < mean_share * grid.values.mean()


def test_binning_error_stays_small_on_the_west_yorkshire_month():
    if not STREET_CSV.exists():
        pytest.skip(f"The police.uk test data is not at {STREET_CSV}.")
    with STREET_CSV.open(newline="") as street:
        leeds = [
            row
            for row in csv.DictReader(street)
            if row["Latitude"] and row["LSOA name"].startswith("Leeds")
        ]
    lat = np.array([float(row["Latitude"]) for row in leeds])
    lon = np.array([float(row["Longitude"]) for row in leeds])
    options = {"bandwidth_m": 800, "cell_size_m": 100}
    binned = kernel_density(lat, lon, **options)
    exact = kernel_density(lat, lon, method="exact", **options)
    assert binned.shape == exact.shape
    assert np.abs(binned.values - exact.values).max() < 0.02 * exact.values.max()
    # Leeds city centre: more than 300 crimes per km² in the month.
    assert exact.values.max() > 300


@pytest.mark.parametrize("method", ["binned", "exact"])
def test_the_grid_holds_every_points_mass(method):
    lat, lon = _random_points(2_000, seed=5)
    weights = np.random.default_rng(6).integers(1, 4, lat.size)
    grid = kernel_density(lat, lon, bandwidth_m=250, cell_size_m=50, weights=weights, method=method)
    cell_km2 = (grid.cell_size_m / 1000) ** 2
    # The kernel sampled at 5 cells per bandwidth sums to 1 within 0.1%.
    assert grid.values.sum() * cell_km2 == pytest.approx(weights.sum(), rel=1e-3)


def test_a_weight_counts_as_that_many_incidents_at_one_place():
    lat, lon = _random_points(40, seed=7)
    weights = np.random.default_rng(8).integers(1, 5, lat.size)
    weighted = kernel_density(lat, lon, bandwidth_m=300, cell_size_m=50, weights=weights)
    repeated = kernel_density(
        np.repeat(lat, weights), np.repeat(lon, weights), bandwidth_m=300, cell_size_m=50
    )
    np.testing.assert_allclose(weighted.values, repeated.values, rtol=1e-12, atol=1e-12)


def test_points_outside_the_bounds_count_only_where_they_reach_in():
    # 100 m south of the box, and 2 km south of it.
    near = kernel_density([42.8591], [74.59], bandwidth_m=300, cell_size_m=50, bounds=BOUNDS)
    far = kernel_density([42.842], [74.59], bandwidth_m=300, cell_size_m=50, bounds=BOUNDS)
    assert near.values[0].max() > 0
    assert near.values[10:].max() == 0
    assert far.values.max() == 0
    assert near.shape == far.shape and near.x0 == far.x0 and near.y0 == far.y0


def test_cell_centres_and_corners_come_back_in_degrees():
    grid = kernel_density([42.875], [74.59], bandwidth_m=300, cell_size_m=50, bounds=BOUNDS)
    lon, lat = grid.to_lonlat()
    x, y = grid.centres_m()
    expected_lat, expected_lon = project_to_degrees(
        x, y, origin_lat=grid.origin_lat, origin_lon=grid.origin_lon
    )
    np.testing.assert_array_equal(lat, expected_lat)
    np.testing.assert_array_equal(lon, expected_lon)
    corner_lon, corner_lat = grid.to_lonlat(corners=True)
    assert corner_lat.shape == (grid.shape[0] + 1, grid.shape[1] + 1)
    # The grid covers the box, and by less than a cell more on each side.
    assert corner_lat.min() <= BOUNDS[0] and corner_lat.max() >= BOUNDS[2]
    assert corner_lon.min() <= BOUNDS[1] and corner_lon.max() >= BOUNDS[3]
    assert corner_lat[0].max() > BOUNDS[0] - 50 / 111_000
    # The peak lies in the cell holding the point.
    row, column = np.unravel_index(grid.values.argmax(), grid.shape)
    assert abs(lat[row, column] - 42.875) < 50 / 111_000
    assert abs(lon[row, column] - 74.59) < 50 / 81_000


def _villages():
    """Residents at 30 places, uneven; crimes at the same places, one per 50 residents."""
    rng = np.random.default_rng(9)
    lat, lon = _random_points(30, seed=10)
    residents = rng.integers(50, 3_000, lat.size) // 50 * 50
    return lat, lon, residents


@pytest.mark.parametrize("method", ["binned", "exact"])
def test_dual_density_is_the_rate_per_thousand_residents(method):
    lat, lon, residents = _villages()
    crimes = residents // 50
    dual = dual_kernel_density(
        np.repeat(lat, crimes),
        np.repeat(lon, crimes),
        lat,
        lon,
        residents,
        bandwidth_m=500,
        cell_size_m=50,
        method=method,
    )
    shown = ~dual.masked
    assert shown.sum() > 100
    # Busy or quiet, every place has 20 crimes per 1,000 residents.
    np.testing.assert_allclose(dual.rate[shown], 20.0, rtol=1e-9)
    assert np.isnan(dual.rate[dual.masked]).all()
    assert dual.crime.shape == dual.population.shape == dual.rate.shape


def test_dual_density_masks_cells_with_too_few_residents_behind_them():
    lat, lon, residents = _villages()
    dual = dual_kernel_density(
        lat[:5],
        lon[:5],
        lat,
        lon,
        residents,
        bandwidth_m=500,
        cell_size_m=50,
        min_residents=400,
        method="exact",
    )
    # Residents behind a cell: each weighted (1 − d²/h²)², i.e. the density over K(0).
    behind = _brute_force(dual.population, lat, lon, residents) / (3 / (np.pi * 500**2) * 1e6)
    np.testing.assert_array_equal(dual.masked, behind < 400)
    assert 0 < dual.masked.sum() < dual.masked.size


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"bandwidth_m": 40, "cell_size_m": 50}, "at least one cell"),
        ({"bandwidth_m": 300, "cell_size_m": 0}, "cell size"),
        ({"bandwidth_m": 300, "cell_size_m": 50, "method": "gaussian"}, "binned"),
        ({"bandwidth_m": 300, "cell_size_m": 50, "weights": [1.0, -1.0]}, "not negative"),
        ({"bandwidth_m": 300, "cell_size_m": 50, "bounds": (43.0, 74.0, 42.0, 75.0)}, "south"),
        ({"bandwidth_m": 300, "cell_size_m": 0.01, "bounds": BOUNDS}, "too large"),
    ],
)
def test_unusable_requests_are_refused_with_a_reason(options, message):
    with pytest.raises(ValueError, match=message):
        kernel_density([42.87, 42.88], [74.59, 74.6], **options)


def test_an_empty_map_needs_bounds():
    with pytest.raises(ValueError, match="bounds"):
        kernel_density([], [], bandwidth_m=300, cell_size_m=50)
    empty = kernel_density([], [], bandwidth_m=300, cell_size_m=50, bounds=BOUNDS)
    assert empty.values.shape == empty.shape and not empty.values.any()
