"""The Knox test against a count of every pair, the Near Repeat Calculator and Knox's formula."""

from pathlib import Path

import numpy as np
import pytest

from ishenim.analytics import near_repeat
from ishenim.analytics.near_repeat import equal_bands, knox_test, knox_test_metres
from ishenim.analytics.projection import project_to_metres
from ishenim.analytics.synthetic import synthetic_incidents

DATA = Path(__file__).parent / "data"


def every_pair_table(x, y, days, distance_edges, time_edges, metric="euclidean"):
    """The Knox table by brute force: all n(n−1)/2 pairs, each band closed on the right."""
    x, y, days = (np.asarray(v, dtype=np.float64) for v in (x, y, days))
    first, second = np.triu_indices(x.size, k=1)
    dx, dy = x[first] - x[second], y[first] - y[second]
    manhattan = np.abs(dx) + np.abs(dy)
    distance = np.sqrt(dx * dx + dy * dy) if metric == "euclidean" else manhattan
    lag = np.abs(days[first] - days[second])
    # A pair's band is the number of upper edges it lies strictly beyond.
    row = (distance[:, None] > np.asarray(distance_edges)[None, :]).sum(axis=1)
    column = (lag[:, None] > np.asarray(time_edges)[None, :]).sum(axis=1)
    table = np.zeros((len(distance_edges) + 1, len(time_edges) + 1), dtype=np.int64)
    np.add.at(table, (row, column), 1)
    return table


