"""Synthetic incidents: seeded, inside their area, clustered like the real West Yorkshire month."""

import csv
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial import cKDTree

from ishenim.analytics.projection import project_to_metres
from ishenim.analytics.synthetic import (
    POLICE_UK_CATEGORIES,
    POLICE_UK_SHARES,
    synthetic_incidents,
)

POLICEUK = Path(__file__).parents[3].parent / "shared" / "data" / "policeuk"


def test_the_same_seed_gives_the_same_incidents_and_another_seed_others():
    first = synthetic_incidents(5000, seed=1, near_repeat_share=0.1)
    again = synthetic_incidents(5000, seed=1, near_repeat_share=0.1)
    other = synthetic_incidents(5000, seed=2, near_repeat_share=0.1)
    assert first.keys() == {"lat", "lon", "day", "category", "cluster"}
    for key in first:
        assert np.array_equal(first[key], again[key])
    assert not np.array_equal(first["lat"], other["lat"])


def test_incidents_lie_in_their_disc_and_period_with_compact_types():
    incidents = synthetic_incidents(
        20_000, seed=3, centre=(40.53, 72.80), radius_km=4, start_date="2023-03-01", days=30
    )
    x, y = project_to_metres(incidents["lat"], incidents["lon"], origin_lat=40.53, origin_lon=72.80)
    # The generator's local metres and the engine's projection differ by well under a metre
    # per kilometre this close to the centre.
    assert 4000 * 0.99 < np.hypot(x, y).max() <= 4000 * 1.0002
    assert incidents["day"].min() >= np.datetime64("2023-03-01")
    assert incidents["day"].max() <= np.datetime64("2023-03-30")
    assert incidents["lat"].dtype == np.float64
    assert incidents["day"].dtype == np.dtype("datetime64[D]")
    assert incidents["category"].dtype == np.int16
    assert incidents["cluster"].dtype == np.int32
    assert all(value.shape == (20_000,) for value in incidents.values())


def test_incidents_lie_in_their_bounds():
    bounds = (53.70, -1.60, 53.85, -1.45)
    incidents = synthetic_incidents(20_000, seed=4, bounds=bounds)
    assert incidents["lat"].min() >= bounds[0] and incidents["lat"].max() <= bounds[2]
    assert incidents["lon"].min() >= bounds[1] and incidents["lon"].max() <= bounds[3]


def busiest_cells_holding_half(incidents):
    """How many 100 m squares, busiest first, hold half of the incidents."""
    x, y = project_to_metres(incidents["lat"], incidents["lon"])
    squares = (np.floor(x / 100) * 1_000_000 + np.floor(y / 100)).astype(np.int64)
    counts = np.sort(np.unique(squares, return_counts=True)[1])[::-1]
    return int(np.searchsorted(np.cumsum(counts), incidents["lat"].size / 2)) + 1


def test_hotspots_hold_their_share_and_crime_concentrates_in_few_places():
    incidents = synthetic_incidents(100_000, seed=5, hotspot_share=0.6)
    assert abs((incidents["cluster"] >= 0).mean() - 0.6) < 0.005
    squares_in_disc = np.pi * 15_000**2 / 100**2
    # The law of crime concentration: half of the incidents in a small share of places, and
    # far fewer than without hotspots (the urban core alone).
    half = busiest_cells_holding_half(incidents)
    assert half / squares_in_disc < 0.10
    background = synthetic_incidents(100_000, seed=5, hotspot_share=0.0, clusters=0)
    assert (background["cluster"] == -1).all()
    assert half < busiest_cells_holding_half(background) / 2


def test_categories_follow_their_shares():
    incidents = synthetic_incidents(200_000, seed=6)
    shares = np.bincount(incidents["category"], minlength=len(POLICE_UK_CATEGORIES)) / 200_000
    # Hotspots' signature categories add cluster-level noise: within 2.5 points of the share.
    np.testing.assert_allclose(
        shares, np.array(POLICE_UK_SHARES) / sum(POLICE_UK_SHARES), atol=0.025
    )
    named = synthetic_incidents(
        10_000, seed=6, categories=["theft", "fraud"], category_shares=[3, 1]
    )
    assert set(np.unique(named["category"])) == {0, 1}
    assert abs((named["category"] == 0).mean() - 0.75) < 0.05


