"""Open data: what is published (and what never is), the six files built in the background,
and `ishenim export-open-data`. Hand-made records (open_data_cases) for the rules; the real
West Yorkshire month for anchors, the police.uk round trip and GeoJSON (test_open_data_real)."""

import csv
import hashlib
import io
import json
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from ishenim.core.enums import Sensitivity
from ishenim.core.models import AuditEntry
from ishenim.stats.enums import ImportStatus
from ishenim.stats.models import OpenDataBuild
from ishenim.stats.services import dataset_delete, dataset_update
from ishenim.stats.services import open_data_files as files
from ishenim.stats.services.open_data import published_count
from ishenim.stats.tests.open_data_cases import (
    COMMON_OUTCOME,
    PUBLISHED_RECORDS,
    WITHHELD_NAMES,
    cases_dataset,
)

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).parents[3] / "docs" / "open-data.md"


def built(dataset) -> OpenDataBuild:
    """The dataset's files, built now by the task's function."""
    build = files.open_build_queue(dataset=dataset, actor=None)
    return files.open_build_run(build_id=build.pk)


def stored_text(build: OpenDataBuild, kind: str) -> str:
    item = next(item for item in build.files if item["kind"] == kind)
    with default_storage.open(item["path"], "rb") as handle:
        return handle.read().decode("utf-8-sig")


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_a_dataset_that_is_not_public_is_never_published(tmp_path):
    dataset = cases_dataset(tmp_path, public=False)

    with pytest.raises(ValueError, match="public"):
        files.open_build_queue(dataset=dataset, actor=None)
    with pytest.raises(CommandError, match="not a public dataset"):
        call_command("export_open_data", dataset=dataset.name, stdout=io.StringIO())
    assert list(files.open_file_text(dataset, files.open_file_for("records", "csv")))[1:-1] == []
    assert not OpenDataBuild.objects.filter(dataset=dataset).exists()
    assert [entry.dataset for entry in files.open_catalogue()] == []


def test_the_published_records_have_the_month_only_and_no_crime_number_or_free_text(tmp_path):
    build = built(cases_dataset(tmp_path))
    header, *rows = csv_rows(stored_text(build, "records-csv"))
    records = [dict(zip(header, row, strict=True)) for row in rows]

    assert len(records) == PUBLISHED_RECORDS
    assert {record["Month"] for record in records} == {"2018-07", "2018-08"}
    assert {record["Crime ID"] for record in records} == {""}
    assert {record["Context"] for record in records} == {""}
    # An outcome most records share is published; a note typed about one case is not.
    assert {record["Last outcome category"] for record in records} == {COMMON_OUTCOME, ""}
    every_file = "".join(stored_text(build, item["kind"]) for item in build.files)
    for secret in ("CRIME-", "Jane Doe", "neighbour", "2018-07-03", "2018-08-30"):
        assert secret not in every_file


def test_every_published_point_is_an_anchor_that_stands_for_at_least_eight_places(tmp_path):
    from ishenim.stats.tests.open_data_cases import PLACES

    build = built(cases_dataset(tmp_path))
    features = json.loads(stored_text(build, "records-geojson"))["features"]
    points = {tuple(feature["geometry"]["coordinates"]) for feature in features}
    places = {(lon, lat) for lat, lon in PLACES}

    assert build.facts["anchor_method"] == "records"
    assert 1 <= len(points) <= len(places) // 8
    assert not points & places


def test_withheld_categories_are_in_no_file(tmp_path):
    build = built(cases_dataset(tmp_path))

    for item in build.files:
        text = stored_text(build, item["kind"])
        for name in (*WITHHELD_NAMES, "0301", "Sexual violence"):
            assert name not in text, (item["kind"], name)
    counts = csv_rows(stored_text(build, "counts-csv"))[1:]
    assert sum(int(row[5] or 0) for row in counts) + 3 == PUBLISHED_RECORDS


