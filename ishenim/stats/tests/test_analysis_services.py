"""The analyses behind the statistics pages and commands, against the engine and the
reference tools, with the viewer's permissions."""

import numpy as np
import pytest
from scipy import stats as scipy_stats

from ishenim.analytics.cells import cell_counts, cells_for_points, kring_weights
from ishenim.analytics.concentration import concentration
from ishenim.analytics.hotspots import gi_star
from ishenim.analytics.near_repeat import knox_test
from ishenim.core.models import AuditEntry
from ishenim.stats.models import CountRollup, CrimeRecord, DatasetArea
from ishenim.stats.periods import Period
from ishenim.stats.services import analysis
from ishenim.stats.tests.analysis_data import (
    BALYKCHY,
    batken_dataset,
    demo_dataset_fixture,  # noqa: F401  (the demo_dataset fixture)
)

pytestmark = pytest.mark.django_db

PLATFORM = analysis.PLATFORM


def _balykchy(dataset):
    return analysis.area_scope_resolve(dataset, BALYKCHY)


def test_balykchys_fall_from_1727_to_1356_is_called_real(demo_dataset):
    figures = analysis.dashboard_compute(
        dataset=demo_dataset, viewer=PLATFORM, area=_balykchy(demo_dataset)
    )

    # The latest twelve months against the twelve before them.
    assert (str(figures.period), str(figures.compare)) == ("2023", "2022")
    assert (figures.change.before, figures.change.after, figures.total) == (1727, 1356, 1356)
    assert figures.change.significant and figures.change.verdict == "fall"
    assert figures.change.words == "a real fall"
    # The exact conditional test: 1,356 of 3,083 against a half, as SciPy computes it.
    assert figures.change.p_value == pytest.approx(
        scipy_stats.binomtest(1356, 3083, 0.5).pvalue, rel=1e-12
    )
    assert figures.change.ratio == pytest.approx(1356 / 1727)


def test_the_rate_is_per_100000_residents_with_garwoods_exact_interval(demo_dataset):
    figures = analysis.dashboard_compute(
        dataset=demo_dataset, viewer=PLATFORM, area=_balykchy(demo_dataset)
    )

    population = figures.rate.population
    assert population == 48622  # Balykchy's, from the shipped reference data
    assert figures.rate.rate == pytest.approx(1356 / population * 100_000)
    assert figures.rate.lower == pytest.approx(
        scipy_stats.chi2.ppf(0.025, 2 * 1356) / 2 / population * 100_000, rel=1e-10
    )
    assert figures.rate.upper == pytest.approx(
        scipy_stats.chi2.ppf(0.975, 2 * 1357) / 2 / population * 100_000, rel=1e-10
    )


def test_categories_and_months_add_up_to_the_total(demo_dataset):
    figures = analysis.dashboard_compute(
        dataset=demo_dataset, viewer=PLATFORM, area=_balykchy(demo_dataset)
    )

    assert sum(row.count for row in figures.categories) == 1356
    assert sum(row.change.before for row in figures.categories) == 1727
    assert [bar.month.isoformat()[:7] for bar in figures.months[:2]] == ["2022-01", "2022-02"]
    assert len(figures.months) == 24
    assert sum(bar.count for bar in figures.months if bar.in_period) == 1356
    assert sum(bar.count for bar in figures.months if not bar.in_period) == 1727
    # Two years: the trend is there, and the made-up fall shows as a shift of level.
    assert figures.trend is not None
    assert figures.change_month is not None


def test_a_category_table_controls_the_false_discovery_rate(demo_dataset):
    from statsmodels.stats.multitest import multipletests

    figures = analysis.dashboard_compute(
        dataset=demo_dataset, viewer=PLATFORM, area=_balykchy(demo_dataset)
    )

    p_values = [row.change.p_value for row in figures.categories]
    reject, q_values, _, _ = multipletests(p_values, alpha=0.05, method="fdr_bh")
    assert [row.change.q_value for row in figures.categories] == pytest.approx(list(q_values))
    assert [row.change.significant for row in figures.categories] == list(reject)


def test_the_parts_of_the_country_are_its_oblasts_tested_across_areas(demo_dataset):
    report = analysis.change_compute(
        dataset=demo_dataset,
        area=None,
        period_from=Period.parse("2022"),
        period_to=Period.parse("2023"),
        viewer=PLATFORM,
    )

    parts = {row.code: row.change for row in report.parts}
    assert len(parts) == 9  # the oblasts and the two cities of republican status
    assert (parts["41702000000000"].before, parts["41702000000000"].after) == (2137, 1811)
    assert parts["41702000000000"].verdict == "fall"
    # Oblasts without records are no test and not in the family.
    assert parts["41703000000000"].verdict == "empty"
    assert parts["41703000000000"].q_value is None
    assert (report.total.before, report.total.after) == (2581, 2244)


