"""`ishenim hotspots`, `ishenim near-repeat` and `ishenim change` on the real West Yorkshire
month and on the Kyrgyz demo dataset."""

import io
import json
import warnings

import h3
import numpy as np
import pytest
from django.core.management import CommandError, call_command
from h3.api import numpy_int as h3int

from ishenim import cli
from ishenim.analytics.cells import (
    cell_counts,
    cells_for_points,
    kring_weights,
    study_area_from_records,
)
from ishenim.analytics.hotspots import CLASS_NAMES, gi_star
from ishenim.stats.tests.analysis_data import (
    BALYKCHY,
    demo_dataset_fixture,  # noqa: F401
)
from ishenim.stats.tests.conftest import STREET_CSV

pytestmark = pytest.mark.django_db


def _run(command, *args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _csv_points():
    """(lat, lon) of the located rows of the real file, read as pandas would read them."""
    import pandas as pd

    frame = pd.read_csv(STREET_CSV, usecols=["Latitude", "Longitude"]).dropna()
    return frame["Latitude"].to_numpy(), frame["Longitude"].to_numpy()


def test_hotspots_writes_every_hexagon_with_esdas_z_scores(west_yorkshire, tmp_path):
    esda = pytest.importorskip("esda")
    libpysal = pytest.importorskip("libpysal")
    output = tmp_path / "hotspots.geojson"

    out, err = _run(
        "hotspots",
        "--dataset",
        "west-yorkshire",
        "--resolution",
        "8",
        "--k",
        "1",
        "--output",
        str(output),
    )

    features = json.loads(output.read_text(encoding="utf-8"))["features"]
    assert {frozenset(f["properties"]) for f in features} == {
        frozenset({"h3", "count", "gi_z", "gi_p", "class"})
    }
    # The same study, counts and Gi* computed straight from the CSV file.
    lat, lon = _csv_points()
    records = cells_for_points(lat, lon, resolution=8)
    study = study_area_from_records(records, k=1)
    counts = cell_counts(records, study)
    reference = gi_star(counts, kring_weights(study, k=1))
    by_cell = {h3int.str_to_int(f["properties"]["h3"]): f["properties"] for f in features}
    assert sorted(by_cell) == [int(cell) for cell in study]
    ours = np.array([by_cell[int(cell)]["gi_z"] for cell in study], dtype=float)
    np.testing.assert_allclose(ours, reference.z, rtol=0, atol=1e-9)
    assert [by_cell[int(cell)]["count"] for cell in study] == counts.tolist()
    assert [by_cell[int(cell)]["class"] for cell in study] == [
        CLASS_NAMES[level] for level in reference.classes
    ]
    # And esda's G_Local on h3's own neighbourhoods.
    position = {int(cell): i for i, cell in enumerate(study)}
    neighbours = {
        i: [
            position[int(o)]
            for o in h3int.grid_disk(int(cell), 1)
            if int(o) in position and int(o) != int(cell)
        ]
        for i, cell in enumerate(study)
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = esda.G_Local(
            counts.astype(float),
            libpysal.weights.W(neighbours, silence_warnings=True),
            transform="B",
            star=True,
            permutations=0,
        )
    np.testing.assert_allclose(ours, g.Zs, rtol=0, atol=1e-9)
    # A hexagon's outline is its H3 boundary, closed, in GeoJSON's longitude-latitude order.
    ring = features[0]["geometry"]["coordinates"][0]
    corners = h3.cell_to_boundary(features[0]["properties"]["h3"])
    assert ring[0] == ring[-1] and len(ring) == len(corners) + 1
    assert ring[:-1] == [[round(lng, 6), round(lat, 6)] for lat, lng in corners]
    assert "hot_99" in out and "records counted" in out
    assert "Gi* on" in err and "done in" in err


def test_hotspots_in_a_units_outline(demo_dataset, tmp_path):
    output = tmp_path / "balykchy.geojson"

    out, _err = _run(
        "hotspots",
        "--dataset",
        demo_dataset.name,
        "--resolution",
        "9",
        "--area",
        BALYKCHY,
        "--period",
        "2023",
        "--output",
        str(output),
    )

    features = json.loads(output.read_text(encoding="utf-8"))["features"]
    assert sum(f["properties"]["count"] for f in features) == 1356
    assert "(inside the outline)" in out


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--resolution", "12"], "The hexagon resolution must be a whole number from 6 to 10."),
        (["--resolution", "9", "--k", "5"], "The neighbourhood must be 1 to 3 rings of hexagons."),
        (["--resolution", "9", "--period", "2023-13"], "is not a period"),
        (["--resolution", "9", "--area", "nowhere"], "is not an area of the dataset"),
    ],
)
def test_hotspots_refuses_what_it_cannot_do_and_writes_nothing(
    demo_dataset, tmp_path, arguments, message
):
    output = tmp_path / "nothing.geojson"

    with pytest.raises(CommandError, match=message):
        _run("hotspots", "--dataset", demo_dataset.name, *arguments, "--output", str(output))

    assert not output.exists()


def test_near_repeat_prints_the_knox_tables(demo_dataset):
    out, err = _run(
        "near_repeat",
        "--dataset",
        demo_dataset.name,
        "--area",
        BALYKCHY,
        "--period",
        "2023",
        "--distance-bands",
        "0,100,200",
        "--time-bands",
        "7,14",
        "--permutations",
        "19",
        "--seed",
        "4",
    )

    assert "1356 records with a place and a day" in out
    for title in ("Pairs observed", "Pairs expected", "Knox ratio", "p-value"):
        assert title in out
    header = next(line for line in out.splitlines() if line.startswith("distance"))
    assert header.split() == [
        "distance",
        "0",
        "to",
        "7",
        "days",
        "8",
        "to",
        "14",
        "days",
        "more",
        "than",
        "14",
        "days",
    ]
    assert "Knox test on 1,356 records, 19 permutations" in err


def test_near_repeat_on_police_uk_months_says_why_it_cannot(west_yorkshire):
    with pytest.raises(CommandError, match="Near repeat needs the day of each crime"):
        _run("near_repeat", "--dataset", "west-yorkshire", "--seed", "1")


def test_change_prints_balykchys_real_fall(demo_dataset):
    out, _err = _run(
        "change",
        "--dataset",
        demo_dataset.name,
        "--area",
        BALYKCHY,
        "--from",
        "2022",
        "--to",
        "2023",
    )

    total = next(line for line in out.splitlines() if line.startswith(BALYKCHY))
    assert "1,727" in total and "1,356" in total and "0.785" in total
    assert total.endswith("a real fall")
    assert "By category" in out


def test_change_refuses_periods_the_dataset_does_not_cover(demo_dataset):
    with pytest.raises(CommandError, match="has no counts for 2030"):
        _run("change", "--dataset", demo_dataset.name, "--from", "2023", "--to", "2030")


def test_the_commands_have_their_short_names():
    assert cli.SUBCOMMANDS["hotspots"][0] == "hotspots"
    assert cli.SUBCOMMANDS["near-repeat"][0] == "near_repeat"
    assert cli.SUBCOMMANDS["change"][0] == "change"