def test_counts_from_one_to_four_are_suppressed_and_zero_and_five_up_are_kept(tmp_path):
    assert [published_count(n) for n in (0, 1, 2, 3, 4, 5, 12)] == [
        0,
        None,
        None,
        None,
        None,
        5,
        12,
    ]

    build = built(cases_dataset(tmp_path))
    header, *rows = csv_rows(stored_text(build, "counts-csv"))
    counts = {
        (row["area_code"], row["month"], row["category"]): row
        for row in (dict(zip(header, values, strict=True)) for values in rows)
    }
    three = counts[("E0100000A", "2018-07", "0501")]
    six = counts[("E0100000B", "2018-07", "0501")]
    assert (three["count"], three["suppressed"]) == ("", "true")
    assert (six["count"], six["suppressed"]) == ("6", "false")
    assert build.facts["counts_suppressed"] == 1
    features = json.loads(stored_text(build, "counts-geojson"))["features"]
    hidden = [f["properties"] for f in features if f["properties"]["suppressed"]]
    assert hidden == [{**hidden[0], "count": None}] and hidden[0]["area_code"] == "E0100000A"


def test_the_hxl_files_carry_a_row_of_hashtags_each_documented(tmp_path):
    build = built(cases_dataset(tmp_path))
    documented = DOCS.read_text(encoding="utf-8")

    for kind, columns in (("records-hxl", files.RECORD_HXL), ("counts-hxl", files.COUNT_TABLE)):
        header, hashtags, first, *_rest = csv_rows(stored_text(build, kind))
        assert header == [str(column.label) for column in columns]
        assert hashtags == [column.hxl for column in columns]
        assert all(tag.startswith("#") for tag in hashtags) and len(first) == len(header)
        for tag in hashtags:
            assert f"`{tag}`" in documented, tag
    # The plain counts file is the same table without the hashtags.
    assert csv_rows(stored_text(build, "counts-csv"))[1][0] != "#loc+area+code"


def test_the_build_commits_its_progress_up_to_rows_total_and_stores_six_checked_files(
    tmp_path, monkeypatch
):
    dataset = cases_dataset(tmp_path)
    monkeypatch.setattr(files, "PROGRESS_EVERY", 10)
    seen = []
    flush = files._BuildProgress.flush

    def watched(progress):
        flush(progress)
        seen.append(OpenDataBuild.objects.get(pk=progress.build.pk).rows_done)

    monkeypatch.setattr(files._BuildProgress, "flush", watched)

    build = built(dataset)

    assert build.status == ImportStatus.DONE
    assert build.rows_total == PUBLISHED_RECORDS + build.facts["counts"]
    assert seen[:3] == [10, 20, 30] and seen[-1] == build.rows_total == build.rows_done
    assert sorted(item["kind"] for item in build.files) == sorted(files.OPEN_FILE_KINDS)
    for item in build.files:
        with default_storage.open(item["path"], "rb") as handle:
            content = handle.read()
        assert hashlib.sha256(content).hexdigest() == item["sha256"]
        assert len(content) == item["size"]
        assert item["name"].startswith("leeds-cases-")
    assert (build.record_count, f"{build.first_month:%Y-%m}") == (PUBLISHED_RECORDS, "2018-07")


