import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from ishenim.analytics.change import (
    benjamini_hochberg,
    changes_across_areas,
    exact_conditional_p_value,
    rate_ratio,
)


def _random_cases(seed: int, size: int):
    rng = np.random.default_rng(seed)
    means = np.array([0.3, 2, 15, 150, 3_000, 80_000])
    before = rng.poisson(rng.choice(means, size))
    after = rng.poisson(rng.choice(means, size))
    exposure_before = rng.choice([1.0, 365.0, 12.5, 3_083.0], size)
    exposure_after = rng.choice([1.0, 366.0, 7.25, 3_083.0], size)
    # The edges: nothing before, nothing after, nothing at all, one crime.
    before[:6] = [0, 0, 7, 0, 1, 0]
    after[:6] = [0, 9, 0, 1, 0, 250]
    return before, after, exposure_before, exposure_after


def _scipy_p_value(before, after, exposure_before, exposure_after) -> float:
    if before + after == 0:
        return np.nan
    p0 = exposure_after / (exposure_before + exposure_after)
    return stats.binomtest(int(after), int(before + after), p0).pvalue


def test_p_values_equal_scipy_binomtest_on_thousands_of_random_cases():
    before, after, exposure_before, exposure_after = _random_cases(seed=3, size=3_000)

    p_values = exact_conditional_p_value(
        before, after, exposure_before=exposure_before, exposure_after=exposure_after
    )

    expected = np.array(
        [
            _scipy_p_value(*case)
            for case in zip(before, after, exposure_before, exposure_after, strict=True)
        ]
    )
    assert np.isnan(p_values[0]) and np.isnan(expected[0])
    # Equal, not merely close: the same arithmetic as SciPy's, case for case (NaN where
    # neither period had a crime).
    np.testing.assert_array_equal(p_values, expected)


def test_equal_exposures_test_against_one_half_as_binomtest_does():
    for before, after in [(0, 5), (5, 0), (10, 10), (3, 12), (100, 130), (1, 2)]:
        estimate = rate_ratio(before, after)

        assert estimate.p_value == stats.binomtest(after, before + after, 0.5).pvalue


def test_balykchy_1727_crimes_in_2022_and_1356_in_2023_is_a_significant_fall():
    estimate = rate_ratio(1_727, 1_356, exposure_before=365, exposure_after=365)

    assert round(estimate.ratio, 3) == 0.785
    assert estimate.p_value == stats.binomtest(1_356, 3_083, 0.5).pvalue
    assert estimate.p_value < 1e-10
    assert estimate.significant is True
    assert estimate.lower < estimate.ratio < estimate.upper < 1


def test_ratio_interval_is_the_clopper_pearson_interval_mapped_to_rate_ratios():
    before, after, exposure_before, exposure_after = _random_cases(seed=5, size=2_000)
    total = before + after
    tested = total > 0

    for confidence in (0.9, 0.95, 0.99):
        estimate = rate_ratio(
            before,
            after,
            exposure_before=exposure_before,
            exposure_after=exposure_after,
            confidence=confidence,
        )

        low, high = proportion_confint(
            after[tested], total[tested], alpha=1 - confidence, method="beta"
        )
        scale = exposure_before[tested] / exposure_after[tested]
        with np.errstate(divide="ignore"):
            expected_lower = low / (1 - low) * scale
            expected_upper = np.where(high < 1, high / (1 - high) * scale, np.inf)
        np.testing.assert_allclose(estimate.lower[tested], expected_lower, rtol=1e-12, atol=0)
        np.testing.assert_allclose(estimate.upper[tested], expected_upper, rtol=1e-12, atol=0)


def test_ratio_interval_agrees_with_scipy_binomtest_proportion_interval():
    for before, after in [(1_727, 1_356), (3, 12), (0, 4), (9, 0)]:
        estimate = rate_ratio(before, after, confidence=0.95)
        interval = stats.binomtest(after, before + after, 0.5).proportion_ci(0.95)

        with np.errstate(divide="ignore"):
            lower = interval.low / (1 - interval.low)
            upper = interval.high / (1 - interval.high) if interval.high < 1 else np.inf
        # SciPy finds these limits by root-finding (brentq), hence the looser tolerance.
        assert estimate.lower == pytest.approx(lower, rel=1e-9, abs=1e-12)
        assert estimate.upper == pytest.approx(upper, rel=1e-9)


def test_no_crime_in_either_period_gives_no_ratio_no_test_and_no_significance():
    estimate = rate_ratio(0, 0)

    assert np.isnan(estimate.ratio)
    assert np.isnan(estimate.p_value)
    assert (estimate.lower, estimate.upper) == (0.0, np.inf)
    assert estimate.significant is False


def test_crimes_appearing_from_none_give_an_infinite_ratio_and_disappearing_a_zero_one():
    appearing = rate_ratio(0, 12)
    disappearing = rate_ratio(12, 0)

    assert appearing.ratio == np.inf and appearing.upper == np.inf
    assert appearing.p_value == stats.binomtest(12, 12, 0.5).pvalue
    assert appearing.significant is True
    assert disappearing.ratio == 0 and disappearing.lower == 0
    assert disappearing.significant is True


