import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.test import RequestFactory
from django.utils import translation
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from ishenim.core.exports import (
    Column,
    UnknownExportFormat,
    export_format_from,
    table_export_response,
    table_write,
)

COLUMNS = [
    Column("name", "Аталышы", hxl="#adm2+name"),
    Column("population", "Калкы", hxl="#population"),
    Column("counted_on", "Date"),
]
ROWS = [
    {"name": "Баткен району", "population": 92345, "counted_on": date(2024, 1, 1)},
    {"name": "Ысык-Көл", "population": Decimal("12.5"), "counted_on": date(2023, 7, 1)},
]


def _csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:], newline="")))


def _workbook_rows(response) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return list(workbook.active.iter_rows(values_only=True))


def test_csv_export_round_trips_cyrillic_through_the_csv_module():
    response = table_export_response(
        filename="units", columns=COLUMNS[:2], rows=ROWS, export_format="csv"
    )

    rows = _csv_rows(response)

    assert rows[0] == ["Аталышы", "Калкы"]
    assert rows[2] == ["Баткен району", "92345"]
    assert rows[3] == ["Ысык-Көл", "12.5"]
    assert response["Content-Type"] == "text/csv; charset=utf-8"


def test_csv_lines_end_with_crlf_as_rfc_4180_asks():
    response = table_export_response(
        filename="units", columns=[Column("name", "Name")], rows=ROWS, export_format="csv"
    )

    body = b"".join(response.streaming_content).decode("utf-8")

    assert body.count("\r\n") == 3
    assert "\n" not in body.replace("\r\n", "")


def test_csv_quotes_commas_quotes_and_newlines_inside_a_cell():
    tricky = 'Ак-Сай, "Баткен"\nэкинчи сап'
    response = table_export_response(
        filename="x", columns=[Column("text", "Text")], rows=[{"text": tricky}], export_format="csv"
    )

    assert _csv_rows(response)[1] == [tricky]


def test_xlsx_export_round_trips_cyrillic_numbers_and_dates_through_openpyxl():
    response = table_export_response(
        filename="units", columns=COLUMNS, rows=ROWS, export_format="xlsx"
    )

    rows = _workbook_rows(response)

    assert rows[0] == ("Аталышы", "Калкы", "Date")
    assert rows[2][0] == "Баткен району"
    assert rows[2][1] == 92345
    assert isinstance(rows[2][1], int)
    assert rows[3][1] == 12.5
    assert rows[2][2] == datetime(2024, 1, 1)
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def test_xlsx_header_row_is_bold_and_the_data_is_not():
    response = table_export_response(
        filename="units", columns=COLUMNS[:1], rows=ROWS, export_format="xlsx"
    )

    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active

    assert sheet["A1"].font.bold
    assert not sheet["A3"].font.bold


def test_xlsx_keeps_aware_datetimes_as_dates_in_the_platform_time_zone(settings):
    settings.TIME_ZONE = "Asia/Bishkek"
    moment = datetime(2025, 3, 21, 4, 30, tzinfo=UTC)
    response = table_export_response(
        filename="x", columns=[Column("at", "At")], rows=[{"at": moment}], export_format="xlsx"
    )

    assert _workbook_rows(response)[1] == (datetime(2025, 3, 21, 10, 30),)


def test_csv_writes_aware_datetimes_in_iso_8601_with_the_local_offset(settings):
    settings.TIME_ZONE = "Asia/Bishkek"
    moment = datetime(2025, 3, 21, 4, 30, tzinfo=UTC)
    response = table_export_response(
        filename="x", columns=[Column("at", "At")], rows=[{"at": moment}], export_format="csv"
    )

    assert _csv_rows(response)[1] == ["2025-03-21T10:30:00+06:00"]


@pytest.mark.parametrize("formula", ['=HYPERLINK("http://x")', "+1+2", "-3+4", "@SUM(A1)"])
@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_text_that_starts_like_a_formula_gets_a_leading_apostrophe(formula, export_format):
    response = table_export_response(
        filename="x",
        columns=[Column("text", "Text")],
        rows=[{"text": formula}],
        export_format=export_format,
    )

    rows = _csv_rows(response) if export_format == "csv" else _workbook_rows(response)

    assert rows[1][0] == "'" + formula


def test_xlsx_formula_text_is_stored_as_text_not_as_a_formula():
    response = table_export_response(
        filename="x",
        columns=[Column("text", "Text")],
        rows=[{"text": "=1+1"}],
        export_format="xlsx",
    )

    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active

    assert sheet["A2"].data_type == "s"


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_negative_numbers_stay_numbers_and_are_not_neutralised(export_format):
    response = table_export_response(
        filename="x",
        columns=[Column("change", "Change")],
        rows=[{"change": -12}],
        export_format=export_format,
    )

    rows = _csv_rows(response) if export_format == "csv" else _workbook_rows(response)

    assert rows[1][0] in ("-12", -12)


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_a_hxl_hashtag_row_follows_the_header_when_a_column_has_one(export_format):
    response = table_export_response(
        filename="units", columns=COLUMNS, rows=ROWS, export_format=export_format
    )

    rows = _csv_rows(response) if export_format == "csv" else _workbook_rows(response)

    assert list(rows[1]) == ["#adm2+name", "#population", ("" if export_format == "csv" else None)]
    assert rows[2][0] == "Баткен району"


