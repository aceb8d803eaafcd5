"""Crime records from CSV: the one row loop that every record import goes through, and the
generic importer, whose columns are named in a TOML mapping (docs/csv-import.md):

    delimiter = ";"
    encoding = "utf-8"

    [columns]
    id = "case_no"
    date = "registered"
    latitude = "lat"
    longitude = "lon"
    category = "article"
    area_code = "district_code"

    [formats]
    date = "%d.%m.%Y"

    [categories]
    "Кража" = "0502"

police.uk files go through the same loop with a mapping of their own (services/policeuk.py).
"""

import contextlib
import csv
import gc
import hashlib
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from ishenim.stats.enums import ImportKind
from ishenim.stats.models import CategoryMapping, Dataset, ImportRun, OffenceCategory
from ishenim.stats.reasons import row_error
from ishenim.stats.services.datasets import dataset_authorise_import
from ishenim.stats.services.importing import (
    BATCH_ROWS,
    NO_PLACE,
    PLACE_COLUMNS,
    AreaBook,
    CategoryBook,
    ImportFileError,
    PlaceBook,
    Progress,
    RunBook,
    place_errors,
    unit_codes,
)

# What a column can hold, as the [columns] table names it.
COLUMN_ROLES = (
    "id",
    "date",
    "month",
    "latitude",
    "longitude",
    "category",
    "area_code",
    "area_name",
    "location",
    "outcome",
    "context",
)
_TOP_LEVEL = {"delimiter", "encoding", "category_scheme", "columns", "formats", "categories"}


class MappingError(ValueError):
    """The TOML mapping cannot be used; the message says why, in the reader's language."""


@dataclass(frozen=True)
class CsvMapping:
    """Which column holds what, and how dates and categories are read."""

    columns: dict[str, str]
    date_format: str = "%Y-%m-%d"
    month_format: str = "%Y-%m"
    delimiter: str = ","
    encoding: str = "utf-8-sig"
    # Source category → offence category code; saved as the dataset's own mappings.
    categories: dict[str, str] = field(default_factory=dict)
    # Roles whose column may be missing from the header (a trimmed police.uk file).
    optional: frozenset[str] = frozenset()


def csv_mapping_read(source: Path | str | dict) -> CsvMapping:
    """A mapping from a TOML file (or its parsed dict); MappingError says what is wrong."""
    if isinstance(source, dict):
        document = source
    else:
        try:
            with open(source, "rb") as handle:
                document = tomllib.load(handle)
        except OSError as error:
            raise MappingError(
                _("The mapping file cannot be read: %(error)s") % {"error": error.strerror}
            ) from None
        except tomllib.TOMLDecodeError as error:
            raise MappingError(
                _("The mapping file is not valid TOML: %(error)s") % {"error": error}
            ) from None
    unknown = sorted(set(document) - _TOP_LEVEL)
    columns = document.get("columns", {})
    formats = document.get("formats", {})
    categories = document.get("categories", {})
    for name, table in (("columns", columns), ("formats", formats), ("categories", categories)):
        if not isinstance(table, dict) or not all(
            isinstance(value, str) for value in table.values()
        ):
            raise MappingError(_("[%(table)s] must be a table of texts.") % {"table": name})
    unknown += [f"columns.{role}" for role in sorted(set(columns) - set(COLUMN_ROLES))]
    unknown += [f"formats.{name}" for name in sorted(set(formats) - {"date", "month"})]
    if unknown:
        raise MappingError(
            _("The mapping has keys it does not know: %(keys)s.") % {"keys": ", ".join(unknown)}
        )
    if ("date" in columns) == ("month" in columns):
        raise MappingError(_("Name exactly one of the columns “date” and “month”."))
    if ("latitude" in columns) != ("longitude" in columns):
        raise MappingError(_("Name both the latitude and the longitude column, or neither."))
    if categories and "category" not in columns:
        raise MappingError(_("A [categories] table needs a “category” column."))
    delimiter = document.get("delimiter", ",")
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise MappingError(_("The delimiter must be a single character."))
    encoding = document.get("encoding", "utf-8")
    if not isinstance(encoding, str):
        raise MappingError(_("The encoding must be a name such as utf-8 or cp1251."))
    encoding = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
    try:
        "".encode(encoding)
    except LookupError:
        raise MappingError(
            _("“%(encoding)s” is not an encoding Python knows.") % {"encoding": encoding}
        ) from None
    return CsvMapping(
        columns=dict(columns),
        date_format=formats.get("date", "%Y-%m-%d"),
        month_format=formats.get("month", "%Y-%m"),
        delimiter=delimiter,
        encoding=encoding,
        categories=dict(categories),
    )


