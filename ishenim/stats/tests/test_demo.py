import random
from datetime import date

import pytest

from ishenim.core.demo import DemoContext
from ishenim.core.enums import Sensitivity
from ishenim.stats import selectors
from ishenim.stats.demo import YEARLY, demo_build
from ishenim.stats.enums import ImportStatus
from ishenim.stats.models import Dataset
from ishenim.stats.periods import Period
from ishenim.stats.tests.conftest import BALYKCHY

pytestmark = pytest.mark.django_db


def _build(seed: int = 1) -> DemoContext:
    demo = DemoContext(scale=1, today=date(2026, 3, 21), rng=random.Random(seed))
    demo_build(demo)
    return demo


def test_the_demo_dataset_gives_balykchy_the_issues_totals_for_2022_and_2023():
    dataset = _build().made["dataset:registered_crimes"]

    totals = {}
    for year in (2022, 2023):
        rows = selectors.counts_by(dataset, by=["unit"], period=Period.parse(str(year)))
        totals[year] = {row["unit_code"]: row["count"] for row in rows}[BALYKCHY]

    assert totals == {2022: 1727, 2023: 1356}
    (run,) = dataset.imports.all()
    assert run.status == ImportStatus.DONE and run.rows_rejected == 0
    assert run.rows_imported == sum(sum(years.values()) for years in YEARLY.values())


def test_the_demo_dataset_is_the_same_every_time():
    first = _build(seed=7).made["dataset:registered_crimes"]
    months = [(row["month"], row["count"]) for row in selectors.monthly_series(first)]
    categories = selectors.counts_by(first, by=["category"])
    first.delete()
    Dataset.objects.filter(name="west-yorkshire-2018-07").delete()

    again = _build(seed=7).made["dataset:registered_crimes"]

    assert [(row["month"], row["count"]) for row in selectors.monthly_series(again)] == months
    assert selectors.counts_by(again, by=["category"]) == categories
    assert len(months) == 24


def test_the_demo_publishes_the_real_police_uk_month_as_a_public_dataset():
    dataset = _build().made["dataset:west_yorkshire"]

    assert dataset.sensitivity == Sensitivity.PUBLIC
    assert "Open Government Licence" in dataset.licence
    runs = {run.kind: run for run in dataset.imports.all()}
    assert runs["policeuk"].rows_imported == 31_635 and runs["policeuk"].rows_rejected == 0
    # The 1,388 LSOAs with a population, and 12 more that only the street file names.
    assert dataset.areas.filter(population__isnull=False).count() == 1_388
