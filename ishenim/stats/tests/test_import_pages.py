"""The import pages: a file uploaded on the page is queued, imported by the background task
(the tests run the task's on_commit callback themselves, or call import_run_execute), and
followed on its page; every rejected row is listed and exportable; who may import, who may
see an import; retries; the links to the pages from the other statistics pages."""

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from django.db.models.signals import post_save
from django.test import Client
from django.urls import reverse
from django.utils import translation

from ishenim.geo.models import AdminUnit
from ishenim.orgs import services as orgs_services
from ishenim.orgs.enums import Role
from ishenim.stats.enums import ImportStatus
from ishenim.stats.models import CategoryMapping, CountRollup, CrimeRecord, Dataset, ImportRun
from ishenim.stats.services import csvfiles, dataset_create
from ishenim.stats.services.importing_uploads import import_run_execute
from ishenim.stats.services.policeuk import POLICE_UK_COLUMNS
from ishenim.stats.tests.conftest import (
    BALYKCHY,
    STREET_CSV,
    WEST_YORKSHIRE_ROWS,
    real_data_or_skip,
    street_row,
)

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).parents[3] / "docs" / "examples"
UPLOADS = "stats/imports"
# Three real rows' worth of a police.uk month: three crimes with ids, one without (ASB).
GOOD_ROWS = [
    street_row(),
    street_row(**{"Crime ID": "a1" * 32, "Crime type": "Burglary"}),
    street_row(**{"Crime ID": "", "Crime type": "Anti-social behaviour"}),
]


def _street_bytes(rows: list[dict | list]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(POLICE_UK_COLUMNS)
    for row in rows:
        writer.writerow(row if isinstance(row, list) else [row[c] for c in POLICE_UK_COLUMNS])
    return text.getvalue().encode()


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def _url(url_name: str, language: str = "en", **kwargs) -> str:
    with translation.override(language):
        return reverse(f"stats:{url_name}", kwargs=kwargs or None)


def _new_police_dataset(**values) -> dict:
    return {"kind": "policeuk", "dataset": "", "name": "wy-small", "title": "WY small", **values}


def balykchy_dataset() -> Dataset:
    """An empty dataset of Balykchy's: Bakyt's jurisdiction, not Chynara's."""
    return dataset_create(
        name="balykchy",
        title="Balykchy",
        country_code="KG",
        unit=AdminUnit.objects.get(code=BALYKCHY),
        actor=None,
    )


def _stored_uploads() -> set[str]:
    """Every file in the uploads' folder of the (in-memory) storage."""
    found = set()
    folders = [UPLOADS]
    while folders:
        folder = folders.pop()
        if not default_storage.exists(folder):
            continue
        subfolders, files = default_storage.listdir(folder)
        folders += [f"{folder}/{name}" for name in subfolders]
        found |= {f"{folder}/{name}" for name in files}
    return found


def _post_upload(client, data: dict, files: dict, language: str = "en"):
    return client.post(_url("import_new", language), {**data, **files})


def _queued(client, data: dict, content: bytes, name: str = "street.csv") -> ImportRun:
    """Upload `content` on the page and return its run. Its task is an on_commit callback:
    run at once or kept, as django_capture_on_commit_callbacks around the call says."""
    response = _post_upload(client, data, {"file": _upload(name, content)})
    assert response.status_code == 302, response.context["form"].errors
    run = ImportRun.objects.latest("pk")
    assert response["Location"] == _url("import_detail", import_run_id=run.pk)
    return run


def _csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def _xlsx_rows(response) -> list[list]:
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in book.active.iter_rows(values_only=True)]


# --- upload, task, counts ---------------------------------------------------------------