def scattered_incidents(seed, n, *, fractional_days=False):
    """Incidents on a 10 m grid over whole (or quarter) days, so that pairs fall on band edges."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 40, n) * 10.0
    y = rng.integers(0, 40, n) * 10.0
    days = rng.integers(0, 60, n).astype(np.float64)
    if fractional_days:
        days += rng.integers(0, 4, n) / 4
    return x, y, days


DISTANCE_EDGES = [0.0, 50.0, 100.0, 200.0]
TIME_EDGES = [3.0, 7.0, 14.0]


@pytest.mark.parametrize("metric", ["euclidean", "manhattan"])
@pytest.mark.parametrize("fractional_days", [False, True])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_observed_table_equals_a_count_of_every_pair(metric, fractional_days, seed):
    x, y, days = scattered_incidents(seed, 350, fractional_days=fractional_days)
    result = knox_test_metres(
        x,
        y,
        days,
        distance_bands_m=DISTANCE_EDGES,
        time_bands_days=TIME_EDGES,
        permutations=1,
        seed=0,
        metric=metric,
    )
    expected = every_pair_table(x, y, days, DISTANCE_EDGES, TIME_EDGES, metric)
    assert np.array_equal(result.observed, expected)
    assert result.observed.sum() == 350 * 349 // 2


def test_fractional_edges_and_days_are_counted_like_every_pair():
    rng = np.random.default_rng(11)
    x, y = rng.uniform(0, 800, 400), rng.uniform(0, 800, 400)
    days = rng.uniform(0, 90, 400)
    edges_m, edges_days = [37.5, 120.25, 300.0], [0.5, 2.75, 10.0]
    result = knox_test_metres(
        x, y, days, distance_bands_m=edges_m, time_bands_days=edges_days, permutations=1, seed=0
    )
    assert np.array_equal(result.observed, every_pair_table(x, y, days, edges_m, edges_days))


def test_a_fractional_lag_a_rounding_away_from_an_edge_is_counted_by_its_difference():
    # 0.30000000000000004 − 0.1 rounds to just above 0.2, while 0.1 + 0.2 rounds to exactly
    # 0.30000000000000004: the pair is beyond the edge, even in the row of far pairs, which
    # is counted from sorted days rather than pair by pair.
    days = [0.0, 0.1, 0.30000000000000004]
    for x in ([0.0, 1000.0, 2000.0], [0.0, 1000.0, 1000.0]):
        result = knox_test_metres(
            x, [0.0] * 3, days, distance_bands_m=[10], time_bands_days=[0.2], permutations=3, seed=0
        )
        assert np.array_equal(result.observed, every_pair_table(x, [0.0] * 3, days, [10], [0.2]))


def test_expected_counts_and_p_values_equal_a_plain_loop_over_the_documented_permutations():
    x, y, days = scattered_incidents(4, 250)
    permutations, seed = 19, 2024
    result = knox_test_metres(
        x,
        y,
        days,
        distance_bands_m=DISTANCE_EDGES,
        time_bands_days=TIME_EDGES,
        permutations=permutations,
        seed=seed,
    )
    # Replicate r gives incident i the date of incident π_r(i), π_r drawn in turn from the seed.
    rng = np.random.default_rng(seed)
    replicates = np.array(
        [
            every_pair_table(x, y, days[rng.permutation(x.size)], DISTANCE_EDGES, TIME_EDGES)
            for _ in range(permutations)
        ]
    )
    observed = every_pair_table(x, y, days, DISTANCE_EDGES, TIME_EDGES)
    assert np.array_equal(result.observed, observed)
    np.testing.assert_allclose(result.expected, replicates.mean(axis=0), rtol=1e-15, atol=0)
    at_least = (replicates >= observed).sum(axis=0)
    assert np.array_equal(result.p_value, (at_least + 1) / (permutations + 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        np.testing.assert_array_equal(result.ratio, observed / replicates.mean(axis=0))
    assert result.permutations == permutations


def test_observed_table_equals_the_near_repeat_calculators_on_its_chicago_example():
    table = np.genfromtxt(
        DATA / "nrc_chicago_burglary_2016_01.csv",
        delimiter=",",
        names=True,
        dtype=[("x", "f8"), ("y", "f8"), ("date", "datetime64[D]")],
    )
    # Steenbeek (NearRepeat, vignette "NRC") showed that the calculator counts "1 to 100" as
    # [1, 100) and "0 to 7" days as [0, 7); on closed upper edges that is below 1, 100, 200 and
    # 300 metres and up to 6, 13 and 20 days.
    result = knox_test_metres(
        table["x"],
        table["y"],
        table["date"],
        distance_bands_m=np.nextafter([1.0, 100.0, 200.0, 300.0], -np.inf),
        time_bands_days=[6, 13, 20],
        permutations=19,
        seed=1,
        metric="manhattan",
    )
    # "Observed frequencies distribution" of Near Repeat Calculator 1.3 on the same file.
    calculator = [
        [28, 5, 5, 2],
        [44, 13, 8, 4],
        [97, 56, 19, 16],
        [77, 67, 45, 20],
        [182194, 146149, 95237, 45879],
    ]
    assert np.array_equal(result.observed, calculator)
    # Its significance table marks the first column's near bands at p = 0.05, the least that
    # 19 permutations allow; so does this run.
    assert np.array_equal(result.p_value[:3, 0], [0.05, 0.05, 0.05])


def test_degrees_are_measured_on_the_engines_projection():
    incidents = synthetic_incidents(2000, seed=5, radius_km=3, days=120)
    arguments = {
        "distance_bands_m": [0, 100, 250],
        "time_bands_days": [7, 14],
        "permutations": 9,
        "seed": 3,
    }
    on_degrees = knox_test(incidents["lat"], incidents["lon"], incidents["day"], **arguments)
    x, y = project_to_metres(incidents["lat"], incidents["lon"])
    on_metres = knox_test_metres(x, y, incidents["day"], **arguments)
    assert np.array_equal(on_degrees.observed, on_metres.observed)
    assert np.array_equal(on_degrees.p_value, on_metres.p_value)
    whole_days = (incidents["day"] - incidents["day"].min()).astype(np.int64)
    assert np.array_equal(
        on_metres.observed, every_pair_table(x, y, whole_days, [0, 100, 250], [7, 14])
    )


def test_built_in_near_repeats_give_ratios_above_one_and_small_p_values_in_the_first_bands():
    incidents = synthetic_incidents(
        4000,
        seed=8,
        radius_km=5,
        days=365,
        near_repeat_share=0.3,
        near_repeat_distance_m=100,
        near_repeat_days=7,
    )
    result = knox_test(
        incidents["lat"],
        incidents["lon"],
        incidents["day"],
        distance_bands_m=[100, 200, 400],
        time_bands_days=[7, 14, 28],
        permutations=99,
        seed=1,
    )
    assert result.ratio[0, 0] > 2
    assert result.p_value[0, 0] == pytest.approx(0.01)
    # Far from the planted repeats the pattern fades.
    assert abs(result.ratio[-1, -1] - 1) < 0.01
    assert result.ratio[2, 2] < 1.2


def test_without_near_repeats_the_ratios_stay_close_to_one():
    incidents = synthetic_incidents(4000, seed=8, radius_km=5, days=365)
    result = knox_test(
        incidents["lat"],
        incidents["lon"],
        incidents["day"],
        distance_bands_m=[100, 200, 400],
        time_bands_days=[7, 14, 28],
        permutations=99,
        seed=1,
    )
    # Counts of pairs scatter about like Poisson counts: within four standard deviations.
    assert np.all(result.expected > 100)
    assert np.all(np.abs(result.ratio - 1) < 4 / np.sqrt(result.expected))
    assert result.ratio[0, 0] < 1.2
    assert result.p_value[:3, :3].min() > 0.01


def test_the_same_seed_gives_the_same_result_and_another_seed_another():
    x, y, days = scattered_incidents(6, 300)
    arguments = {"distance_bands_m": DISTANCE_EDGES, "time_bands_days": TIME_EDGES}
    first = knox_test_metres(x, y, days, permutations=29, seed=42, **arguments)
    again = knox_test_metres(x, y, days, permutations=29, seed=42, **arguments)
    other = knox_test_metres(x, y, days, permutations=29, seed=43, **arguments)
    for field in ("observed", "expected", "ratio", "p_value"):
        np.testing.assert_array_equal(getattr(first, field), getattr(again, field))
    assert np.array_equal(first.observed, other.observed)
    assert not np.array_equal(first.expected, other.expected)


def test_monte_carlo_expectation_converges_on_knox_exact_expectation():
    x, y, days = scattered_incidents(9, 400)
    result = knox_test_metres(
        x,
        y,
        days,
        distance_bands_m=DISTANCE_EDGES,
        time_bands_days=TIME_EDGES,
        permutations=999,
        seed=5,
    )
    # Knox: E = (pairs in the distance band) × (pairs in the time band) / (all pairs).
    pairs = result.observed.sum()
    exact = np.outer(result.observed.sum(axis=1), result.observed.sum(axis=0)) / pairs
    filled = exact >= 20
    np.testing.assert_allclose(result.expected[filled], exact[filled], rtol=0.02)
    # Permuting dates changes neither the pairs per distance band nor those per time band.
    np.testing.assert_allclose(result.expected.sum(axis=1), result.observed.sum(axis=1))
    np.testing.assert_allclose(result.expected.sum(axis=0), result.observed.sum(axis=0))


def test_bands_are_closed_on_the_right_as_the_calculators_labels_read():
    # Steenbeek's two-incident example: 100 m and 3 days apart. The calculator's labels put the
    # pair in "1 to 200 m" × "0 to 3 days" (its count, in "4 to 6 days"); so does this module.
    result = knox_test_metres(
        [0, 0],
        [0, 100],
        np.array(["2019-01-01", "2019-01-04"], dtype="datetime64[D]"),
        distance_bands_m=equal_bands(200, 2, same_location=True),
        time_bands_days=equal_bands(3, 2),
        permutations=1,
        seed=0,
    )
    expected = np.zeros((4, 3), dtype=np.int64)
    expected[1, 0] = 1
    assert np.array_equal(result.observed, expected)
    on_edges = knox_test_metres(
        [0, 0],
        [0, 100],
        [0, 3],
        distance_bands_m=[100],
        time_bands_days=[3],
        permutations=1,
        seed=0,
    )
    assert on_edges.observed[0, 0] == 1


def test_an_edge_of_zero_is_the_same_location_band():
    # Three incidents at one address, one next door (1 m), one far away.
    x = [5.0, 5.0, 5.0, 6.0, 900.0]
    y = [5.0, 5.0, 5.0, 5.0, 900.0]
    result = knox_test_metres(
        x,
        y,
        [0, 1, 2, 3, 4],
        distance_bands_m=[0, 10],
        time_bands_days=[30],
        permutations=3,
        seed=0,
    )
    assert result.observed[0].sum() == 3
    assert result.observed[1].sum() == 3
    assert result.observed[2].sum() == 4
    assert np.array_equal(result.distance_edges, [0, 10, np.inf])
    assert np.array_equal(result.time_edges, [30, np.inf])


def test_strips_and_chunks_do_not_change_the_result(monkeypatch):
    incidents = synthetic_incidents(3000, seed=12, radius_km=2, days=60, near_repeat_share=0.1)
    arguments = {
        "distance_bands_m": [0, 50, 150, 300],
        "time_bands_days": [2, 7, 21],
        "permutations": 9,
        "seed": 7,
    }
    whole = knox_test(incidents["lat"], incidents["lon"], incidents["day"], **arguments)
    monkeypatch.setattr(near_repeat, "_PAIRS_PER_STRIP", 1000)
    monkeypatch.setattr(near_repeat, "_PAIRS_PER_CHUNK", 257)
    pieces = knox_test(incidents["lat"], incidents["lon"], incidents["day"], **arguments)
    assert np.array_equal(whole.observed, pieces.observed)
    assert np.array_equal(whole.expected, pieces.expected)
    assert np.array_equal(whole.p_value, pieces.p_value)


def test_the_order_of_the_incidents_does_not_change_the_observed_table():
    x, y, days = scattered_incidents(13, 300)
    shuffle = np.random.default_rng(0).permutation(300)
    arguments = {
        "distance_bands_m": DISTANCE_EDGES,
        "time_bands_days": TIME_EDGES,
        "permutations": 5,
        "seed": 1,
    }
    assert np.array_equal(
        knox_test_metres(x, y, days, **arguments).observed,
        knox_test_metres(x[shuffle], y[shuffle], days[shuffle], **arguments).observed,
    )


def test_dates_and_day_numbers_give_the_same_result():
    x, y, days = scattered_incidents(14, 200)
    dates = np.datetime64("2024-02-20") + days.astype("timedelta64[D]")
    arguments = {
        "distance_bands_m": DISTANCE_EDGES,
        "time_bands_days": TIME_EDGES,
        "permutations": 9,
        "seed": 1,
    }
    on_dates = knox_test_metres(x, y, dates, **arguments)
    on_numbers = knox_test_metres(x, y, days + 1000, **arguments)
    assert np.array_equal(on_dates.observed, on_numbers.observed)
    assert np.array_equal(on_dates.p_value, on_numbers.p_value)


def test_a_ratio_is_undefined_where_nothing_is_observed_or_expected():
    x, y, days = scattered_incidents(15, 50)
    x = x + np.arange(50) * 1000.0  # no two incidents at one place
    result = knox_test_metres(
        x, y, days, distance_bands_m=[0, 100], time_bands_days=[7], permutations=9, seed=1
    )
    assert result.observed[0].sum() == 0
    assert np.isnan(result.ratio[0]).all()
    assert np.array_equal(result.p_value[0], [1.0, 1.0])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"days": [0, 1]}, "one day per incident"),
        ({"x": [0.0, np.nan, 2.0]}, "finite"),
        ({"y": [0.0, 1.0]}, "one length"),
        ({"days": np.array(["2024-01-01", "NaT", "2024-01-03"], dtype="datetime64[D]")}, "date"),
        ({"days": ["a", "b", "c"]}, "dates or numbers"),
        ({"distance_bands_m": [100, 50]}, "strictly increasing"),
        ({"distance_bands_m": []}, "at least one distance band"),
        ({"time_bands_days": [-1, 7]}, "not negative"),
        ({"time_bands_days": [7, np.inf]}, "finite"),
        ({"permutations": 0}, "at least 1"),
        ({"metric": "chebyshev"}, "metric"),
        ({"x": [0.0], "y": [0.0], "days": [0]}, "at least two"),
    ],
)
def test_invalid_input_is_refused_with_a_clear_error(change, message):
    arguments = {
        "x": [0.0, 1.0, 2.0],
        "y": [0.0, 1.0, 2.0],
        "days": [0, 1, 2],
        "distance_bands_m": [10],
        "time_bands_days": [7],
        "permutations": 9,
        "seed": 1,
    }
    arguments.update(change)
    x, y, days = arguments.pop("x"), arguments.pop("y"), arguments.pop("days")
    with pytest.raises(ValueError, match=message):
        knox_test_metres(x, y, days, **arguments)


def test_too_many_close_pairs_are_refused_before_any_are_listed():
    x, y, days = scattered_incidents(16, 200)
    with pytest.raises(ValueError, match="pairs of incidents lie within 1000 m"):
        knox_test_metres(
            x,
            y,
            days,
            distance_bands_m=[1000],
            time_bands_days=[7],
            seed=1,
            max_pairs=10_000,
        )


def test_equal_bands_are_the_calculators_bandwidth_times_the_number_of_bands():
    assert np.array_equal(equal_bands(100, 3), [100, 200, 300])
    assert np.array_equal(equal_bands(100, 3, same_location=True), [0, 100, 200, 300])
    with pytest.raises(ValueError, match="width"):
        equal_bands(0, 3)
    with pytest.raises(ValueError, match="number of bands"):
        equal_bands(7, 0)
