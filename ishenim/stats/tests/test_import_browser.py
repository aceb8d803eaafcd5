"""An import's page in a real browser (Debian's Chromium through Playwright) while the
background task runs: with JavaScript, htmx follows the progress and reloads the page when the
import has ended; without it, the refresh link does the same."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ishenim.stats.enums import ImportKind, ImportStatus
from ishenim.stats.models import ImportRun
from ishenim.stats.services import importing_uploads as uploads
from ishenim.stats.tests.test_analysis_browser import _signed_in_page
from ishenim.stats.tests.test_import_pages import balykchy_dataset
from ishenim.stats.views import imports as import_views

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
]

# Two records in Balykchy and a row whose date is no date.
RECORDS = (
    "id,date,lat,lon,article\n"
    "b-1,2024-03-01,42.454975,76.182691,theft\n"
    "b-2,2024-03-02,42.455000,76.182700,theft\n"
    "b-3,March,42.455000,76.182700,theft\n"
)
MAPPING = """
[columns]
id = "id"
date = "date"
latitude = "lat"
longitude = "lon"
category = "article"

[categories]
theft = "0502"
"""


@pytest.fixture
def queued_run(cast, monkeypatch) -> ImportRun:
    """A file of Balykchy's records, uploaded by the administrator and waiting for a worker
    (the test is the worker: it calls import_run_execute). Bakyt works in Balykchy and may
    follow it."""
    monkeypatch.setattr(uploads, "_enqueue", lambda run: None)
    return uploads.import_queue(
        kind=ImportKind.CSV,
        file=SimpleUploadedFile("records.csv", RECORDS.encode()),
        mapping=MAPPING,
        dataset=balykchy_dataset(),
        actor=cast.administrator,
    )


def test_the_page_follows_the_import_and_reloads_when_it_is_done(
    browser, live_server, cast, queued_run, monkeypatch
):
    monkeypatch.setattr(import_views, "POLL_SECONDS", 0.5)
    page = _signed_in_page(browser, live_server, cast.bakyt)
    page.goto(f"{live_server.url}/en/stats/imports/{queued_run.pk}/")
    assert "waits for the background worker" in page.locator("#import-progress").inner_text()

    # What the importer commits after a batch, then the whole import.
    ImportRun.objects.filter(pk=queued_run.pk).update(
        status=ImportStatus.RUNNING, rows_done=1, rows_total=3
    )
    page.locator("#import-progress", has_text="1 of 3 rows").wait_for()
    ImportRun.objects.filter(pk=queued_run.pk).update(status=ImportStatus.QUEUED)
    uploads.import_run_execute(import_run_id=queued_run.pk)

    page.get_by_role("table").wait_for()
    assert "The import is done." in page.locator("#import-progress").inner_text()
    assert page.locator("tbody tr").count() == 1
    assert "“March” is not a date" in page.locator("tbody").inner_text()
    assert page.problems == []
    page.context.close()


def test_without_javascript_the_refresh_link_shows_the_progress(
    browser, live_server, cast, queued_run
):
    page = _signed_in_page(browser, live_server, cast.bakyt, javascript=False)
    page.goto(f"{live_server.url}/en/stats/imports/{queued_run.pk}/")

    uploads.import_run_execute(import_run_id=queued_run.pk)
    page.get_by_role("link", name="Refresh").click()

    assert "The import is done." in page.locator("#import-progress").inner_text()
    assert "3 of 3 rows" in page.locator("#import-progress").inner_text()
    assert page.get_by_role("link", name="Refresh").count() == 0
    page.context.close()