def test_a_viewer_of_part_of_the_dataset_gets_their_counts_and_no_rate(tmp_path, cast):
    dataset = batken_dataset(tmp_path)

    year = Period.parse("2023")
    mine = analysis.dashboard_compute(dataset=dataset, viewer=cast.chynara, period=year)
    everything = analysis.dashboard_compute(dataset=dataset, viewer=PLATFORM, period=year)

    # Chynara test: the three records located in Balykchy are not hers to count.
    assert (mine.total, everything.total) == (40, 43)
    assert mine.whole is False and mine.rate is None


def test_hotspots_count_only_the_viewers_records(tmp_path, cast):
    dataset = batken_dataset(tmp_path)

    mine = analysis.hotspots_compute(dataset=dataset, resolution=9, viewer=cast.chynara)
    everything = analysis.hotspots_compute(dataset=dataset, resolution=9, viewer=PLATFORM)

    assert (mine.cells.records, everything.cells.records) == (40, 43)


def test_points_are_only_the_viewers_and_only_for_staff(tmp_path, cast):
    dataset = batken_dataset(tmp_path)

    points = analysis.points_geojson(dataset=dataset, viewer=cast.chynara)

    assert len(points["features"]) == 40
    assert all(f["geometry"]["coordinates"][1] < 41 for f in points["features"])
    assert not analysis.points_allowed(cast.aida)
    with pytest.raises(PermissionError):
        analysis.points_geojson(dataset=dataset, viewer=cast.aida)