def _categories_save(dataset: Dataset, table: dict[str, str]) -> dict[str, int]:
    """The mapping's [categories] become the dataset's own mappings (they are what whoever
    imports says the source means; later corrections are made in the admin)."""
    if not table:
        return {}
    codes = dict(
        OffenceCategory.objects.filter(code__in=set(table.values())).values_list("code", "id")
    )
    unknown = sorted({code for code in table.values() if code not in codes})
    if unknown:
        raise MappingError(
            _("[categories] names codes that are no offence category: %(codes)s.")
            % {"codes": ", ".join(unknown)}
        )
    with transaction.atomic():
        for name, code in table.items():
            CategoryMapping.objects.update_or_create(
                dataset=dataset,
                scheme="",
                source_category=name.strip(),
                defaults={"category_id": codes[code]},
            )
    return {name: codes[code] for name, code in table.items()}


def csv_import(
    *,
    dataset: Dataset,
    file: Path | str,
    mapping: CsvMapping | Path | str | dict,
    actor,
    progress: Progress | None = None,
    run: ImportRun | None = None,
    file_name: str = "",
) -> ImportRun:
    """Import a CSV file whose columns `mapping` names. Bad rows are reported with their
    line numbers, good ones imported; MappingError when the mapping itself is unusable.
    `run` and `file_name`: a queued run of an uploaded file, and the name it was uploaded as."""
    dataset_authorise_import(dataset, actor)
    if not isinstance(mapping, CsvMapping):
        mapping = csv_mapping_read(mapping)
    extra = _categories_save(dataset, mapping.categories)
    return file_import(
        dataset=dataset,
        path=Path(file),
        mapping=mapping,
        kind=ImportKind.CSV,
        actor=actor,
        progress=progress,
        categories=extra,
        run=run,
        file_name=file_name,
    )


def file_import(
    *,
    dataset: Dataset,
    path: Path,
    mapping: CsvMapping,
    kind: str,
    actor,
    progress: Progress | None,
    categories: dict[str, int] | None = None,
    run: ImportRun | None = None,
    file_name: str = "",
) -> ImportRun:
    """One file through the row loop, as one ImportRun (see services/importing.py)."""
    book = RunBook(
        dataset=dataset,
        kind=kind,
        path=path,
        actor=actor,
        progress=progress,
        encoding=mapping.encoding,
        run=run,
        file_name=file_name,
    )
    if book.unreadable:
        return book.fail(book.unreadable)
    try:
        with open(path, encoding=mapping.encoding, newline="") as handle:
            reader = csv.reader(handle, delimiter=mapping.delimiter)
            try:
                positions = _header_positions(next(reader, None), mapping)
                return _rows_import(book, reader, positions, mapping, categories)
            except csv.Error as error:
                # A NUL byte, a field past the csv module's limit, an unclosed quote at the
                # end: the rest of the file cannot be read as rows.
                raise ImportFileError(
                    _("The file cannot be read as CSV from line %(line)d on: %(error)s")
                    % {"line": reader.line_num, "error": error}
                ) from None
    except ImportFileError as error:
        return book.fail(str(error))
    except (DatabaseError, OSError) as error:
        book.stopped(error)
        raise


def _header_positions(header: list[str] | None, mapping: CsvMapping) -> dict[str, int]:
    """Role → column position, for the roles whose column the file has."""
    if not header:
        raise ImportFileError(_("The file is empty."))
    index = {name.strip(): position for position, name in enumerate(header)}
    missing = [
        column
        for role, column in mapping.columns.items()
        if column not in index and role not in mapping.optional
    ]
    if missing:
        raise ImportFileError(
            _("The columns %(columns)s are missing from the file.")
            % {"columns": ", ".join(f"“{name}”" for name in missing)}
        )
    positions = {role: index[column] for role, column in mapping.columns.items() if column in index}
    positions["_width"] = len(header)
    return positions


