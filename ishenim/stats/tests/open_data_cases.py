"""Small hand-made datasets for the open data tests: a few dozen records in a British
dataset (so that anchors are made from the records' own places), with what must never be
published beside what must be: days, crime numbers, free text, withheld categories, and
counts on both sides of the suppression threshold."""

import csv
from datetime import date
from pathlib import Path

from ishenim.core.enums import Sensitivity
from ishenim.stats.services import csv_import, dataset_create, dataset_update

MAPPING = {
    "columns": {
        "id": "id",
        "date": "date",
        "latitude": "lat",
        "longitude": "lon",
        "category": "type",
        "area_code": "area",
        "area_name": "area_name",
        "outcome": "outcome",
        "context": "context",
    },
    "categories": {
        "Burglary": "0501",
        "Robbery": "0401",
        "Rape": "0301",
        "Domestic abuse": "0201",
    },
}
COMMON_OUTCOME = "Under investigation"
# Twenty-four distinct places on a grid about 150 m apart in Leeds, in two areas.
PLACES = [
    (round(53.7950 + row * 0.0014, 6), round(-1.5500 + column * 0.0022, 6))
    for row in range(4)
    for column in range(6)
]


def _rows() -> list[dict]:
    rows = []

    def add(place: int, kind: str, day: date, *, outcome: str = COMMON_OUTCOME, context=""):
        lat, lon = PLACES[place]
        area = "E0100000A" if place < 12 else "E0100000B"
        rows.append(
            {
                "id": f"CRIME-{len(rows):04d}",
                "date": day.isoformat(),
                "lat": f"{lat:.6f}",
                "lon": f"{lon:.6f}",
                "type": kind,
                "area": area,
                "area_name": "Leeds 001A" if area.endswith("A") else "Leeds 001B",
                "outcome": outcome,
                "context": context,
            }
        )

    # Area A, July: 3 burglaries (suppressed); area B, July: 6 burglaries (published).
    for index in range(3):
        add(index, "Burglary", date(2018, 7, 3 + index))
    for index in range(6):
        add(12 + index, "Burglary", date(2018, 7, 10 + index))
    # Robberies everywhere, July and August: 24 places, one each, plus a typed note.
    for place in range(24):
        add(place, "Robbery", date(2018, 7 + place % 2, 1 + place))
    add(5, "Robbery", date(2018, 8, 30), outcome="Suspect is the neighbour at No. 12")
    add(6, "Robbery", date(2018, 8, 30), context="Victim's name is Jane Doe")
    # Withheld: by ICCS section 03, and by the name sources give family violence.
    for place in range(7):
        add(place, "Rape", date(2018, 7, 20))
        add(place + 12, "Domestic abuse", date(2018, 8, 21))
    return rows


def cases_file(path: Path) -> Path:
    rows = _rows()
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def cases_dataset(tmp_path: Path, *, name: str = "leeds-cases", public: bool = True):
    """The hand-made records imported into a new dataset, public unless told otherwise."""
    dataset = dataset_create(
        name=name,
        title="Leeds test cases",
        country_code="GB",
        source="made for the tests",
        licence="Open Government Licence v3.0",
        area_scheme="LSOA 2011",
        actor=None,
    )
    csv_import(
        dataset=dataset, file=cases_file(tmp_path / f"{name}.csv"), mapping=MAPPING, actor=None
    )
    if public:
        dataset = dataset_update(dataset=dataset, sensitivity=Sensitivity.PUBLIC, actor=None)
    return dataset


WITHHELD_NAMES = ("Rape", "Domestic abuse")
WITHHELD_RECORDS = 14
PUBLISHED_RECORDS = 3 + 6 + 24 + 2
