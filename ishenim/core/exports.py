"""Every table a user sees can be downloaded: CSV for any tool, XLSX for spreadsheet users.

A view builds its columns (labels already translated) and passes the same rows it shows, so
an export never holds more than the page the viewer may see:

    export_format = export_format_from(request)
    if export_format:
        return table_export_response(
            filename="units", columns=UNIT_COLUMNS, rows=units, export_format=export_format
        )

Cells that begin like a formula are neutralised: a spreadsheet must never run what a resident
typed into an appeal (OWASP "CSV injection").
"""

import csv
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, BinaryIO

from django.core.exceptions import BadRequest
from django.db.models import Model, QuerySet
from django.db.models.manager import BaseManager
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

EXPORT_FORMATS = ("csv", "xlsx")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Excel, LibreOffice and Google Sheets read a cell starting with one of these as a formula.
# Tab and carriage return are in OWASP's list too: some importers strip them and then see "=".
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# The most characters Excel accepts in one cell; a longer cell makes it refuse the file.
_XLSX_CELL_LIMIT = 32767
# Control characters that XML 1.0 (and so XLSX) cannot hold.
_XLSX_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037]")
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_QUERYSET_CHUNK = 2000


@dataclass(frozen=True)
class Column:
    """One column of an exported table.

    `key` names a dict key or an attribute of each row (dotted for related objects:
    "unit.name"; a method such as "get_kind_display" is called). `label` is the header the
    viewer reads, translated by the caller. `hxl` is an optional HXL hashtag ("#adm1+code")
    for humanitarian tools; when any column has one, a hashtag row follows the header.
    """

    key: str
    label: Any
    hxl: str = ""


class UnknownExportFormat(BadRequest):
    """?format= named something other than csv or xlsx; Django answers 400 Bad Request."""


def export_format_from(request) -> str | None:
    """ "csv" or "xlsx" from ?format=, None when the page is asked for as a page."""
    requested = request.GET.get("format", "").strip().lower()
    if not requested:
        return None
    if requested not in EXPORT_FORMATS:
        raise UnknownExportFormat(
            _("“%(format)s” is not an export format; choose CSV or XLSX.")
            % {"format": requested[:20]}
        )
    return requested


def table_export_response(
    *,
    filename: str,
    columns: Sequence[Column],
    rows: Iterable,
    export_format: str,
) -> HttpResponse | StreamingHttpResponse:
    """The table as a download named `filename` plus the format's extension."""
    if export_format not in EXPORT_FORMATS:
        raise UnknownExportFormat(
            _("“%(format)s” is not an export format; choose CSV or XLSX.")
            % {"format": str(export_format)[:20]}
        )
    columns = list(columns)
    # Headers are resolved now, in the viewer's language, not when the stream is consumed.
    header = [str(column.label) for column in columns]
    hxl = [column.hxl for column in columns] if any(c.hxl for c in columns) else None
    if isinstance(rows, QuerySet):
        # A big table streams in chunks instead of loading every row into memory at once.
        rows = rows.iterator(chunk_size=_QUERYSET_CHUNK)
    download_name = _download_name(filename, export_format)
    if export_format == "csv":
        response = StreamingHttpResponse(
            _csv_stream(header, hxl, columns, rows, translation.get_language()),
            content_type=CSV_CONTENT_TYPE,
        )
    else:
        response = FileResponse(
            _xlsx_file(header, hxl, columns, rows, sheet_title=download_name.rsplit(".", 1)[0]),
            content_type=XLSX_CONTENT_TYPE,
        )
    response["Content-Disposition"] = content_disposition_header(True, download_name)
    # An export holds whatever its viewer was allowed to see: no shared cache may keep it.
    response["Cache-Control"] = "private, no-store"
    return response