def format_shown(strptime_format: str) -> str:
    """ "%d.%m.%Y" as people write it: "DD.MM.YYYY"."""
    for code, shown in (("%Y", "YYYY"), ("%m", "MM"), ("%d", "DD"), ("%y", "YY")):
        strptime_format = strptime_format.replace(code, shown)
    return strptime_format


class _Calendar:
    """Date or month texts → (first of the month, day) as ISO text (without the day for a
    file of months), each distinct text parsed once (`known` keeps the answers, None for a
    text that is neither); the months found go into the run's set."""

    def __init__(self, book: RunBook, mapping: CsvMapping, *, by_date: bool):
        self.book = book
        self.by_date = by_date
        self.format = mapping.date_format if by_date else mapping.month_format
        self.shown = format_shown(self.format)
        self.known: dict[str, tuple[str, ...] | None] = {}

    def read(self, text: str) -> tuple[str, ...] | None:
        if text in self.known:
            return self.known[text]
        try:
            moment = datetime.strptime(text.strip(), self.format)
        except ValueError:
            found = None
        else:
            month = f"{moment.year:04d}-{moment.month:02d}-01"
            found = (month, moment.date().isoformat()) if self.by_date else (month,)
            self.book.months.add(month)
        self.known[text] = found
        return found


class _Columns:
    """Where each role's value is in a row. A column the mapping names but the file lacks
    (an optional one) reads an empty cell appended to each row (`pad`)."""

    def __init__(self, positions: dict[str, int], mapping: CsvMapping):
        self.width = positions["_width"]
        self.pad = False
        self.present = {role for role in positions if role != "_width"}
        for role in COLUMN_ROLES:
            if role in positions:
                setattr(self, role, positions[role])
            else:
                setattr(self, role, self.width)
                # Only the text columns are read whether or not the mapping names them.
                self.pad = self.pad or role in _TEXT_ROLES
        self.by_date = "date" in mapping.columns
        self.when = positions["date" if self.by_date else "month"]
        self.when_column = mapping.columns["date" if self.by_date else "month"]
        self.category_column = mapping.columns.get("category", "")


# Columns read as text for every row (an empty text where the file has no such column).
_TEXT_ROLES = {"id", "area_code", "area_name", "location", "outcome", "context"}


def _rows_import(
    book: RunBook,
    reader,
    positions: dict[str, int],
    mapping: CsvMapping,
    extra_categories: dict[str, int] | None,
) -> ImportRun:
    """The hot loop: one pass, one list per good row, nothing per row that can be done once,
    every lookup keyed by the text as the file spells it (see services/importing.py). It is
    long because every operation saved here is saved 30,000 times a file; the batch it writes
    into is given up if anything breaks the loop off."""
    columns = _Columns(positions, mapping)
    try:
        with _cycle_collector_paused():
            return _rows_loop(book, reader, columns, mapping, extra_categories)
    except BaseException as error:
        book.abandon(error)
        raise


