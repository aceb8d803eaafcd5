from pathlib import Path

import h3
import numpy as np
import pandas as pd
import pytest

from ishenim.analytics.anonymise import (
    anchors_assign,
    anchors_from_points,
    cell_parents,
    open_records,
    suppress_small,
)

POLICEUK = Path(__file__).parents[3].parent / "shared" / "data" / "policeuk"
STREET_CSV = POLICEUK / "2018-07-west-yorkshire-street.csv"


@pytest.fixture(scope="module")
def west_yorkshire() -> pd.DataFrame:
    if not STREET_CSV.exists():
        pytest.skip(f"The real police.uk month is not here: {STREET_CSV}")
    return pd.read_csv(STREET_CSV)


@pytest.fixture(scope="module")
def map_points(west_yorkshire) -> tuple[np.ndarray, np.ndarray]:
    """The 13,603 distinct police.uk map points of the month, standing in for addresses."""
    places = west_yorkshire[["Latitude", "Longitude"]].dropna().drop_duplicates()
    return places["Latitude"].to_numpy(), places["Longitude"].to_numpy()


def _served(lat, lon, anchors, weights=None) -> np.ndarray:
    nearest = anchors_assign(lat, lon, anchors.latitude, anchors.longitude)
    return np.bincount(nearest, weights=weights, minlength=len(anchors))