def test_a_small_change_is_not_called_significant():
    estimate = rate_ratio(100, 110)

    assert estimate.p_value > 0.5
    assert estimate.significant is False
    assert estimate.lower < 1 < estimate.upper


def test_exposures_turn_counts_into_rates():
    # Twice the count in twice the time is no change at all.
    estimate = rate_ratio(50, 100, exposure_before=6, exposure_after=12)

    assert estimate.ratio == 1.0
    assert estimate.p_value == 1.0
    assert estimate.significant is False


@pytest.mark.parametrize("alpha", [0.01, 0.05, 0.1, 0.2])
def test_benjamini_hochberg_equals_statsmodels_fdr_bh(alpha):
    rng = np.random.default_rng(17)
    p_values = np.concatenate(
        [
            rng.uniform(0, 1, 400),
            rng.uniform(0, 0.0002, 40),
            np.repeat([0.01, 0.03, 1.0], 10),  # ties
        ]
    )
    rng.shuffle(p_values)

    q_values, reject = benjamini_hochberg(p_values, alpha=alpha)

    expected_reject, expected_q, _, _ = multipletests(p_values, alpha=alpha, method="fdr_bh")
    np.testing.assert_allclose(q_values, expected_q, rtol=1e-12, atol=0)
    assert reject.tolist() == expected_reject.tolist()
    assert 0 < reject.sum() < len(p_values)


def test_benjamini_hochberg_leaves_untested_areas_out_of_the_family():
    rng = np.random.default_rng(23)
    p_values = rng.uniform(0, 0.08, 60)
    p_values[::7] = np.nan

    q_values, reject = benjamini_hochberg(p_values)

    tested = ~np.isnan(p_values)
    expected_reject, expected_q, _, _ = multipletests(p_values[tested], method="fdr_bh")
    np.testing.assert_allclose(q_values[tested], expected_q, rtol=1e-12, atol=0)
    assert reject[tested].tolist() == expected_reject.tolist()
    assert np.isnan(q_values[~tested]).all()
    assert not reject[~tested].any()


def test_benjamini_hochberg_of_nothing_tested_rejects_nothing():
    q_values, reject = benjamini_hochberg(np.array([np.nan, np.nan]))

    assert np.isnan(q_values).all()
    assert not reject.any()


def test_changes_across_areas_flag_only_what_survives_false_discovery_control():
    rng = np.random.default_rng(29)
    areas = 300
    before = rng.poisson(80, areas)
    after = rng.poisson(80, areas)
    before[:10], after[:10] = 80, 35  # ten districts where crime truly fell by more than half
    before[-3:] = after[-3:] = 0  # three with no crime at all

    changes = changes_across_areas(before, after, exposure_before=12, exposure_after=12)

    single = rate_ratio(before, after)
    q_values, reject = benjamini_hochberg(single.p_value)
    np.testing.assert_array_equal(changes.p_value, single.p_value)
    np.testing.assert_array_equal(changes.q_value, q_values)
    assert changes.significant.tolist() == reject.tolist()
    assert (changes.significant == (changes.q_value <= 0.05)).all()
    assert changes.significant[:10].all()
    # Unchanged districts pass p ≤ 0.05 on their own by chance (about one in twenty); under
    # FDR control at most one of them is flagged among the ten real falls.
    assert (single.p_value[10:-3] <= 0.05).sum() >= 10
    assert changes.significant[10:].sum() <= 1
    assert np.isnan(changes.p_value[-3:]).all() and np.isnan(changes.q_value[-3:]).all()


def test_changes_across_areas_take_an_exposure_per_area():
    changes = changes_across_areas(
        np.array([10, 40]), np.array([20, 40]), exposure_before=[1, 1], exposure_after=[2, 1]
    )

    assert changes.ratio.tolist() == [1.0, 1.0]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: rate_ratio(-1, 3), "not negative"),
        (lambda: rate_ratio(2.5, 3), "whole numbers"),
        (lambda: rate_ratio(1, 3, exposure_before=0), "positive"),
        (lambda: rate_ratio(np.array([1, 2]), np.array([1, 2, 3])), "differ in length"),
        (lambda: rate_ratio(1, 3, confidence=1.5), "between 0 and 1"),
        (lambda: changes_across_areas(np.array([1, 2]), np.array([1])), "one count per area"),
        (
            lambda: changes_across_areas(
                np.array([1, 2]), np.array([1, 2]), exposure_after=[1, 2, 3]
            ),
            "one per area",
        ),
        (lambda: benjamini_hochberg(np.array([0.5, 1.2])), "between 0 and 1"),
    ],
)
def test_invalid_input_is_refused_with_a_clear_reason(call, message):
    with pytest.raises(ValueError, match=message):
        call()