def table_write(
    *,
    columns: Sequence[Column],
    rows: Iterable,
    export_format: str,
    output: BinaryIO,
    sheet_title: str = "export",
) -> None:
    """The same table written to a binary file (a path opened "wb", sys.stdout.buffer) for
    the command line: UTF-8 CSV with its byte order mark, or XLSX; the same neutralisation."""
    if export_format not in EXPORT_FORMATS:
        raise UnknownExportFormat(
            _("“%(format)s” is not an export format; choose CSV or XLSX.")
            % {"format": str(export_format)[:20]}
        )
    columns = list(columns)
    header = [str(column.label) for column in columns]
    hxl = [column.hxl for column in columns] if any(c.hxl for c in columns) else None
    if isinstance(rows, QuerySet):
        rows = rows.iterator(chunk_size=_QUERYSET_CHUNK)
    if export_format == "csv":
        for text in _csv_stream(header, hxl, columns, rows, translation.get_language()):
            output.write(text.encode("utf-8"))
        return
    with _xlsx_file(header, hxl, columns, rows, sheet_title=sheet_title) as workbook:
        shutil.copyfileobj(workbook, output)


def _download_name(filename: str, export_format: str) -> str:
    stem = filename.strip() or "export"
    for extension in EXPORT_FORMATS:
        if stem.lower().endswith("." + extension):
            stem = stem[: -len(extension) - 1]
    return f"{stem}.{export_format}"


def cell_value(row, key: str):
    """The value under `key` of a dict row, or the (dotted) attribute of an object row."""
    value = row
    for part in key.split("."):
        if value is None:
            return None
        value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
        if isinstance(value, BaseManager):
            # A to-many relation ("jurisdiction"): its members, joined into one cell.
            value = list(value.all())
        elif callable(value) and not isinstance(value, Model | QuerySet):
            value = value()
    return value


def _neutralised(text: str) -> str:
    if text.startswith(_FORMULA_TRIGGERS):
        return "'" + text
    return text


def _local(moment: datetime) -> datetime:
    if timezone.is_aware(moment):
        return timezone.localtime(moment)
    return moment


def _csv_text(value) -> str:
    """One cell of a CSV file: numbers as they are, dates in ISO 8601, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, datetime):
        return _local(value).isoformat(timespec="seconds")
    if isinstance(value, date | time):
        return value.isoformat()
    return _neutralised(_text(value))


def _text(value) -> str:
    if isinstance(value, list | tuple | set | frozenset):
        return "; ".join(_text(item) for item in value)
    return str(value)


class _Echo:
    """A file-like object whose write() hands back the line, for streaming csv.writer."""

    def write(self, value: str) -> str:
        return value


def _csv_stream(header, hxl, columns, rows, language) -> Iterator[str]:
    # The stream is consumed after the view returns: keep the viewer's language for values
    # such as get_status_display that are computed row by row.
    with translation.override(language):
        # RFC 4180: CRLF line ends and doubled quotes, which csv's default dialect writes.
        writer = csv.writer(_Echo())
        # The byte order mark is how Excel knows the file is UTF-8 and shows Cyrillic.
        yield "\ufeff" + writer.writerow([_neutralised(text) for text in header])
        if hxl:
            yield writer.writerow(hxl)
        for row in rows:
            yield writer.writerow([_csv_text(cell_value(row, c.key)) for c in columns])


def _xlsx_value(value):
    """One cell of a workbook: numbers as numbers, dates as dates, text neutralised."""
    if value is None:
        return None
    if isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, datetime):
        # A workbook has no time zones: the wall-clock time where the platform runs.
        return timezone.make_naive(value) if timezone.is_aware(value) else value
    if isinstance(value, date | time):
        return value
    text = _XLSX_ILLEGAL.sub("", _neutralised(_text(value)))
    return text[:_XLSX_CELL_LIMIT]


def _xlsx_file(header, hxl, columns, rows, *, sheet_title: str):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(sheet_title))
    for index, label in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(max(len(label) + 2, 10), 50)
    sheet.freeze_panes = "A3" if hxl else "A2"
    bold = Font(bold=True)
    header_cells = []
    for label in header:
        cell = WriteOnlyCell(sheet, value=_xlsx_value(label))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    if hxl:
        sheet.append(hxl)
    for row in rows:
        sheet.append([_xlsx_value(cell_value(row, c.key)) for c in columns])
    # Spooled: a small table stays in memory, a big one goes to a temporary file.
    output = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    workbook.save(output)
    output.seek(0)
    return output


def _sheet_title(text: str) -> str:
    # Excel: at most 31 characters, none of []:*?/\ .
    return _SHEET_TITLE_FORBIDDEN.sub("-", text)[:31] or "Sheet"
