"""Data for the tests of the analyses and their pages: the demo dataset of Kyrgyz registered
crimes (Balykchy 1,727 → 1,356), imported once per test module (import
`demo_dataset_fixture` into a test module and ask for `demo_dataset`), and small datasets of
dated records placed in Balykchy and in Batken, for the permission tests."""

import random
from datetime import date, timedelta

import pytest
from django.db import transaction

from ishenim.core.demo import DEMO_SEED, DemoContext
from ishenim.core.enums import Sensitivity
from ishenim.geo.models import AdminUnit
from ishenim.stats.demo import demo_build
from ishenim.stats.models import Dataset
from ishenim.stats.services import csv_import, dataset_create

BALYKCHY = "41702420000010"
BATKEN_DISTRICT = "41705214000000"
ISSYK_KUL = "41702000000000"
# Inside Balykchy's and Batken district's outlines (from stats' conftest), as floats.
BALYKCHY_POINT = (42.454975, 76.182691)
BATKEN_POINT = (39.841050, 70.979847)


@pytest.fixture(scope="module", name="demo_dataset")
def demo_dataset_fixture(django_db_setup, django_db_blocker) -> Dataset:
    """The demo's registered crimes 2022–2023 (national, internal), built as `ishenim
    load-demo` builds them, inside a transaction rolled back after the module."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            demo = DemoContext(scale=1, today=date(2026, 3, 21), rng=random.Random(DEMO_SEED))
            demo_build(demo)
            yield demo.made["dataset:registered_crimes"]
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def dated_rows(point, count: int, *, first: date, days: int, seed: int, spread: float = 0.002):
    """`count` records around `point`, on days from `first` over `days` days."""
    rng = random.Random(seed)
    return [
        (
            first + timedelta(days=rng.randrange(days)),
            point[0] + rng.uniform(-spread, spread),
            point[1] + rng.uniform(-spread, spread),
        )
        for _ in range(count)
    ]


def dated_dataset(
    tmp_path,
    *,
    name: str,
    rows: list[tuple[date, float, float]],
    unit: str | None = None,
    sensitivity: str = Sensitivity.INTERNAL,
    category: str = "0502",
) -> Dataset:
    """A Kyrgyz dataset of these dated, placed records (all of one category), through the
    CSV importer as any ministry extract."""
    dataset = dataset_create(
        name=name,
        title=f"Test records {name}",
        country_code="KG",
        unit=AdminUnit.objects.get(code=unit) if unit else None,
        sensitivity=sensitivity,
        actor=None,
    )
    path = tmp_path / f"{name}.csv"
    path.write_text(
        "id,date,lat,lon,article\n"
        + "".join(
            f"{name}-{i},{day.isoformat()},{lat:.6f},{lon:.6f},offence\n"
            for i, (day, lat, lon) in enumerate(rows)
        ),
        encoding="utf-8",
    )
    csv_import(
        dataset=dataset,
        file=path,
        mapping={
            "columns": {
                "id": "id",
                "date": "date",
                "latitude": "lat",
                "longitude": "lon",
                "category": "article",
            },
            "categories": {"offence": category},
        },
        actor=None,
    )
    return dataset


def batken_dataset(tmp_path) -> Dataset:
    """Batken district's dataset, holding also three records located in Balykchy (an
    extract that strayed): Chynara sees the dataset, and none of Balykchy's records."""
    rows = dated_rows(BATKEN_POINT, 40, first=date(2023, 1, 1), days=365, seed=1)
    rows += dated_rows(BALYKCHY_POINT, 3, first=date(2023, 1, 1), days=365, seed=2)
    return dated_dataset(tmp_path, name="batken", rows=rows, unit=BATKEN_DISTRICT)


def balykchy_dataset(tmp_path) -> Dataset:
    """Balykchy's own dataset: 2022 and 2023, Bakyt's and Erlan's jurisdiction."""
    rows = dated_rows(BALYKCHY_POINT, 60, first=date(2022, 1, 1), days=365, seed=3)
    rows += dated_rows(BALYKCHY_POINT, 40, first=date(2023, 1, 1), days=365, seed=4)
    return dated_dataset(tmp_path, name="balykchy", rows=rows, unit=BALYKCHY)
