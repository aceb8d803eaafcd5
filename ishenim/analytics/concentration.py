"""How concentrated crime is across places (H3 cells, street segments, areas).

Weisburd's "law of crime concentration" (Weisburd 2015, Criminology 53(2):133–157) states
that a small share of micro-places holds a large share of crime: in the cities he compared, a
few per cent of street segments held half of the crime. Three measures, all over every cell of
the study area, the cells without crime included (leaving them out would hide exactly the
concentration being measured):

- Share of cells for half: sort the cells by count, largest first; the smallest m such that
  the top m cells hold at least 50% of all crime, as a share m / N of the N cells.
- Gini coefficient of the cell counts, the mean absolute difference over all ordered pairs
  divided by twice the mean: G = Σ_i Σ_j |x_i − x_j| / (2 N² x̄). Computed in O(N log N) from
  the counts sorted ascending, G = 2 Σ_i i·x_(i) / (N Σ x) − (N + 1) / N (i = 1..N). 0 when
  every cell has the same count, approaching 1 when one cell holds everything; the
  population form, without the N / (N − 1) small-sample correction (Bernasco & Steenbeek
  2017, J. Quant. Criminol. 33:451–467, discuss a generalised Gini for when crimes are few
  relative to cells, which this module does not apply).
- The top-N cells by count (ties broken by position, so the result is reproducible) and the
  share of all crime they hold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Concentration:
    """Concentration measures of one set of cell counts (NaN measures when there is no crime).

    `cells_for_half` of the `cells` hold half of the `total`; `top_indices` index the input.
    """

    share_of_cells_for_half: float
    cells_for_half: int
    gini: float
    top_indices: np.ndarray
    top_counts: np.ndarray
    top_share: float
    total: int | float
    cells: int


def concentration(counts: np.ndarray, *, top: int = 10) -> Concentration:
    """Share of cells holding half the crime, Gini coefficient and top-`top` cells."""
    counts = np.asarray(counts)
    if counts.ndim != 1:
        raise ValueError("Give one count per cell, as a one-dimensional array.")
    if counts.dtype.kind not in "iuf":
        raise ValueError(f"Counts must be numbers; got {counts.dtype}.")
    values = counts.astype(np.float64)
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        raise ValueError("Counts must be finite and not negative.")
    if top < 0:
        raise ValueError(f"The number of top cells must not be negative; got {top}.")
    cells = len(values)
    total = values.sum()
    # Largest first; a stable sort of the negated counts keeps tied cells in input order.
    order = np.argsort(-values, kind="stable")
    top_indices = order[:top]
    top_counts = counts[top_indices]
    if total == 0:
        return Concentration(
            share_of_cells_for_half=np.nan,
            cells_for_half=0,
            gini=np.nan,
            top_indices=top_indices,
            top_counts=top_counts,
            top_share=np.nan,
            total=0,
            cells=cells,
        )
    descending = values[order]
    cumulative = np.cumsum(descending)
    cells_for_half = int(np.searchsorted(cumulative, total / 2, side="left")) + 1
    ascending = descending[::-1]
    ranks = np.arange(1, cells + 1, dtype=np.float64)
    gini = 2.0 * np.dot(ranks, ascending) / (cells * total) - (cells + 1) / cells
    return Concentration(
        share_of_cells_for_half=cells_for_half / cells,
        cells_for_half=cells_for_half,
        gini=float(gini),
        top_indices=top_indices,
        top_counts=top_counts,
        top_share=float(values[top_indices].sum() / total),
        total=int(total) if counts.dtype.kind in "iu" else float(total),
        cells=cells,
    )
