import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.core.management.base import OutputWrapper

from ishenim import cli
from ishenim.stats.management.progress import ProgressBar
from ishenim.stats.models import CrimeRecord, Dataset, DatasetArea
from ishenim.stats.tests.conftest import street_file, street_row

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).parents[3] / "docs" / "examples"


def _run(command, *args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_policeuk_makes_the_dataset_imports_and_prints_a_summary(tmp_path):
    path = street_file(
        tmp_path / "2018-07-street.csv",
        [street_row(), street_row(**{"Crime ID": "b", "Month": "2018-99"})],
    )
    population = tmp_path / "population.csv"
    population.write_text(
        "lsoa_code,lsoa_name,population\nE01007329,Barnsley 003A,1500\n", encoding="utf-8"
    )

    out, err = _run(
        "import_policeuk",
        str(path),
        "--dataset",
        "barnsley",
        "--population",
        str(population),
        "--population-year",
        "2011",
    )

    dataset = Dataset.objects.get(name="barnsley")
    assert (dataset.country_code, dataset.category_scheme, dataset.area_scheme) == (
        "GB",
        "police.uk",
        "LSOA 2011",
    )
    assert "Dataset barnsley created." in out
    assert "2018-07-street.csv: 2 rows read, 1 imported, 0 already there, 1 rejected." in out
    assert "2018-07-street.csv, line 3: “2018-99” is not a month in the form YYYY-MM." in err
    # Without a terminal the progress is a line per tenth, on standard error.
    assert "2018-07-street.csv: 100%, 2 of 2 rows" in err
    assert DatasetArea.objects.get(dataset=dataset, code="E01007329").population == 1500


def test_import_policeuk_fails_when_a_file_could_not_be_read(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\xff\xfe\x00")

    with pytest.raises(CommandError, match=r"bad\.csv"):
        _run("import_policeuk", str(bad), "--dataset", "unreadable")


def test_import_policeuk_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="is not a file"):
        _run("import_policeuk", str(tmp_path / "nowhere.csv"), "--dataset", "x")


def test_only_the_first_twenty_rejected_rows_are_listed_unless_asked(tmp_path):
    rows = [street_row(**{"Crime ID": str(i), "Crime type": "Littering"}) for i in range(25)]
    path = street_file(tmp_path / "littering.csv", rows)

    _out, err = _run("import_policeuk", str(path), "--dataset", "litter")
    _out, err_all = _run("import_policeuk", str(path), "--dataset", "litter", "--all-errors")

    assert err.count("Littering") == 20
    assert "… and 5 more; --all-errors lists them all." in err
    assert err_all.count("Littering") == 25


def test_import_csv_reads_the_documented_example(tmp_path):
    out, err = _run(
        "import_csv",
        str(EXAMPLES / "kg-registered-crimes.csv"),
        "--dataset",
        "issyk-kul-2023",
        "--mapping",
        str(EXAMPLES / "kg-registered-crimes.toml"),
        "--covers",
        "41702000000000",
    )

    dataset = Dataset.objects.get(name="issyk-kul-2023")
    assert dataset.country_code == "KG" and dataset.unit.code == "41702000000000"
    assert "7 rows read, 4 imported, 0 already there, 3 rejected." in out
    assert "line 5: “31.02.2023” is not a date in the form DD.MM.YYYY." in err
    assert CrimeRecord.objects.filter(dataset=dataset).count() == 4


def test_import_csv_names_what_is_wrong_with_the_mapping(tmp_path):
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('[columns]\ndate = "d"\nmonth = "m"\n', encoding="utf-8")
    data = tmp_path / "data.csv"
    data.write_text("d,m\n", encoding="utf-8")

    with pytest.raises(CommandError, match="exactly one"):
        _run("import_csv", str(data), "--dataset", "x", "--mapping", str(mapping))
    assert not Dataset.objects.filter(name="x").exists()


def test_the_progress_bar_redraws_one_line_on_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    stream = Terminal()
    progress = ProgressBar(OutputWrapper(stream), ["a.csv"])

    progress(0, 200)
    progress(100, 200)
    progress(200, 200)
    progress.close()

    text = stream.getvalue()
    assert text.count("\r") == 3
    assert text.endswith("100% 200 of 200 rows\n")
    assert "[###############...............]  50%" in text


def test_the_cli_knows_the_statistics_commands():
    for name, command in (
        ("import-policeuk", "import_policeuk"),
        ("import-csv", "import_csv"),
        ("export-counts", "export_counts"),
    ):
        assert cli.SUBCOMMANDS[name][0] == command
        assert name in cli.usage()
