"""Rates per head of population with exact Poisson confidence intervals.

A count k of crimes in a population N gives the rate r = k / N · per (per = 100,000 by
default). Its confidence interval treats k as one draw of a Poisson variable and uses the
exact interval of Garwood (1936), "Fiducial limits for the Poisson distribution",
Biometrika 28:437–442:

    lower(k) = χ²(α/2; 2k) / 2          (0 when k = 0)
    upper(k) = χ²(1 − α/2; 2k + 2) / 2

with α = 1 − confidence and χ²(q; ν) the q-quantile of the chi-square distribution with ν
degrees of freedom. Since χ²(q; 2a)/2 is the q-quantile of the Gamma(a, 1) distribution, the
bounds are computed as `scipy.special.gammaincinv(k, α/2)` and `gammaincinv(k + 1, 1 − α/2)`
(the same numbers, vectorised without the distribution objects' overhead). The interval is
"exact" in the sense that its coverage is at least the nominal level for every true mean; at
the bounds, P(X ≥ k | lower) = α/2 and P(X ≤ k | upper) = α/2.

The rate's interval is the count's interval scaled by per / N: the population is taken as
known without error (a census count), as public-health rate tables do (which often use
Byar's approximation of these same limits for large counts; here they are computed exactly
for every count).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special


@dataclass(frozen=True)
class PoissonInterval:
    """Exact (Garwood) confidence limits of a Poisson mean, one per count."""

    lower: np.ndarray
    upper: np.ndarray


@dataclass(frozen=True)
class RateEstimate:
    """Rates per `per` people with their exact confidence limits (NaN without a population)."""

    rate: np.ndarray
    lower: np.ndarray
    upper: np.ndarray


def poisson_interval(counts: np.ndarray, *, confidence: float = 0.95) -> PoissonInterval:
    """Garwood's exact confidence interval for the mean of a Poisson count."""
    k = _as_counts(counts)
    tail = _tail(confidence)
    with np.errstate(invalid="ignore"):
        # gammaincinv(0, q) is undefined; the lower limit of a zero count is 0 by definition.
        lower = np.where(k > 0, special.gammaincinv(np.where(k > 0, k, 1), tail), 0.0)
        upper = special.gammaincinv(k + 1, 1.0 - tail)
    return PoissonInterval(lower=lower, upper=upper)


def rate_per(
    counts: np.ndarray,
    population: np.ndarray,
    *,
    per: float = 100_000,
    confidence: float = 0.95,
) -> RateEstimate:
    """Counts per `per` people, with the exact Poisson interval scaled to the same unit.

    `counts` and `population` are arrays of the same shape (or one of them a scalar).
    Where the population is missing (NaN) or zero, rate and limits are NaN: no rate can be
    stated, and 0 would claim a safety that nobody measured.
    """
    k = _as_counts(counts)
    population = np.asarray(population, dtype=np.float64)
    try:
        k, population = np.broadcast_arrays(k, population)
    except ValueError:
        raise ValueError(
            f"Counts (shape {k.shape}) and populations (shape {population.shape}) differ in length."
        ) from None
    if np.any(population < 0):
        raise ValueError("Populations must not be negative.")
    if not per > 0:
        raise ValueError(f"The rate unit `per` must be positive; got {per}.")
    interval = poisson_interval(k, confidence=confidence)
    known = np.isfinite(population) & (population > 0)
    scale = np.divide(per, population, out=np.full(population.shape, np.nan), where=known)
    return RateEstimate(
        rate=k * scale,
        lower=interval.lower * scale,
        upper=interval.upper * scale,
    )


def _as_counts(counts: np.ndarray) -> np.ndarray:
    counts = np.asarray(counts)
    if counts.dtype.kind not in "iuf" and counts.dtype != bool:
        raise ValueError(f"Counts must be numbers; got {counts.dtype}.")
    as_float = counts.astype(np.float64)
    if not np.all(np.isfinite(as_float)):
        raise ValueError("Counts must be finite.")
    if np.any(as_float < 0):
        raise ValueError("Counts must not be negative.")
    if np.any(as_float != np.floor(as_float)):
        raise ValueError("Counts must be whole numbers.")
    return as_float


def _tail(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError(f"The confidence level must lie between 0 and 1; got {confidence}.")
    return (1.0 - confidence) / 2.0
