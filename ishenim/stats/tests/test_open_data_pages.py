"""The open data pages: open to visitors who have not signed in, never showing a dataset that
is not public, the downloads served from storage, "Build again" for the dataset's
administrators, and the pages in Kyrgyz and Russian."""

import csv
import hashlib
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from ishenim.core.enums import Sensitivity
from ishenim.core.models import AuditEntry
from ishenim.stats.enums import ImportStatus
from ishenim.stats.models import OpenDataBuild
from ishenim.stats.services import dataset_update
from ishenim.stats.services import open_data_files as files
from ishenim.stats.tests.open_data_cases import PUBLISHED_RECORDS, cases_dataset

pytestmark = pytest.mark.django_db


def built(dataset) -> OpenDataBuild:
    build = files.open_build_queue(dataset=dataset, actor=None)
    return files.open_build_run(build_id=build.pk)


def url(page: str, **kwargs) -> str:
    with translation.override("en"):
        return reverse(f"open_data:{page}", kwargs=kwargs)


def test_a_visitor_sees_the_public_datasets_and_their_files_listed(
    tmp_path, client, django_assert_max_num_queries
):
    public = cases_dataset(tmp_path)
    build = built(public)
    cases_dataset(tmp_path, name="leeds-internal", public=False)
    built(cases_dataset(tmp_path, name="leeds-more"))

    with django_assert_max_num_queries(4):
        response = client.get(url("dataset_list"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Leeds test cases" in page and "leeds-internal" not in page
    assert url("download", name=public.name, kind="records-csv") in page
    assert "leeds-cases-counts-hxl.csv" in page
    assert f"{PUBLISHED_RECORDS}" in page
    assert build.files[0]["name"] in page


def test_the_list_downloads_as_csv_with_the_files_and_their_sizes(tmp_path, client):
    build = built(cases_dataset(tmp_path))

    response = client.get(url("dataset_list"), {"format": "csv"})

    assert response.status_code == 200
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    )
    assert [row["Name"] for row in rows] == ["leeds-cases"]
    assert rows[0]["Months covered"] == "2018-07 – 2018-08"
    assert rows[0]["Records"] == str(PUBLISHED_RECORDS)
    size = next(item["size"] for item in build.files if item["kind"] == "records-csv")
    assert f"leeds-cases-records.csv ({size:,} B)" in rows[0]["Files"]
    assert client.get(url("dataset_list"), {"format": "xlsx"}).status_code == 200


def test_a_dataset_page_shows_its_files_and_how_they_were_anonymised(tmp_path, client):
    build = built(cases_dataset(tmp_path))

    response = client.get(url("dataset_detail", name="leeds-cases"))

    assert response.status_code == 200
    page = response.content.decode()
    for item in build.files:
        assert item["sha256"] in page
        assert url("download", name="leeds-cases", kind=item["kind"]) in page
    assert "at least 8 distinct places" in page
    assert "every count from 1 to 4 is suppressed" in page
    assert "1 of " in page and "counts are suppressed" in page
    assert "Sexual violence and exploitation (ICCS 03)" in page
    assert "Domestic abuse" in page
    assert "Build again" not in page


def test_a_dataset_that_is_not_public_has_no_page_for_anyone(tmp_path, client, client_for, cast):
    dataset = cases_dataset(tmp_path, public=False)

    for viewer in (client, client_for(cast.administrator)):
        assert viewer.get(url("dataset_detail", name=dataset.name)).status_code == 404
        assert viewer.get(url("build_progress", name=dataset.name)).status_code == 404
        assert viewer.get(url("download", name=dataset.name, kind="records-csv")).status_code == 404
    assert client.get(url("dataset_detail", name="no-such-dataset")).status_code == 404


def test_a_dataset_made_internal_loses_its_pages_and_downloads(
    tmp_path, client, django_capture_on_commit_callbacks
):
    dataset = cases_dataset(tmp_path)
    built(dataset)
    download = url("download", name=dataset.name, kind="counts-csv")
    assert client.get(download).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        dataset_update(dataset=dataset, sensitivity=Sensitivity.INTERNAL, actor=None)

    assert client.get(download).status_code == 404
    assert client.get(url("dataset_detail", name=dataset.name)).status_code == 404
    assert "Leeds test cases" not in client.get(url("dataset_list")).content.decode()


def test_a_download_is_the_stored_file_with_its_name_and_checksum(tmp_path, client):
    build = built(cases_dataset(tmp_path))
    item = next(item for item in build.files if item["kind"] == "records-geojson")

    response = client.get(url("download", name="leeds-cases", kind="records-geojson"))

    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert hashlib.sha256(content).hexdigest() == item["sha256"]
    assert response["Content-Type"] == "application/geo+json"
    assert response["Content-Length"] == str(item["size"])
    assert 'filename="leeds-cases-records.geojson"' in response["Content-Disposition"]
    assert response["ETag"] == f'"{item["sha256"]}"'
    again = client.get(
        url("download", name="leeds-cases", kind="records-geojson"),
        headers={"if-none-match": response["ETag"]},
    )
    assert again.status_code == 304
    head = client.head(url("download", name="leeds-cases", kind="records-geojson"))
    assert head.status_code == 200 and head["Content-Length"] == str(item["size"])
    assert client.get(url("download", name="leeds-cases", kind="secrets")).status_code == 404


def test_a_public_dataset_not_built_yet_says_so_and_has_no_download(tmp_path, client):
    dataset = cases_dataset(tmp_path)

    page = client.get(url("dataset_detail", name=dataset.name)).content.decode()

    assert "have not been built yet" in page
    assert client.get(url("download", name=dataset.name, kind="records-csv")).status_code == 404


def test_the_progress_part_polls_while_a_build_runs_and_reloads_the_page_once_done(
    tmp_path, client
):
    dataset = cases_dataset(tmp_path)
    build = files.open_build_queue(dataset=dataset, actor=None)
    OpenDataBuild.objects.filter(pk=build.pk).update(
        status=ImportStatus.RUNNING, rows_done=20, rows_total=80
    )
    progress = url("build_progress", name=dataset.name)

    running = client.get(progress, headers={"hx-request": "true"})

    assert running.status_code == 200 and "HX-Refresh" not in running
    assert 'value="25"' in running.content.decode() and 'hx-get="' in running.content.decode()
    page = client.get(url("dataset_detail", name=dataset.name)).content.decode()
    assert "20 of 80 rows" in page and "Refresh" in page

    OpenDataBuild.objects.filter(pk=build.pk).update(status=ImportStatus.QUEUED)
    files.open_build_run(build_id=build.pk)
    done = client.get(progress, headers={"hx-request": "true"})
    assert done["HX-Refresh"] == "true"


def test_an_administrator_builds_the_files_again_and_the_request_is_audited(
    tmp_path, client_for, cast, django_capture_on_commit_callbacks
):
    dataset = cases_dataset(tmp_path)
    administrator = client_for(cast.administrator)
    page = administrator.get(url("dataset_detail", name=dataset.name)).content.decode()
    assert "Build again" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = administrator.post(url("build_again", name=dataset.name))

    assert response.status_code == 302
    build = files.open_build_current(dataset)
    assert build is not None and build.actor == cast.administrator
    entry = AuditEntry.objects.get(action="stats_open_data_build_queued", object_id=str(build.pk))
    assert entry.actor_id == cast.administrator.pk


def test_build_again_is_refused_to_others(tmp_path, client, client_for, cast):
    dataset = cases_dataset(tmp_path)
    target = url("build_again", name=dataset.name)

    assert client.post(target).status_code == 302  # to sign in
    assert client_for(cast.bakyt).post(target).status_code == 403
    assert client_for(cast.administrator).get(target).status_code == 405
    assert not OpenDataBuild.objects.filter(dataset=dataset).exists()


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("ru", ["Источник", "Лицензия", "Сексуальное насилие и эксплуатация (ICCS 03)"]),
        ("ky", ["Булак", "Лицензия", "ICCS 03"]),
    ],
)
def test_the_dataset_page_reads_in_russian_and_kyrgyz(tmp_path, language, texts):
    built(cases_dataset(tmp_path))
    with translation.override(language):
        address = reverse("open_data:dataset_detail", kwargs={"name": "leeds-cases"})

    page = Client().get(address).content.decode()

    assert address.startswith(f"/{language}/")
    for text in texts:
        assert text in page, text
    assert "Sexual violence and exploitation (ICCS 03): where" not in page


def test_open_data_is_in_everyones_menu(client):
    page = client.get("/en/").content.decode()

    assert url("dataset_list") in page
