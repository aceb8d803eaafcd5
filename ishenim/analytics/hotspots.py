"""Hot and cold spots: Getis–Ord Gi* on a study area of cells, and how hotspots change.

**Gi\\*** (Getis & Ord 1992, *Geographical Analysis* 24(3); Ord & Getis 1995, *Geographical
Analysis* 27(4)). For cell i of n, with counts x, the binary weights w_ij (1 when j is within
the cell's neighbourhood, the cell itself included: w_ii = 1), c_i = Σ_j w_ij, the mean
x̄ = Σx / n and the standard deviation S = √(Σx² / n − x̄²) (population form, divisor n):

    z_i = (Σ_j w_ij x_j − x̄ c_i) / (S √((n c_i − c_i²) / (n − 1)))

This is the z-score of ArcGIS's Hot Spot Analysis and exactly PySAL's
`esda.G_Local(x, w, transform="B", star=True).Zs`: esda computes G*_i = Σ_j w_ij x_j / Σx
with E[G*_i] = c_i / n and Var[G*_i] = c_i (n − c_i) / (n − 1) / n² · S² / x̄², which is the same
ratio multiplied through by Σx = n x̄. The weights are used as a pattern — any non-zero entry
counts as 1, as esda's transform "B" does — and a missing diagonal is filled with 1, as esda's
`star=True` does. A cell whose neighbourhood is the whole study area (c_i = n) has no variance
and gets z = p = NaN and no class.

**p-values and classes.** p_i = 2 (1 − Φ(|z_i|)), two-sided (esda's `p_norm` is the one-sided
half of it). The classes are ArcGIS's Gi_Bin: ±3 for 99%, ±2 for 95%, ±1 for 90% confidence,
the sign of z saying hot (+) or cold (−), 0 for not significant. Without the FDR correction a
cell is significant at level α when p_i ≤ α. With it (the default, ArcGIS's "Apply False
Discovery Rate (FDR) Correction"), the Benjamini–Hochberg step-up procedure (Benjamini &
Hochberg 1995, *JRSS B* 57(1)) runs across all n cells separately for α = 0.10, 0.05 and 0.01:
sort the p-values, p_(1) ≤ … ≤ p_(n), find the largest k with p_(k) ≤ k α / n, and call every
cell with p_i ≤ p_(k) significant at α (none if there is no such k). A cell's class is the
highest confidence at which it is significant; the z- and p-values themselves are never
adjusted (as in ArcGIS). The cells with NaN p count in n and are never significant. This is
`statsmodels.stats.multitest.multipletests(p, alpha, method="fdr_bh")` at each level.

**Permutation inference** (`gi_star_permutation`): conditional randomisation as esda's
`crand` does it (Anselin 1995, *Geographical Analysis* 27(2), on LISA). Cell i's own count
stays; its c_i − 1 neighbours' counts are replaced by counts drawn without replacement from
the other n − 1 cells, `permutations` times. As in esda, one table of draws serves every cell:
`numpy.random.RandomState(seed).choice(n − 1, size=m, replace=False)` per permutation, with
m = max_i (c_i − 1); cell i uses the first c_i − 1 positions, each indexing the cells other
than i. With
L_i the observed neighbours' sum (self excluded) and "larger" the number of draws whose sum
is ≥ L_i, esda's pseudo p-value folds to the nearer tail:

    p_sim = (min(larger, permutations − larger) + 1) / (permutations + 1)

which is esda's `p_sim` (its "directed" alternative): for integer counts and the same seed
the counts of larger draws are identical, so p_sim is too (esda stores it as float32), as long
as esda runs without numba, whose generator differs from NumPy's. The class uses the
two-sided pseudo p-value p = min(1, 2 p_sim), with the same FDR procedure; so the smallest
attainable p is 2 / (permutations + 1) and 99% classes need at least 199 permutations
(more under FDR). A cell with no neighbour in the study area has p_sim = 1 here (its
statistic cannot vary); esda reports 1 / (permutations + 1) there, an artefact of its island
placeholder. All cells are evaluated together by sweeping the cells in index order: for a
fixed draw, the drawn sum changes only where the cell index passes a drawn index, so the
permutations' sums are re-sorted at most m × permutations times, not once per cell.
Drawing the table costs O(permutations × n) (NumPy's legacy `choice` shuffles all n − 1
indices each time): about 1 s per 100,000 cells at 999 permutations.

**Hotspot change** (`hotspot_change`), per cell between an earlier and a later period, each
with its own Gi* z-score and class (computed on the same cells and weights). With
d = (z_after − z_before) / √2 — the difference of two z-scores that are each standard normal
under the null and independent between periods (disjoint records), so d is standard normal
too — and "significantly" meaning |d| > 1.96 (two-sided 5%):

- emerging hot: hot (class > 0) in the later period only; emerging cold mirrors it;
- intensifying hot: hot in both and d > 1.96 (significantly hotter);
- persistent hot: hot in both and |d| ≤ 1.96;
- diminishing hot: hot before and either not hot after, or hot in both with d < −1.96;
- intensifying, persistent and diminishing cold: the mirror images (a cold spot
  intensifies when d < −1.96);
- a cell hot before and cold after (or the reverse) is emerging cold (emerging hot): the later
  period's state names it;
- none: neither hot nor cold in either period.
These follow the spirit of ArcGIS's Emerging Hot Spot Analysis categories for two periods
(its versions need a series and a Mann–Kendall trend, which two periods cannot give).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import sparse, special

CONFIDENCE_LEVELS = {3: 0.01, 2: 0.05, 1: 0.10}
CLASS_NAMES = {
    3: "hot_99",
    2: "hot_95",
    1: "hot_90",
    0: "not_significant",
    -1: "cold_90",
    -2: "cold_95",
    -3: "cold_99",
}
CHANGE_CATEGORIES = (
    "emerging_hot",
    "intensifying_hot",
    "persistent_hot",
    "diminishing_hot",
    "emerging_cold",
    "intensifying_cold",
    "persistent_cold",
    "diminishing_cold",
    "none",
)
# (z_after − z_before) / √2 beyond this is a significant change (two-sided 5%).
SIGNIFICANT_CHANGE = 1.96


@dataclass(frozen=True)
class GiStar:
    """Per cell: Gi* z-score, two-sided normal p-value, class −3…3 (see CLASS_NAMES)."""

    z: np.ndarray
    p: np.ndarray
    classes: np.ndarray


@dataclass(frozen=True)
class GiStarPermutation:
    """Per cell: the analytical z, esda's folded pseudo p-value `p_sim`, the two-sided pseudo
    p-value `p` = min(1, 2 p_sim) and the class −3…3 drawn from `p`."""

    z: np.ndarray
    p_sim: np.ndarray
    p: np.ndarray
    classes: np.ndarray
    permutations: int
    seed: int


@dataclass(frozen=True)
class HotspotChange:
    """Per cell: the change category (one of CHANGE_CATEGORIES) and d = (z2 − z1) / √2."""

    categories: np.ndarray
    z_change: np.ndarray


def _counts_and_weights(
    counts: ArrayLike, weights: sparse.spmatrix
) -> tuple[np.ndarray, sparse.csr_matrix]:
    y = np.asarray(counts, dtype=np.float64).reshape(-1)
    if not np.isfinite(y).all():
        raise ValueError("Counts must be finite numbers.")
    if (y < 0).any():
        raise ValueError("Counts must not be negative.")
    n = y.size
    if n < 3:
        raise ValueError(f"Gi* needs a study area of at least 3 cells; got {n}.")
    if not sparse.issparse(weights):
        raise ValueError("The weights must be a SciPy sparse matrix (see cells.kring_weights).")
    if weights.shape != (n, n):
        raise ValueError(
            f"The weights are {weights.shape[0]}×{weights.shape[1]} but there are {n} cells."
        )
    pattern = sparse.csr_matrix(weights, dtype=np.float64, copy=True)
    if (pattern.data < 0).any():
        raise ValueError("Binary weights must not be negative.")
    pattern.eliminate_zeros()
    pattern.data[:] = 1.0
    # Gi* counts the cell itself; esda's star=True fills a missing diagonal with 1.
    pattern.setdiag(1.0)
    pattern.sort_indices()
    if y.sum() == 0:
        raise ValueError("There are no records in the study area.")
    return y, pattern


def _z_scores(y: np.ndarray, weights: sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    n = y.size
    mean = y.sum() / n
    spread = np.sqrt(max((y * y).sum() / n - mean * mean, 0.0))
    if spread == 0:
        raise ValueError("Every cell has the same count, so no cell can stand out.")
    neighbourhood_sum = weights @ y
    cardinality = np.diff(weights.indptr).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (neighbourhood_sum - mean * cardinality) / (
            spread * np.sqrt((n * cardinality - cardinality**2) / (n - 1))
        )
    z[cardinality >= n] = np.nan
    return z, neighbourhood_sum


def _two_sided_p(z: np.ndarray) -> np.ndarray:
    return 2.0 * special.ndtr(-np.abs(z))


def _benjamini_hochberg(p: np.ndarray, alpha: float) -> np.ndarray:
    """True where the step-up procedure rejects at false discovery rate alpha."""
    n = p.size
    ranked = np.sort(np.where(np.isnan(p), 1.0, p))
    passing = np.flatnonzero(ranked <= alpha * np.arange(1, n + 1) / n)
    if passing.size == 0:
        return np.zeros(n, dtype=bool)
    return p <= ranked[passing[-1]]


def confidence_classes(z: ArrayLike, p: ArrayLike, *, fdr: bool = True) -> np.ndarray:
    """ArcGIS's Gi_Bin per cell (int8): ±3, ±2, ±1 for 99, 95, 90% confidence, else 0;
    with `fdr`, Benjamini–Hochberg across all cells at each level (module docstring)."""
    z = np.asarray(z, dtype=np.float64).reshape(-1)
    p = np.asarray(p, dtype=np.float64).reshape(-1)
    if z.shape != p.shape:
        raise ValueError(f"There are {z.size} z-scores but {p.size} p-values.")
    level = np.zeros(z.size, dtype=np.int8)
    for confidence, alpha in sorted(CONFIDENCE_LEVELS.items()):
        significant = _benjamini_hochberg(p, alpha) if fdr else (p <= alpha)
        level[significant] = confidence
    return (level * np.sign(np.nan_to_num(z))).astype(np.int8)


def gi_star(counts: ArrayLike, weights: sparse.spmatrix, *, fdr: bool = True) -> GiStar:
    """Getis–Ord Gi* per cell with analytical (normal) inference; see the module docstring."""
    y, pattern = _counts_and_weights(counts, weights)
    z, _ = _z_scores(y, pattern)
    p = _two_sided_p(z)
    return GiStar(z=z, p=p, classes=confidence_classes(z, p, fdr=fdr))


def _esda_draws(cells: int, drawn: int, permutations: int, seed: int) -> np.ndarray:
    # esda.crand.vec_permutations, draw for draw (NumPy's legacy generator).
    generator = np.random.RandomState(seed)
    draws = np.empty((permutations, drawn), dtype=np.int64)
    for row in range(permutations):
        draws[row] = generator.choice(cells - 1, size=drawn, replace=False)
    return draws


def _draws_at_least(
    y: np.ndarray, lag: np.ndarray, members: np.ndarray, draws: np.ndarray
) -> np.ndarray:
    """For each cell in `members` (ascending, all with draws.shape[1] neighbours): how many
    draws' sums, over the counts of the cells other than itself, reach its neighbours' sum."""
    permutations, drawn = draws.shape
    step = np.diff(y)  # skipping cell i shifts every drawn index ≥ i up by one cell
    # For cell 0 every drawn index d means cell d + 1.
    sums = y[draws + 1].sum(axis=1)
    change_at = (draws + 1).ravel()  # from cell d + 1 on, index d means cell d again
    change_row = np.repeat(np.arange(permutations), drawn)
    change_by = -step[draws].ravel()
    order = np.argsort(change_at, kind="stable")
    change_at, change_row, change_by = change_at[order], change_row[order], change_by[order]
    applied_before = np.searchsorted(change_at, members, side="right")
    segment_starts = np.flatnonzero(np.r_[True, applied_before[1:] != applied_before[:-1]])
    segment_ends = np.r_[segment_starts[1:], members.size]
    at_least = np.empty(members.size, dtype=np.int64)
    applied = 0
    for start, end in zip(segment_starts.tolist(), segment_ends.tolist(), strict=True):
        upto = int(applied_before[start])
        np.add.at(sums, change_row[applied:upto], change_by[applied:upto])
        applied = upto
        ordered = np.sort(sums)
        at_least[start:end] = permutations - np.searchsorted(ordered, lag[members[start:end]])
    return at_least


def gi_star_permutation(
    counts: ArrayLike,
    weights: sparse.spmatrix,
    *,
    permutations: int = 999,
    seed: int,
    fdr: bool = True,
) -> GiStarPermutation:
    """Gi* with esda's conditional permutation inference, reproducible with `seed`."""
    if isinstance(permutations, bool) or not isinstance(permutations, int | np.integer):
        raise ValueError(
            f"The number of permutations must be a whole number; got {permutations!r}."
        )
    if permutations < 1:
        raise ValueError(
            f"Permutation inference needs at least one permutation; got {permutations}."
        )
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= seed < 2**32:
        raise ValueError(f"The seed must be a whole number from 0 to 2³² − 1; got {seed!r}.")
    y, pattern = _counts_and_weights(counts, weights)
    z, neighbourhood_sum = _z_scores(y, pattern)
    n = y.size
    # Integer counts make every sum below exact, so ties compare exactly as in esda.
    lag = neighbourhood_sum - y
    neighbours = np.diff(pattern.indptr) - 1
    draws = _esda_draws(n, int(neighbours.max()), int(permutations), int(seed))
    larger = np.zeros(n, dtype=np.int64)
    for size in np.unique(neighbours[neighbours > 0]).tolist():
        members = np.flatnonzero(neighbours == size)
        larger[members] = _draws_at_least(y, lag, members, draws[:, :size])
    folded = np.minimum(larger, permutations - larger)
    p_sim = (folded + 1) / (permutations + 1)
    # An island's statistic cannot vary: there is no evidence either way.
    p_sim[neighbours == 0] = 1.0
    p = np.minimum(1.0, 2.0 * p_sim)
    return GiStarPermutation(
        z=z,
        p_sim=p_sim,
        p=p,
        classes=confidence_classes(z, p, fdr=fdr),
        permutations=int(permutations),
        seed=int(seed),
    )


