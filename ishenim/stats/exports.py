"""The aggregated counts as a file: CSV and XLSX through core.exports (byte order mark,
formula neutralisation), or JSON. Columns are named for machines, the same in every language:
area_code, area_name (by area), unit_code, unit_name (by unit), category, category_name (by
category: its ICCS code, or a code of its own outside ICCS such as ASB), source_category,
month (YYYY-MM), count, and rate_per_100k (rounded to 2 decimals; empty where no population
is known). Rows are sorted by the keys in the order given, rows without a key's value last.

Large tables stream: the rows come from the database in chunks (`count_rows`, a generator)
and are written as they come, so memory stays flat whatever the size (bench/export_records.py
measures it). A workbook cannot stream the same way (openpyxl builds its sheet in a temporary
file, and Excel opens at most 1,048,576 rows), so XLSX is refused past a limit with a
message that suggests CSV: XLSX_ROW_LIMIT on a page, Excel's own limit on the command line.
"""

import json
from collections.abc import Iterator, Sequence
from typing import BinaryIO

from django.db.models import Case, F, IntegerField, Sum, Value, When
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from ishenim.core.exports import Column, table_write
from ishenim.geo.models import AdminUnit
from ishenim.stats.enums import CountKey
from ishenim.stats.models import CountRollup, Dataset, DatasetArea, OffenceCategory
from ishenim.stats.periods import Period
from ishenim.stats.selectors import count_keys, counts_by, dataset_summary, rate_per_100k

COUNT_FORMATS = ("csv", "xlsx", "json")
# A workbook downloaded from a page is built before it is sent: past this many rows the page
# refuses it and offers CSV, which streams.
XLSX_ROW_LIMIT = 100_000
# What Excel opens: 1,048,576 rows, one of them the header.
EXCEL_ROW_LIMIT = 1_048_575
_CHUNK = 2000

_KEY_COLUMNS = {
    CountKey.AREA: ("area_code", "area_name"),
    CountKey.UNIT: ("unit_code", "unit_name"),
    CountKey.CATEGORY: ("category", "category_name"),
    CountKey.SOURCE_CATEGORY: ("source_category",),
    CountKey.MONTH: ("month",),
}
_KEY_FIELDS = {
    CountKey.AREA: "area_id",
    CountKey.UNIT: "unit_id",
    CountKey.CATEGORY: "category_id",
    CountKey.SOURCE_CATEGORY: "source_category",
    CountKey.MONTH: "month",
}


def xlsx_too_large(rows: int, *, limit: int = XLSX_ROW_LIMIT) -> str | None:
    """Why a workbook of `rows` rows is refused, in the reader's language, or None."""
    if rows <= limit:
        return None
    return _(
        "This table has %(rows)s rows, more than a workbook download holds (%(limit)s)."
        " Download it as CSV instead: CSV has no limit and opens in every spreadsheet."
    ) % {
        "rows": number_format(rows, force_grouping=True),
        "limit": number_format(limit, force_grouping=True),
    }


def xlsx_refusal(request, rows: int, export_format: str):
    """For a page's ?format=xlsx: None when the workbook may be made; else the page again
    (without the format) with the message that suggests CSV."""
    from django.contrib import messages
    from django.shortcuts import redirect

    message = xlsx_too_large(rows) if export_format == "xlsx" else None
    if message is None:
        return None
    messages.error(request, message)
    query = request.GET.copy()
    query.pop("format", None)
    return redirect(request.path + (f"?{query.urlencode()}" if query else ""))


def count_columns(by: Sequence[str]) -> list[str]:
    names = [name for key in count_keys(by) for name in _KEY_COLUMNS[key]]
    return [*names, "count", "rate_per_100k"]


def _ordering(key: CountKey):
    """How the database sorts by a key: by code, rows without a value last."""
    if key == CountKey.AREA:
        return [F("area__code").asc(nulls_last=True)]
    if key == CountKey.UNIT:
        return [F("unit__code").asc(nulls_last=True)]
    if key == CountKey.CATEGORY:
        return [F("category__code").asc(nulls_last=True)]
    if key == CountKey.SOURCE_CATEGORY:
        empty_last = Case(
            When(source_category="", then=Value(1)), default=Value(0), output_field=IntegerField()
        )
        return [empty_last.asc(), F("source_category").asc()]
    return [F("month").asc()]


