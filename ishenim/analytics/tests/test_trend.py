import numpy as np
import pytest
from statsmodels.tsa.seasonal import seasonal_decompose

from ishenim.analytics.trend import centred_moving_average, monthly_trend

MONTHS = np.arange(60)
# About 100 crimes a month, a summer peak of ±20%.
SEASONAL_MEAN = 100 + 20 * np.sin(2 * np.pi * MONTHS / 12)


def _series_with_fall_at(month: int, seed: int) -> np.ndarray:
    """Five years of monthly counts falling by a fifth from `month` on."""
    rng = np.random.default_rng(seed)
    after_fall = np.arange(len(SEASONAL_MEAN)) >= month
    return rng.poisson(np.where(after_fall, 0.8 * SEASONAL_MEAN, SEASONAL_MEAN))


def _flat_series(seed: int, months: int = 60) -> np.ndarray:
    return np.random.default_rng(seed).poisson(SEASONAL_MEAN[:months])


@pytest.mark.parametrize(
    ("series", "period"),
    [
        (_flat_series(1), 12),
        (_series_with_fall_at(30, seed=2), 12),
        (_flat_series(3, months=29), 12),  # incomplete last year
        (np.arange(21.0) ** 1.5, 7),  # odd period: a plain moving mean
        (np.random.default_rng(4).poisson(30, 26).astype(float), 4),
    ],
)
def test_decomposition_equals_statsmodels_seasonal_decompose_additive(series, period):
    result = monthly_trend(series, period=period)

    expected = seasonal_decompose(series, model="additive", period=period)
    for ours, theirs in [
        (result.trend, expected.trend),
        (result.seasonal, expected.seasonal),
        (result.residual, expected.resid),
    ]:
        assert (np.isnan(ours) == np.isnan(theirs)).all()
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-10)


def test_trend_is_undefined_for_the_first_and_last_six_months_of_a_monthly_series():
    trend = centred_moving_average(np.ones(36), period=12)

    assert np.isnan(trend[:6]).all() and np.isnan(trend[-6:]).all()
    np.testing.assert_allclose(trend[6:-6], 1.0, rtol=1e-15)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_fall_by_a_fifth_is_flagged_at_the_month_it_happened(seed):
    counts = _series_with_fall_at(37, seed=seed)

    result = monthly_trend(counts, permutations=999, seed=0)

    assert result.change_point == 37
    assert result.change_p_value <= 0.01
    assert result.level_after < result.level_before


def test_a_flat_seasonal_series_is_not_flagged():
    result = monthly_trend(_flat_series(seed=5), permutations=999, seed=0)

    assert result.change_point is None
    assert result.change_p_value > 0.05


def test_flat_series_raise_false_alarms_about_as_often_as_alpha_says():
    # The seasonal peak must not pass for a shift: under no change, about 5% flagged.
    flagged = [
        monthly_trend(_flat_series(seed), permutations=199, seed=seed).change_point is not None
        for seed in range(100, 300)
    ]

    assert np.mean(flagged) <= 0.09


def test_the_same_seed_gives_the_same_p_value():
    counts = _series_with_fall_at(40, seed=9)

    first = monthly_trend(counts, permutations=99, seed=42)
    again = monthly_trend(counts, permutations=99, seed=42)

    assert first.change_p_value == again.change_p_value
    assert first.change_point == again.change_point


def test_a_series_without_crime_has_no_change():
    result = monthly_trend(np.zeros(24, dtype=int))

    assert result.change_point is None
    assert result.change_p_value == 1.0


@pytest.mark.parametrize(
    ("counts", "options", "message"),
    [
        (np.ones(23), {}, "two full cycles"),
        (np.ones(30) * -1, {}, "not negative"),
        (np.ones((2, 24)), {}, "one-dimensional"),
        (np.ones(24), {"period": 1}, "at least 2"),
        (np.ones(24), {"permutations": 0}, "at least one permutation"),
        (np.ones(24), {"min_segment": 13}, "min_segment"),
    ],
)
def test_invalid_series_are_refused(counts, options, message):
    with pytest.raises(ValueError, match=message):
        monthly_trend(counts, **options)
