"""Counts of records per combination of keys (area × category × month, ...).

Method: every key array is factorised once into dense integer codes with sorted uniques
(`factorise`); the codes of several keys are combined into one mixed-radix integer
(code₁·m₂·…·m_k + … + code_k, where m_i is the number of distinct values of key i), which
orders the combinations lexicographically; the combinations are then counted with
`np.bincount` when the code space is small compared with the number of rows, or with
`np.unique` (a sort) when it is not. When the product of the cardinalities would overflow
64 bits, the codes combined so far are first compressed to the combinations that actually
occur (at most one per row), so any number of keys works.

The result equals pandas' ``DataFrame.groupby(keys).size()`` (sort=True, dropna=True): one
row per combination that occurs, in lexicographic order of the keys, rows with a missing key
(None or NaN) left out — `CountTable.missing` says how many.

Integer keys take a faster path: a key's offset from its minimum is its code (no
factorisation), and the mixed-radix codes are binned or sorted once and decoded back.

Cost: O(n) for integer keys of moderate range and for strings (a hash table, each distinct
string handled once), one vectorised sort for integers spread over a wide range (e.g. H3
cells).
Reference: pandas.factorize and pandas.core.groupby (the semantics matched, not the code).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# A bincount over a code space this many times larger than the row count still beats a sort.
_BINCOUNT_SPACE_PER_ROW = 4
_BINCOUNT_SPACE_MIN = 1 << 16
# Mixed-radix codes stay below this bound so that they fit in int64 with room to spare.
_CODE_SPACE_LIMIT = 1 << 62


@dataclass(frozen=True)
class CountTable:
    """The distinct combinations of the keys and how many rows hold each.

    `keys[i][j]` is the value of key i in combination j; `counts[j]` its number of rows.
    `missing` is the number of rows left out because one of their keys was None or NaN.
    """

    keys: tuple[np.ndarray, ...]
    counts: np.ndarray
    missing: int

    def __len__(self) -> int:
        return len(self.counts)


def factorise(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dense integer codes for `values`, with the sorted distinct values they index.

    Returns `(codes, uniques)` with `uniques[codes[i]] == values[i]`; codes are int64 and
    -1 where the value is missing (None or NaN), as in `pandas.factorize(sort=True)`.
    """
    values = np.asarray(values)
    if values.ndim != 1:
        raise ValueError(f"Keys must be one-dimensional arrays; got {values.ndim} dimensions.")
    kind = values.dtype.kind
    if kind == "b":
        return _factorise_integers(values.astype(np.int8), values.dtype)
    if kind in "iu":
        return _factorise_integers(values, values.dtype)
    if kind in "mM":
        missing = np.isnat(values)
        codes, uniques = _factorise_sortable(values.view(np.int64), missing)
        return codes, uniques.view(values.dtype)
    if kind in "fc":
        return _factorise_sortable(values, np.isnan(values))
    if kind in "OUS":
        return _factorise_objects(values)
    raise ValueError(f"Keys of type {values.dtype} cannot be counted.")


def count_by(*keys: np.ndarray) -> CountTable:
    """Count the rows per distinct combination of the key arrays (all of the same length)."""
    if not keys:
        raise ValueError("Give at least one key array to count by.")
    arrays = [np.asarray(key) for key in keys]
    lengths = {len(array) for array in arrays}
    if len(lengths) != 1:
        raise ValueError(f"Key arrays differ in length: {sorted(lengths)}.")
    for array in arrays:
        if array.ndim != 1:
            raise ValueError(f"Keys must be one-dimensional arrays; got {array.ndim} dimensions.")
    fast = _count_by_offsets(arrays)
    if fast is not None:
        return fast
    factorised = [factorise(array) for array in arrays]

    present = np.ones(len(arrays[0]), dtype=bool)
    for codes, _ in factorised:
        present &= codes >= 0
    missing = int(len(present) - np.count_nonzero(present))
    key_codes = [codes[present] if missing else codes for codes, _ in factorised]

    groups, counts = _combined_groups(key_codes, [len(uniques) for _, uniques in factorised])
    # Any row of a group stands for it; the last one wins in a fancy-index assignment.
    representative = np.empty(len(counts), dtype=np.int64)
    representative[groups] = np.arange(len(groups), dtype=np.int64)
    combinations = tuple(
        uniques[codes[representative]]
        for codes, (_, uniques) in zip(key_codes, factorised, strict=True)
    )
    return CountTable(keys=combinations, counts=counts, missing=missing)


