"""Gi* against PySAL's esda on the real West Yorkshire month; FDR classes against statsmodels."""

import csv
import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pytest
from h3.api import numpy_int as h3int
from scipy import sparse

from ishenim.analytics.cells import (
    cell_counts,
    cells_for_points,
    kring_weights,
    study_area_from_records,
)
from ishenim.analytics.hotspots import (
    CLASS_NAMES,
    confidence_classes,
    gi_star,
    gi_star_permutation,
    hotspot_change,
)

esda = pytest.importorskip("esda")
libpysal = pytest.importorskip("libpysal")

DATA = Path(__file__).parents[3].parent / "shared" / "data" / "policeuk"
STREET_CSV = DATA / "2018-07-west-yorkshire-street.csv"


@pytest.fixture(scope="module")
def west_yorkshire():
    """(lat, lon) of the located records of July 2018."""
    if not STREET_CSV.exists():
        pytest.skip(f"The police.uk test data is not at {STREET_CSV}.")
    with STREET_CSV.open(newline="") as street:
        located = [row for row in csv.DictReader(street) if row["Latitude"]]
    lat = np.array([float(row["Latitude"]) for row in located])
    lon = np.array([float(row["Longitude"]) for row in located])
    return lat, lon


def _study(lat, lon, resolution, k):
    records = cells_for_points(lat, lon, resolution=resolution)
    study = study_area_from_records(records, k=k)
    return study, cell_counts(records, study)


def _libpysal_weights(study, k):
    """The reference weights: h3's grid_disk per cell, through libpysal, no self-neighbour
    (esda's star=True adds the diagonal itself)."""
    position = {int(cell): i for i, cell in enumerate(study)}
    neighbours = {
        i: [
            position[int(other)]
            for other in h3int.grid_disk(int(cell), k)
            if int(other) in position and int(other) != int(cell)
        ]
        for i, cell in enumerate(study)
    }
    return libpysal.weights.W(neighbours, silence_warnings=True)


def _esda_g_local(counts, w, **options):
    with warnings.catch_warnings():
        # esda announces a future change of its permutation default (we pin today's), and
        # libpysal notes that a study area with gaps is not one connected graph.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        return esda.G_Local(counts.astype(np.float64), w, transform="B", star=True, **options)


@pytest.mark.parametrize(("resolution", "k"), [(8, 1), (9, 1), (9, 2)])
def test_z_scores_equal_esda_g_local_star_on_the_west_yorkshire_month(
    west_yorkshire, resolution, k
):
    study, counts = _study(*west_yorkshire, resolution, k)
    ours = gi_star(counts, kring_weights(study, k=k))
    reference = _esda_g_local(counts, _libpysal_weights(study, k), permutations=0)
    assert counts.sum() == west_yorkshire[0].size
    np.testing.assert_allclose(ours.z, reference.Zs, rtol=0, atol=1e-9)
    np.testing.assert_allclose(ours.p, 2 * reference.p_norm, rtol=1e-12, atol=0)
    # Real clustering: the city centres come out as 99% hot spots.
    assert (ours.classes == 3).sum() > 50


def test_z_scores_equal_esdas_worked_example():
    # esda.G_Local's docstring: six points, a distance band of 15, binary weights, star=True.
    neighbours = {0: [1, 3], 1: [0, 3, 4], 2: [4], 3: [0, 1, 4], 4: [1, 2, 3, 5], 5: [4]}
    rows = [i for i, js in neighbours.items() for _ in js]
    columns = [j for js in neighbours.values() for j in js]
    weights = sparse.csr_matrix((np.ones(len(rows)), (rows, columns)), shape=(6, 6))
    result = gi_star([2, 3, 3.2, 5, 8, 7], weights)
    expected = [-1.39727626, -0.28917762, 0.65064964, -0.28917762, 1.23452088, 2.02424331]
    np.testing.assert_allclose(result.z, expected, rtol=0, atol=5e-9)


def test_weights_count_as_a_pattern_with_the_cell_itself_included():
    centre = h3int.latlng_to_cell(42.8746, 74.5698, 9)
    study = np.asarray(h3int.grid_disk(centre, 3), dtype=np.uint64)
    counts = np.random.default_rng(5).poisson(2.0, study.size)
    binary = kring_weights(study)
    scaled_without_diagonal = binary * 2.5
    scaled_without_diagonal.setdiag(0)
    scaled_without_diagonal.eliminate_zeros()
    np.testing.assert_array_equal(
        gi_star(counts, scaled_without_diagonal).z, gi_star(counts, binary).z
    )


