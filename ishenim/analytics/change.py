"""Change between two periods: the rate ratio, its exact test and interval, and FDR control.

Rate ratio. With a crimes before (exposure e_a: days, population × years, ...) and b after
(exposure e_b), the ratio of rates is RR = (b / e_b) / (a / e_a).

Exact conditional test (Przyborowski & Wilenski 1940; Lehmann & Romano, "Testing
Statistical Hypotheses", §4.5): given the total n = a + b, under H0 (equal rates) the later
count is binomial, b ~ Binomial(n, π0) with π0 = e_b / (e_a + e_b). The two-sided p-value is
the one `scipy.stats.binomtest(b, n, π0).pvalue` gives — the sum of the probabilities of all
outcomes no more likely than the one observed (with SciPy's relative tolerance 1e-7 on
"no more likely"), found on the other side of the mode by binary search. This module
computes it for many areas at once with the same arithmetic, so that the values are equal to
SciPy's, not merely close.

Interval. The Clopper–Pearson interval [π_L, π_U] of π = b / n (π_L = B(α/2; b, n − b + 1),
π_U = B(1 − α/2; b + 1, n − b), B the beta quantile; 0 and 1 at the extremes) maps to the
ratio through RR = π / (1 − π) · e_a / e_b, a monotone function, so the coverage carries
over (the standard exact interval for a ratio of Poisson rates; Breslow & Day, "Statistical
Methods in Cancer Research" II, §2.2).

Many areas. Testing every district at α = 0.05 flags about one district in twenty by chance
alone. `changes_across_areas` therefore controls the false discovery rate with the
Benjamini–Hochberg step-up procedure (Benjamini & Hochberg 1995, JRSS B 57:289–300):
sort the m p-values, q_(i) = min over j ≥ i of p_(j) · m / j (capped at 1), reject where
p_(i) ≤ α · i / m for some i at or above it — the same numbers as statsmodels'
`multipletests(method="fdr_bh")`. Areas with no crime in either period have no test
(p-value NaN) and do not count among the m.

A change is called significant where p (or, across areas, q) ≤ alpha. The interval is
reported at `confidence` independently; it may include 1 while the test rejects, or the
reverse, in rare discrete cases, because the two are not exactly dual.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

# scipy.stats.binomtest counts outcomes with pmf ≤ pmf(observed) · (1 + 1e-7) as "no more
# likely", so that rounding in the pmf does not split tied outcomes; the same tolerance here.
_RELATIVE_TOLERANCE = 1 + 1e-7


@dataclass(frozen=True)
class ChangeEstimate:
    """Rate ratio after/before with its interval and the exact test (numbers for scalars)."""

    ratio: np.ndarray | float
    lower: np.ndarray | float
    upper: np.ndarray | float
    p_value: np.ndarray | float
    significant: np.ndarray | bool


@dataclass(frozen=True)
class AreaChanges:
    """Per-area changes with Benjamini–Hochberg q-values; significant where q ≤ alpha."""

    ratio: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    p_value: np.ndarray
    q_value: np.ndarray
    significant: np.ndarray


def rate_ratio(
    count_before: np.ndarray | int,
    count_after: np.ndarray | int,
    *,
    exposure_before: np.ndarray | float = 1,
    exposure_after: np.ndarray | float = 1,
    confidence: float = 0.95,
    alpha: float = 0.05,
) -> ChangeEstimate:
    """The ratio of the later rate to the earlier one, its exact interval and p-value.

    Works on scalars (fields are then numbers) or arrays of areas (fields are arrays).
    With no crime in either period the ratio and p-value are NaN and the interval [0, ∞);
    with none before and some after, the ratio is ∞.
    """
    a, b, e_a, e_b = _validated(count_before, count_after, exposure_before, exposure_after)
    _check_level(confidence, "confidence level")
    _check_level(alpha, "significance level alpha")
    n = a + b
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (b * e_a) / (a * e_b)
    lower, upper = _ratio_interval(b, n, e_a / e_b, confidence)
    p_value = exact_conditional_p_value(a, b, exposure_before=e_a, exposure_after=e_b)
    significant = p_value <= alpha  # NaN compares False: no test, no change claimed
    estimate = ChangeEstimate(ratio, lower, upper, p_value, significant)
    if np.ndim(ratio) == 0:
        return ChangeEstimate(
            ratio=float(ratio),
            lower=float(lower),
            upper=float(upper),
            p_value=float(p_value),
            significant=bool(significant),
        )
    return estimate


def exact_conditional_p_value(
    count_before: np.ndarray,
    count_after: np.ndarray,
    *,
    exposure_before: np.ndarray | float = 1,
    exposure_after: np.ndarray | float = 1,
) -> np.ndarray:
    """Two-sided p-value of equal rates, as `scipy.stats.binomtest(b, a + b, π0)` gives it.

    π0 = e_b / (e_a + e_b). NaN where a + b = 0 (nothing to test).
    """
    a, b, e_a, e_b = _validated(count_before, count_after, exposure_before, exposure_after)
    n = a + b
    p0 = e_b / (e_a + e_b)
    k, n, p0 = np.broadcast_arrays(b, n, p0)
    p_value = np.full(k.shape, np.nan)
    tested = n > 0
    p_value[tested] = _binomtest_two_sided(k[tested], n[tested], p0[tested])
    return p_value


def benjamini_hochberg(
    p_values: np.ndarray, *, alpha: float = 0.05
) -> tuple[np.ndarray, np.ndarray]:
    """Benjamini–Hochberg q-values and rejections, as statsmodels' ``fdr_bh`` computes them.

    NaN p-values (no test) are left out of the family: their q-value is NaN and they are
    never rejected.
    """
    p_values = np.asarray(p_values, dtype=np.float64)
    _check_level(alpha, "false discovery rate alpha")
    tested = ~np.isnan(p_values)
    if np.any((p_values[tested] < 0) | (p_values[tested] > 1)):
        raise ValueError("p-values must lie between 0 and 1.")
    q_values = np.full(p_values.shape, np.nan)
    reject = np.zeros(p_values.shape, dtype=bool)
    p = p_values[tested]
    m = len(p)
    if m == 0:
        return q_values, reject
    # Written as statsmodels writes it (argsort, i/m as a float factor) so that the
    # floating-point results are the same.
    order = np.argsort(p)
    p_sorted = p[order]
    factor = np.arange(1, m + 1) / float(m)
    below = p_sorted <= factor * alpha
    if below.any():
        below[: np.flatnonzero(below).max()] = True
    q_sorted = np.minimum.accumulate((p_sorted / factor)[::-1])[::-1]
    q_sorted[q_sorted > 1] = 1
    q_tested = np.empty(m)
    q_tested[order] = q_sorted
    reject_tested = np.empty(m, dtype=bool)
    reject_tested[order] = below
    q_values[tested] = q_tested
    reject[tested] = reject_tested
    return q_values, reject


def changes_across_areas(
    before: np.ndarray,
    after: np.ndarray,
    *,
    exposure_before: np.ndarray | float = 1,
    exposure_after: np.ndarray | float = 1,
    confidence: float = 0.95,
    alpha: float = 0.05,
) -> AreaChanges:
    """Rate ratios of many areas, each tested exactly, significance under FDR control."""
    before = np.asarray(before)
    after = np.asarray(after)
    if before.ndim != 1 or after.ndim != 1 or len(before) != len(after):
        raise ValueError(
            f"Give one count per area for both periods; got {np.shape(before)} before and "
            f"{np.shape(after)} after."
        )
    try:
        exposure_before = np.broadcast_to(exposure_before, before.shape)
        exposure_after = np.broadcast_to(exposure_after, before.shape)
    except ValueError:
        raise ValueError(
            f"Give one exposure for all areas or one per area ({len(before)})."
        ) from None
    estimate = rate_ratio(
        before,
        after,
        exposure_before=exposure_before,
        exposure_after=exposure_after,
        confidence=confidence,
        alpha=alpha,
    )
    q_values, reject = benjamini_hochberg(estimate.p_value, alpha=alpha)
    return AreaChanges(
        ratio=estimate.ratio,
        lower=estimate.lower,
        upper=estimate.upper,
        p_value=estimate.p_value,
        q_value=q_values,
        significant=reject,
    )


def _binomtest_two_sided(k: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """scipy.stats.binomtest(k, n, p).pvalue for arrays (n ≥ 1), step for step."""
    binom = stats.binom
    d = binom.pmf(k, n, p)
    p_value = np.ones(k.shape)
    mode_side = p * n
    low = k < mode_side  # the other tail lies above the mode
    high = k > mode_side  # the other tail lies below the mode

    if low.any():
        kl, nl, pl, dl = k[low], n[low], p[low], d[low]
        ix = _binary_search(
            nl, pl, -dl * _RELATIVE_TOLERANCE, np.ceil(pl * nl), nl.astype(np.float64), sign=-1
        )
        y = nl - ix + (dl * _RELATIVE_TOLERANCE == binom.pmf(ix, nl, pl))
        p_value[low] = binom.cdf(kl, nl, pl) + binom.sf(nl - y, nl, pl)
    if high.any():
        kh, nh, ph, dh = k[high], n[high], p[high], d[high]
        ix = _binary_search(
            nh, ph, dh * _RELATIVE_TOLERANCE, np.zeros(len(kh)), np.floor(ph * nh), sign=1
        )
        y = ix + 1
        p_value[high] = binom.cdf(y - 1, nh, ph) + binom.sf(kh - 1, nh, ph)
    return np.minimum(1.0, p_value)


def _binary_search(
    n: np.ndarray, p: np.ndarray, target: np.ndarray, lo: np.ndarray, hi: np.ndarray, *, sign: int
) -> np.ndarray:
    """For each case, the i in [lo, hi] with sign·pmf(i) ≤ target < sign·pmf(i + 1).

    A vectorised copy of scipy.stats._binomtest._binary_search_for_binom_tst: the same
    midpoints and comparisons per case, so the same index comes out.
    """
    lo = lo.astype(np.float64)
    hi = hi.astype(np.float64)
    found = np.full(len(lo), np.nan)
    searching = lo < hi
    while searching.any():
        at = np.flatnonzero(searching)
        mid = lo[at] + (hi[at] - lo[at]) // 2
        value = sign * stats.binom.pmf(mid, n[at], p[at])
        below = value < target[at]
        above = value > target[at]
        lo[at[below]] = mid[below] + 1
        hi[at[above]] = mid[above] - 1
        equal = ~(below | above)
        found[at[equal]] = mid[equal]
        searching[at[equal]] = False
        searching[at] &= lo[at] < hi[at]
    rest = np.isnan(found)
    value = sign * stats.binom.pmf(lo[rest], n[rest], p[rest])
    found[rest] = np.where(value <= target[rest], lo[rest], lo[rest] - 1)
    return found


def _ratio_interval(
    b: np.ndarray, n: np.ndarray, exposure_ratio: np.ndarray, confidence: float
) -> tuple[np.ndarray, np.ndarray]:
    """Clopper–Pearson limits of π = b / n mapped to rate ratios π / (1 − π) · e_a / e_b."""
    b, n, exposure_ratio = np.broadcast_arrays(b, n, exposure_ratio)
    tail = (1 - confidence) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        # Evaluated with harmless parameters where the limit is fixed at 0 or 1, then replaced.
        pi_low = np.where(
            b > 0, stats.beta.ppf(tail, np.maximum(b, 1), np.maximum(n - b + 1, 1)), 0.0
        )
        pi_high = np.where(b < n, stats.beta.isf(tail, b + 1, np.maximum(n - b, 1)), 1.0)
        lower = pi_low / (1 - pi_low) * exposure_ratio
        upper = np.where(pi_high < 1, pi_high / (1 - pi_high) * exposure_ratio, np.inf)
    return lower, upper


def _validated(
    count_before, count_after, exposure_before, exposure_after
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    a = _counts(count_before, "before")
    b = _counts(count_after, "after")
    e_a = np.asarray(exposure_before, dtype=np.float64)
    e_b = np.asarray(exposure_after, dtype=np.float64)
    for exposure in (e_a, e_b):
        if not np.all(np.isfinite(exposure) & (exposure > 0)):
            raise ValueError("Exposures (lengths of period, populations) must be positive.")
    try:
        np.broadcast_shapes(a.shape, b.shape, e_a.shape, e_b.shape)
    except ValueError:
        raise ValueError(
            f"Counts and exposures differ in length: {a.shape}, {b.shape}, {e_a.shape}, "
            f"{e_b.shape}."
        ) from None
    return a, b, e_a, e_b


def _counts(counts, period: str) -> np.ndarray:
    counts = np.asarray(counts)
    if counts.dtype.kind not in "iuf":
        raise ValueError(f"Counts {period} must be numbers; got {counts.dtype}.")
    as_float = counts.astype(np.float64)
    if not np.all(np.isfinite(as_float) & (as_float >= 0) & (as_float == np.floor(as_float))):
        raise ValueError(f"Counts {period} must be whole numbers, not negative.")
    return as_float


def _check_level(level: float, name: str) -> None:
    if not 0 < level < 1:
        raise ValueError(f"The {name} must lie between 0 and 1; got {level}.")