def _town_and_countryside(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """2,000 addresses in a town of about 1 km and 150 farmsteads over 60 km around it."""
    rng = np.random.default_rng(seed)
    town_lat = 42.46 + rng.normal(0, 0.004, 2_000)
    town_lon = 76.19 + rng.normal(0, 0.005, 2_000)
    farm_lat = 42.46 + rng.uniform(-0.3, 0.3, 150)
    farm_lon = 76.19 + rng.uniform(-0.4, 0.4, 150)
    is_town = np.r_[np.ones(2_000, bool), np.zeros(150, bool)]
    return np.r_[town_lat, farm_lat], np.r_[town_lon, farm_lon], is_town


@pytest.mark.parametrize("min_points", [4, 8, 25])
def test_no_anchor_serves_fewer_than_min_points_of_the_real_map_points(map_points, min_points):
    lat, lon = map_points

    anchors = anchors_from_points(lat, lon, min_points=min_points, resolution=9)

    served = _served(lat, lon, anchors)
    assert served.min() >= min_points
    assert served.tolist() == anchors.served.tolist()
    assert served.sum() == len(lat)
    assert 1 < len(anchors) <= len(lat) // min_points


def test_every_published_crime_sits_exactly_on_an_anchor(west_yorkshire, map_points):
    anchors = anchors_from_points(*map_points, min_points=8, resolution=9)

    published = open_records(
        west_yorkshire["Latitude"].to_numpy(),
        west_yorkshire["Longitude"].to_numpy(),
        west_yorkshire["Crime type"].to_numpy(),
        anchor_lat=anchors.latitude,
        anchor_lon=anchors.longitude,
        confidential_categories=[],
    )

    located = ~np.isnan(published.latitude)
    anchor_places = set(zip(anchors.latitude.tolist(), anchors.longitude.tolist(), strict=True))
    snapped_places = zip(
        published.latitude[located].tolist(), published.longitude[located].tolist(), strict=True
    )
    assert set(snapped_places) <= anchor_places
    assert len(published.index) == 31_635
    assert (~located).sum() == 883  # the rows police.uk published without a location


def test_each_point_snaps_to_its_geodesically_nearest_anchor(map_points):
    pyproj = pytest.importorskip("pyproj")
    lat, lon = map_points
    anchors = anchors_from_points(lat, lon, min_points=8, resolution=9)
    sample = np.random.default_rng(2).choice(len(lat), 300, replace=False)

    nearest = anchors_assign(lat[sample], lon[sample], anchors.latitude, anchors.longitude)

    geod = pyproj.Geod(ellps="WGS84")
    grid_lat = np.repeat(lat[sample], len(anchors))
    grid_lon = np.repeat(lon[sample], len(anchors))
    _, _, metres = geod.inv(
        grid_lon, grid_lat, np.tile(anchors.longitude, 300), np.tile(anchors.latitude, 300)
    )
    metres = metres.reshape(300, len(anchors))
    chosen = metres[np.arange(300), nearest]
    # The local projection's distance error is below 4·10⁻⁵ over West Yorkshire's extent.
    assert (chosen <= metres.min(axis=1) * (1 + 1e-4) + 1e-3).all()


def test_towns_get_fine_anchors_and_the_countryside_coarse_ones():
    lat, lon, is_town = _town_and_countryside(seed=4)

    anchors = anchors_from_points(lat, lon, min_points=10, resolution=9)

    assert _served(lat, lon, anchors).min() >= 10
    nearest = anchors_assign(lat, lon, anchors.latitude, anchors.longitude)
    resolution = anchors.resolution[nearest]
    # Town addresses sit behind anchors of ~0.1 km² cells (resolution 9), all but the
    # outskirts; farmsteads behind anchors of cells hundreds of times larger (5 or coarser).
    assert np.mean(resolution[is_town] == 9) > 0.9
    assert np.mean(resolution[~is_town] <= 5) > 0.9


def test_weighted_settlements_count_their_households():
    # Four villages: 40 households, 40, 3 and 2; at least 10 households behind each anchor.
    lat = np.array([42.10, 42.30, 42.101, 42.299])
    lon = np.array([75.10, 75.60, 75.101, 75.601])
    households = np.array([40, 40, 3, 2])

    anchors = anchors_from_points(lat, lon, min_points=10, resolution=8, weights=households)

    assert len(anchors) == 2
    assert sorted(anchors.served.tolist()) == [42.0, 43.0]
    assert _served(lat, lon, anchors, weights=households).min() >= 10


def test_too_few_reference_points_for_one_anchor_are_refused():
    with pytest.raises(ValueError, match="fewer than"):
        anchors_from_points(
            np.array([42.0, 42.1]), np.array([75.0, 75.1]), min_points=8, resolution=9
        )


def test_a_handful_of_scattered_points_share_one_anchor():
    lat = np.array([42.0, 40.5, 41.9, 39.9])
    lon = np.array([75.0, 72.8, 77.3, 69.6])

    anchors = anchors_from_points(lat, lon, min_points=4, resolution=9)

    assert len(anchors) == 1
    assert anchors.served.tolist() == [4.0]


def test_cell_parents_equal_h3_cell_to_parent():
    rng = np.random.default_rng(8)
    lat, lon = rng.uniform(-80, 80, 200), rng.uniform(-180, 180, 200)
    for resolution in (15, 10, 9, 4, 1):
        cells = np.array(
            [
                h3.str_to_int(h3.latlng_to_cell(a, b, resolution))
                for a, b in zip(lat, lon, strict=True)
            ],
            dtype=np.uint64,
        )
        for parent in range(resolution + 1):
            expected = [h3.cell_to_parent(h3.int_to_str(int(c)), parent) for c in cells]
            assert [h3.int_to_str(int(c)) for c in cell_parents(cells, parent)] == expected


def test_open_records_drop_confidential_categories_and_keep_records_without_location():
    anchors_lat = np.array([42.45, 42.48])
    anchors_lon = np.array([76.18, 76.20])
    lat = np.array([42.451, 42.479, np.nan, 42.46, 42.47])
    lon = np.array([76.181, 76.199, np.nan, 76.18, 76.20])
    category = np.array(["0501", "0301", "0502", "0502", "02011"], dtype=object)

    published = open_records(
        lat,
        lon,
        category,
        anchor_lat=anchors_lat,
        anchor_lon=anchors_lon,
        confidential_categories={"0301", "02011"},
    )

    assert published.index.tolist() == [0, 2, 3]
    assert published.anchor.tolist() == [0, -1, 0]
    assert published.latitude[[0, 2]].tolist() == [42.45, 42.45]
    assert published.longitude[[0, 2]].tolist() == [76.18, 76.18]
    assert np.isnan(published.latitude[1]) and np.isnan(published.longitude[1])


def test_a_point_on_an_anchor_stays_on_it():
    anchors_lat = np.array([53.80, 53.81, 53.82])
    anchors_lon = np.array([-1.55, -1.54, -1.53])

    nearest = anchors_assign(anchors_lat[::-1], anchors_lon[::-1], anchors_lat, anchors_lon)

    assert nearest.tolist() == [2, 1, 0]


def test_small_counts_are_suppressed_and_zero_stays_zero():
    counts = np.array([0, 1, 2, 4, 5, 17])

    published = suppress_small(counts, threshold=5)

    assert published.mask.tolist() == [False, True, True, True, False, False]
    assert published.filled(-1).tolist() == [0, -1, -1, -1, 5, 17]


def test_a_threshold_of_one_suppresses_nothing():
    assert not suppress_small(np.array([0, 1, 2]), threshold=1).mask.any()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: suppress_small(np.array([-1, 3]), threshold=3), "negative"),
        (lambda: suppress_small(np.array([1, 3]), threshold=0), "at least 1"),
        (
            lambda: anchors_assign(np.array([1.0]), np.array([1.0, 2.0]), [0.0], [0.0]),
            "same length",
        ),
        (lambda: anchors_assign(np.array([1.0]), np.array([1.0]), [], []), "no anchors"),
        (
            lambda: anchors_from_points([np.nan, 1.0], [1.0, 1.0], min_points=1, resolution=9),
            "needs a latitude",
        ),
        (
            lambda: anchors_from_points([1.0], [1.0], min_points=1, resolution=9, weights=[0]),
            "positive",
        ),
        (lambda: anchors_from_points([1.0], [1.0], min_points=1, resolution=16), "0 to 15"),
    ],
)
def test_invalid_input_is_refused_with_a_clear_reason(call, message):
    with pytest.raises(ValueError, match=message):
        call()
