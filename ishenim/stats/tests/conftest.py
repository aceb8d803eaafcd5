"""Fixtures of the statistics' tests: the real West Yorkshire month, imported once per module,
and small hand-made files for the cases the real month does not have.

`west_yorkshire` imports the real file inside a transaction that is rolled back when the
module's tests are done (what Django's TestCase.setUpTestData does for a class): each test's
own transaction nests inside it, so tests see the imported month, may write on top of it,
and leave nothing behind, on SQLite and PostgreSQL alike.
"""

import csv
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import translation

from ishenim.stats.models import Dataset, ImportRun
from ishenim.stats.services import dataset_create, policeuk_import
from ishenim.stats.services.policeuk import POLICE_UK_COLUMNS

POLICEUK = Path(__file__).parents[3].parent / "shared" / "data" / "policeuk"
STREET_CSV = POLICEUK / "2018-07-west-yorkshire-street.csv"
POPULATION_CSV = POLICEUK / "west-yorkshire-lsoa-population-2011.csv"
WEST_YORKSHIRE_ROWS = 31_635

# Real codes of the shipped Kyrgyz geography, and a point inside each unit's outline.
BALYKCHY = "41702420000010"
BATKEN_DISTRICT = "41705214000000"
IN_BALYKCHY = ("42.454975", "76.182691")
IN_BATKEN = ("39.841050", "70.979847")


@pytest.fixture(autouse=True)
def english():
    # Tests read English messages (those that check other languages say so).
    with translation.override("en"):
        yield


def real_data_or_skip() -> None:
    if not (STREET_CSV.exists() and POPULATION_CSV.exists()):
        pytest.skip(f"The real police.uk month is not here: {POLICEUK}")


@dataclass(frozen=True)
class Imported:
    dataset: Dataset
    areas_run: ImportRun
    run: ImportRun


@pytest.fixture(scope="module")
def west_yorkshire(django_db_setup, django_db_blocker) -> Imported:
    """The real month with its LSOA populations, in a dataset named west-yorkshire."""
    real_data_or_skip()
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            dataset = police_dataset("west-yorkshire")
            areas_run, run = policeuk_import(
                dataset=dataset,
                files=[STREET_CSV],
                population_csv=POPULATION_CSV,
                population_year=2011,
                actor=None,
            )
            yield Imported(dataset=dataset, areas_run=areas_run, run=run)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def police_dataset(name: str, **values) -> Dataset:
    return dataset_create(
        name=name,
        title=values.pop("title", "West Yorkshire Police, July 2018"),
        country_code="GB",
        source="data.police.uk",
        licence="Open Government Licence v3.0",
        area_scheme="LSOA 2011",
        category_scheme="police.uk",
        actor=None,
        **values,
    )


def street_row(**values) -> dict:
    """A police.uk row; the defaults are a real row of the West Yorkshire month."""
    row = {
        "Crime ID": "170c41944fe890a7f20d58e7595c51c9baf1ff3ef0bd57659c74028583607e9f",
        "Month": "2018-07",
        "Reported by": "West Yorkshire Police",
        "Falls within": "West Yorkshire Police",
        "Longitude": "-1.409547",
        "Latitude": "53.598298",
        "Location": "On or near Ash Mount",
        "LSOA code": "E01007329",
        "LSOA name": "Barnsley 003A",
        "Crime type": "Vehicle crime",
        "Last outcome category": "Investigation complete; no suspect identified",
        "Context": "",
    }
    row.update(values)
    return row


def street_file(path: Path, rows: list[dict | list]) -> Path:
    """A police.uk file of these rows (a list is written as it is: a broken row)."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(POLICE_UK_COLUMNS)
        for row in rows:
            writer.writerow(row if isinstance(row, list) else [row[c] for c in POLICE_UK_COLUMNS])
    return path