def test_hotspot_z_scores_are_gi_star_on_the_same_cells_and_weights(west_yorkshire):
    dataset = west_yorkshire.dataset
    located = list(
        CrimeRecord.objects.filter(dataset=dataset, latitude__isnull=False).values_list(
            "latitude", "longitude"
        )
    )
    lat, lon = np.array(located).T

    hotspots = analysis.hotspots_compute(dataset=dataset, resolution=8, k=1, viewer=PLATFORM)

    study = hotspots.cells.cells
    counts = cell_counts(cells_for_points(lat, lon, resolution=8), study)
    reference = gi_star(counts, kring_weights(study, k=1))
    assert hotspots.cells.study == analysis.Study.RECORDS
    np.testing.assert_array_equal(hotspots.cells.counts, counts)
    np.testing.assert_allclose(hotspots.z, reference.z, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(hotspots.classes, reference.classes)
    assert hotspots.cells.records == len(located)


def test_a_units_study_area_is_every_hexagon_inside_its_outline(demo_dataset):
    from ishenim.analytics.cells import study_area_from_polygons
    from ishenim.geo.models import Boundary

    hotspots = analysis.hotspots_compute(
        dataset=demo_dataset, resolution=9, viewer=PLATFORM, area=_balykchy(demo_dataset)
    )

    outline = Boundary.objects.get(unit__code=BALYKCHY).geometry
    np.testing.assert_array_equal(
        hotspots.cells.cells, study_area_from_polygons(outline, resolution=9)
    )
    # Empty hexagons count: most of the town has no record.
    assert (hotspots.cells.counts == 0).sum() > hotspots.cells.cells.size / 2
    assert hotspots.cells.records + hotspots.cells.outside == 3083


@pytest.mark.parametrize(
    ("resolution", "k", "message"),
    [
        (11, 1, "The hexagon resolution must be a whole number from 6 to 10."),
        (5, 1, "The hexagon resolution must be a whole number from 6 to 10."),
        (9, 0, "The neighbourhood must be 1 to 3 rings of hexagons."),
        (9, 4, "The neighbourhood must be 1 to 3 rings of hexagons."),
    ],
)
def test_resolution_and_rings_are_bounded(demo_dataset, resolution, k, message):
    with pytest.raises(analysis.AnalysisError, match=message):
        analysis.hotspots_compute(dataset=demo_dataset, resolution=resolution, k=k, viewer=PLATFORM)


def test_a_study_area_too_fine_for_its_size_is_refused_with_what_would_fit(demo_dataset):
    issyk_kul = analysis.area_scope_resolve(demo_dataset, "41702000000000")

    with pytest.raises(analysis.AnalysisError, match="choose a coarser resolution"):
        analysis.hotspots_compute(
            dataset=demo_dataset, resolution=10, viewer=PLATFORM, area=issyk_kul
        )
    assert analysis.resolution_default(issyk_kul) == 7


def test_near_repeat_is_the_knox_test_of_the_viewers_dated_records(demo_dataset):
    result = analysis.near_repeat_compute(
        dataset=demo_dataset,
        viewer=PLATFORM,
        area=_balykchy(demo_dataset),
        period=Period.parse("2023"),
        distance_bands_m=[0, 200, 400],
        time_bands_days=[7, 14],
        permutations=19,
        seed=5,
    )

    records = CrimeRecord.objects.filter(
        dataset=demo_dataset, unit__code=BALYKCHY, month__year=2023
    ).values_list("latitude", "longitude", "occurred_on")
    lat, lon, days = zip(*records, strict=True)
    reference = knox_test(
        np.array(lat),
        np.array(lon),
        np.array(days, dtype="datetime64[D]"),
        distance_bands_m=[0, 200, 400],
        time_bands_days=[7, 14],
        permutations=19,
        seed=5,
    )
    assert result.incidents == 1356
    np.testing.assert_array_equal(result.result.observed, reference.observed)
    np.testing.assert_array_equal(result.result.p_value, reference.p_value)
    assert result.distance_labels == [
        "same location",
        "up to 200 m",
        "over 200 to 400 m",
        "more than 400 m",
    ]
    assert result.time_labels == ["0 to 7 days", "8 to 14 days", "more than 14 days"]


def test_near_repeat_on_months_only_says_it_needs_dates(west_yorkshire):
    with pytest.raises(analysis.AnalysisError, match="Near repeat needs the day of each crime"):
        analysis.near_repeat_compute(dataset=west_yorkshire.dataset, viewer=PLATFORM)


@pytest.mark.parametrize(
    ("bands", "kind"),
    [
        ("100,50", "distance"),
        ("-5,10", "distance"),
        ("0,7", "time"),
        ("7,7.5", "time"),
        ("a,b", "time"),
        ("", "distance"),
    ],
)
def test_bands_that_are_not_increasing_or_out_of_range_are_refused(bands, kind):
    with pytest.raises(analysis.AnalysisError, match="increasing"):
        analysis.bands_parse(bands, kind=kind)


def test_concentration_is_the_engines_on_the_study_areas_counts(demo_dataset):
    report = analysis.concentration_compute(
        dataset=demo_dataset, viewer=PLATFORM, resolution=9, area=_balykchy(demo_dataset), top=5
    )

    reference = concentration(report.cells.counts, top=5)
    assert report.measures.gini == pytest.approx(reference.gini)
    assert report.measures.cells_for_half == reference.cells_for_half
    assert [cell.count for cell in report.top] == list(reference.top_counts)
    assert report.top[-1].cumulative_share == pytest.approx(reference.top_share)


def test_a_police_uk_month_has_nothing_to_compare_with(west_yorkshire):
    figures = analysis.dashboard_compute(dataset=west_yorkshire.dataset, viewer=PLATFORM)

    assert str(figures.period) == "2018-07"
    assert figures.compare is None and figures.change is None
    assert "nothing to compare" in figures.compare_note
    # Its parts are its LSOAs (those of the population file and a few more the records
    # name), each with its rate where its population is known.
    assert len(figures.parts) == DatasetArea.objects.filter(dataset=west_yorkshire.dataset).count()
    assert sum(row.count for row in figures.parts) == 31635 - 883  # 883 without a place
    assert sum(row.rate is not None for row in figures.parts) == 1388
    # Areas without a population: the whole force's rate is over the areas that have one
    # (test_the_whole_police_uk_month_has_a_rate_over_its_areas_with_a_population).
    assert figures.total == 31635 and figures.rate.areas == 1388


def test_overlapping_periods_are_refused(demo_dataset):
    with pytest.raises(analysis.AnalysisError, match="overlap"):
        analysis.dashboard_compute(
            dataset=demo_dataset,
            viewer=PLATFORM,
            period=Period.parse("2023"),
            compare=Period.parse("2023-06..2024-05"),
        )


def test_an_unknown_area_is_refused_in_the_readers_words(demo_dataset):
    with pytest.raises(analysis.AnalysisError, match="is not an area of the dataset"):
        analysis.area_scope_resolve(demo_dataset, "E01007329")


def test_analyses_change_nothing(demo_dataset):
    before = (CrimeRecord.objects.count(), CountRollup.objects.count(), AuditEntry.objects.count())

    analysis.dashboard_compute(dataset=demo_dataset, viewer=PLATFORM)
    analysis.hotspots_compute(dataset=demo_dataset, resolution=8, viewer=PLATFORM)

    after = (CrimeRecord.objects.count(), CountRollup.objects.count(), AuditEntry.objects.count())
    assert before == after


def test_the_whole_police_uk_month_has_a_rate_over_its_areas_with_a_population(west_yorkshire):
    dataset = west_yorkshire.dataset
    known = DatasetArea.objects.filter(dataset=dataset, population__isnull=False)
    population = sum(known.values_list("population", flat=True))
    records = CrimeRecord.objects.filter(dataset=dataset, area__population__isnull=False).count()

    figures = analysis.dashboard_compute(dataset=dataset, viewer=PLATFORM)

    # The 12 LSOAs beyond the force's area have no population: their records are left out.
    assert (figures.rate.areas, figures.rate.of_areas) == (1_388, 1_400)
    assert records < figures.total == 31_635
    assert figures.rate.records == records
    assert figures.rate.population == population
    assert figures.rate.rate == pytest.approx(records * 100_000 / population)
    assert figures.rate.lower < figures.rate.rate < figures.rate.upper