def test_an_uploaded_file_is_queued_and_imported_only_when_the_task_runs(
    cast, client_for, django_capture_on_commit_callbacks
):
    client = client_for(cast.administrator)

    with django_capture_on_commit_callbacks(execute=False) as tasks:
        run = _queued(client, _new_police_dataset(), _street_bytes(GOOD_ROWS))

    assert run.status == ImportStatus.QUEUED
    assert run.upload.name.startswith(UPLOADS)
    assert not CrimeRecord.objects.filter(dataset=run.dataset).exists()
    assert not CountRollup.objects.filter(dataset=run.dataset).exists()
    waiting = client.get(_url("import_detail", import_run_id=run.pk)).content.decode()
    assert "waits for the background worker" in waiting
    assert len(tasks) == 1

    tasks[0]()

    run.refresh_from_db()
    assert run.status == ImportStatus.DONE
    assert (run.rows_read, run.rows_imported, run.rows_duplicate, run.rows_rejected) == (3, 3, 0, 0)
    assert (run.rows_done, run.rows_total) == (3, 3)
    assert run.actor == cast.administrator
    assert CrimeRecord.objects.filter(dataset=run.dataset).count() == 3
    rollups = CountRollup.objects.filter(dataset=run.dataset)
    assert rollups.aggregate(total=Sum("count"))["total"] == 3
    dashboard = client.get(_url("dashboard", name="wy-small"))
    assert dashboard.context["figures"].total == 3
    assert '<p class="figure__value">3</p>' in dashboard.content.decode()


def test_a_police_uk_upload_makes_a_british_dataset_with_the_police_uk_categories(
    cast, client_for, django_capture_on_commit_callbacks
):
    client = client_for(cast.administrator)

    with django_capture_on_commit_callbacks(execute=True):
        run = _queued(client, _new_police_dataset(country_code="KG"), _street_bytes(GOOD_ROWS))

    dataset = Dataset.objects.get(name="wy-small")
    assert run.dataset == dataset
    assert (dataset.title, dataset.country_code) == ("WY small", "GB")
    assert (dataset.category_scheme, dataset.area_scheme) == ("police.uk", "LSOA 2011")
    assert dataset.created_by == cast.administrator
    categories = set(
        CrimeRecord.objects.filter(dataset=dataset).values_list("category__code", flat=True)
    )
    assert None not in categories
    assert len(categories) == 3


def test_the_same_file_again_is_counted_as_already_there(
    cast, client_for, django_capture_on_commit_callbacks
):
    client = client_for(cast.administrator)
    content = _street_bytes(GOOD_ROWS)
    with django_capture_on_commit_callbacks(execute=True):
        _queued(client, _new_police_dataset(), content)
        again = _queued(client, {"kind": "policeuk", "dataset": "wy-small"}, content)

    again.refresh_from_db()
    assert again.status == ImportStatus.DONE
    assert (again.rows_read, again.rows_imported, again.rows_duplicate) == (3, 0, 3)
    assert CrimeRecord.objects.filter(dataset=again.dataset).count() == 3
    assert CountRollup.objects.filter(dataset=again.dataset).aggregate(n=Sum("count"))["n"] == 3