def count_rows(
    dataset: Dataset, *, by: Sequence[str], period: Period | None = None
) -> Iterator[dict]:
    """The counts (selectors.counts_by's figures) in the export's shape, one dict per row with
    the columns above, streamed from the database in chunks: months as YYYY-MM."""
    keys = count_keys(by)
    columns = count_columns(by)
    if not keys:
        for row in counts_by(dataset, by=(), period=period):
            yield _shaped(row, columns)
        return
    rollups = CountRollup.objects.filter(dataset=dataset)
    if period is not None:
        rollups = rollups.filter(month__gte=period.first, month__lte=period.last)
    fields = [_KEY_FIELDS[key] for key in keys]
    grouped = (
        rollups.values(*fields)
        .annotate(total=Sum("count"))
        .order_by(*[order for key in keys for order in _ordering(key)])
        .values_list(*fields, "total")
    )
    describe = _Describer(dataset, keys)
    for values in grouped.iterator(chunk_size=_CHUNK):
        row = dict(zip(fields, values[:-1], strict=True))
        row["count"] = values[-1]
        describe(row)
        yield _shaped(row, columns)


class _Describer:
    """Codes, names and populations beside a row's ids (looked up once per export)."""

    def __init__(self, dataset: Dataset, keys: Sequence[CountKey]):
        self.keys = keys
        self.areas = (
            {
                pk: (code, name, population)
                for pk, code, name, population in DatasetArea.objects.filter(
                    dataset=dataset
                ).values_list("id", "code", "name", "population")
            }
            if CountKey.AREA in keys
            else {}
        )
        self.units = (
            {unit.pk: unit for unit in AdminUnit.objects.all()} if CountKey.UNIT in keys else {}
        )
        self.categories = (
            {category.pk: category for category in OffenceCategory.objects.all()}
            if CountKey.CATEGORY in keys
            else {}
        )
        self.whole = (
            None
            if CountKey.AREA in keys or CountKey.UNIT in keys
            else dataset_summary(dataset).population
        )

    def __call__(self, row: dict) -> None:
        population = self.whole
        if CountKey.AREA in self.keys:
            code, name, population = self.areas.get(row["area_id"], ("", "", None))
            row["area_code"], row["area_name"] = code, name
        if CountKey.UNIT in self.keys:
            unit = self.units.get(row["unit_id"])
            row["unit_code"] = unit.code if unit else ""
            row["unit_name"] = unit.name if unit else ""
            if CountKey.AREA not in self.keys:
                population = unit.population if unit else None
        if CountKey.CATEGORY in self.keys:
            category = self.categories.get(row["category_id"])
            row["category"] = category.code if category else ""
            row["category_name"] = category.name if category else ""
        row["rate_per_100k"] = rate_per_100k(row["count"], population)


def _shaped(row: dict, columns: list[str]) -> dict:
    if row.get("month") is not None:
        row["month"] = f"{row['month']:%Y-%m}"
    rate = row["rate_per_100k"]
    row["rate_per_100k"] = None if rate is None else round(rate, 2)
    return {name: row.get(name) for name in columns}


def count_rows_total(dataset: Dataset, *, by: Sequence[str], period: Period | None = None) -> int:
    """How many rows count_rows gives (one GROUP BY counted by the database)."""
    keys = count_keys(by)
    if not keys:
        return 1
    rollups = CountRollup.objects.filter(dataset=dataset)
    if period is not None:
        rollups = rollups.filter(month__gte=period.first, month__lte=period.last)
    return rollups.values(*[_KEY_FIELDS[key] for key in keys]).distinct().count()


def counts_export(
    *,
    dataset: Dataset,
    by: Sequence[str],
    export_format: str,
    output: BinaryIO,
    period: Period | None = None,
) -> int:
    """Write the counts to `output` (a binary file) as they come from the database; returns
    the number of rows. ValueError (translated) for a workbook Excel could not open."""
    if export_format not in COUNT_FORMATS:
        raise ValueError(f"format must be one of {', '.join(COUNT_FORMATS)}")
    if export_format == "xlsx":
        message = xlsx_too_large(
            count_rows_total(dataset, by=by, period=period), limit=EXCEL_ROW_LIMIT
        )
        if message:
            raise ValueError(message)
    counted = _Counted(count_rows(dataset, by=by, period=period))
    if export_format == "json":
        _json_write(counted, output)
        return counted.count
    columns = [Column(name, name) for name in count_columns(by)]
    table_write(
        columns=columns,
        rows=counted,
        export_format=export_format,
        output=output,
        sheet_title=dataset.name,
    )
    return counted.count


class _Counted:
    """The rows, counted as they pass."""

    def __init__(self, rows: Iterator[dict]):
        self.rows = rows
        self.count = 0

    def __iter__(self):
        for row in self.rows:
            self.count += 1
            yield row


def _json_write(rows, output: BinaryIO) -> None:
    """A JSON array written row by row (one row a line), never held whole."""
    output.write(b"[")
    separator = b"\n"
    for row in rows:
        output.write(separator + json.dumps(row, ensure_ascii=False).encode("utf-8"))
        separator = b",\n"
    output.write(b"\n]\n")