def _count_by_offsets(arrays: list[np.ndarray]) -> CountTable | None:
    """The fast path for integer keys (area codes, category and month numbers, H3 cells of a
    city): each key's offset from its minimum is its code, so no key is factorised; the
    mixed-radix codes are sorted once (or binned, when their space is small) and decoded
    back into key values. None when a key is not an integer or the codes would overflow."""
    if not arrays[0].size or any(array.dtype.kind not in "iub" for array in arrays):
        return None
    lows, spans = [], []
    space = 1
    for array in arrays:
        low, high = int(array.min()), int(array.max())
        span = high - low + 1
        space *= span
        if space >= _CODE_SPACE_LIMIT:
            return None
        lows.append(low)
        spans.append(span)
    n_rows = len(arrays[0])
    combined = np.zeros(n_rows, dtype=np.int64)
    for array, low, span in zip(arrays, lows, spans, strict=True):
        if array.dtype == np.uint64:
            # Subtracted in uint64, where keys above 2**63 (H3 cells) keep exact offsets.
            offsets = (array - np.uint64(low)).astype(np.int64)
        else:
            # Widened first: an int8 or int16 key would overflow in its own type.
            offsets = array.astype(np.int64) - low
        combined *= span
        combined += offsets
    if space <= max(_BINCOUNT_SPACE_PER_ROW * n_rows, _BINCOUNT_SPACE_MIN):
        sizes = np.bincount(combined, minlength=space)
        values = np.flatnonzero(sizes)
        counts = sizes[values].astype(np.int64)
    else:
        # NumPy sorts integers with a vectorised sort: far cheaper than a factorisation.
        ordered = np.sort(combined)
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        values = ordered[starts]
        counts = np.diff(np.r_[starts, n_rows]).astype(np.int64)
    decoded = []
    for array, low, span in zip(reversed(arrays), reversed(lows), reversed(spans), strict=True):
        values, offsets = np.divmod(values, span)
        if array.dtype == np.uint64:
            key = offsets.astype(np.uint64) + np.uint64(low)
        else:
            key = offsets + low
        decoded.append(key.astype(array.dtype))
    return CountTable(keys=tuple(reversed(decoded)), counts=counts, missing=0)


def _combined_groups(
    key_codes: list[np.ndarray], cardinalities: list[int]
) -> tuple[np.ndarray, np.ndarray]:
    """Dense group number per row (in lexicographic order of the codes) and group sizes."""
    combined = np.zeros(len(key_codes[0]), dtype=np.int64)
    space = 1
    for codes, cardinality in zip(key_codes, cardinalities, strict=True):
        cardinality = max(cardinality, 1)
        if space * cardinality >= _CODE_SPACE_LIMIT:
            combined, space = _compress(combined)
        combined = combined * cardinality + codes
        space *= cardinality
    n_rows = len(combined)
    if space <= max(_BINCOUNT_SPACE_PER_ROW * n_rows, _BINCOUNT_SPACE_MIN):
        sizes = np.bincount(combined, minlength=space)
        occupied = np.flatnonzero(sizes)
        rank = np.zeros(space, dtype=np.int64)
        rank[occupied] = np.arange(len(occupied), dtype=np.int64)
        return rank[combined], sizes[occupied].astype(np.int64)
    _, groups, sizes = np.unique(combined, return_inverse=True, return_counts=True)
    return groups.astype(np.int64), sizes.astype(np.int64)


def _compress(combined: np.ndarray) -> tuple[np.ndarray, int]:
    """Renumber the codes that occur as 0..k-1, keeping their order."""
    occurring, dense = np.unique(combined, return_inverse=True)
    return dense.astype(np.int64), max(len(occurring), 1)


def _factorise_integers(values: np.ndarray, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    if len(values) == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=dtype)
    low, high = values.min(), values.max()
    span = int(high) - int(low) + 1
    if span <= max(_BINCOUNT_SPACE_PER_ROW * len(values), _BINCOUNT_SPACE_MIN):
        # Small range: a presence table instead of a sort, O(n).
        if values.dtype.kind == "u":
            # values ≥ low in the same unsigned type: the difference cannot wrap.
            offsets = (values - low).astype(np.int64, copy=False)
            present = np.flatnonzero(np.bincount(offsets, minlength=span))
            uniques = (present.astype(np.uint64) + np.uint64(low)).astype(dtype)
        else:
            offsets = values.astype(np.int64, copy=False) - np.int64(low)
            present = np.flatnonzero(np.bincount(offsets, minlength=span))
            uniques = (present + np.int64(low)).astype(dtype)
        if len(present) == span:
            return offsets, uniques  # every value of the range occurs: offsets are the codes
        rank = np.zeros(span, dtype=np.int64)
        rank[present] = np.arange(len(present), dtype=np.int64)
        return rank[offsets], uniques
    codes, uniques = _factorise_sortable(values, np.zeros(len(values), dtype=bool))
    return codes, uniques.astype(dtype)


def _factorise_sortable(values: np.ndarray, missing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    codes = np.full(len(values), -1, dtype=np.int64)
    uniques, inverse = np.unique(values[~missing], return_inverse=True)
    codes[~missing] = inverse
    return codes, uniques


def _factorise_objects(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hash each value once: the code of a row is the index where its value first occurs."""
    n_rows = len(values)
    first_seen: dict = {}
    # Python objects hash faster than NumPy string scalars, hence tolist().
    first = np.fromiter(
        map(first_seen.setdefault, values.tolist(), range(n_rows)), dtype=np.int64, count=n_rows
    )
    distinct = [value for value in first_seen if not _is_missing(value)]
    try:
        distinct.sort()
    except TypeError as error:
        raise ValueError(f"Key values of different types cannot be ordered: {error}.") from None
    lookup = np.full(n_rows, -1, dtype=np.int64)
    if distinct:
        where_first = np.fromiter((first_seen[value] for value in distinct), dtype=np.int64)
        lookup[where_first] = np.arange(len(distinct), dtype=np.int64)
    codes = lookup[first]
    uniques = np.empty(len(distinct), dtype=values.dtype if values.dtype.kind != "O" else object)
    uniques[:] = distinct
    return codes, uniques


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    try:
        # NaN and NaT are the values unequal to themselves; pandas reads empty cells as NaN.
        return bool(value != value)
    except TypeError:
        return True  # pandas.NA refuses to be a truth value: it is missing by definition
