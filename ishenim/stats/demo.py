"""Stats' part of the demonstration data set: a made-up dataset of registered crimes for 2022
and 2023, so that the statistics have something of this country to show after `make run`, and
the real police.uk month of West Yorkshire (demo_data/policeuk, PROVENANCE.md there) as a
public dataset, so that the open data pages publish something real.

Balykchy has the totals the issue quotes (1,727 crimes in 2022, 1,356 in 2023), spread over
its six demo neighbourhoods, the months (more in summer) and a plausible mix of offences;
a few other demo places have fewer. Points are the geo demo's settlements with a jitter of a
few hundred metres. It goes through the generic CSV importer like any ministry extract, so the
demo exercises the same path; the real police.uk month is test and benchmark data, not demo.
"""

import csv
import gzip
import shutil
import tempfile
from datetime import date
from pathlib import Path

from ishenim.core.enums import Sensitivity
from ishenim.geo.demo import DEMO_SETTLEMENTS
from ishenim.stats.services import csv_import, dataset_create, policeuk_import

POLICE_UK_FOLDER = Path(__file__).resolve().parent / "demo_data" / "policeuk"
POLICE_UK_STREET = "2018-07-west-yorkshire-street.csv"
POLICE_UK_POPULATION = "west-yorkshire-lsoa-population-2011.csv"

# Crimes per year in each demo place: settlement keys of geo.demo.
YEARLY = {
    "balykchy": {2022: 1727, 2023: 1356},
    "cholpon_ata": {2022: 410, 2023: 455},
    "ak_sai": {2022: 64, 2023: 81},
    "kara_suu": {2022: 380, 2023: 352},
}
# Russian article names as a ministry export would have them → ICCS, with their shares.
OFFENCES = [
    ("Кража", "0502", 38),
    ("Мошенничество", "0701", 14),
    ("Хулиганство", "0801", 10),
    ("Побои", "0201", 9),
    ("Кража со взломом", "0501", 8),
    ("Незаконный оборот наркотиков", "0601", 6),
    ("Грабеж", "0401", 5),
    ("Повреждение имущества", "0504", 5),
    ("Угроза убийством", "0201", 3),
    ("Семейное насилие", "02", 2),
]
# More crime in the summer months, as the Issyk-Kul season brings.
SEASON = [6, 6, 7, 8, 9, 10, 12, 12, 9, 8, 7, 6]
JITTER_DEGREES = 0.0025
MAPPING = {
    "columns": {
        "id": "id",
        "date": "date",
        "category": "article",
        "latitude": "lat",
        "longitude": "lon",
    },
    "categories": {name: code for name, code, _share in OFFENCES},
}


def _places() -> dict[str, list[tuple[float, float]]]:
    """Demo place → the points its records scatter around (Balykchy: its neighbourhoods)."""
    points: dict[str, list[tuple[float, float]]] = {key: [] for key in YEARLY}
    for key, _kind, _ky, _ru, _en, latitude, longitude in DEMO_SETTLEMENTS:
        place = "balykchy" if key.startswith("balykchy_") else key
        if place in points:
            points[place].append((latitude, longitude))
    return points


def demo_rows(rng) -> list[dict]:
    names = [name for name, _code, _share in OFFENCES]
    shares = [share for _name, _code, share in OFFENCES]
    rows = []
    for place, centres in _places().items():
        for year, total in YEARLY[place].items():
            months = rng.choices(range(1, 13), weights=SEASON, k=total)
            for number, month in enumerate(sorted(months), start=1):
                latitude, longitude = rng.choice(centres)
                rows.append(
                    {
                        "id": f"DEMO-{place}-{year}-{number:05d}",
                        "date": date(year, month, rng.randint(1, 28)).isoformat(),
                        "article": rng.choices(names, weights=shares)[0],
                        "lat": f"{latitude + rng.uniform(-JITTER_DEGREES, JITTER_DEGREES):.5f}",
                        "lon": f"{longitude + rng.uniform(-JITTER_DEGREES, JITTER_DEGREES):.5f}",
                    }
                )
    return rows


def demo_build(demo) -> None:
    dataset = dataset_create(
        name="demo-registered-crimes",
        title="Registered crimes 2022–2023 (demonstration, made up)",
        country_code="KG",
        source="Ishenim demo data set: made-up records, not real crimes",
        area_scheme="SOATE",
        sensitivity=Sensitivity.INTERNAL,
        actor=None,
    )
    with tempfile.TemporaryDirectory(prefix="ishenim-demo-") as folder:
        path = Path(folder) / "registered-crimes.csv"
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=["id", "date", "article", "lat", "lon"])
            writer.writeheader()
            writer.writerows(demo_rows(demo.rng))
        csv_import(dataset=dataset, file=path, mapping=MAPPING, actor=None)
    demo.made["dataset:registered_crimes"] = dataset
    _policeuk_build(demo)


def _policeuk_build(demo) -> None:
    dataset = dataset_create(
        name="west-yorkshire-2018-07",
        title="West Yorkshire Police, July 2018 (police.uk)",
        country_code="GB",
        source="data.police.uk, street-level crime; LSOA populations: ONS 2011 Census",
        licence=(
            "Open Government Licence v3.0. Contains public sector information licensed under"
            " the Open Government Licence v3.0."
        ),
        area_scheme="LSOA 2011",
        category_scheme="police.uk",
        sensitivity=Sensitivity.PUBLIC,
        actor=None,
    )
    with tempfile.TemporaryDirectory(prefix="ishenim-demo-") as folder:
        paths = {}
        for name in (POLICE_UK_STREET, POLICE_UK_POPULATION):
            paths[name] = Path(folder) / name
            compressed = POLICE_UK_FOLDER / f"{name}.gz"
            with gzip.open(compressed, "rb") as source, open(paths[name], "wb") as target:
                shutil.copyfileobj(source, target)
        policeuk_import(
            dataset=dataset,
            files=[paths[POLICE_UK_STREET]],
            population_csv=paths[POLICE_UK_POPULATION],
            population_year=2011,
            actor=None,
        )
    demo.made["dataset:west_yorkshire"] = dataset
