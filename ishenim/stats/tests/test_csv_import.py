from datetime import date
from pathlib import Path

import pytest
from django.utils import translation

from ishenim.core.enums import Sensitivity
from ishenim.geo.models import AdminUnit
from ishenim.stats import selectors
from ishenim.stats.enums import ImportKind, ImportStatus
from ishenim.stats.models import CategoryMapping, CrimeRecord
from ishenim.stats.services import MappingError, csv_import, csv_mapping_read, dataset_create
from ishenim.stats.tests.conftest import BALYKCHY, BATKEN_DISTRICT

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).parents[3] / "docs" / "examples"
EXAMPLE_CSV = EXAMPLES / "kg-registered-crimes.csv"
EXAMPLE_MAPPING = EXAMPLES / "kg-registered-crimes.toml"


def _kg_dataset(name: str = "issyk-kul-2023"):
    return dataset_create(
        name=name,
        title="Registered crimes, Issyk-Kul, 2023",
        country_code="KG",
        area_scheme="SOATE",
        unit=AdminUnit.objects.get(code="41702000000000"),
        sensitivity=Sensitivity.INTERNAL,
        actor=None,
    )


def test_the_documented_example_imports_its_good_rows_and_reports_the_bad_ones():
    dataset = _kg_dataset()

    run = csv_import(dataset=dataset, file=EXAMPLE_CSV, mapping=EXAMPLE_MAPPING, actor=None)

    assert run.status == ImportStatus.DONE
    assert run.kind == ImportKind.CSV
    assert (run.rows_read, run.rows_imported, run.rows_rejected) == (7, 4, 3)
    assert [(error["line"], error["code"]) for error in run.errors] == [
        (5, "bad_date"),
        (6, "unknown_category"),
        (7, "outside_country"),
    ]
    with translation.override("en"):
        reasons = [error["reason"] for error in run.error_list()]
    assert reasons[0] == "“31.02.2023” is not a date in the form DD.MM.YYYY."
    assert "Угон" in reasons[1]


def test_rows_of_the_platforms_country_get_their_unit_from_the_point_or_else_the_area_code():
    dataset = _kg_dataset()
    csv_import(dataset=dataset, file=EXAMPLE_CSV, mapping=EXAMPLE_MAPPING, actor=None)
    records = {r.source_id: r for r in CrimeRecord.objects.filter(dataset=dataset)}

    # A point (with a decimal comma) in Balykchy's outline.
    assert records["2023-0001"].unit.code == BALYKCHY
    assert records["2023-0001"].latitude == pytest.approx(42.455)
    # No point: the SOATE code in the area column names the unit.
    assert records["2023-0002"].unit.code == BALYKCHY
    assert records["2023-0002"].h3_r9 is None
    assert records["2023-0007"].unit.code == BATKEN_DISTRICT
    assert records["2023-0007"].occurred_on == date(2023, 3, 9)
    assert records["2023-0007"].month == date(2023, 3, 1)
    assert records["2023-0001"].area.name == "г. Балыкчы"


def test_the_mappings_categories_become_the_datasets_own_mappings():
    dataset = _kg_dataset()
    csv_import(dataset=dataset, file=EXAMPLE_CSV, mapping=EXAMPLE_MAPPING, actor=None)

    own = dict(
        CategoryMapping.objects.filter(dataset=dataset).values_list(
            "source_category", "category__code"
        )
    )
    assert own["Грабеж"] == "0401" and own["Кража"] == "0502"
    counts = {r["category"]: r["count"] for r in selectors.counts_by(dataset, by=["category"])}
    assert counts == {"0502": 1, "0701": 1, "0801": 1, "0201": 1}


def test_importing_the_example_again_adds_nothing():
    dataset = _kg_dataset()
    csv_import(dataset=dataset, file=EXAMPLE_CSV, mapping=EXAMPLE_MAPPING, actor=None)

    again = csv_import(dataset=dataset, file=EXAMPLE_CSV, mapping=EXAMPLE_MAPPING, actor=None)

    assert (again.rows_imported, again.rows_duplicate, again.rows_rejected) == (0, 4, 3)
    assert CrimeRecord.objects.filter(dataset=dataset).count() == 4