def test_fdr_classes_are_benjamini_hochberg_at_each_confidence_level(west_yorkshire):
    multitest = pytest.importorskip("statsmodels.stats.multitest")
    study, counts = _study(*west_yorkshire, 9, 1)
    result = gi_star(counts, kring_weights(study))
    unadjusted = gi_star(counts, kring_weights(study), fdr=False)
    for level, alpha in ((1, 0.10), (2, 0.05), (3, 0.01)):
        rejected = multitest.multipletests(result.p, alpha=alpha, method="fdr_bh")[0]
        np.testing.assert_array_equal(np.abs(result.classes) >= level, rejected)
        np.testing.assert_array_equal(np.abs(unadjusted.classes) >= level, result.p <= alpha)
    np.testing.assert_array_equal(
        np.sign(result.classes[result.classes != 0]), np.sign(result.z[result.classes != 0])
    )
    # The correction matters here: fewer cells stay significant than without it.
    assert 0 < np.count_nonzero(result.classes) < np.count_nonzero(unadjusted.classes)


def test_classes_name_hot_and_cold_by_confidence():
    z = np.array([3.0, 2.2, 1.7, 0.5, -1.7, -2.2, -3.0])
    p = 2 * (1 - np.array([0.99865, 0.98610, 0.95543, 0.69146, 0.95543, 0.98610, 0.99865]))
    classes = confidence_classes(z, p, fdr=False)
    assert [CLASS_NAMES[c] for c in classes.tolist()] == [
        "hot_99",
        "hot_95",
        "hot_90",
        "not_significant",
        "cold_90",
        "cold_95",
        "cold_99",
    ]


def _permutation_reference(counts, weights, permutations, seed):
    """esda's conditional randomisation written out cell by cell, in G's own terms."""
    y = counts.astype(np.float64)
    n = y.size
    weights = sparse.csr_matrix(weights)
    neighbours = np.diff(weights.indptr) - 1
    generator = np.random.RandomState(seed)
    draws = np.array(
        [generator.choice(n - 1, size=neighbours.max(), replace=False) for _ in range(permutations)]
    )
    observed = (weights @ y) / y.sum()
    p_sim = np.ones(n)
    for i in range(n):
        if neighbours[i] == 0:
            continue
        others = np.delete(y, i)
        simulated = (others[draws[:, : neighbours[i]]].sum(axis=1) + y[i]) / y.sum()
        larger = int((simulated >= observed[i]).sum())
        p_sim[i] = (min(larger, permutations - larger) + 1) / (permutations + 1)
    return p_sim


def test_permutation_p_values_follow_conditional_randomisation_cell_by_cell():
    centre = h3int.latlng_to_cell(42.8746, 74.5698, 9)
    disk = np.asarray(h3int.grid_disk(centre, 7), dtype=np.uint64)
    rng = np.random.default_rng(11)
    # Holes give every neighbour count from 0 (islands) to 6.
    study = disk[rng.random(disk.size) < 0.55]
    counts = rng.poisson(1.0, study.size)
    counts[:5] += 9
    weights = kring_weights(study)
    assert set(np.diff(weights.indptr).tolist()) == {1, 2, 3, 4, 5, 6, 7}
    ours = gi_star_permutation(counts, weights, permutations=499, seed=7)
    np.testing.assert_array_equal(ours.p_sim, _permutation_reference(counts, weights, 499, 7))
    assert (ours.p_sim[np.diff(weights.indptr) == 1] == 1.0).all()
    np.testing.assert_array_equal(ours.z, gi_star(counts, weights).z)


@pytest.mark.skipif(
    importlib.util.find_spec("numba") is not None,
    reason="With numba installed esda draws from numba's generator, not NumPy's.",
)
def test_permutation_p_values_equal_esda_with_the_same_seed(west_yorkshire):
    study, counts = _study(*west_yorkshire, 8, 1)
    ours = gi_star_permutation(counts, kring_weights(study), permutations=199, seed=20180731)
    reference = _esda_g_local(
        counts, _libpysal_weights(study, 1), permutations=199, seed=20180731, n_jobs=1
    )
    # esda keeps p_sim in float32; the counts of larger draws behind it are equal.
    np.testing.assert_array_equal(np.rint(ours.p_sim * 200), np.rint(reference.p_sim * 200))
    np.testing.assert_array_equal(ours.p, np.minimum(1, 2 * ours.p_sim))


