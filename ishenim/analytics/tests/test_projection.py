"""The local projection against PROJ's ellipsoidal azimuthal equidistant projection."""

import csv
from pathlib import Path

import numpy as np
import pytest

from ishenim.analytics.projection import (
    project_to_degrees,
    project_to_metres,
    projection_origin,
)

pyproj = pytest.importorskip("pyproj")

DATA = Path(__file__).parents[3].parent / "shared" / "data" / "policeuk"
STREET_CSV = DATA / "2018-07-west-yorkshire-street.csv"

BISHKEK = (42.8746, 74.5698)
WEST_YORKSHIRE = (53.75, -1.65)


def _aeqd(origin_lat, origin_lon):
    crs = pyproj.CRS.from_proj4(
        f"+proj=aeqd +lat_0={origin_lat} +lon_0={origin_lon} +ellps=WGS84 +units=m"
    )
    return pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)


def _points_around(origin, radius_m, count, seed):
    """Points at geodesic distances up to radius_m in every direction from origin."""
    rng = np.random.default_rng(seed)
    geod = pyproj.Geod(ellps="WGS84")
    lon, lat, _ = geod.fwd(
        np.full(count, origin[1]),
        np.full(count, origin[0]),
        rng.uniform(0, 360, count),
        radius_m * np.sqrt(rng.uniform(0, 1, count)),
    )
    return lat, lon


@pytest.mark.parametrize("origin", [BISHKEK, WEST_YORKSHIRE, (0.0, 0.0), (-33.9, 18.4)])
def test_coordinates_equal_proj_aeqd_to_a_millimetre_within_100_km(origin):
    lat, lon = _points_around(origin, 100_000, 2_000, seed=1)
    x, y = project_to_metres(lat, lon, origin_lat=origin[0], origin_lon=origin[1])
    expected_x, expected_y = _aeqd(*origin).transform(lon, lat)
    assert np.hypot(x - expected_x, y - expected_y).max() < 1e-3


def test_coordinates_equal_proj_aeqd_to_a_micrometre_within_10_km():
    lat, lon = _points_around(BISHKEK, 10_000, 2_000, seed=2)
    x, y = project_to_metres(lat, lon, origin_lat=BISHKEK[0], origin_lon=BISHKEK[1])
    expected_x, expected_y = _aeqd(*BISHKEK).transform(lon, lat)
    assert np.hypot(x - expected_x, y - expected_y).max() < 1e-6


@pytest.mark.parametrize(("radius_m", "documented_error"), [(10_000, 4e-7), (100_000, 4e-5)])
def test_distances_between_projected_points_keep_the_documented_error(radius_m, documented_error):
    lat, lon = _points_around(BISHKEK, radius_m, 3_000, seed=3)
    x, y = project_to_metres(lat, lon, origin_lat=BISHKEK[0], origin_lon=BISHKEK[1])
    first, second = np.arange(0, 3_000, 2), np.arange(1, 3_000, 2)
    _, _, geodesic = pyproj.Geod(ellps="WGS84").inv(
        lon[first], lat[first], lon[second], lat[second]
    )
    planar = np.hypot(x[first] - x[second], y[first] - y[second])
    relative = np.abs(planar - geodesic) / geodesic
    assert relative.max() < documented_error
    # The bound is tight: the projection's own distortion, not slack in the test.
    assert relative.max() > documented_error / 4


def test_the_default_origin_is_the_middle_of_the_data():
    lat = np.array([42.80, 42.90, 42.95])
    lon = np.array([74.50, 74.70, 74.60])
    assert projection_origin(lat, lon) == pytest.approx((42.875, 74.6))
    x, y = project_to_metres(lat, lon)
    expected = project_to_metres(lat, lon, origin_lat=42.875, origin_lon=74.6)
    np.testing.assert_array_equal(x, expected[0])
    np.testing.assert_array_equal(y, expected[1])
    centre = project_to_metres([42.875], [74.6], origin_lat=42.875, origin_lon=74.6)
    assert centre == (0.0, 0.0)


def test_degrees_come_back_from_metres_on_the_west_yorkshire_month():
    if not STREET_CSV.exists():
        pytest.skip(f"The police.uk test data is not at {STREET_CSV}.")
    with STREET_CSV.open(newline="") as street:
        located = [row for row in csv.DictReader(street) if row["Latitude"]]
    lat = np.array([float(row["Latitude"]) for row in located])
    lon = np.array([float(row["Longitude"]) for row in located])
    origin_lat, origin_lon = projection_origin(lat, lon)
    x, y = project_to_metres(lat, lon)
    # The county and the few records just beyond it (Barnsley, Calderdale's moors) span ~110 km.
    assert np.hypot(x, y).max() < 60_000
    back_lat, back_lon = project_to_degrees(x, y, origin_lat=origin_lat, origin_lon=origin_lon)
    np.testing.assert_allclose(back_lat, lat, rtol=0, atol=1e-11)
    np.testing.assert_allclose(back_lon, lon, rtol=0, atol=1e-11)


def test_points_across_the_180th_meridian_project_beside_each_other():
    x, y = project_to_metres([-17.0, -17.0], [179.99, -179.99], origin_lat=-17.0, origin_lon=180.0)
    # 0.02° of longitude at 17° S is about 2.1 km, not most of the Earth's circumference.
    assert 2_000 < x[1] - x[0] < 2_200
    lat, lon = project_to_degrees(x, y, origin_lat=-17.0, origin_lon=180.0)
    np.testing.assert_allclose(lat, [-17.0, -17.0], atol=1e-11)
    np.testing.assert_allclose(lon, [179.99, -179.99], atol=1e-11)


@pytest.mark.parametrize(
    ("lat", "lon", "origin", "message"),
    [
        ([1.0, 2.0], [1.0], {}, "differ in shape"),
        ([np.nan], [1.0], {}, "finite"),
        ([91.0], [1.0], {}, "within ±90°"),
        ([1.0], [1.0], {"origin_lat": 1.0}, "both"),
        ([1.0], [1.0], {"origin_lat": 90.0, "origin_lon": 0.0}, "between the poles"),
    ],
)
def test_bad_coordinates_are_refused_with_a_reason(lat, lon, origin, message):
    with pytest.raises(ValueError, match=message):
        project_to_metres(lat, lon, **origin)
