"""What every importer shares: the run's bookkeeping, the lookups a row needs (its area, its
category, its place), the row digest, and the batches rows are written in.

How an import goes (police.uk and generic CSV alike):
1. The file is read once for its SHA-256, its line count (the progress bar's total) and a
   check that it decodes at all, so that a wrong encoding fails before anything is written.
2. The `ImportRun` is created (status running; or, for a file uploaded on a page, the queued
   run is taken up) and rows are parsed in batches. A bad row is recorded in the run with its
   line number and reason and the good rows go on; each batch is written and committed with
   the run's progress, so a page or a second terminal can watch it, and a database that other
   people write to is never locked for a whole file.
3. The counts of the months the file touched are rebuilt by one GROUP BY, and the run is
   finished and audited (one entry for the file), in one transaction.

Partly bad files: good rows are imported, bad rows reported. The issue asks for bad rows to
be reported and never dropped silently, not for a file with one bad row to be refused; a
police.uk month has some 30,000 rows and one malformed coordinate should not hold back the
other 29,999. A file that cannot be read at all (encoding, a required column missing) fails
whole and writes nothing.

Re-importing adds nothing: every row has a digest, unique within its dataset (see
`row_digest`), and rows whose digest is already there are counted as duplicates, not written
again. The same makes an interrupted import resumable: run it again and only the rest is
written.

Speed (goal: over 100,000 rows a second, see docs/benchmarks.md "Imports"): rows are lists
built in one pass over the csv module's output, with every lookup done once per distinct
text as the file spells it (months, coordinate pairs, crime types, area codes) and the H3
cells computed once per distinct coordinate pair (police.uk snaps points to anchors, so a
month of 31,635 rows has 13,603); they are written by `importing_writers` (executemany on
SQLite; COPY streamed while the file is parsed on PostgreSQL), never through ORM objects.
(The H3 cells of the coarser resolutions are computed from the point, not taken as the
finest cell's parents, which would be cheaper but wrong for some points: see `_place`.)
"""

import codecs
import contextlib
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

# h3's Cython layer, as h3.api.basic_int.latlng_to_cell calls it without two Python
# wrappers around it (a third of its cost here; h3 is pinned, and the import tests compare
# the cells with the public API's).
from h3._cy import latlng_to_cell as _h3_cell

from ishenim.geo import selectors as geo_selectors
from ishenim.geo.locate import OUTSIDE
from ishenim.geo.models import AdminUnit
from ishenim.stats import timeline
from ishenim.stats.enums import ImportStatus
from ishenim.stats.models import CategoryMapping, Dataset, DatasetArea, ImportRun
from ishenim.stats.reasons import row_error
from ishenim.stats.services.importing_writers import (
    RECORD_COLUMNS,
    ROW_COLUMNS,
    RecordBatch,
    batch_for_run,
    records_write,
)
from ishenim.stats.services.rollups import rollups_refresh

__all__ = [
    "BATCH_ROWS",
    "NO_PLACE",
    "PLACE_COLUMNS",
    "RECORD_COLUMNS",
    "ROW_COLUMNS",
    "AreaBook",
    "CategoryBook",
    "FileFacts",
    "ImportFileError",
    "PlaceBook",
    "Progress",
    "RunBook",
    "file_survey",
    "place_errors",
    "records_write",
    "row_digest",
    "unit_codes",
]

# Rows per transaction: large enough that commits cost little, small enough that other
# writers wait well under a second and the progress bar moves on a big file.
BATCH_ROWS = 50_000
_READ_CHUNK = 1 << 20

Progress = Callable[[int, int], None]

# The place of a row published without one: latitude, longitude, H3 r7..r10.
PLACE_COLUMNS = ("latitude", "longitude", "h3_r7", "h3_r8", "h3_r9", "h3_r10")
NO_PLACE = (None, None, None, None, None, None)


