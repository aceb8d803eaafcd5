"""Imports whose worker stopped mid-file are failed after a while, so they can be tried again;
imports that are still making progress are left alone."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ishenim.core.schedule import periodic_jobs
from ishenim.stats.enums import ImportKind, ImportStatus
from ishenim.stats.models import ImportRun
from ishenim.stats.services import dataset_create
from ishenim.stats.services.importing_uploads import ABANDONED_AFTER, imports_abandoned_fail

pytestmark = pytest.mark.django_db


@pytest.fixture
def dataset():
    return dataset_create(
        name="abandoned", title="Abandoned imports", country_code="KG", actor=None
    )


def _running(dataset, *, started_ago, progressed_ago=None) -> ImportRun:
    now = timezone.now()
    return ImportRun.objects.create(
        dataset=dataset,
        kind=ImportKind.CSV,
        file_name="big.csv",
        status=ImportStatus.RUNNING,
        started_at=now - started_ago,
        progressed_at=None if progressed_ago is None else now - progressed_ago,
        rows_done=50_000,
        rows_total=400_000,
    )


def test_an_import_silent_for_longer_than_the_limit_is_failed_with_its_reason(dataset):
    silent = _running(dataset, started_ago=timedelta(hours=3), progressed_ago=ABANDONED_AFTER * 2)

    assert imports_abandoned_fail() == 1

    silent.refresh_from_db()
    assert silent.status == ImportStatus.FAILED
    assert "worker running it stopped" in silent.failure
    assert silent.finished_at is not None
    assert silent.rows_done == 50_000  # how far it got stays on record


def test_a_long_import_that_still_makes_progress_is_left_running(dataset):
    busy = _running(dataset, started_ago=timedelta(hours=3), progressed_ago=timedelta(minutes=1))
    fresh = _running(dataset, started_ago=timedelta(minutes=5))

    assert imports_abandoned_fail() == 0

    assert ImportRun.objects.get(pk=busy.pk).status == ImportStatus.RUNNING
    assert ImportRun.objects.get(pk=fresh.pk).status == ImportStatus.RUNNING


def test_a_run_never_reporting_progress_counts_from_its_start(dataset):
    stuck = _running(dataset, started_ago=ABANDONED_AFTER + timedelta(minutes=1))

    assert imports_abandoned_fail() == 1
    assert ImportRun.objects.get(pk=stuck.pk).status == ImportStatus.FAILED


def test_the_check_is_on_the_timetable_of_periodic_jobs():
    assert "stats_imports_abandoned_fail" in {job.name for job in periodic_jobs()}
