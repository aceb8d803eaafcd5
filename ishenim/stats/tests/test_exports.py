import csv
import io
import json

import pandas as pd
import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from ishenim.stats.tests.conftest import POPULATION_CSV, STREET_CSV

pytestmark = pytest.mark.django_db


def _export(*args) -> str:
    out = io.StringIO()
    call_command("export_counts", "--dataset", "west-yorkshire", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def expected_per_lsoa() -> dict:
    """pandas' count per LSOA, and each LSOA's 2011 population."""
    street = pd.read_csv(STREET_CSV, dtype=str, keep_default_na=False)
    population = pd.read_csv(POPULATION_CSV).set_index("lsoa_code")["population"].to_dict()
    counts = street[street["LSOA code"] != ""].groupby("LSOA code").size().to_dict()
    return {"counts": counts, "population": population}


def test_csv_to_standard_output_has_one_row_per_area_category_and_month(west_yorkshire):
    text = _export("--by", "area,category,month")

    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    assert list(rows[0]) == [
        "area_code",
        "area_name",
        "category",
        "category_name",
        "month",
        "count",
        "rate_per_100k",
    ]
    keys = {(row["area_code"], row["category"], row["month"]) for row in rows}
    assert len(keys) == len(rows)
    assert sum(int(row["count"]) for row in rows) == 31_635
    assert {row["month"] for row in rows} == {"2018-07"}


def test_rates_per_100k_are_given_for_the_lsoas_with_a_population(
    west_yorkshire, expected_per_lsoa
):
    rows = list(csv.DictReader(io.StringIO(_export("--by", "area")[1:])))
    by_code = {row["area_code"]: row for row in rows}

    counts, population = expected_per_lsoa["counts"], expected_per_lsoa["population"]
    assert {code: int(row["count"]) for code, row in by_code.items() if code} == counts
    for code, count in counts.items():
        if code in population:
            assert float(by_code[code]["rate_per_100k"]) == round(
                count * 100_000 / population[code], 2
            )
        else:
            assert by_code[code]["rate_per_100k"] == ""
    # The rows published without a location are counted under no area.
    assert by_code[""]["count"] == "883"


def test_json_rows_carry_numbers_and_nulls(west_yorkshire):
    rows = json.loads(_export("--by", "area,source_category", "--format", "json"))

    leeds = [row for row in rows if row["area_code"] == "E01011264"]
    assert leeds and all(isinstance(row["count"], int) for row in leeds)
    assert {row["source_category"] for row in rows} >= {"Burglary", "Anti-social behaviour"}
    assert any(row["rate_per_100k"] is None for row in rows)


def test_xlsx_needs_a_file_and_writes_a_workbook(west_yorkshire, tmp_path):
    with pytest.raises(CommandError, match="--output"):
        _export("--format", "xlsx")

    target = tmp_path / "counts.xlsx"
    _export("--by", "category", "--format", "xlsx", "--output", str(target))

    sheet = load_workbook(target).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("category", "category_name", "count", "rate_per_100k")
    assert {row[0]: row[2] for row in rows[1:]}["0501"] == 2029
    assert isinstance(rows[1][2], int)


def test_a_csv_file_is_written_where_output_says(west_yorkshire, tmp_path):
    target = tmp_path / "months.csv"

    _export("--by", "month", "--output", str(target), "--period", "2018")

    assert target.read_bytes().startswith(b"\xef\xbb\xbf")
    assert "2018-07,31635," in target.read_text(encoding="utf-8-sig")


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (("--by", "area,colour"), "colour"),
        (("--by", "area,area"), "twice"),
        (("--period", "July"), "not a period"),
    ],
)
def test_wrong_keys_and_periods_are_refused(west_yorkshire, args, complaint):
    with pytest.raises(CommandError, match=complaint):
        _export(*args)


def test_an_unknown_dataset_is_named(db):
    with pytest.raises(CommandError, match="nowhere"):
        call_command("export_counts", "--dataset", "nowhere", stdout=io.StringIO())