def hotspot_change(
    z_before: ArrayLike,
    z_after: ArrayLike,
    classes_before: ArrayLike,
    classes_after: ArrayLike,
) -> HotspotChange:
    """Each cell's category between two periods (CHANGE_CATEGORIES; module docstring)."""
    z1 = np.asarray(z_before, dtype=np.float64).reshape(-1)
    z2 = np.asarray(z_after, dtype=np.float64).reshape(-1)
    c1 = np.asarray(classes_before).reshape(-1)
    c2 = np.asarray(classes_after).reshape(-1)
    if not (z1.size == z2.size == c1.size == c2.size):
        raise ValueError(
            f"The periods differ in cells: {z1.size} and {z2.size} z-scores, "
            f"{c1.size} and {c2.size} classes."
        )
    for classes in (c1, c2):
        if classes.size and (
            classes.dtype.kind not in "iu" or classes.min() < -3 or classes.max() > 3
        ):
            raise ValueError("Classes must be whole numbers from −3 to 3 (see CLASS_NAMES).")
    d = (z2 - z1) / np.sqrt(2.0)
    hotter = d > SIGNIFICANT_CHANGE
    colder = d < -SIGNIFICANT_CHANGE
    hot1, hot2, cold1, cold2 = c1 > 0, c2 > 0, c1 < 0, c2 < 0
    categories = np.full(z1.size, "none", dtype="<U17")
    # Later conditions win: the later period's state names a cell that flipped.
    categories[hot1 & ~hot2] = "diminishing_hot"
    categories[cold1 & ~cold2] = "diminishing_cold"
    categories[hot2 & ~hot1] = "emerging_hot"
    categories[cold2 & ~cold1] = "emerging_cold"
    both_hot, both_cold = hot1 & hot2, cold1 & cold2
    categories[both_hot] = "persistent_hot"
    categories[both_hot & hotter] = "intensifying_hot"
    categories[both_hot & colder] = "diminishing_hot"
    categories[both_cold] = "persistent_cold"
    categories[both_cold & colder] = "intensifying_cold"
    categories[both_cold & hotter] = "diminishing_cold"
    return HotspotChange(categories=categories, z_change=d)