def test_new_files_replace_the_old_only_once_all_six_are_stored(
    tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    dataset = cases_dataset(tmp_path)
    first = built(dataset)
    store = files._store
    calls = []

    def breaks_on_the_fourth(name, path):
        if len(calls) == 3:
            raise OSError("disk full")
        calls.append(store(name, path))
        return calls[-1]

    monkeypatch.setattr(files, "_store", breaks_on_the_fourth)
    second = files.open_build_queue(dataset=dataset, actor=None)
    with pytest.raises(OSError, match="disk full"):
        files.open_build_run(build_id=second.pk)
    monkeypatch.setattr(files, "_store", store)

    second.refresh_from_db()
    assert second.status == ImportStatus.FAILED and "disk full" in second.failure
    assert files.open_build_current(dataset) == first
    assert all(default_storage.exists(item["path"]) for item in first.files)
    assert len(calls) == 3 and not any(default_storage.exists(name) for name in calls)

    with django_capture_on_commit_callbacks(execute=True):
        third = built(dataset)

    assert files.open_build_current(dataset) == third
    assert not any(default_storage.exists(item["path"]) for item in first.files)
    assert all(default_storage.exists(item["path"]) for item in third.files)
    assert list(OpenDataBuild.objects.filter(dataset=dataset)) == [third]


def test_a_finished_build_drops_the_builds_before_it_even_one_still_waiting(tmp_path, cast):
    dataset = cases_dataset(tmp_path)
    waiting = files.open_build_queue(dataset=dataset, actor=None)
    asked = files.open_build_queue(dataset=dataset, actor=cast.administrator)

    done = files.open_build_run(build_id=asked.pk)

    assert done.status == ImportStatus.DONE
    assert list(OpenDataBuild.objects.filter(dataset=dataset)) == [done]
    assert files.open_build_run(build_id=waiting.pk) is None


def test_an_import_into_a_public_dataset_builds_its_files_again(
    tmp_path, django_capture_on_commit_callbacks
):
    from ishenim.stats.services import csv_import
    from ishenim.stats.tests.open_data_cases import MAPPING, cases_file

    with django_capture_on_commit_callbacks(execute=True):
        dataset = cases_dataset(tmp_path)
    first = files.open_build_current(dataset)
    assert first is not None and first.actor is None

    more = cases_file(tmp_path / "again.csv")
    more.write_text(more.read_text().replace("CRIME-", "LATER-"), encoding="utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        csv_import(dataset=dataset, file=more, mapping=MAPPING, actor=None)

    second = files.open_build_current(dataset)
    assert second.pk > first.pk and second.record_count == 2 * PUBLISHED_RECORDS
    assert AuditEntry.objects.filter(action="stats_open_data_build_queued").count() == 2


def test_a_dataset_no_longer_public_loses_its_files_and_a_deleted_one_too(
    tmp_path, django_capture_on_commit_callbacks
):
    dataset = cases_dataset(tmp_path)
    paths = [item["path"] for item in built(dataset).files]

    with django_capture_on_commit_callbacks(execute=True):
        dataset_update(dataset=dataset, sensitivity=Sensitivity.INTERNAL, actor=None)

    assert not OpenDataBuild.objects.filter(dataset=dataset).exists()
    assert not any(default_storage.exists(path) for path in paths)

    other = cases_dataset(tmp_path, name="leeds-other")
    paths = [item["path"] for item in built(other).files]
    with django_capture_on_commit_callbacks(execute=True):
        dataset_delete(dataset=other, actor=None)
    assert not any(default_storage.exists(path) for path in paths)


def test_a_build_of_a_dataset_made_internal_meanwhile_publishes_nothing(tmp_path):
    dataset = cases_dataset(tmp_path)
    build = files.open_build_queue(dataset=dataset, actor=None)
    dataset_update(dataset=dataset, sensitivity=Sensitivity.INTERNAL, actor=None)

    done = files.open_build_run(build_id=build.pk)

    assert done.status == ImportStatus.FAILED and done.files == []
    assert files.open_build_current(dataset) is None


def test_export_open_data_streams_a_file_with_a_progress_bar_on_standard_error(tmp_path):
    dataset = cases_dataset(tmp_path)
    out, err = io.StringIO(), io.StringIO()

    call_command(
        "export_open_data",
        dataset=dataset.name,
        what="counts",
        format="hxl",
        stdout=out,
        stderr=err,
    )

    header, hashtags, *rows = csv_rows(out.getvalue().lstrip("\ufeff"))
    assert header[0] == "area_code" and hashtags[0] == "#loc+area+code"
    assert len(rows) == len(csv_rows(stored_text(built(dataset), "counts-csv"))) - 1
    assert f"of {len(rows)} rows" in err.getvalue()


def test_export_open_data_writes_the_police_uk_file_to_output(tmp_path):
    dataset = cases_dataset(tmp_path)
    output = tmp_path / "out.csv"
    err = io.StringIO()

    call_command("export_open_data", dataset=dataset.name, output=output, stderr=err)

    assert output.read_bytes().decode("utf-8") == stored_text(built(dataset), "records-csv")
    assert f"{PUBLISHED_RECORDS} rows written to {output}" in err.getvalue()