def test_no_hxl_row_when_no_column_has_a_hashtag():
    response = table_export_response(
        filename="x", columns=[Column("name", "Name")], rows=ROWS, export_format="csv"
    )

    assert _csv_rows(response)[1] == ["Баткен району"]


def test_content_disposition_names_the_file_with_its_extension():
    csv_response = table_export_response(
        filename="admin-units", columns=COLUMNS, rows=[], export_format="csv"
    )
    xlsx_response = table_export_response(
        filename="admin-units.xlsx", columns=COLUMNS, rows=[], export_format="xlsx"
    )

    assert csv_response["Content-Disposition"] == 'attachment; filename="admin-units.csv"'
    assert xlsx_response["Content-Disposition"] == 'attachment; filename="admin-units.xlsx"'


def test_a_cyrillic_filename_is_encoded_per_rfc_6266():
    response = table_export_response(
        filename="аймактар", columns=COLUMNS, rows=[], export_format="csv"
    )

    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%D0%B0%D0%B9%D0%BC%D0%B0%D0%BA%D1%82%D0%B0%D1%80.csv"
    )


def test_object_rows_are_read_by_attribute_with_dotted_paths_and_methods():
    unit = SimpleNamespace(code="KG-B", label=lambda: "Баткен облусу")
    rows = [SimpleNamespace(name="Ак-Сай", unit=unit), SimpleNamespace(name="Кара-Бак", unit=None)]
    columns = [Column("name", "Name"), Column("unit.code", "Unit"), Column("unit.label", "Label")]

    response = table_export_response(filename="x", columns=columns, rows=rows, export_format="csv")

    assert _csv_rows(response)[1:] == [["Ак-Сай", "KG-B", "Баткен облусу"], ["Кара-Бак", "", ""]]


def test_headers_are_written_in_the_language_of_the_request_not_of_the_stream():
    # "Russian" is translated by Django's own catalogues, so this holds before ours exist.
    columns = [Column("name", gettext_lazy("Russian"))]
    with translation.override("ru"):
        response = table_export_response(
            filename="x", columns=columns, rows=[], export_format="csv"
        )

    with translation.override("en"):
        rows = _csv_rows(response)

    assert rows[0] == ["Русский"]


def test_control_characters_that_xlsx_cannot_hold_are_dropped():
    response = table_export_response(
        filename="x", columns=[Column("t", "T")], rows=[{"t": "a\x00b\x1fc"}], export_format="xlsx"
    )

    assert _workbook_rows(response)[1] == ("abc",)


@pytest.mark.parametrize(
    ("query", "expected"), [("", None), ("?format=csv", "csv"), ("?format=XLSX", "xlsx")]
)
def test_export_format_is_read_from_the_query_string(query, expected):
    request = RequestFactory().get("/geo/units/" + query)

    assert export_format_from(request) == expected


def test_an_unknown_export_format_is_a_bad_request_with_a_message():
    request = RequestFactory().get("/geo/units/?format=pdf")

    with pytest.raises(UnknownExportFormat) as raised:
        export_format_from(request)

    assert "pdf" in str(raised.value)


def test_an_unknown_export_format_answers_400_through_django():
    from django.core.handlers.exception import response_for_exception

    request = RequestFactory().get("/geo/units/?format=pdf")
    try:
        export_format_from(request)
    except UnknownExportFormat as error:
        response = response_for_exception(request, error)

    assert response.status_code == 400


@pytest.mark.django_db
def test_a_queryset_streams_and_a_to_many_relation_becomes_one_cell():
    from django.contrib.auth.models import Group, Permission

    group = Group.objects.create(name="Дежурная часть")
    group.permissions.set(Permission.objects.filter(codename__in=["add_group", "view_group"]))
    columns = [Column("name", "Name"), Column("permissions", "Permissions")]

    response = table_export_response(
        filename="groups", columns=columns, rows=Group.objects.all(), export_format="csv"
    )

    name, permissions = _csv_rows(response)[1]
    assert name == "Дежурная часть"
    assert sorted(permissions.split("; ")) == sorted(
        str(p) for p in Permission.objects.filter(codename__in=["add_group", "view_group"])
    )


def test_table_write_gives_the_command_line_the_same_csv_as_a_download():
    rows = [*ROWS, {"name": "=cmd|' /C calc'!A0", "population": -5, "counted_on": None}]
    output = io.BytesIO()

    table_write(columns=COLUMNS, rows=rows, export_format="csv", output=output)

    response = table_export_response(
        filename="units", columns=COLUMNS, rows=rows, export_format="csv"
    )
    assert output.getvalue() == b"".join(response.streaming_content)
    assert output.getvalue().startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(output.getvalue().decode("utf-8-sig"), newline="")))
    assert lines[1] == ["#adm2+name", "#population", ""]
    assert lines[4] == ["'=cmd|' /C calc'!A0", "-5", ""]


def test_table_write_writes_a_workbook_to_a_file(tmp_path):
    target = tmp_path / "units.xlsx"

    with open(target, "wb") as output:
        table_write(
            columns=COLUMNS, rows=ROWS, export_format="xlsx", output=output, sheet_title="units"
        )

    workbook = load_workbook(target)
    assert workbook.active.title == "units"
    assert list(workbook.active.iter_rows(values_only=True))[2][:2] == ("Баткен району", 92345)


def test_table_write_refuses_an_unknown_format():
    with pytest.raises(UnknownExportFormat):
        table_write(columns=COLUMNS, rows=ROWS, export_format="pdf", output=io.BytesIO())
