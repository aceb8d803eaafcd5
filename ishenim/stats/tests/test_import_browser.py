"""An import's page in a real browser (Debian's Chromium through Playwright) while the
background task runs: with JavaScript, htmx follows the progress and reloads the page when the
import has ended; without it, the refresh link does the same."""

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile

from ishenim.stats.enums import ImportKind, ImportStatus
from ishenim.stats.models import ImportRun
from ishenim.stats.services import dataset_create
from ishenim.stats.services import importing_uploads as uploads
from ishenim.stats.tests.conftest import street_row
from ishenim.stats.tests.test_import_pages import _street_bytes
from ishenim.stats.views import imports as import_views

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def queued_run(cast, monkeypatch) -> ImportRun:
    """A police.uk file of two good rows and a bad one, uploaded and waiting for a worker
    (the test is the worker: it calls import_run_execute)."""
    monkeypatch.setattr(uploads, "_enqueue", lambda run: None)
    dataset = dataset_create(
        name="wy",
        title="West Yorkshire",
        country_code="GB",
        category_scheme="police.uk",
        actor=None,
    )
    rows = [street_row(), street_row(**{"Crime ID": "e5" * 32}), street_row(Month="July")]
    return uploads.import_queue(
        kind=ImportKind.POLICE_UK,
        file=SimpleUploadedFile("street.csv", _street_bytes(rows)),
        dataset=dataset,
        actor=cast.administrator,
    )


def _page(browser, live_server, client, *, javascript: bool):
    context = browser.new_context(locale="en-GB", java_script_enabled=javascript)
    context.set_default_timeout(5000)
    context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.problems = []
    page.on(
        "console",
        lambda message: page.problems.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    return page


def test_the_page_follows_the_import_and_reloads_when_it_is_done(
    browser, live_server, cast, client_for, queued_run, monkeypatch
):
    monkeypatch.setattr(import_views, "POLL_SECONDS", 0.5)
    page = _page(browser, live_server, client_for(cast.administrator), javascript=True)
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
    assert "“July” is not a month" in page.locator("tbody").inner_text()
    assert page.problems == []
    page.context.close()


def test_without_javascript_the_refresh_link_shows_the_progress(
    browser, live_server, cast, client_for, queued_run
):
    page = _page(browser, live_server, client_for(cast.administrator), javascript=False)
    page.goto(f"{live_server.url}/en/stats/imports/{queued_run.pk}/")

    uploads.import_run_execute(import_run_id=queued_run.pk)
    page.get_by_role("link", name="Refresh").click()

    assert "The import is done." in page.locator("#import-progress").inner_text()
    assert "3 of 3 rows" in page.locator("#import-progress").inner_text()
    assert page.get_by_role("link", name="Refresh").count() == 0
    page.context.close()