def test_dates_have_a_summer_peak_and_busier_weekends():
    incidents = synthetic_incidents(200_000, seed=7, start_date="2024-01-01", days=366)
    months = np.bincount(incidents["day"].astype("datetime64[M]").astype(np.int64) % 12)
    per_day = months / np.array([31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    assert per_day[6] > per_day[0] * 1.25
    weekday = (incidents["day"].astype(np.int64) + 3) % 7
    by_weekday = np.bincount(weekday)
    assert by_weekday[5] > by_weekday[1] * 1.05


def test_near_repeats_follow_their_parent_closely_in_space_and_time():
    incidents = synthetic_incidents(
        20_000, seed=9, near_repeat_share=0.25, near_repeat_distance_m=150, near_repeat_days=10
    )
    plain = synthetic_incidents(20_000, seed=9)

    def close_in_space_and_time(sample):
        x, y = project_to_metres(sample["lat"], sample["lon"])
        pairs = cKDTree(np.column_stack([x, y])).query_pairs(150 * 1.01, output_type="ndarray")
        days = sample["day"].astype(np.int64)
        return int((np.abs(days[pairs[:, 0]] - days[pairs[:, 1]]) <= 10).sum())

    assert close_in_space_and_time(incidents) > 5000 + close_in_space_and_time(plain)


@pytest.mark.skipif(not POLICEUK.exists(), reason="../shared/data/policeuk is not present")
def test_the_defaults_are_as_clustered_as_the_real_west_yorkshire_month():
    with open(POLICEUK / "2018-07-west-yorkshire-street.csv", newline="") as file:
        rows = [r for r in csv.DictReader(file) if r["Latitude"] and r["Longitude"]]
    lat = np.array([float(r["Latitude"]) for r in rows])
    lon = np.array([float(r["Longitude"]) for r in rows])
    synthetic = synthetic_incidents(lat.size, seed=10)

    def pairs_within(lat, lon, distance):
        x, y = project_to_metres(lat, lon)
        tree = cKDTree(np.column_stack([x, y]))
        return (tree.count_neighbors(tree, distance) - lat.size) / 2

    # The pairs within 200 m, 500 m and 1 km (what a near-repeat test and a hotspot map feel)
    # within 25% of the real month's.
    for distance in (200, 500, 1000):
        real = pairs_within(lat, lon, distance)
        made = pairs_within(synthetic["lat"], synthetic["lon"], distance)
        assert 0.75 < made / real < 1.25, distance


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"n": -1}, "n must be"),
        ({"centre": (42.0, 74.0), "bounds": (42.0, 74.0, 43.0, 75.0)}, "either a centre"),
        ({"bounds": (43.0, 74.0, 42.0, 75.0)}, "south < north"),
        ({"centre": (95.0, 74.0)}, "latitude"),
        ({"radius_km": 0}, "radius"),
        ({"hotspot_share": 1.5}, "between 0 and 1"),
        ({"clusters": 0}, "needs at least one cluster"),
        ({"days": 0}, "at least one day"),
        ({"categories": []}, "At least one category"),
        ({"categories": ["a", "b"], "category_shares": [1.0]}, "one category share"),
        ({"categories": ["a", "b"], "category_shares": [1.0, -1.0]}, "non-negative"),
        ({"near_repeat_distance_m": -5}, "must not be negative"),
    ],
)
def test_invalid_arguments_are_refused_with_a_clear_error(arguments, message):
    arguments = {"n": 100, "seed": 1, **arguments}
    with pytest.raises(ValueError, match=message):
        synthetic_incidents(arguments.pop("n"), **arguments)