def test_permutations_repeat_with_a_seed_and_change_without_it():
    centre = h3int.latlng_to_cell(53.7997, -1.5492, 9)
    study = np.asarray(h3int.grid_disk(centre, 8), dtype=np.uint64)
    counts = np.random.default_rng(3).poisson(1.5, study.size)
    weights = kring_weights(study)
    first = gi_star_permutation(counts, weights, permutations=99, seed=1)
    again = gi_star_permutation(counts, weights, permutations=99, seed=1)
    other = gi_star_permutation(counts, weights, permutations=99, seed=2)
    np.testing.assert_array_equal(first.p_sim, again.p_sim)
    assert not np.array_equal(first.p_sim, other.p_sim)


def test_a_strong_cluster_reaches_the_smallest_pseudo_p_value_and_fdr_asks_for_more_draws():
    centre = h3int.latlng_to_cell(53.7997, -1.5492, 9)
    study = np.asarray(h3int.grid_disk(centre, 8), dtype=np.uint64)
    counts = np.random.default_rng(4).poisson(0.5, study.size)
    counts[study == centre] = 30
    for neighbour in h3int.grid_ring(centre, 1):
        counts[study == neighbour] = 20
    weights = kring_weights(study)
    at_centre = int(np.flatnonzero(study == centre)[0])
    result = gi_star_permutation(counts, weights, permutations=999, seed=9)
    assert result.p_sim[at_centre] == 1 / 1000
    assert result.p[at_centre] == 2 / 1000
    unadjusted = gi_star_permutation(counts, weights, permutations=999, seed=9, fdr=False)
    assert unadjusted.classes[at_centre] == 3
    # Under FDR the 1% bar for the r-th smallest of 217 p-values is r × 0.01 / 217; no p below
    # 2/1000 clears it, so the cluster stays at 95%. 9,999 permutations reach p = 2/10,000.
    assert result.classes[at_centre] == 2
    more = gi_star_permutation(counts, weights, permutations=9_999, seed=9)
    assert more.classes[at_centre] == 3


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ([1, -1, 2], "negative"),
        ([0, 0, 0], "no records"),
        ([2, 2, 2], "same count"),
        ([1, 2], "at least 3"),
        ([1, 2, np.nan], "finite"),
    ],
)
def test_unusable_counts_are_refused_with_a_reason(counts, message):
    weights = sparse.identity(len(counts), format="csr")
    with pytest.raises(ValueError, match=message):
        gi_star(counts, weights)


def test_weights_of_the_wrong_shape_or_kind_are_refused():
    with pytest.raises(ValueError, match="3 cells"):
        gi_star([1, 2, 3], sparse.identity(4, format="csr"))
    with pytest.raises(ValueError, match="sparse"):
        gi_star([1, 2, 3], np.eye(3))
    with pytest.raises(ValueError, match="seed"):
        gi_star_permutation([1, 2, 3], sparse.identity(3, format="csr"), seed=-1)


def test_hotspot_change_names_each_category():
    cases = [
        # (z before, z after, class before, class after, category)
        (0.2, -0.1, 0, 0, "none"),
        (0.5, 2.1, 0, 2, "emerging_hot"),
        (-1.7, 1.7, -1, 1, "emerging_hot"),
        (4.0, 4.5, 3, 3, "persistent_hot"),
        (1.8, 5.0, 1, 3, "intensifying_hot"),
        (6.0, 1.7, 3, 1, "diminishing_hot"),
        (2.0, 0.3, 2, 0, "diminishing_hot"),
        (-0.4, -2.1, 0, -2, "emerging_cold"),
        (2.1, -2.1, 2, -2, "emerging_cold"),
        (-2.1, -2.2, -2, -2, "persistent_cold"),
        (-1.7, -4.8, -1, -3, "intensifying_cold"),
        (-5.0, -1.7, -3, -1, "diminishing_cold"),
        (-1.7, -0.2, -1, 0, "diminishing_cold"),
        # Just inside the 1.96 band: hotter, but not significantly.
        (3.0, 3.0 + 1.959 * np.sqrt(2), 3, 3, "persistent_hot"),
    ]
    z1, z2, c1, c2, expected = zip(*cases, strict=True)
    change = hotspot_change(np.array(z1), np.array(z2), np.array(c1), np.array(c2))
    assert change.categories.tolist() == list(expected)
    np.testing.assert_allclose(change.z_change, (np.array(z2) - np.array(z1)) / np.sqrt(2))


def test_hotspot_change_refuses_periods_of_different_cells():
    with pytest.raises(ValueError, match="differ in cells"):
        hotspot_change([1.0, 2.0], [1.0], [0, 1], [0])
    with pytest.raises(ValueError, match="−3 to 3"):
        hotspot_change([1.0], [1.0], [4], [0])