def test_a_generic_csv_with_its_mapping_goes_into_a_new_dataset_of_the_country(
    cast, client_for, django_capture_on_commit_callbacks
):
    client = client_for(cast.administrator)
    data = {
        "kind": "csv",
        "dataset": "",
        "name": "issyk-kul-2023",
        "title": "Registered crimes, Issyk-Kul, 2023",
        "country_code": "kg",
        "covers": "41702000000000",
        "area_scheme": "SOATE",
        "sensitivity": "internal",
    }
    files = {
        "file": _upload("crimes.csv", (EXAMPLES / "kg-registered-crimes.csv").read_bytes()),
        "mapping": _upload("crimes.toml", (EXAMPLES / "kg-registered-crimes.toml").read_bytes()),
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = _post_upload(client, data, files)

    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert run.status == ImportStatus.DONE
    assert (run.rows_read, run.rows_imported, run.rows_rejected) == (7, 4, 3)
    dataset = run.dataset
    assert (dataset.country_code, dataset.unit.code) == ("KG", "41702000000000")
    assert CategoryMapping.objects.filter(dataset=dataset, source_category="Кража").exists()
    assert CrimeRecord.objects.get(dataset=dataset, source_id="2023-0001").unit.code == BALYKCHY


def test_the_real_month_uploaded_on_the_page_is_imported_whole(
    cast, client_for, django_capture_on_commit_callbacks
):
    real_data_or_skip()
    client = client_for(cast.administrator)

    with django_capture_on_commit_callbacks(execute=True):
        run = _queued(client, _new_police_dataset(name="west-yorkshire"), STREET_CSV.read_bytes())

    run.refresh_from_db()
    assert run.status == ImportStatus.DONE
    assert run.file_name == "street.csv"
    assert (run.rows_read, run.rows_imported, run.rows_rejected) == (WEST_YORKSHIRE_ROWS,) * 2 + (
        0,
    )
    total = CountRollup.objects.filter(dataset=run.dataset).aggregate(n=Sum("count"))["n"]
    assert total == WEST_YORKSHIRE_ROWS
    page = client.get(_url("import_detail", import_run_id=run.pk)).content.decode()
    assert "31,635 of 31,635 rows" in page
    assert "No row was rejected." in page


# --- progress -----------------------------------------------------------------------------


def test_progress_is_saved_with_every_batch_while_the_import_runs(
    cast, client_for, django_capture_on_commit_callbacks, monkeypatch
):
    # Two rows a batch: a five-row file is written in three, as a big file is in 50,000s.
    monkeypatch.setattr(csvfiles, "BATCH_ROWS", 2)
    client = client_for(cast.administrator)
    rows = [street_row(**{"Crime ID": f"{number:064x}"}) for number in range(5)]
    with django_capture_on_commit_callbacks(execute=False) as tasks:
        run = _queued(client, _new_police_dataset(), _street_bytes(rows))
    seen = []

    def saved(sender, instance, **kwargs):
        if instance.pk == run.pk:
            stored = ImportRun.objects.get(pk=run.pk)
            seen.append((stored.status, stored.rows_done, stored.rows_total))

    post_save.connect(saved, sender=ImportRun)
    try:
        tasks[0]()
    finally:
        post_save.disconnect(saved, sender=ImportRun)

    assert ("running", 2, 5) in seen
    assert ("running", 4, 5) in seen
    assert seen[-1] == ("done", 5, 5)


def test_the_page_shows_the_progress_of_a_running_import(cast, client_for):
    run = _run_of(cast, status=ImportStatus.RUNNING, rows_done=2_000, rows_total=5_000)
    client = client_for(cast.administrator)

    page = client.get(_url("import_detail", import_run_id=run.pk)).content.decode()
    part = client.get(_url("import_progress", import_run_id=run.pk), HTTP_HX_REQUEST="true")

    assert '<progress max="100" value="40"' in page
    assert "2,000 of 5,000 rows" in page
    # Without JavaScript: a link to the same page.
    assert f'href="{_url("import_detail", import_run_id=run.pk)}">Refresh</a>' in page
    # With htmx: the part asks for itself again, and the page is not reloaded yet.
    assert f'hx-get="{_url("import_progress", import_run_id=run.pk)}"' in page
    assert "HX-Refresh" not in part
    assert "2,000 of 5,000 rows" in part.content.decode()
    assert part["Cache-Control"] == "no-store"


def test_a_failed_import_shows_how_far_it_got(cast, client_for):
    run = _run_of(
        cast, status=ImportStatus.FAILED, rows_done=1_000, rows_total=5_000, failure="Broken."
    )

    page = client_for(cast.administrator).get(_url("import_detail", import_run_id=run.pk))

    html = page.content.decode()
    assert '<progress max="100" value="20"' in html
    assert "1,000 of 5,000 rows" in html
    assert "Broken." in html
    assert "hx-get" not in html


@pytest.mark.parametrize("status", [ImportStatus.DONE, ImportStatus.FAILED])
def test_the_progress_part_tells_htmx_to_reload_the_page_once_the_import_ended(
    cast, client_for, status
):
    run = _run_of(cast, status=status, rows_done=5, rows_total=5)
    client = client_for(cast.administrator)
    url = _url("import_progress", import_run_id=run.pk)

    part = client.get(url, HTTP_HX_REQUEST="true")
    plain = client.get(url)

    assert part["HX-Refresh"] == "true"
    assert "hx-get" not in part.content.decode()
    assert "HX-Refresh" not in plain


def _run_of(cast, *, dataset: Dataset | None = None, **values) -> ImportRun:
    """A run as the importer leaves it, without importing anything."""
    if dataset is None:
        dataset = dataset_create(name="runs", title="Runs", country_code="GB", actor=None)
    values.setdefault("status", ImportStatus.DONE)
    return ImportRun.objects.create(
        dataset=dataset, kind="policeuk", file_name="street.csv", actor=cast.administrator, **values
    )


# --- rejected rows ------------------------------------------------------------------------


def test_rejected_rows_are_listed_with_their_lines_and_reasons_and_download(
    cast, client_for, django_capture_on_commit_callbacks
):
    client = client_for(cast.administrator)
    rows = [
        street_row(),
        street_row(**{"Crime ID": "b2" * 32, "Month": "2018-13"}),
        ["too", "few"],
        street_row(**{"Crime ID": "c3" * 32, "Latitude": "953.1"}),
        street_row(**{"Crime ID": "d4" * 32, "Crime type": "Dragon theft"}),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        run = _queued(client, _new_police_dataset(), _street_bytes(rows))
    run.refresh_from_db()
    url = _url("import_detail", import_run_id=run.pk)

    page = client.get(url)
    as_csv = _csv_rows(client.get(url + "?format=csv"))
    as_xlsx = _xlsx_rows(client.get(url + "?format=xlsx"))

    assert (run.rows_read, run.rows_imported, run.rows_rejected) == (5, 1, 4)
    expected = [
        [3, "“2018-13” is not a month in the form YYYY-MM."],
        [4, "The row has 2 fields where the header has 12."],
        [5, "The latitude “953.1” is not a number between -90 and 90."],
        [6, "The category “Dragon theft” has no mapping to an offence category."],
    ]
    assert [[row["line"], row["reason"]] for row in page.context["rejected"]] == expected
    html = page.content.decode()
    assert "Dragon theft" in html and '<td class="number">6</td>' in html
    assert as_csv == [["Line", "Why the row was rejected"]] + [[str(a), b] for a, b in expected]
    assert as_xlsx == [["Line", "Why the row was rejected"], *expected]


def test_rejected_reasons_are_read_in_the_readers_language(
    cast, client_for, django_capture_on_commit_callbacks
):
    client = client_for(cast.administrator)
    rows = [street_row(**{"Month": "2018-13"})]
    with django_capture_on_commit_callbacks(execute=True):
        run = _queued(client, _new_police_dataset(), _street_bytes(rows))
    run.refresh_from_db()

    page = client.get(_url("import_detail", "ru", import_run_id=run.pk))

    with translation.override("ru"):
        expected = run.error_list()[0]["reason"]
    assert expected != run.errors[0]["reason"]
    assert expected in page.content.decode()


# --- refusals -----------------------------------------------------------------------------


BROKEN_TOML = b'[columns]\nid = "case"\ndate = \n'
UNKNOWN_KEYS = b'[columns]\ndate = "d"\nweapon = "w"\n'


@pytest.mark.parametrize(
    ("language", "mapping", "message"),
    [
        ("en", BROKEN_TOML, "The mapping file is not valid TOML:"),
        ("ru", BROKEN_TOML, "Файл сопоставления не является корректным TOML:"),
        ("en", UNKNOWN_KEYS, "The mapping has keys it does not know: columns.weapon."),
        ("ru", UNKNOWN_KEYS, "В сопоставлении есть неизвестные ключи: columns.weapon."),
        ("en", b'[columns]\ndate = "d"\ncategory = "c"\n[categories]\nx = "9999"\n', "9999"),
    ],
)
def test_a_broken_mapping_is_a_form_error_in_the_readers_language_and_stores_nothing(
    cast, client_for, language, mapping, message
):
    client = client_for(cast.administrator)
    before = _stored_uploads()
    data = {"kind": "csv", "dataset": "", "name": "kg-new", "title": "New", "country_code": "KG"}
    files = {
        "file": _upload("crimes.csv", b"d,c\n2023-01-01,x\n"),
        "mapping": _upload("m.toml", mapping),
    }

    response = _post_upload(client, data, files, language)

    assert response.status_code == 200
    errors = response.context["form"].errors["mapping"]
    assert any(message in error for error in errors), errors
    assert message in response.content.decode()
    assert not ImportRun.objects.exists()
    assert not Dataset.objects.filter(name="kg-new").exists()
    assert _stored_uploads() == before


def test_a_csv_without_its_mapping_is_refused(cast, client_for):
    data = {"kind": "csv", "dataset": "", "name": "kg-new", "title": "New", "country_code": "KG"}

    response = _post_upload(
        client_for(cast.administrator), data, {"file": _upload("c.csv", b"a\n")}
    )

    assert response.context["form"].errors["mapping"] == [
        "A CSV with a column mapping needs its mapping file."
    ]
    assert not ImportRun.objects.exists()


def test_a_reserved_dataset_name_is_refused_on_its_field(cast, client_for):
    before = _stored_uploads()

    response = _post_upload(
        client_for(cast.administrator),
        _new_police_dataset(name="imports"),
        {"file": _upload("street.csv", _street_bytes(GOOD_ROWS))},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [
        "“imports” is the name of a page; choose another."
    ]
    assert not Dataset.objects.filter(name="imports").exists()
    assert not ImportRun.objects.exists()
    assert _stored_uploads() == before


def test_a_file_that_is_not_csv_is_refused(cast, client_for):
    response = _post_upload(
        client_for(cast.administrator),
        _new_police_dataset(),
        {"file": _upload("street.xlsx", b"PK\x03\x04")},
    )

    assert response.context["form"].errors["file"] == ["Upload a CSV file (.csv or .txt)."]
    assert not Dataset.objects.filter(name="wy-small").exists()


def test_only_a_dataset_the_person_may_import_into_can_be_chosen(cast, client_for):
    dataset_create(name="elsewhere", title="Elsewhere", country_code="GB", actor=None)
    regional = _regional_administrator(cast)

    response = _post_upload(
        client_for(regional),
        {"kind": "policeuk", "dataset": "elsewhere"},
        {"file": _upload("street.csv", _street_bytes(GOOD_ROWS))},
    )

    assert response.context["form"].errors["dataset"] == [
        "Select a valid choice. elsewhere is not one of the available choices."
    ]
    assert not ImportRun.objects.exists()


def _regional_administrator(cast):
    """An administrator of Batken oblast's police: MANAGE there, and nowhere else."""
    person = orgs_services.user_create(
        full_name="Nurlan Regional",
        email="nurlan@example.org",
        phone="+996 555 100 099",
        password=cast.password,
        actor=None,
    )
    orgs_services.membership_grant(
        user=person,
        organisation=cast.batken_police,
        role=Role.ADMINISTRATOR,
        title="Administrator",
        actor=None,
    )
    return person


@pytest.mark.parametrize("person", ["aida", "bakyt", "dilnoza"])
def test_a_person_who_may_not_import_gets_forbidden_and_nothing_is_stored(cast, client_for, person):
    client = client_for(getattr(cast, person))
    before = _stored_uploads()

    page = client.get(_url("import_new"))
    posted = _post_upload(
        client, _new_police_dataset(), {"file": _upload("street.csv", _street_bytes(GOOD_ROWS))}
    )

    assert (page.status_code, posted.status_code) == (403, 403)
    assert not ImportRun.objects.exists()
    assert not Dataset.objects.filter(name="wy-small").exists()
    assert _stored_uploads() == before


def test_a_visitor_is_sent_to_sign_in(cast):
    run = _run_of(cast)

    for url in (
        _url("import_list"),
        _url("import_new"),
        _url("import_detail", import_run_id=run.pk),
        _url("import_progress", import_run_id=run.pk),
    ):
        response = Client().get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_an_import_of_another_organisations_dataset_is_not_found(cast, client_for):
    balykchy = balykchy_dataset()
    run = _run_of(cast, dataset=balykchy, status=ImportStatus.FAILED)
    chynara = client_for(cast.chynara)
    missing = _url("import_detail", import_run_id=run.pk + 1000)

    assert chynara.get(_url("import_detail", import_run_id=run.pk)).status_code == 404
    assert chynara.get(_url("import_progress", import_run_id=run.pk)).status_code == 404
    assert chynara.post(_url("import_retry", import_run_id=run.pk)).status_code == 404
    assert chynara.get(missing).status_code == 404
    assert run not in chynara.get(_url("import_list")).context["runs"]
    # Bakyt works in Balykchy: he sees it (and may not try it again: no MANAGE).
    bakyt = client_for(cast.bakyt)
    page = bakyt.get(_url("import_detail", import_run_id=run.pk))
    assert page.status_code == 200
    assert page.context["may_retry"] is False
    assert bakyt.post(_url("import_retry", import_run_id=run.pk)).status_code == 403


# --- retries ------------------------------------------------------------------------------


def test_a_failed_import_is_tried_again_as_a_new_run_naming_the_old(
    cast, client_for, django_capture_on_commit_callbacks
):
    client = client_for(cast.administrator)
    with django_capture_on_commit_callbacks(execute=False) as tasks:
        run = _queued(client, _new_police_dataset(), _street_bytes(GOOD_ROWS))
    # The account that uploaded it went before the worker came (on_delete=SET_NULL).
    ImportRun.objects.filter(pk=run.pk).update(actor=None)
    tasks[0]()
    run.refresh_from_db()
    assert run.status == ImportStatus.FAILED
    assert "no longer exists" in run.failure
    page = client.get(_url("import_detail", import_run_id=run.pk))
    assert page.context["may_retry"] is True
    assert run.failure in page.content.decode()

    with django_capture_on_commit_callbacks(execute=False) as again:
        response = client.post(_url("import_retry", import_run_id=run.pk))

    retry = ImportRun.objects.latest("pk")
    assert response["Location"] == _url("import_detail", import_run_id=retry.pk)
    assert (retry.status, retry.retry_of, retry.actor) == ("queued", run, cast.administrator)
    assert retry.upload.name == run.upload.name
    again[0]()
    retry.refresh_from_db()
    assert (retry.status, retry.rows_imported) == (ImportStatus.DONE, 3)
    old_page = client.get(_url("import_detail", import_run_id=run.pk)).content.decode()
    assert _url("import_detail", import_run_id=retry.pk) in old_page
    assert client.post(_url("import_retry", import_run_id=retry.pk)).status_code == 302
    assert ImportRun.objects.count() == 2


def test_an_import_whose_file_is_gone_fails_with_the_reason_and_is_not_tried_again(
    cast, client_for, django_capture_on_commit_callbacks
):
    client = client_for(cast.administrator)
    with django_capture_on_commit_callbacks(execute=False) as tasks:
        run = _queued(client, _new_police_dataset(), _street_bytes(GOOD_ROWS))
    default_storage.delete(run.upload.name)

    tasks[0]()

    run.refresh_from_db()
    assert run.status == ImportStatus.FAILED
    assert run.failure == "The uploaded file is no longer stored."
    page = client.get(_url("import_detail", import_run_id=run.pk))
    assert page.context["may_retry"] is False
    response = client.post(_url("import_retry", import_run_id=run.pk), follow=True)
    assert "The uploaded file is no longer stored; upload it again." in response.content.decode()
    assert ImportRun.objects.count() == 1


def test_a_failure_is_written_in_the_language_of_the_upload_page(
    cast, client_for, django_capture_on_commit_callbacks
):
    client = client_for(cast.administrator)
    with django_capture_on_commit_callbacks(execute=False) as tasks:
        response = _post_upload(
            client,
            _new_police_dataset(),
            {"file": _upload("street.csv", _street_bytes(GOOD_ROWS))},
            language="ru",
        )
    assert response.status_code == 302
    run = ImportRun.objects.get()
    default_storage.delete(run.upload.name)

    # A worker runs in a language of its own.
    with translation.override("en"):
        tasks[0]()

    run.refresh_from_db()
    assert run.failure == "Загруженный файл больше не хранится."


def test_a_task_delivered_twice_imports_once(cast, client_for, django_capture_on_commit_callbacks):
    client = client_for(cast.administrator)
    with django_capture_on_commit_callbacks(execute=False):
        run = _queued(client, _new_police_dataset(), _street_bytes(GOOD_ROWS))

    first = import_run_execute(import_run_id=run.pk)
    second = import_run_execute(import_run_id=run.pk)

    assert first.status == ImportStatus.DONE
    assert second is None
    assert CrimeRecord.objects.filter(dataset=run.dataset).count() == 3


# --- the list, the links, the languages -------------------------------------------------------


def test_the_import_list_downloads_as_csv_and_xlsx(cast, client_for):
    run = _run_of(cast, rows_read=7, rows_imported=4, rows_rejected=3)
    client = client_for(cast.administrator)
    url = _url("import_list")

    as_csv = _csv_rows(client.get(url + "?format=csv"))
    as_xlsx = _xlsx_rows(client.get(url + "?format=xlsx"))

    header = ["Import", "Started", "Dataset", "File", "Kind", "Status", "Rows read", "Imported"]
    assert as_csv[0][:8] == header
    assert as_csv[1][:8] == [
        str(run.pk),
        as_csv[1][1],
        "runs",
        "street.csv",
        "police.uk street-level CSV",
        "Done",
        "7",
        "4",
    ]
    assert as_xlsx[0][:8] == header
    assert as_xlsx[1][3:8] == ["street.csv", "police.uk street-level CSV", "Done", 7, 4]
    assert len(as_csv) == len(as_xlsx) == 2


def test_the_import_list_asks_few_queries_whatever_its_length(
    cast, client_for, django_assert_max_num_queries
):
    dataset = dataset_create(
        name="runs", title="Runs", country_code="KG", unit=cast.issyk_kul, actor=None
    )
    for _number in range(30):
        _run_of(cast, dataset=dataset)
    client = client_for(cast.dilnoza)

    with django_assert_max_num_queries(12):
        page = client.get(_url("import_list"))

    assert len(page.context["runs"]) == 30


def test_the_statistics_list_links_to_the_imports_for_who_may_follow(cast, client_for):
    imports, new = _url("import_list"), _url("import_new")

    for person, sees_imports, sees_new in (
        (cast.administrator, True, True),
        (cast.bakyt, True, False),
        (cast.aida, False, False),
    ):
        page = client_for(person).get(_url("dataset_list")).content.decode()
        assert (f'href="{imports}"' in page) is sees_imports, person
        assert (f'href="{new}"' in page) is sees_new, person
    assert f'href="{new}"' not in Client().get(_url("dataset_list")).content.decode()


def test_the_dashboard_offers_an_import_into_its_dataset_to_who_may(cast, client_for):
    balykchy_dataset()
    link = f'href="{_url("import_new")}?dataset=balykchy"'

    admin_page = client_for(cast.administrator).get(_url("dashboard", name="balykchy"))
    officer_page = client_for(cast.bakyt).get(_url("dashboard", name="balykchy"))
    form = client_for(cast.administrator).get(_url("import_new") + "?dataset=balykchy")

    assert link in admin_page.content.decode()
    assert officer_page.status_code == 200
    assert link not in officer_page.content.decode()
    assert '<option value="balykchy" selected>' in form.content.decode()


@pytest.mark.parametrize("language", ["ky", "ru", "en"])
def test_every_import_page_renders_in_each_language_without_missing_values(
    cast, client_for, settings, language
):
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "OPTIONS": {**settings.TEMPLATES[0]["OPTIONS"], "string_if_invalid": "MISSING[%s]"},
        }
    ]
    done = _run_of(
        cast,
        rows_read=2,
        rows_imported=1,
        rows_rejected=1,
        errors=[
            {
                "line": 3,
                "code": "bad_month",
                "reason": "x",
                "params": {"value": "2018-13", "format": "YYYY-MM"},
            }
        ],
    )
    failed = _run_of(
        cast,
        dataset=done.dataset,
        status=ImportStatus.FAILED,
        failure="Broken.",
        upload="stats/imports/gone.csv",
        retry_of=done,
    )
    queued = _run_of(cast, dataset=done.dataset, status=ImportStatus.QUEUED)
    running = _run_of(
        cast, dataset=done.dataset, status=ImportStatus.RUNNING, rows_done=1, rows_total=4
    )
    client = client_for(cast.administrator)
    pages = [_url("import_list", language), _url("import_new", language)]
    for run in (done, failed, queued, running):
        pages += [
            _url("import_detail", language, import_run_id=run.pk),
            _url("import_progress", language, import_run_id=run.pk),
        ]

    for url in pages:
        response = client.get(url)
        # The core export links read an absent export_url on purpose (`|default:''`).
        html = response.content.decode().replace("MISSING[export_url]", "")
        assert response.status_code == 200, url
        assert "MISSING[" not in html, url
        assert f'lang="{language}"' in html or url.endswith("/progress/"), url
    with translation.override(language):
        reason = done.error_list()[0]["reason"]
    assert (
        reason
        in client.get(_url("import_detail", language, import_run_id=done.pk)).content.decode()
    )