def test_a_csv_with_months_and_without_places_or_categories_imports(tmp_path):
    dataset = dataset_create(name="monthly", title="Monthly", country_code="GB", actor=None)
    path = tmp_path / "monthly.csv"
    path.write_text("month,where\n2024-01,A\n2024-02,B\n2024-02,B\n,C\n", encoding="utf-8")

    run = csv_import(
        dataset=dataset,
        file=path,
        mapping={"columns": {"month": "month", "area_code": "where"}},
        actor=None,
    )

    assert (run.rows_imported, run.rows_rejected) == (3, 1)
    assert run.errors[0]["line"] == 5 and run.errors[0]["code"] == "missing"
    series = selectors.monthly_series(dataset)
    assert [(row["month"], row["count"]) for row in series] == [
        (date(2024, 1, 1), 1),
        (date(2024, 2, 1), 2),
    ]


def test_a_column_the_file_lacks_fails_the_file_and_names_it(tmp_path):
    dataset = _kg_dataset()
    path = tmp_path / "short.csv"
    path.write_text("№ дела;Дата регистрации\n1;01.01.2023\n", encoding="utf-8")

    run = csv_import(dataset=dataset, file=path, mapping=EXAMPLE_MAPPING, actor=None)

    assert run.status == ImportStatus.FAILED
    assert "“Статья”" in run.failure
    assert not CrimeRecord.objects.filter(dataset=dataset).exists()


def test_a_file_in_windows_1251_is_read_when_the_mapping_says_so(tmp_path):
    dataset = dataset_create(name="cp1251", title="cp1251", country_code="KG", actor=None)
    path = tmp_path / "export.csv"
    path.write_bytes("Дата;Статья\n05.01.2023;Кража\n".encode("cp1251"))
    mapping = {
        "delimiter": ";",
        "encoding": "cp1251",
        "columns": {"date": "Дата", "category": "Статья"},
        "formats": {"date": "%d.%m.%Y"},
        "categories": {"кража": "0502"},
    }

    run = csv_import(dataset=dataset, file=path, mapping=mapping, actor=None)

    assert run.rows_imported == 1
    assert CrimeRecord.objects.get(dataset=dataset).category.code == "0502"


@pytest.mark.parametrize(
    ("document", "complaint"),
    [
        ({"columns": {"day": "x", "date": "d"}}, "columns.day"),
        ({"columns": {"date": "d", "month": "m"}}, "exactly one"),
        ({"columns": {"latitude": "lat", "month": "m"}}, "longitude"),
        ({"columns": {"month": "m"}, "categories": {"a": "0502"}}, "category"),
        ({"columns": {"month": "m"}, "delimiter": ";;"}, "single character"),
        ({"columns": {"month": "m"}, "encoding": "klingon"}, "klingon"),
        ({"columns": {"month": "m", "category": "c"}, "categories": {"a": "9999"}}, "9999"),
        ({"columns": {"month": 7}}, "[columns]"),
        ({"columns": {"month": "m"}, "sheet": "1"}, "sheet"),
    ],
)
def test_a_mapping_that_cannot_be_used_is_refused_with_the_reason(tmp_path, document, complaint):
    dataset = dataset_create(name="refused", title="Refused", country_code="KG", actor=None)
    path = tmp_path / "a.csv"
    path.write_text("m,c\n2024-01,a\n", encoding="utf-8")

    with translation.override("en"), pytest.raises(MappingError) as refused:
        csv_import(dataset=dataset, file=path, mapping=document, actor=None)

    assert complaint in str(refused.value)
    assert not CrimeRecord.objects.filter(dataset=dataset).exists()


def test_a_mapping_file_that_is_not_toml_is_refused(tmp_path):
    path = tmp_path / "mapping.toml"
    path.write_text("[columns\nmonth = 'm'\n", encoding="utf-8")

    with pytest.raises(MappingError):
        csv_mapping_read(path)
