import csv

import h3
import pandas as pd
import pytest
from django.db import connection

from ishenim.core.models import AuditEntry
from ishenim.stats import selectors
from ishenim.stats.config import POLICE_UK_MAPPING_FILE
from ishenim.stats.enums import ImportKind, ImportStatus
from ishenim.stats.models import CountRollup, CrimeRecord, DatasetArea, ImportRun
from ishenim.stats.services import policeuk_import, rollups_refresh, row_digest
from ishenim.stats.services.importing import RECORD_COLUMNS, records_write
from ishenim.stats.tests.conftest import (
    POPULATION_CSV,
    STREET_CSV,
    WEST_YORKSHIRE_ROWS,
    police_dataset,
    street_file,
    street_row,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def street_frame() -> pd.DataFrame:
    # Every cell as text, empty cells as "": the CSV as police.uk wrote it.
    return pd.read_csv(STREET_CSV, dtype=str, keep_default_na=False)


def test_the_west_yorkshire_month_imports_every_row_and_refuses_none(west_yorkshire):
    run = west_yorkshire.run

    assert run.status == ImportStatus.DONE
    assert run.kind == ImportKind.POLICE_UK
    assert run.rows_read == WEST_YORKSHIRE_ROWS
    assert run.rows_imported + run.rows_rejected == WEST_YORKSHIRE_ROWS
    assert run.rows_rejected == 0 and run.errors == []
    assert run.rows_duplicate == 0
    assert CrimeRecord.objects.filter(dataset=west_yorkshire.dataset).count() == 31_635
    assert run.file_name == STREET_CSV.name
    assert len(run.file_sha256) == 64


def test_rows_published_without_a_location_are_imported_without_a_place(west_yorkshire):
    placeless = CrimeRecord.objects.filter(dataset=west_yorkshire.dataset, latitude__isnull=True)

    # police.uk's "No Location" rows: 883 in the month.
    assert placeless.count() == 883
    assert not placeless.filter(longitude__isnull=False).exists()
    assert not placeless.filter(h3_r10__isnull=False).exists()
    assert not placeless.filter(area__isnull=False).exists()
    assert set(placeless.values_list("location", flat=True)) == {"No Location"}


def test_counts_per_lsoa_and_crime_type_from_the_rollups_equal_pandas_groupby(
    west_yorkshire, street_frame
):
    expected = street_frame.groupby(["LSOA code", "Crime type"]).size().to_dict()

    rows = selectors.counts_by(west_yorkshire.dataset, by=("area", "source_category"))

    assert {(row["area_code"], row["source_category"]): row["count"] for row in rows} == expected


def test_counts_per_iccs_category_equal_pandas_on_the_mapped_crime_types(
    west_yorkshire, street_frame
):
    with open(POLICE_UK_MAPPING_FILE, encoding="utf-8", newline="") as handle:
        mapping = {row["source_category"]: row["code"] for row in csv.DictReader(handle)}
    expected = street_frame["Crime type"].map(mapping).value_counts().to_dict()

    rows = selectors.counts_by(west_yorkshire.dataset, by=("category",))

    assert {row["category"]: row["count"] for row in rows} == expected
    # Violence and sexual offences go to their section, anti-social behaviour outside ICCS.
    assert expected["02"] == 10_358 and expected["ASB"] == 5_442


def test_lsoas_get_their_names_from_the_file_and_populations_from_the_census(
    west_yorkshire, street_frame
):
    population = pd.read_csv(POPULATION_CSV, dtype={"lsoa_code": str})
    areas = DatasetArea.objects.filter(dataset=west_yorkshire.dataset)

    assert west_yorkshire.areas_run.rows_imported == 1388
    # The census file's 1,388 LSOAs, and 12 LSOAs of neighbouring forces that the month names.
    assert areas.count() == 1388 + 12
    assert areas.filter(population__isnull=False).count() == 1388
    bradford = areas.get(code="E01010646")
    assert (bradford.name, bradford.population, bradford.population_year) == (
        "Bradford 001A",
        1319,
        2011,
    )
    assert sum(areas.values_list("population", flat=True).exclude(population=None)) == int(
        population["population"].sum()
    )


def test_h3_cells_are_the_points_cells_at_every_resolution(west_yorkshire):
    records = CrimeRecord.objects.filter(
        dataset=west_yorkshire.dataset, latitude__isnull=False
    ).order_by("id")[:500]

    for record in records:
        for resolution in (7, 8, 9, 10):
            cell = h3.latlng_to_cell(record.latitude, record.longitude, resolution)
            assert getattr(record, f"h3_r{resolution}") == cell


def test_the_rollups_add_up_to_the_records(west_yorkshire):
    rollups = CountRollup.objects.filter(dataset=west_yorkshire.dataset)

    assert sum(rollups.values_list("count", flat=True)) == WEST_YORKSHIRE_ROWS
    assert set(rollups.values_list("sensitivity", flat=True)) == {"internal"}
    # Rebuilding from the records gives the same rows.
    before = _rollup_rows(west_yorkshire.dataset)
    rollups_refresh(dataset=west_yorkshire.dataset)
    assert _rollup_rows(west_yorkshire.dataset) == before


def _rollup_rows(dataset) -> list[tuple]:
    rows = CountRollup.objects.filter(dataset=dataset).values_list(
        "area_id", "month", "category_id", "source_category", "count"
    )
    return sorted(rows, key=repr)


def test_importing_the_same_file_again_adds_nothing(west_yorkshire):
    dataset = west_yorkshire.dataset
    rollups_before = _rollup_rows(dataset)

    (run,) = policeuk_import(dataset=dataset, files=[STREET_CSV], actor=None)

    assert (run.rows_read, run.rows_imported, run.rows_duplicate) == (31_635, 0, 31_635)
    assert CrimeRecord.objects.filter(dataset=dataset).count() == WEST_YORKSHIRE_ROWS
    assert _rollup_rows(dataset) == rollups_before


def test_identical_rows_without_an_id_are_separate_records_and_are_not_imported_twice(tmp_path):
    dataset = police_dataset("asb")
    nuisance = street_row(**{"Crime ID": "", "Crime type": "Anti-social behaviour"})
    nuisance["Last outcome category"] = ""
    twice = street_file(tmp_path / "twice.csv", [nuisance, nuisance])
    thrice = street_file(tmp_path / "thrice.csv", [nuisance, nuisance, nuisance])

    (first,) = policeuk_import(dataset=dataset, files=[twice], actor=None)
    (again,) = policeuk_import(dataset=dataset, files=[twice], actor=None)
    (third,) = policeuk_import(dataset=dataset, files=[thrice], actor=None)

    assert (first.rows_imported, first.rows_duplicate) == (2, 0)
    assert (again.rows_imported, again.rows_duplicate) == (0, 2)
    # Three identical reports where two were known: the third is a new one.
    assert (third.rows_imported, third.rows_duplicate) == (1, 2)
    assert CrimeRecord.objects.filter(dataset=dataset).count() == 3


def test_a_row_with_an_id_is_that_id_whatever_its_outcome_became(tmp_path):
    dataset = police_dataset("outcomes")
    before = street_file(tmp_path / "july.csv", [street_row()])
    after = street_file(
        tmp_path / "july-republished.csv",
        [street_row(**{"Last outcome category": "Offender given a caution"})],
    )

    policeuk_import(dataset=dataset, files=[before], actor=None)
    (run,) = policeuk_import(dataset=dataset, files=[after], actor=None)

    assert (run.rows_imported, run.rows_duplicate) == (0, 1)
    record = CrimeRecord.objects.get(dataset=dataset)
    assert bytes(record.row_digest) == row_digest(source_id=street_row()["Crime ID"])


def test_bad_rows_are_reported_with_their_line_numbers_and_the_good_rows_imported(tmp_path):
    dataset = police_dataset("broken")
    good = street_row()
    path = street_file(
        tmp_path / "broken.csv",
        [
            good,  # line 2
            street_row(**{"Crime ID": "a1", "Month": "2018-13"}),  # 3
            street_row(**{"Crime ID": "a2", "Latitude": "153.5"}),  # 4
            street_row(**{"Crime ID": "a3", "Longitude": "west"}),  # 5
            street_row(**{"Crime ID": "a4", "Longitude": ""}),  # 6
            street_row(**{"Crime ID": "a5", "Crime type": "Littering"}),  # 7
            street_row(**{"Crime ID": "a6", "Crime type": ""}),  # 8
            ["a7", "2018-07", "too", "few"],  # 9
            street_row(**{"Crime ID": "a8", "Month": "July", "Crime type": "Joyriding"}),  # 10
            street_row(**{"Crime ID": "a9", "Crime type": "burglary "}),  # 11: case and spaces
        ],
    )

    (run,) = policeuk_import(dataset=dataset, files=[path], actor=None)

    assert run.status == ImportStatus.DONE
    assert (run.rows_read, run.rows_imported, run.rows_rejected) == (10, 2, 8)
    reasons = [(error["line"], error["code"]) for error in run.errors]
    assert reasons == [
        (3, "bad_month"),
        (4, "bad_latitude"),
        (5, "bad_longitude"),
        (6, "half_place"),
        (7, "unknown_category"),
        (8, "missing"),
        (9, "field_count"),
        (10, "bad_month"),
        (10, "unknown_category"),
    ]
    messages = {error["line"]: error["reason"] for error in run.error_list()}
    assert "153.5" in messages[4]
    assert "Littering" in messages[7]
    assert "Crime type" in messages[8]
    assert set(CrimeRecord.objects.filter(dataset=dataset).values_list("source_id", flat=True)) == {
        good["Crime ID"],
        "a9",
    }


def test_a_file_in_another_encoding_fails_whole_and_writes_nothing(tmp_path):
    dataset = police_dataset("latin")
    path = tmp_path / "latin1.csv"
    street_file(path, [street_row(Location="On or near Café Street")])
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1"))

    (run,) = policeuk_import(dataset=dataset, files=[path], actor=None)

    assert run.status == ImportStatus.FAILED
    assert "UTF-8" in run.failure
    assert not CrimeRecord.objects.filter(dataset=dataset).exists()


def test_a_file_without_the_police_uk_columns_fails_and_names_them(tmp_path):
    dataset = police_dataset("not-police")
    path = tmp_path / "other.csv"
    path.write_text("id,date,type\n1,2018-07-01,theft\n", encoding="utf-8")

    (run,) = policeuk_import(dataset=dataset, files=[path], actor=None)

    assert run.status == ImportStatus.FAILED
    assert "“Month”" in run.failure and "“Crime type”" in run.failure
    assert run.rows_imported == 0


def test_each_file_is_one_run_and_one_audit_entry_with_its_counts(tmp_path):
    dataset = police_dataset("audited")
    first = street_file(tmp_path / "a.csv", [street_row(), street_row(**{"Crime ID": "x"})])
    second = street_file(tmp_path / "b.csv", [street_row(**{"Crime ID": "y", "Month": "2018-6"})])
    entries_before = AuditEntry.objects.filter(action="stats_import_finished").count()

    runs = policeuk_import(dataset=dataset, files=[first, second], actor=None)

    entries = AuditEntry.objects.filter(action="stats_import_finished").order_by("seq")
    assert entries.count() == entries_before + 2
    assert [entry.changes["rows_imported"] for entry in entries][-2:] == [2, 1]
    assert entries.last().changes["sha256"] == runs[1].file_sha256
    assert ImportRun.objects.filter(dataset=dataset).count() == 2
    # "2018-6" is a month too: strptime reads it as June.
    assert CrimeRecord.objects.get(dataset=dataset, source_id="y").month.month == 6


def test_progress_goes_from_zero_to_every_row(tmp_path):
    dataset = police_dataset("watched")
    path = street_file(tmp_path / "a.csv", [street_row(**{"Crime ID": str(i)}) for i in range(5)])
    calls = []

    policeuk_import(
        dataset=dataset, files=[path], actor=None, progress=lambda d, t: calls.append((d, t))
    )

    assert calls[0] == (0, 5)
    assert calls[-1] == (5, 5)


def test_records_write_skips_rows_that_are_already_there(tmp_path):
    """On PostgreSQL this is the COPY path (a scratch table, then one INSERT that skips
    conflicts); on SQLite executemany with ON CONFLICT DO NOTHING."""
    dataset = police_dataset("direct")
    (run,) = policeuk_import(
        dataset=dataset, files=[street_file(tmp_path / "a.csv", [street_row()])], actor=None
    )
    record = CrimeRecord.objects.get(dataset=dataset)
    row = [getattr(record, column) for column in RECORD_COLUMNS]
    row[RECORD_COLUMNS.index("row_digest")] = bytes(record.row_digest)
    fresh = list(row)
    fresh[RECORD_COLUMNS.index("row_digest")] = b"\xff" * 16
    fresh[RECORD_COLUMNS.index("location")] = 'On or near Élan Road, "Leeds"\tnorth\\east'

    inserted = records_write([row, fresh, list(fresh)])

    assert inserted == 1
    copied = CrimeRecord.objects.get(dataset=dataset, row_digest=b"\xff" * 16)
    assert copied.location == 'On or near Élan Road, "Leeds"\tnorth\\east'
    assert copied.import_run_id == run.pk
    assert connection.vendor in ("sqlite", "postgresql")
