"""A dataset's areas and their populations, from CSV: what rates per 100,000 are computed from.

Columns (the first of each group that the header has): the area code — `area_code`, `code`,
`lsoa_code`; its name — `area_name`, `name`, `lsoa_name`; `population`; and the year the
population was counted — `population_year` or `year`, or `population_year=` for the whole
file. The West Yorkshire file (`lsoa_code,lsoa_name,local_authority,population,households,
hectares`, census 2011) reads as it is; other columns are ignored.

An area already in the dataset gets the file's name, population and year; a new one is
added; one already as the file says counts as already imported. Bad rows are reported and
the good ones imported, as for records.
"""

import csv
from pathlib import Path

from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from ishenim.stats.enums import ImportKind
from ishenim.stats.models import Dataset, DatasetArea, ImportRun
from ishenim.stats.reasons import row_error
from ishenim.stats.services.datasets import dataset_authorise_import
from ishenim.stats.services.importing import ImportFileError, Progress, RunBook

CODE_COLUMNS = ("area_code", "code", "lsoa_code")
NAME_COLUMNS = ("area_name", "name", "lsoa_name")
YEAR_COLUMNS = ("population_year", "year")


def areas_import(
    *,
    dataset: Dataset,
    file: Path | str,
    actor,
    population_year: int | None = None,
    progress: Progress | None = None,
) -> ImportRun:
    """Add or update the dataset's areas from a CSV file; one ImportRun for the file."""
    dataset_authorise_import(dataset, actor)
    path = Path(file)
    book = RunBook(
        dataset=dataset, kind=ImportKind.AREAS, path=path, actor=actor, progress=progress
    )
    if book.unreadable:
        return book.fail(book.unreadable)
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            areas, read = _areas_read(book, reader, population_year)
        with transaction.atomic():
            # Areas whose values are already as the file says count as already imported.
            changed = _areas_write(dataset, areas)
            book.count_rows(read=read, inserted=changed, written=len(areas))
    except ImportFileError as error:
        return book.fail(str(error))
    except DatabaseError as error:
        book.stopped(error)
        raise
    return book.finish()


def _first(columns: list[str], names: tuple[str, ...]) -> str | None:
    return next((name for name in names if name in columns), None)


def _areas_read(book: RunBook, reader: csv.DictReader, population_year: int | None):
    columns = [name.strip() for name in reader.fieldnames or []]
    reader.fieldnames = columns
    code_column = _first(columns, CODE_COLUMNS)
    if code_column is None:
        raise ImportFileError(
            _("The file has no column of area codes (one of %(columns)s).")
            % {"columns": ", ".join(CODE_COLUMNS)}
        )
    name_column = _first(columns, NAME_COLUMNS)
    year_column = _first(columns, YEAR_COLUMNS)
    has_population = "population" in columns
    areas: dict[str, dict] = {}
    first_line: dict[str, int] = {}
    read = 0
    for row in reader:
        if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
            continue
        read += 1
        line = reader.line_num
        code = (row.get(code_column) or "").strip()
        problems = []
        if not code:
            problems.append(row_error(line, "missing", column=code_column))
        elif code in first_line:
            problems.append(row_error(line, "duplicate_area", code=code, line=first_line[code]))
        population = _whole(row.get("population") or "") if has_population else None
        if population == -1:
            problems.append(row_error(line, "bad_population", value=row.get("population")))
        year = population_year
        if year_column and (row.get(year_column) or "").strip():
            year = _whole(row[year_column])
            if year == -1:
                problems.append(row_error(line, "bad_population", value=row[year_column]))
        if problems:
            for problem in problems:
                book.reject(problem)
            continue
        first_line[code] = line
        areas[code] = {
            "name": (row.get(name_column) or "").strip()[:200] if name_column else "",
            "population": population,
            "population_year": year if population is not None else None,
        }
    return areas, read


def _whole(text: str) -> int | None:
    """A whole number ≥ 0; None for an empty cell, -1 for anything else."""
    text = text.strip().replace("\u00a0", "").replace(" ", "")
    if not text:
        return None
    return int(text) if text.isdigit() else -1


def _areas_write(dataset: Dataset, areas: dict[str, dict]) -> int:
    existing = {area.code: area for area in DatasetArea.objects.filter(dataset=dataset)}
    new, changed = [], []
    for code, values in areas.items():
        area = existing.get(code)
        if area is None:
            new.append(DatasetArea(dataset=dataset, code=code, **values))
            continue
        if not values["name"]:
            values["name"] = area.name
        if any(getattr(area, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(area, name, value)
            changed.append(area)
    DatasetArea.objects.bulk_create(new, batch_size=2000)
    DatasetArea.objects.bulk_update(
        changed, ["name", "population", "population_year"], batch_size=2000
    )
    return len(new) + len(changed)
