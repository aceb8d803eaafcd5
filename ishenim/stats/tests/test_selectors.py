from datetime import date

import pytest
from django.http import Http404

from ishenim.core.enums import Sensitivity
from ishenim.orgs.enums import Action
from ishenim.stats import selectors
from ishenim.stats.access import access_dataset
from ishenim.stats.models import CountRollup, CrimeRecord
from ishenim.stats.periods import Period
from ishenim.stats.services import csv_import, dataset_create, dataset_update
from ishenim.stats.tests.conftest import IN_BALYKCHY, IN_BATKEN

pytestmark = pytest.mark.django_db

ISSYK_KUL = "41702000000000"


def _points_dataset(tmp_path, *, name="points", unit=None, sensitivity=Sensitivity.INTERNAL):
    """Three records in Balykchy and two in Batken, in two months."""
    from ishenim.geo.models import AdminUnit

    dataset = dataset_create(
        name=name,
        title=name,
        country_code="KG",
        unit=AdminUnit.objects.get(code=unit) if unit else None,
        sensitivity=sensitivity,
        actor=None,
    )
    rows = (
        [("2023-01", *IN_BALYKCHY)] * 2
        + [("2023-03", *IN_BALYKCHY)]
        + [("2023-01", *IN_BATKEN)] * 2
    )
    path = tmp_path / f"{name}.csv"
    path.write_text(
        "month,lat,lon,kind\n" + "".join(f"{m},{lat},{lon},theft\n" for m, lat, lon in rows),
        encoding="utf-8",
    )
    csv_import(
        dataset=dataset,
        file=path,
        mapping={
            "columns": {
                "month": "month",
                "latitude": "lat",
                "longitude": "lon",
                "category": "kind",
            },
            "categories": {"theft": "0502"},
        },
        actor=None,
    )
    return dataset


def test_an_internal_national_dataset_is_listed_for_national_staff_only(tmp_path, cast):
    dataset = _points_dataset(tmp_path)

    assert dataset in selectors.dataset_list_for_viewer(cast.administrator)
    assert dataset not in selectors.dataset_list_for_viewer(cast.dilnoza)
    assert dataset not in selectors.dataset_list_for_viewer(cast.chynara)
    assert dataset not in selectors.dataset_list_for_viewer(None)


def test_a_dataset_covering_issyk_kul_is_seen_there_and_not_in_batken(tmp_path, cast):
    dataset = _points_dataset(tmp_path, unit=ISSYK_KUL)

    assert dataset in selectors.dataset_list_for_viewer(cast.dilnoza)
    assert dataset not in selectors.dataset_list_for_viewer(cast.chynara)
    assert access_dataset(cast.dilnoza, dataset.name) == dataset
    # Chynara test: a forbidden dataset answers like a missing one.
    with pytest.raises(Http404) as forbidden:
        access_dataset(cast.chynara, dataset.name)
    with pytest.raises(Http404) as missing:
        access_dataset(cast.chynara, "no-such-dataset")
    assert str(forbidden.value) == str(missing.value)


def test_records_on_the_map_are_those_in_the_viewers_jurisdiction(tmp_path, cast):
    dataset = _points_dataset(tmp_path)

    def seen(user):
        return sorted(round(r["latitude"]) for r in selectors.records_for_map(user, dataset))

    assert seen(cast.administrator) == [40, 40, 42, 42, 42]
    assert seen(cast.bakyt) == [42, 42, 42]
    assert seen(cast.chynara) == [40, 40]
    assert seen(None) == []


def test_a_dataset_made_public_is_seen_by_everyone_with_its_records_and_counts(tmp_path, cast):
    dataset = _points_dataset(tmp_path)

    dataset_update(dataset=dataset, sensitivity=Sensitivity.PUBLIC, actor=cast.administrator)

    assert dataset in selectors.dataset_list_for_viewer(None)
    assert len(selectors.records_for_map(None, dataset)) == 5
    assert set(
        CrimeRecord.objects.filter(dataset=dataset).values_list("sensitivity", flat=True)
    ) == {"public"}
    assert set(
        CountRollup.objects.filter(dataset=dataset).values_list("sensitivity", flat=True)
    ) == {"public"}


