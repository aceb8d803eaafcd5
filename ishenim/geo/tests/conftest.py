import csv
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from ishenim.geo import selectors as geo_selectors
from ishenim.geo.models import AdminUnit, Boundary, Settlement
from ishenim.geo.services import reference_load

KG = Path(settings.ISHENIM_REFERENCE_DIR)

# Real codes from the shipped Kyrgyz data (admin_units.csv).
BALYKCHY = "41702420000010"
BATKEN_OBLAST = "41705000000000"
BATKEN_DISTRICT = "41705214000000"
BISHKEK = "41711000000000"
BISHKEK_LENIN = "41711201000000"
ISSYK_KUL_OBLAST = "41702000000000"
KOK_JANGAK = "41703220400010"
OSH_CITY = "41721000000000"
SUZAK = "41703220000000"
KYRGYZSTAN = "41700000000000"


@pytest.fixture(autouse=True)
def english():
    # Most tests read English messages; the ones about other languages override it.
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def fresh_locator():
    # The Locator is cached per process; a test's rolled-back boundaries must not leak.
    geo_selectors.locator_reset()
    yield
    geo_selectors.locator_reset()


@pytest.fixture
def kg(db) -> dict[str, AdminUnit]:
    """The shipped Kyrgyz reference data (the suite loads it once per session, see
    ishenim/conftest.py); units by code."""
    if not AdminUnit.objects.filter(code=KYRGYZSTAN).exists():
        reference_load()
    return {unit.code: unit for unit in AdminUnit.objects.all()}


@pytest.fixture
def empty_geography(db) -> None:
    """No units, boundaries or settlements, for the tests of a first load and of Testland;
    the deletions roll back with the test."""
    Settlement.objects.all().delete()
    Boundary.objects.all().delete()
    for depth in sorted(set(AdminUnit.objects.values_list("depth", flat=True)), reverse=True):
        AdminUnit.objects.filter(depth=depth).delete()


def square(west: float, south: float, east: float, north: float, holes=()) -> dict:
    def ring(w, s, e, n):
        return [[w, s], [e, s], [e, n], [w, n], [w, s]]

    return {
        "type": "Polygon",
        "coordinates": [ring(west, south, east, north)] + [ring(*h) for h in holes],
    }


UNIT_COLUMNS = [
    "code",
    "parent_code",
    "level",
    "name_en",
    "name_ru",
    "name_ky",
    "population",
    "population_year",
    "source",
    "iso_3166_2",
    "cod_pcode",
    "unit_type",
    "notes",
]

# Testland: oblast North (lon 0..10, lat 0..10, with a lake 4..6 cut out), oblast South
# (lon 10..20), North's districts West (0..5) and East (5..10), and Port, a city inside West
# (nested: West has no hole for it) one level deeper.
TOY_UNITS = [
    {
        "code": "N",
        "parent_code": "",
        "level": "oblast",
        "name_en": "North",
        "name_ru": "Север",
        "name_ky": "Түндүк",
        "population": "1000",
        "population_year": "2024",
    },
    {
        "code": "S",
        "parent_code": "",
        "level": "oblast",
        "name_en": "South",
        "name_ru": "Юг",
        "name_ky": "Түштүк",
    },
    {
        "code": "NW",
        "parent_code": "N",
        "level": "district",
        "name_en": "West District",
        "name_ru": "Западный район",
        "name_ky": "Батыш району",
    },
    {
        "code": "NE",
        "parent_code": "N",
        "level": "district",
        "name_en": "East District",
        "name_ru": "Восточный район",
        "name_ky": "Чыгыш району",
    },
    {
        "code": "PORT",
        "parent_code": "NW",
        "level": "city",
        "name_en": "Port",
        "name_ru": "г. Порт",
        "name_ky": "Порт ш.",
    },
]
LAKE = (4, 4, 6, 6)
TOY_TOP = [
    ("N", square(0, 0, 10, 10, holes=[LAKE])),
    ("S", square(10, 0, 20, 10)),
]
TOY_LOWER = [
    # Each district has a notch where the lake cuts into it.
    (
        "NW",
        {
            "type": "Polygon",
            "coordinates": [
                [[0, 0], [5, 0], [5, 4], [4, 4], [4, 6], [5, 6], [5, 10], [0, 10], [0, 0]]
            ],
        },
    ),
    (
        "NE",
        {
            "type": "Polygon",
            "coordinates": [
                [[5, 0], [10, 0], [10, 10], [5, 10], [5, 6], [6, 6], [6, 4], [5, 4], [5, 0]]
            ],
        },
    ),
    ("PORT", square(1, 1, 2, 2)),
]


def collection(features) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": code, "geometry_source": "drawn for tests"},
                "geometry": geometry,
            }
            for code, geometry in features
        ],
    }


def toy_write(directory: Path, *, units=None, top=None, lower=None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "country.json").write_text(
        json.dumps(
            {
                "code": "T0",
                "name_en": "Testland",
                "name_ru": "Тестландия",
                "name_ky": "Тестстан",
                "population": 5000,
                "population_year": 2025,
                "source": "made up",
            }
        ),
        encoding="utf-8",
    )
    with (directory / "admin_units.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=UNIT_COLUMNS)
        writer.writeheader()
        for row in TOY_UNITS if units is None else units:
            writer.writerow(row)
    (directory / "top.geojson").write_text(json.dumps(collection(TOY_TOP if top is None else top)))
    (directory / "lower.geojson").write_text(
        json.dumps(collection(TOY_LOWER if lower is None else lower))
    )
    return directory


@pytest.fixture
def toy_folder(tmp_path) -> Path:
    return toy_write(tmp_path / "testland")


@pytest.fixture
def toy(empty_geography, toy_folder) -> dict[str, AdminUnit]:
    """Testland, loaded; units by code."""
    reference_load(directory=toy_folder)
    return {unit.code: unit for unit in AdminUnit.objects.all()}
