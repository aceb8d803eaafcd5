import numpy as np
import pytest

from ishenim.analytics.concentration import concentration


def _gini_by_brute_force(counts: np.ndarray) -> float:
    """Mean absolute difference over all ordered pairs, divided by twice the mean."""
    values = counts.astype(float)
    return np.abs(values[:, None] - values[None, :]).sum() / (2 * len(values) ** 2 * values.mean())


def _cells_for_half_by_brute_force(counts: np.ndarray) -> int:
    ranked = sorted(counts.tolist(), reverse=True)
    for m in range(1, len(ranked) + 1):
        if 2 * sum(ranked[:m]) >= sum(ranked):
            return m
    raise AssertionError("unreachable for a positive total")


@pytest.mark.parametrize("seed", range(6))
def test_gini_and_share_for_half_equal_their_definitions_computed_by_brute_force(seed):
    rng = np.random.default_rng(seed)
    cells = int(rng.integers(1, 900))
    # Mostly empty cells and a few busy ones, as crime on hexagons looks.
    counts = rng.negative_binomial(0.3, 0.1, cells)
    counts[0] += 1  # at least one crime

    result = concentration(counts)

    assert result.gini == pytest.approx(_gini_by_brute_force(counts), rel=1e-12, abs=1e-15)
    assert result.cells_for_half == _cells_for_half_by_brute_force(counts)
    assert result.share_of_cells_for_half == result.cells_for_half / cells
    assert result.total == counts.sum()
    assert result.cells == cells


def test_worked_example_in_the_manner_of_weisburds_law_of_crime_concentration():
    # 100 street segments: 5 with 10 crimes, 50 with 1, 45 with none; 100 crimes in all.
    counts = np.array([10] * 5 + [1] * 50 + [0] * 45)
    rng = np.random.default_rng(1)
    rng.shuffle(counts)

    result = concentration(counts, top=5)

    # Half of the crime (50) sits on the 5 busiest segments: 5% of the places.
    assert result.cells_for_half == 5
    assert result.share_of_cells_for_half == 0.05
    # Σ|xi − xj| over unordered pairs: 5·50·9 + 5·45·10 + 50·45·1 = 6,750; over ordered
    # pairs 13,500; G = 13,500 / (2 · 100² · 1) = 0.675.
    assert result.gini == pytest.approx(0.675, rel=1e-14)
    assert result.top_counts.tolist() == [10] * 5
    assert sorted(result.top_indices.tolist()) == np.flatnonzero(counts == 10).tolist()
    assert result.top_share == pytest.approx(0.5)


def test_worked_example_with_ten_cells_by_hand():
    counts = np.array([0, 0, 3, 5, 2, 0, 0, 0, 0, 0])

    result = concentration(counts, top=2)

    # The busiest cell holds 5 of 10 crimes: one cell of ten holds half.
    assert result.share_of_cells_for_half == 0.1
    # Unordered pairs: |5−3| + |5−2| + |3−2| = 6, non-empty against empty 10·7 = 70;
    # G = 2·76 / (2 · 10² · 1) = 0.76.
    assert result.gini == pytest.approx(0.76, rel=1e-14)
    assert result.top_indices.tolist() == [3, 2]
    assert result.top_counts.tolist() == [5, 3]
    assert result.top_share == 0.8


def test_cells_without_crime_count_towards_concentration():
    busy = np.array([4, 4, 4, 4])

    without_empty = concentration(busy)
    with_empty = concentration(np.concatenate([busy, np.zeros(12, dtype=int)]))

    assert without_empty.gini == 0
    assert without_empty.share_of_cells_for_half == 0.5
    assert with_empty.gini == pytest.approx(0.75)
    assert with_empty.share_of_cells_for_half == 2 / 16


def test_top_cells_with_equal_counts_are_listed_in_input_order():
    result = concentration(np.array([1, 7, 3, 7, 7, 0]), top=4)

    assert result.top_indices.tolist() == [1, 3, 4, 2]
    assert result.top_counts.tolist() == [7, 7, 7, 3]


def test_asking_for_more_top_cells_than_there_are_returns_them_all():
    result = concentration(np.array([2, 1]), top=10)

    assert result.top_indices.tolist() == [0, 1]
    assert result.top_share == 1.0


def test_no_crime_at_all_gives_no_concentration_figures():
    result = concentration(np.zeros(5, dtype=int))

    assert np.isnan(result.gini)
    assert np.isnan(result.share_of_cells_for_half)
    assert np.isnan(result.top_share)
    assert result.total == 0


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        (np.array([3, -1]), "not negative"),
        (np.array([[1, 2]]), "one-dimensional"),
        (np.array(["3"]), "numbers"),
    ],
)
def test_invalid_counts_are_refused(counts, message):
    with pytest.raises(ValueError, match=message):
        concentration(counts)