@contextlib.contextmanager
def _cycle_collector_paused():
    """Python's cycle collector, off while rows are parsed. The loop makes some 100,000 lists
    and tuples a batch, none of them in a cycle (reference counting frees them all), and the
    collector would walk every one of them again and again: from 5 % of an import in a fresh
    process to a third in one that has imported a few files already."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _layout(columns: _Columns, *, locate: bool) -> tuple[str, ...]:
    """The record columns a row of this file can fill (the others stay NULL)."""
    return (
        ("source_id", "month")
        + ("occurred_on",) * columns.by_date
        + PLACE_COLUMNS * ("latitude" in columns.present)
        + ("area_id",)
        + ("unit_id",) * locate
        + ("category_id", "source_category", "location", "outcome", "context", "row_digest")
    )


def _rows_loop(book: RunBook, reader, columns: _Columns, mapping, extra_categories) -> ImportRun:
    dataset = book.dataset
    locate = dataset.in_platform_country
    batch = book.batch(_layout(columns, locate=locate))
    categories = CategoryBook(dataset, extra_categories)
    unit_slot = batch.slot("unit_id") if locate else None
    areas = AreaBook(dataset, slot=batch.slot("area_id"))
    places = PlaceBook(locate=locate, slot=unit_slot)
    area_ids = areas.ids
    units_by_code = unit_codes() if locate else {}
    calendar = _Calendar(book, mapping, by_date=columns.by_date)
    read_when, known_when = calendar.read, calendar.known
    place_of, known_places, known_units = places.place, places.places, places.units
    category_of, known_categories = categories.get, categories.seen
    bad_when = "bad_date" if columns.by_date else "bad_month"

    width, pad = columns.width, columns.pad
    i_id, i_when, i_category = columns.id, columns.when, columns.category
    i_lat, i_lon = columns.latitude, columns.longitude
    i_code, i_name = columns.area_code, columns.area_name
    i_location, i_outcome, i_context = columns.location, columns.outcome, columns.context
    has_place = "latitude" in columns.present
    has_category = "category" in columns.present
    has_area = "area_code" in columns.present
    head, tail, blob = batch.head, batch.tail, batch.blob
    no_category = (None, "")
    no_place = NO_PLACE if has_place else ()
    unit_cell = (None,) if locate else ()

    sha256 = hashlib.sha256
    identical: dict[str, int] = {}
    add, held = batch.add, batch.held
    in_batch = read = 0
    for row in reader:
        if len(row) != width:
            if not row:
                continue  # a blank line is no row
            read += 1
            book.reject(row_error(reader.line_num, "field_count", found=len(row), expected=width))
            continue
        read += 1
        if pad:
            row.append("")
        problems = None
        text = row[i_when]
        when = known_when.get(text) or read_when(text)
        if when is None:
            line = reader.line_num
            problems = [
                row_error(line, bad_when, value=text, format=calendar.shown)
                if text.strip()
                else row_error(line, "missing", column=columns.when_column)
            ]
        place = no_place
        if has_place:
            key = (row[i_lat], row[i_lon])
            place = known_places.get(key) or place_of(key)
            if place.__class__ is list:
                problems = (problems or []) + place_errors(reader.line_num, place, *key)
        if has_category:
            source_category = row[i_category]
            category = known_categories.get(source_category) or category_of(source_category)
            if category is None:
                line = reader.line_num
                problems = (problems or []) + [
                    row_error(line, "unknown_category", value=source_category)
                    if source_category.strip()
                    else row_error(line, "missing", column=columns.category_column)
                ]
        else:
            category, source_category = no_category
        if problems:
            for problem in problems:
                book.reject(problem)
            continue

        # The row's digest (importing.row_digest, inlined: this runs for every row).
        source_id = row[i_id].strip()
        if source_id:
            digest = blob(sha256(("id\x1f" + source_id).encode()).digest()[:16])
        else:
            content = "\x1f".join(row[:width])
            seen = identical.get(content, 0)
            identical[content] = seen + 1
            digest = blob(sha256(f"row\x1f{content}\x1f{seen}".encode()).digest()[:16])
        waits = False
        area_id = None
        code = row[i_code].strip() if has_area else ""
        if code:
            area_id = area_ids.get(code)
            # A code new to the dataset: its area is created with the batch (AreaBook).
            waits = area_id is None
        record = [
            *head,
            source_id,
            *when,
            *place,
            area_id,
            *unit_cell,
            category,
            source_category,
            row[i_location],
            row[i_outcome],
            row[i_context],
            digest,
            *tail,
        ]
        if waits:
            areas.wait(code, row[i_name], record)
        if locate:
            if has_place and place is not NO_PLACE:
                unit_id = known_units.get(key)
                if unit_id is None or unit_id < 0:
                    # New in this batch, or outside: settled (or refused) as the batch goes in.
                    places.wait(key, reader.line_num, record)
                    waits = True
                else:
                    record[unit_slot] = unit_id
            elif code:
                record[unit_slot] = units_by_code.get(code)
        if waits:
            held.append(record)
        else:
            add(record)
        in_batch += 1
        if in_batch >= BATCH_ROWS:
            book.write(batch, read=read, areas=areas, places=places)
            batch = book.batch()
            add, held = batch.add, batch.held
            in_batch = read = 0
    return book.finish(batch, read=read, areas=areas, places=places)