def test_only_administrators_of_its_place_may_change_a_dataset(tmp_path, cast):
    from django.core.exceptions import PermissionDenied

    from ishenim.orgs import policy

    dataset = _points_dataset(tmp_path, unit=ISSYK_KUL)

    assert policy.can(cast.administrator, Action.CHANGE, dataset)
    assert not policy.can(cast.dilnoza, Action.CHANGE, dataset)
    with pytest.raises(PermissionDenied):
        dataset_update(dataset=dataset, title="Renamed", actor=cast.dilnoza)


def test_counts_by_unit_and_month_with_a_period(tmp_path):
    dataset = _points_dataset(tmp_path)

    rows = selectors.counts_by(dataset, by=["unit", "month"], period=Period.parse("2023-01"))

    assert [(r["unit_code"], r["month"], r["count"]) for r in rows] == [
        ("41702420000010", date(2023, 1, 1), 2),
        ("41705214000000", date(2023, 1, 1), 2),
    ]
    assert rows[0]["rate_per_100k"] is None or rows[0]["rate_per_100k"] > 0


def test_a_section_counts_its_divisions(tmp_path):
    dataset = _points_dataset(tmp_path)

    (section,) = selectors.counts_by(dataset, by=[], category="05")
    (other,) = selectors.counts_by(dataset, by=[], category="01")

    assert section["count"] == 5
    assert other["count"] == 0


def test_the_monthly_series_has_every_month_of_the_period(tmp_path):
    dataset = _points_dataset(tmp_path)

    series = selectors.monthly_series(dataset, period=Period.parse("2022-12..2023-04"))

    assert [(row["month"].month, row["count"]) for row in series] == [
        (12, 0),
        (1, 4),
        (2, 0),
        (3, 1),
        (4, 0),
    ]


def test_area_totals_list_every_area_with_its_rate(west_yorkshire):
    totals = selectors.area_totals(west_yorkshire.dataset)
    by_code = {row["area_code"]: row for row in totals}

    assert len(totals) == 1400
    bradford = by_code["E01010646"]
    assert bradford["rate_per_100k"] == pytest.approx(bradford["count"] * 100_000 / 1319)
    # An LSOA of a neighbouring force: counted, but without a population, so without a rate.
    assert by_code["E01005410"]["population"] is None
    assert by_code["E01005410"]["rate_per_100k"] is None
    assert sum(row["count"] for row in totals) == 31_635 - 883


def test_the_summary_says_what_the_dataset_holds(west_yorkshire):
    summary = selectors.dataset_summary(west_yorkshire.dataset)

    assert summary.records == 31_635
    assert summary.first_month == summary.last_month == date(2018, 7, 1)
    assert summary.records_without_area == 883
    assert (summary.areas, summary.areas_with_population) == (1400, 1388)
    # Not every area has a population, so the dataset as a whole has none.
    assert summary.population is None


def test_counts_read_rollups_and_no_record(west_yorkshire, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        rows = selectors.counts_by(west_yorkshire.dataset, by=["area", "category", "month"])

    assert sum(row["count"] for row in rows) == 31_635


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2018-07", date(2018, 7, 1), date(2018, 7, 1)),
        ("2022", date(2022, 1, 1), date(2022, 12, 1)),
        ("2022-11..2023-02", date(2022, 11, 1), date(2023, 2, 1)),
    ],
)
def test_periods_read_months_years_and_ranges(text, first, last):
    period = Period.parse(text)

    assert (period.first, period.last) == (first, last)
    assert str(period) == text


@pytest.mark.parametrize("text", ["2018-13", "July", "2023..2022", "", "2018-07-01"])
def test_a_period_that_is_not_one_is_refused(text):
    with pytest.raises(ValueError, match="not a period"):
        Period.parse(text)
