from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ishenim.analytics.counts import count_by
from ishenim.analytics.rates import poisson_interval, rate_per

POLICEUK = Path(__file__).parents[3].parent / "shared" / "data" / "policeuk"
STREET_CSV = POLICEUK / "2018-07-west-yorkshire-street.csv"
POPULATION_CSV = POLICEUK / "west-yorkshire-lsoa-population-2011.csv"

COUNTS = np.concatenate([np.arange(0, 501), [1_356, 1_727, 10_000, 123_456, 10_000_000]])


@pytest.mark.parametrize("confidence", [0.8, 0.9, 0.95, 0.99, 0.999])
def test_poisson_interval_equals_garwood_chi_square_limits_from_scipy(confidence):
    alpha = 1 - confidence

    interval = poisson_interval(COUNTS, confidence=confidence)

    lower = np.where(COUNTS > 0, stats.chi2.ppf(alpha / 2, 2 * COUNTS) / 2, 0.0)
    upper = stats.chi2.ppf(1 - alpha / 2, 2 * COUNTS + 2) / 2
    np.testing.assert_allclose(interval.lower, lower, rtol=1e-12, atol=0)
    np.testing.assert_allclose(interval.upper, upper, rtol=1e-12, atol=0)
    # The same limits as gamma quantiles, the other way SciPy states them.
    np.testing.assert_allclose(
        interval.upper, stats.gamma.ppf(1 - alpha / 2, COUNTS + 1), rtol=1e-12, atol=0
    )


def test_each_limit_leaves_exactly_half_of_alpha_in_its_poisson_tail():
    interval = poisson_interval(COUNTS, confidence=0.95)

    # P(X ≤ k | upper) = α/2 and P(X ≥ k | lower) = α/2: the definition of the exact limits.
    np.testing.assert_allclose(stats.poisson.cdf(COUNTS, interval.upper), 0.025, rtol=1e-9)
    positive = COUNTS > 0
    np.testing.assert_allclose(
        stats.poisson.sf(COUNTS[positive] - 1, interval.lower[positive]), 0.025, rtol=1e-9
    )


def test_zero_crimes_have_lower_limit_zero_and_upper_limit_minus_log_of_half_alpha():
    interval = poisson_interval(np.array([0]), confidence=0.95)

    assert interval.lower[0] == 0
    assert interval.upper[0] == pytest.approx(-np.log(0.025), rel=1e-12)


def test_rates_per_100000_for_the_real_lsoa_populations_with_scipy_limits():
    if not (STREET_CSV.exists() and POPULATION_CSV.exists()):
        pytest.skip(f"The real police.uk data is not here: {POLICEUK}")
    crimes = pd.read_csv(STREET_CSV)
    population = pd.read_csv(POPULATION_CSV)
    table = count_by(crimes["LSOA code"].to_numpy())
    per_lsoa = pd.Series(table.counts, index=table.keys[0])
    # Every LSOA with a population, with or without crime, plus those with crime but no
    # population (outside the force area's census list).
    areas = pd.Index(population["lsoa_code"]).union(per_lsoa.index)
    counts = per_lsoa.reindex(areas, fill_value=0).to_numpy()
    people = population.set_index("lsoa_code")["population"].reindex(areas).to_numpy()

    estimate = rate_per(counts, people, per=100_000, confidence=0.95)

    has_population = ~np.isnan(people)
    k, n = counts[has_population], people[has_population]
    np.testing.assert_allclose(estimate.rate[has_population], k / n * 100_000, rtol=1e-15)
    lower = np.where(k > 0, stats.chi2.ppf(0.025, 2 * k) / 2, 0.0) / n * 100_000
    upper = stats.chi2.ppf(0.975, 2 * k + 2) / 2 / n * 100_000
    np.testing.assert_allclose(estimate.lower[has_population], lower, rtol=1e-12, atol=0)
    np.testing.assert_allclose(estimate.upper[has_population], upper, rtol=1e-12, atol=0)
    # 13 crimes fell in 12 LSOAs outside the population table: no rate can be given there.
    assert (~has_population).sum() == 12
    assert np.isnan(estimate.rate[~has_population]).all()
    assert np.isnan(estimate.upper[~has_population]).all()
    assert (estimate.lower <= estimate.rate)[has_population].all()
    assert (estimate.rate < estimate.upper)[has_population].all()


def test_missing_or_zero_population_gives_no_rate_rather_than_zero():
    estimate = rate_per(np.array([4, 0, 4, 4]), np.array([2_000, 2_000, 0, np.nan]))

    assert estimate.rate[:2].tolist() == [200.0, 0.0]
    assert np.isnan(estimate.rate[2:]).all()
    assert np.isnan(estimate.lower[2:]).all()
    assert np.isnan(estimate.upper[2:]).all()


def test_one_population_for_many_counts_is_broadcast():
    estimate = rate_per(np.array([10, 20]), 1_000, per=1_000)

    assert estimate.rate.tolist() == [10.0, 20.0]


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        (np.array([-1, 2]), "negative"),
        (np.array([1.5]), "whole numbers"),
        (np.array([np.nan]), "finite"),
        (np.array(["3"]), "numbers"),
    ],
)
def test_counts_that_are_not_counts_are_refused(counts, message):
    with pytest.raises(ValueError, match=message):
        poisson_interval(counts)


def test_confidence_outside_zero_and_one_is_refused():
    with pytest.raises(ValueError, match="between 0 and 1"):
        poisson_interval(np.array([3]), confidence=95)


def test_counts_and_populations_of_different_lengths_are_refused():
    with pytest.raises(ValueError, match="differ in length"):
        rate_per(np.array([1, 2, 3]), np.array([100, 200]))


def test_negative_population_is_refused():
    with pytest.raises(ValueError, match="negative"):
        rate_per(np.array([1]), np.array([-100]))