class ImportFileError(Exception):
    """The file as a whole cannot be imported; the message says why, in the reader's words."""


# --- the file --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileFacts:
    path: Path
    sha256: str
    lines: int


def file_survey(path: Path, *, encoding: str = "utf-8-sig") -> FileFacts:
    """SHA-256, number of lines, and proof that the whole file decodes, in one pass."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder(encoding)()
    lines = 0
    last = b""
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(_READ_CHUNK):
                digest.update(chunk)
                lines += chunk.count(b"\n")
                decoder.decode(chunk)
                last = chunk
            decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        raise ImportFileError(
            _("The file is not in the %(encoding)s encoding (byte %(position)d).")
            % {"encoding": encoding.removesuffix("-sig").upper(), "position": error.start}
        ) from None
    except OSError as error:
        raise ImportFileError(
            _("The file cannot be read: %(error)s") % {"error": error.strerror or error}
        ) from None
    if last and not last.endswith(b"\n"):
        lines += 1
    return FileFacts(path=Path(path), sha256=digest.hexdigest(), lines=lines)


def row_digest(*, source_id: str = "", content: str = "", occurrence: int = 0) -> bytes:
    """What identifies a row within its dataset: 128 bits of SHA-256 (16 bytes).

    A row with an id is that id: a file published again with a crime's outcome updated
    adds nothing. A row without one (police.uk's anti-social behaviour) is its content (the
    fields joined) plus how many identical rows came before it in the same file: identical
    rows are real (two reports at one anchor point in one month; the West Yorkshire month has
    1,563), so the second is a second record, and importing the file again finds both there.
    """
    text = f"id\x1f{source_id}" if source_id else f"row\x1f{content}\x1f{occurrence}"
    return hashlib.sha256(text.encode()).digest()[:16]


# --- the lookups ----------------------------------------------------------------------------


class CategoryBook:
    """A source's category name → offence category id: the dataset's own mappings over its
    scheme's, then the `extra` table given with the import; names match whatever their case
    and surrounding spaces."""

    def __init__(self, dataset: Dataset, extra: dict[str, int] | None = None):
        mappings = CategoryMapping.objects.filter(dataset=dataset)
        if dataset.category_scheme:
            mappings = mappings | CategoryMapping.objects.filter(
                dataset__isnull=True, scheme=dataset.category_scheme
            )
        folded: dict[str, int] = {}
        # Scheme rows first, so that the dataset's own rows overwrite them.
        for _dataset_id, name, category_id in sorted(
            mappings.values_list("dataset_id", "source_category", "category_id"),
            key=lambda row: row[0] is not None,
        ):
            folded[_fold(name)] = category_id
        for name, category_id in (extra or {}).items():
            folded[_fold(name)] = category_id
        self._folded = folded
        # Names as the file spells them, once looked up (the row loop reads this first).
        self.seen: dict[str, int] = {}

    def get(self, name: str) -> int | None:
        found = self.seen.get(name)
        if found is None:
            found = self._folded.get(_fold(name))
            if found is not None:
                self.seen[name] = found
        return found


def _fold(name: str) -> str:
    return " ".join(name.split()).casefold()


class AreaBook:
    """A dataset's area code → id. Codes first seen in a batch are created together when the
    batch is written, with the name the row gave; until then their rows wait in `pending`.
    `slot` is where a row (as the run's batches take it) holds its area id."""

    def __init__(self, dataset: Dataset, *, slot: int):
        self.dataset = dataset
        self.slot = slot
        self.ids: dict[str, int] = dict(
            DatasetArea.objects.filter(dataset=dataset).values_list("code", "id")
        )
        self.pending: dict[str, list[list]] = {}
        self._names: dict[str, str] = {}

    def wait(self, code: str, name: str, row: list) -> None:
        rows = self.pending.get(code)
        if rows is None:
            self.pending[code] = [row]
            self._names[code] = name
        else:
            rows.append(row)

    def settle(self) -> None:
        """Create the areas the batch named for the first time and fill in its rows."""
        if not self.pending:
            return
        DatasetArea.objects.bulk_create(
            [
                DatasetArea(dataset=self.dataset, code=code, name=self._names[code][:200])
                for code in self.pending
            ],
            ignore_conflicts=True,
        )
        self.ids.update(
            DatasetArea.objects.filter(dataset=self.dataset, code__in=list(self.pending))
            .values_list("code", "id")
            .iterator()
        )
        slot = self.slot
        for code, rows in self.pending.items():
            area_id = self.ids[code]
            for row in rows:
                row[slot] = area_id
        self.pending.clear()
        self._names.clear()


@dataclass
class PlaceBook:
    """A coordinate pair as the file spells it → (latitude, longitude, H3 r7..r10), NO_PLACE
    when both are empty, or the codes of what is wrong with it. For a dataset of the
    platform's own country it also finds the administrative unit, for all of a batch's new
    points at once (`settle`); `slot` is where a row holds its unit id."""

    locate: bool
    slot: int
    places: dict[tuple[str, str], tuple | list[str]] = field(default_factory=dict)
    units: dict[tuple[str, str], int] = field(default_factory=dict)
    # Rows waiting for the unit of their point: key → [(line, row)].
    pending: dict[tuple[str, str], list] = field(default_factory=dict)

    def place(self, key: tuple[str, str]) -> tuple | list[str]:
        """The place of the pair as spelt (computed once per distinct spelling)."""
        found = self.places.get(key)
        if found is None:
            found = self.places[key] = _place(*key)
        return found

    def wait(self, key: tuple[str, str], line: int, row: list) -> None:
        self.pending.setdefault(key, []).append((line, row))

    def settle(self) -> list[tuple[int, list]]:
        """Locate the batch's new points; fill in their rows' unit. Returns (line, row) of the
        rows whose point lies in no unit (outside the country)."""
        if not self.pending:
            return []
        new = [key for key in self.pending if key not in self.units]
        if new:
            points = [self.places[key] for key in new]
            found = geo_selectors.locator_current().locate_many(
                [point[0] for point in points], [point[1] for point in points]
            )
            self.units.update(zip(new, (int(unit) for unit in found), strict=True))
        outside = []
        slot = self.slot
        for key, rows in self.pending.items():
            unit_id = self.units[key]
            for line, row in rows:
                if unit_id == OUTSIDE:
                    outside.append((line, row))
                else:
                    row[slot] = unit_id
        self.pending.clear()
        return outside


def _place(latitude: str, longitude: str) -> tuple | list[str]:
    """The place of a point, NO_PLACE for none, or the codes of what is wrong with it."""
    latitude, longitude = latitude.strip(), longitude.strip()
    if not (latitude and longitude):
        return ["half_place"] if latitude or longitude else NO_PLACE
    lat = _coordinate(latitude, 90)
    lon = _coordinate(longitude, 180)
    if lat is None or lon is None:
        return ["bad_latitude"] * (lat is None) + ["bad_longitude"] * (lon is None)
    # Each resolution from the point itself, as geo.Located's cells are. Not the finest cell's
    # ancestors: H3's cells do not nest exactly, and for about 6 % of the West Yorkshire
    # points the r10 cell's parent is a neighbour of the r7, r8 or r9 cell holding the point,
    # which would put those points in the wrong hotspot cell. Integers inside, hex text out.
    return (
        lat,
        lon,
        format(_h3_cell(lat, lon, 7), "x"),
        format(_h3_cell(lat, lon, 8), "x"),
        format(_h3_cell(lat, lon, 9), "x"),
        format(_h3_cell(lat, lon, 10), "x"),
    )


def _coordinate(text: str, limit: float) -> float | None:
    try:
        value = float(text)
    except ValueError:
        try:
            # A decimal comma is how Kyrgyz and Russian spreadsheets write 42,46.
            value = float(text.replace(",", "."))
        except ValueError:
            return None
    # NaN fails both comparisons; infinity the second.
    return value if -limit <= value <= limit else None


def place_errors(line: int, codes: list[str], latitude: str, longitude: str) -> list[dict]:
    """The refusals of a row whose coordinates (as the file spells them) are wrong."""
    value = {"bad_latitude": latitude.strip(), "bad_longitude": longitude.strip()}
    return [
        row_error(line, code, value=value[code]) if code in value else row_error(line, code)
        for code in codes
    ]


def unit_codes() -> dict[str, int]:
    """The platform's unit codes → ids: a row of the platform's own country that names a
    unit by its code, without a point, is counted in that unit."""
    return dict(AdminUnit.objects.values_list("code", "id"))


# --- the run --------------------------------------------------------------------------------


class RunBook:
    """An ImportRun while it goes: counts, errors, progress, months touched, batches.

    Made for a file: it surveys the file (file_survey) and creates the run, or takes up `run`,
    one queued for a file uploaded on a page. When the file cannot be read, `unreadable` says
    why and the caller ends the run with fail(). Either way progress(0, rows in the file)
    announces the next file."""

    def __init__(
        self,
        *,
        dataset: Dataset,
        kind: str,
        path: Path,
        actor,
        progress: Progress | None,
        encoding: str = "utf-8-sig",
        run: ImportRun | None = None,
        file_name: str = "",
    ):
        self.dataset = dataset
        self.actor = actor
        self.progress = progress
        # The months (first days, ISO) the file's rows fall in; the parser adds them.
        self.months: set[str] = set()
        self.errors: list[dict] = []
        self.rejected_lines: set[int] = set()
        self.read = 0
        self.imported = 0
        self.duplicate = 0
        self.unreadable = ""
        self.current: RecordBatch | None = None
        self.columns = ROW_COLUMNS
        try:
            facts = file_survey(path, encoding=encoding)
        except ImportFileError as error:
            facts, self.unreadable = None, str(error)
        values = {
            "file_name": (file_name or Path(path).name)[:300],
            "file_sha256": facts.sha256 if facts else "",
            "rows_total": max(facts.lines - 1, 0) if facts else 0,
        }
        with transaction.atomic():
            if run is None:
                run = ImportRun.objects.create(
                    dataset=dataset,
                    kind=kind,
                    actor=actor if getattr(actor, "is_authenticated", False) else None,
                    **values,
                )
            else:
                for name, value in values.items():
                    setattr(run, name, value)
                run.status = ImportStatus.RUNNING
                run.started_at = run.progressed_at = timezone.now()
                run.save(update_fields=[*values, "status", "started_at", "progressed_at"])
        self.run = run
        # PostgreSQL streams new rows straight into the table unless the file was imported
        # into this dataset before, when nearly all are already there (importing_writers).
        self.merge = bool(facts) and (
            ImportRun.objects.filter(
                dataset=dataset, file_sha256=facts.sha256, status=ImportStatus.DONE
            )
            .exclude(pk=run.pk)
            .exists()
        )
        if progress is not None:
            progress(0, self.run.rows_total)

    def reject(self, error: dict) -> None:
        self.errors.append(error)
        self.rejected_lines.add(error["line"])

    @property
    def rejected(self) -> int:
        return len(self.rejected_lines)

    def batch(self, columns: tuple[str, ...] | None = None) -> RecordBatch:
        """A new batch of this run's rows, whose values are `columns` (given with the first
        batch; importing_writers.ROW_COLUMNS unless given). PostgreSQL: its transaction
        begins now."""
        if columns is not None:
            self.columns = columns
        self.current = batch_for_run(
            dataset_id=self.dataset.pk,
            run_id=self.run.pk,
            sensitivity=self.dataset.sensitivity,
            columns=self.columns,
            merge=self.merge,
        )
        return self.current

    def abandon(self, error: BaseException) -> None:
        """The row loop broke off with `error`: give up the batch it was filling (its rows
        were not committed; the batches before it were)."""
        if self.current is not None:
            self.current.abort(error)
            self.current = None

    def write(self, batch: RecordBatch, *, read: int, areas: AreaBook, places: PlaceBook):
        """Write one batch of good rows (`read` rows of the file were parsed for it) and the
        run's progress, in one transaction."""
        with batch.transaction():
            self._batch_write(batch, read=read, areas=areas, places=places)

    def _batch_write(self, batch: RecordBatch, *, read: int, areas: AreaBook, places):
        batch.pause()
        outside = places.settle()
        held = batch.held
        if outside:
            country = geo_selectors.unit_root()
            name = country.name if country else self.dataset.country_code
            refused = set()
            for line, row in outside:
                self.reject(row_error(line, "outside_country", country=name))
                refused.add(id(row))
            held = [row for row in held if id(row) not in refused]
        areas.settle()
        batch.add_many(held)
        batch.held = []
        inserted = batch.close()
        self.merge = self.merge or batch.merge
        self.count_rows(read=read, inserted=inserted, written=len(batch.rows))

    def count_rows(self, *, read: int, inserted: int, written: int) -> None:
        """Add a batch's counts and commit the progress (inside the batch's transaction)."""
        self.read += read
        self.imported += inserted
        self.duplicate += written - inserted
        run = self.run
        run.rows_read, run.rows_imported = self.read, self.imported
        run.rows_duplicate, run.rows_rejected = self.duplicate, self.rejected
        run.rows_done = self.read
        run.progressed_at = timezone.now()
        run.rows_total = max(run.rows_total, self.read)
        run.save(
            update_fields=[
                "rows_read",
                "rows_imported",
                "rows_duplicate",
                "rows_rejected",
                "rows_done",
                "progressed_at",
                "rows_total",
            ]
        )
        if self.progress is not None:
            self.progress(run.rows_done, run.rows_total)

    def finish(
        self,
        batch: RecordBatch | None = None,
        *,
        read: int = 0,
        areas: AreaBook | None = None,
        places: PlaceBook | None = None,
    ) -> ImportRun:
        """Write the last batch, if any, rebuild the touched months' counts, close the run and
        audit it, all in one transaction (one commit fewer for a file that fits one batch)."""
        run = self.run
        with batch.transaction() if batch is not None else transaction.atomic():
            if batch is not None:
                self._batch_write(batch, read=read, areas=areas, places=places)
            rollups_refresh(dataset=self.dataset, months=self.months)
            run.status = ImportStatus.DONE
            run.finished_at = timezone.now()
            run.errors = sorted(self.errors, key=lambda error: error["line"])
            run.rows_rejected = self.rejected
            run.rows_total = run.rows_done = self.read
            run.save()
            timeline.import_finished(run=run, actor=self.actor)
        return run

    def stopped(self, error: Exception) -> None:
        """An unexpected error broke off the import: mark the run failed if the database still
        answers (the caller re-raises the error, which says more than we can)."""
        with contextlib.suppress(DatabaseError):
            self.fail(_("The import stopped: %(error)s") % {"error": error})

    def fail(self, reason: str) -> ImportRun:
        """The file could not be imported as a whole; rows already committed stay (importing
        the file again adds only the rest), and their months' counts are rebuilt."""
        run = self.run
        with transaction.atomic():
            rollups_refresh(dataset=self.dataset, months=self.months)
            run.status = ImportStatus.FAILED
            run.failure = reason
            run.finished_at = timezone.now()
            run.errors = sorted(self.errors, key=lambda error: error["line"])
            run.rows_rejected = self.rejected
            run.save()
            timeline.import_failed(run=run, actor=self.actor)
        return run
