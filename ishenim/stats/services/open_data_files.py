"""Open data as files: the formats, and the six files of each public dataset, built in the
background and served from storage.

Formats (services/open_data.py chooses what goes in them; here is only how it is written):

    records   police.uk street-level CSV   police.uk's twelve columns, UTF-8 without a byte
                                           order mark (what police.uk's files and our own
                                           importer read)
              GeoJSON                      a FeatureCollection of the located records
              HXL-tagged CSV               RECORD_HXL: machine column names, a row of HXL
                                           hashtags under them
    counts    CSV                          COUNT_TABLE: area × month × category
              GeoJSON                      one feature per row, at the area's point
              HXL-tagged CSV               the same columns with their hashtags

The CSV tables other than police.uk's start with a byte order mark, as every table of the
platform does (core.exports: how Excel knows the file is UTF-8 and shows Cyrillic), and
neutralise cells that a spreadsheet would read as a formula. The HXL hashtags follow the HXL
1.1 standard (hxlstandard.org/standard/1-1final/dictionary): see docs/open-data.md.

Stored files (one OpenDataBuild per building, stats.tasks.stats_open_data_build):
- `open_build_queue` asks for a build (a person's "Build again", or the platform);
  `open_build_after_change` is called in the transaction that changed a dataset's records
  (services.rollups_refresh, after every import) or its sensitivity (dataset_update), and
  after the commit builds the files again if the dataset is public, or removes them if not.
- `open_build_run` (the task) reads the records and the counts once each, writes the three
  files of each into local temporary files as the rows come (progress committed on the build
  as it goes), then stores them in a folder of the build's own in the default storage. Only
  when all six are stored does the build become the dataset's current one, in one
  transaction that also drops the builds before it; their files are deleted after the commit.
  A reader therefore gets the old files or the new ones, never a half-written file.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import secrets
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ishenim.core.enums import Sensitivity
from ishenim.core.exports import Column
from ishenim.orgs import policy
from ishenim.orgs.enums import Action
from ishenim.stats import timeline
from ishenim.stats.enums import ImportStatus
from ishenim.stats.models import Dataset, OpenDataBuild
from ishenim.stats.services.open_data import (
    COUNT_COLUMNS,
    open_anchors,
    open_count_rows,
    open_count_total,
    open_dataset_list,
    open_record_rows,
    open_record_total,
    published_records,
)
from ishenim.stats.services.policeuk import POLICE_UK_COLUMNS

logger = logging.getLogger(__name__)

# Where the files are kept in the default storage: <folder>/<dataset>/<build>-<random>/.
OPEN_DATA_FOLDER = "open-data"
# Progress is committed on the build at most this often (rows).
PROGRESS_EVERY = 5000
_SINK_LINES = 1000
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
GEOJSON_CONTENT_TYPE = "application/geo+json"


# --- the six files ----------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenFile:
    """One of the files published for each public dataset."""

    kind: str  # records-csv, ...: its name in URLs and in OpenDataBuild.files
    what: str  # records or counts
    format: str  # csv, geojson or hxl (the command line's --format)
    suffix: str  # after the dataset's name in the file name
    content_type: str
    label: str

    def filename(self, dataset: Dataset) -> str:
        return f"{dataset.name}-{self.suffix}"


OPEN_FILES = (
    OpenFile(
        "records-csv",
        "records",
        "csv",
        "records.csv",
        CSV_CONTENT_TYPE,
        gettext_lazy("Records, police.uk CSV"),
    ),
    OpenFile(
        "records-geojson",
        "records",
        "geojson",
        "records.geojson",
        GEOJSON_CONTENT_TYPE,
        gettext_lazy("Records, GeoJSON"),
    ),
    OpenFile(
        "records-hxl",
        "records",
        "hxl",
        "records-hxl.csv",
        CSV_CONTENT_TYPE,
        gettext_lazy("Records, HXL-tagged CSV"),
    ),
    OpenFile(
        "counts-csv",
        "counts",
        "csv",
        "counts.csv",
        CSV_CONTENT_TYPE,
        gettext_lazy("Counts, CSV"),
    ),
    OpenFile(
        "counts-geojson",
        "counts",
        "geojson",
        "counts.geojson",
        GEOJSON_CONTENT_TYPE,
        gettext_lazy("Counts, GeoJSON"),
    ),
    OpenFile(
        "counts-hxl",
        "counts",
        "hxl",
        "counts-hxl.csv",
        CSV_CONTENT_TYPE,
        gettext_lazy("Counts, HXL-tagged CSV"),
    ),
)
OPEN_FILE_KINDS = {open_file.kind: open_file for open_file in OPEN_FILES}
OPEN_WHATS = ("records", "counts")
OPEN_FORMATS = ("csv", "geojson", "hxl")


def open_file_for(what: str, format: str) -> OpenFile:
    """The file of `what` (records, counts) in `format` (csv, geojson, hxl)."""
    return OPEN_FILE_KINDS[f"{what}-{format}"]


# Columns named for machines, the same in every language. The hashtags: docs/open-data.md.
RECORD_HXL = (
    Column("Month", "month", "#date+month"),
    Column("Reported by", "reported_by", "#org+name"),
    Column("Longitude", "longitude", "#geo+lon"),
    Column("Latitude", "latitude", "#geo+lat"),
    Column("Location", "location", "#loc+name"),
    Column("LSOA code", "area_code", "#loc+area+code"),
    Column("LSOA name", "area_name", "#loc+area+name"),
    Column("Crime type", "crime_type", "#event+type"),
    Column("category", "category", "#event+category+code+v_iccs"),
    Column("category_name", "category_name", "#event+category+name+v_iccs"),
    Column("Last outcome category", "outcome", "#status+outcome"),
)
COUNT_TABLE = (
    Column("area_code", "area_code", "#loc+area+code"),
    Column("area_name", "area_name", "#loc+area+name"),
    Column("month", "month", "#date+month"),
    Column("category", "category", "#event+category+code+v_iccs"),
    Column("category_name", "category_name", "#event+category+name+v_iccs"),
    Column("count", "count", "#indicator+num"),
    Column("suppressed", "suppressed", "#meta+suppressed"),
)
assert tuple(column.key for column in COUNT_TABLE) == COUNT_COLUMNS


# --- writing them -----------------------------------------------------------------------------

# Excel, LibreOffice and Google Sheets read a cell starting with one of these as a formula
# (core.exports' rule; police.uk's own file is written the same way).
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value) -> str:
    """One CSV cell: text neutralised, numbers as they are (the most common cases first: a
    million rows pass here three times)."""
    if type(value) is str:
        return "'" + value if value.startswith(_FORMULA_TRIGGERS) else value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_TRIGGERS) else text


class _Writer:
    """One file's text: head(), then line(row) for each row ("" for a row it leaves out),
    then tail(). Pushed row by row, so that one pass over the rows writes three files."""

    def head(self) -> str:
        return ""

    def line(self, row: dict) -> str:
        raise NotImplementedError

    def tail(self) -> str:
        return ""


class _PoliceUkCsv(_Writer):
    def __init__(self):
        self._csv = csv.writer(_Echo())

    def head(self) -> str:
        return self._csv.writerow(POLICE_UK_COLUMNS)

    def line(self, row: dict) -> str:
        return self._csv.writerow([_cell(row[column]) for column in POLICE_UK_COLUMNS])


class _Table(_Writer):
    """A table of `columns` (core.exports.Column): machine names as the header, with the
    byte order mark; the row of HXL hashtags under it when `hashtags`."""

    def __init__(self, columns: Iterable[Column], *, hashtags: bool):
        self.columns = tuple(columns)
        self.keys = tuple(column.key for column in self.columns)
        self.hashtags = hashtags
        self._csv = csv.writer(_Echo())

    def head(self) -> str:
        text = "\ufeff" + self._csv.writerow([str(column.label) for column in self.columns])
        if self.hashtags:
            text += self._csv.writerow([column.hxl for column in self.columns])
        return text

    def line(self, row: dict) -> str:
        return self._csv.writerow([_cell(row[key]) for key in self.keys])


class _FeatureCollection(_Writer):
    """A GeoJSON FeatureCollection written feature by feature; `feature(row)` gives a row's
    feature, or None for a row left out."""

    def __init__(self, dataset: Dataset, feature: Callable[[dict], dict | None]):
        self.dataset = dataset
        self.feature = feature
        self._separator = ""

    def head(self) -> str:
        about = {
            "name": self.dataset.name,
            "title": self.dataset.title,
            "source": self.dataset.source,
            "licence": self.dataset.licence,
        }
        # Foreign members (RFC 7946, 6.1): readers that do not know them ignore them.
        head = json.dumps({"type": "FeatureCollection", **about}, ensure_ascii=False)
        return head[:-1] + ', "features": [\n'

    def line(self, row: dict) -> str:
        feature = self.feature(row)
        if feature is None:
            return ""
        text = self._separator + json.dumps(feature, ensure_ascii=False)
        self._separator = ",\n"
        return text

    def tail(self) -> str:
        return "\n]}\n"


def _record_feature(row: dict) -> dict | None:
    """A located record as a point (records without a location are left out: a map has
    nowhere to put them; the CSV files have them)."""
    if row["Longitude"] is None:
        return None
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [row["Longitude"], row["Latitude"]]},
        "properties": {
            "month": row["Month"],
            "location": row["Location"],
            "area_code": row["LSOA code"],
            "area_name": row["LSOA name"],
            "crime_type": row["Crime type"],
            "category": row["category"],
            "category_name": row["category_name"],
            "outcome": row["Last outcome category"],
        },
    }


def _count_feature(row: dict) -> dict:
    """A count at its area's point (null geometry where the area has no located record)."""
    geometry = None
    if row["latitude"] is not None:
        geometry = {"type": "Point", "coordinates": [row["longitude"], row["latitude"]]}
    properties = {name: row[name] for name in COUNT_COLUMNS}
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def _writer(open_file: OpenFile, dataset: Dataset) -> _Writer:
    if open_file.format == "geojson":
        feature = _record_feature if open_file.what == "records" else _count_feature
        return _FeatureCollection(dataset, feature)
    if open_file.what == "records":
        if open_file.format == "csv":
            return _PoliceUkCsv()
        return _Table(RECORD_HXL, hashtags=True)
    return _Table(COUNT_TABLE, hashtags=open_file.format == "hxl")


def _rows(dataset: Dataset, what: str) -> Iterator[dict]:
    return open_record_rows(dataset) if what == "records" else open_count_rows(dataset)


def open_rows_total(dataset: Dataset, what: str) -> int:
    """How many rows the file of `what` is made of (what a progress bar counts)."""
    return open_record_total(dataset) if what == "records" else open_count_total(dataset)


def open_file_text(
    dataset: Dataset, open_file: OpenFile, *, progress: Callable[[int], None] | None = None
) -> Iterator[str]:
    """One file's text, streamed as the rows come (the command line). `progress(done)` is
    called every PROGRESS_EVERY rows and at the end."""
    writer = _writer(open_file, dataset)
    yield writer.head()
    done = 0
    for row in _rows(dataset, open_file.what):
        text = writer.line(row)
        if text:
            yield text
        done += 1
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done)
    yield writer.tail()
    if progress is not None:
        progress(done)


# --- building them in the background ----------------------------------------------------------


def open_build_current(dataset: Dataset) -> OpenDataBuild | None:
    """The finished build whose files are published (the newest), or None."""
    return (
        OpenDataBuild.objects.filter(dataset=dataset, status=ImportStatus.DONE)
        .order_by("-pk")
        .first()
    )


def open_build_latest(dataset: Dataset) -> OpenDataBuild | None:
    """The newest build whatever its state: the one a page shows the progress of."""
    return OpenDataBuild.objects.filter(dataset=dataset).order_by("-pk").first()


@transaction.atomic
def open_build_queue(*, dataset: Dataset, actor) -> OpenDataBuild:
    """Ask for the dataset's files to be built again, by the background task after the
    commit. A person must be allowed to administer the dataset (MANAGE); the platform
    (actor None) may always, and its requests join one that is still waiting."""
    if actor is not None and not policy.can(actor, Action.MANAGE, dataset):
        raise PermissionDenied(
            _("You may not build the open data of %(name)s.") % {"name": dataset}
        )
    if dataset.sensitivity != Sensitivity.PUBLIC:
        raise ValueError(_("Only a public dataset is published as open data."))
    if actor is None:
        waiting = OpenDataBuild.objects.filter(dataset=dataset, status=ImportStatus.QUEUED)
        found = waiting.order_by("pk").first()
        if found is not None:
            return found
    build = OpenDataBuild.objects.create(
        dataset=dataset, actor=actor if getattr(actor, "is_authenticated", False) else None
    )
    timeline.open_data_build_queued(build=build, actor=actor)
    from ishenim.stats.tasks import stats_open_data_build

    # After the commit: the worker must find the build, and a rolled-back request runs nothing.
    transaction.on_commit(lambda: stats_open_data_build.enqueue(build.pk))
    return build


def open_build_after_change(*, dataset: Dataset) -> None:
    """The dataset's records or its sensitivity changed in the transaction under way: once it
    is committed, build its files again if it is public, remove them if it is not."""
    dataset_id = dataset.pk
    transaction.on_commit(lambda: _follow_change(dataset_id))


def _follow_change(dataset_id: int) -> None:
    dataset = Dataset.objects.filter(pk=dataset_id).first()
    if dataset is None:
        return
    if dataset.sensitivity == Sensitivity.PUBLIC:
        open_build_queue(dataset=dataset, actor=None)
    elif OpenDataBuild.objects.filter(dataset=dataset).exists():
        open_files_remove(dataset=dataset)


@transaction.atomic
def open_files_remove(*, dataset: Dataset) -> int:
    """Forget every build of the dataset; their files are deleted after the commit (a
    dataset no longer public, or deleted). Returns the number of files."""
    builds = list(OpenDataBuild.objects.filter(dataset=dataset))
    paths = [item["path"] for build in builds for item in build.files]
    OpenDataBuild.objects.filter(pk__in=[build.pk for build in builds]).delete()
    transaction.on_commit(lambda: _storage_delete(paths))
    return len(paths)


def open_build_run(*, build_id: int) -> OpenDataBuild | None:
    """Build the six files (the background task). Claimed first, so that a task delivered
    twice builds once; a build that is not waiting any more is left alone (None). Whatever
    breaks it off leaves it failed with the reason and its stored files deleted."""
    claimed = OpenDataBuild.objects.filter(pk=build_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    build = OpenDataBuild.objects.select_related("dataset").get(pk=build_id)
    stored: list[str] = []
    try:
        # One language for the files whoever asked: the platform's own (names of categories,
        # settlements and units are written in it).
        with translation.override(settings.LANGUAGE_CODE):
            return _build(build, stored)
    except Exception as error:
        logger.exception("Open data build %s stopped", build.pk)
        _build_fail(build, stored, _("The build stopped: %(error)s") % {"error": error})
        raise


def _build(build: OpenDataBuild, stored: list[str]) -> OpenDataBuild:
    dataset = build.dataset
    if dataset.sensitivity != Sensitivity.PUBLIC:
        return _build_fail(build, stored, _("The dataset is not public: nothing is published."))
    totals = {what: open_rows_total(dataset, what) for what in OPEN_WHATS}
    build.rows_total = sum(totals.values())
    months = published_records(dataset).aggregate(first=Min("month"), last=Max("month"))
    build.record_count = totals["records"]
    build.first_month, build.last_month = months["first"], months["last"]
    build.save(update_fields=["rows_total", "record_count", "first_month", "last_month"])
    anchors = open_anchors(dataset)
    build.facts = {
        "anchor_method": anchors.method if anchors is not None else "",
        "anchors": len(anchors) if anchors is not None else 0,
        "counts": totals["counts"],
        "counts_suppressed": 0,
    }
    progress = _BuildProgress(build)
    folder = f"{OPEN_DATA_FOLDER}/{dataset.name}/{build.pk}-{secrets.token_hex(4)}"
    files = []
    with tempfile.TemporaryDirectory(prefix="ishenim-open-data-") as local:
        for what in OPEN_WHATS:
            written = _files_write(dataset, what, Path(local), progress)
            for open_file, facts in written:
                name = _store(f"{folder}/{open_file.filename(dataset)}", facts.path)
                stored.append(name)
                files.append(
                    {
                        "kind": open_file.kind,
                        "name": open_file.filename(dataset),
                        "path": name,
                        "size": facts.size,
                        "sha256": facts.sha256,
                    }
                )
    progress.flush()
    build.facts["counts_suppressed"] = progress.suppressed
    return _build_finish(build, files, stored)


@dataclass
class _Written:
    path: Path
    size: int
    sha256: str


class _Sink:
    """A local file that counts its bytes and their SHA-256 as they are written (in blocks
    of _SINK_LINES lines: one encode and one hash update per block, not per line)."""

    def __init__(self, path: Path):
        self.path = path
        self._handle = open(path, "wb")  # noqa: SIM115 (closed in close())
        self._digest = hashlib.sha256()
        self._size = 0
        self._pending: list[str] = []

    def write(self, text: str) -> None:
        if text:
            self._pending.append(text)
            if len(self._pending) >= _SINK_LINES:
                self._flush()

    def _flush(self) -> None:
        data = "".join(self._pending).encode("utf-8")
        self._pending.clear()
        self._handle.write(data)
        self._digest.update(data)
        self._size += len(data)

    def close(self) -> _Written:
        self._flush()
        self._handle.close()
        return _Written(path=self.path, size=self._size, sha256=self._digest.hexdigest())


class _LocalFile(File):
    """A finished local file handed to the storage. `temporary_file_path` lets a file system
    storage move it into place instead of copying it (as Django does with large uploads);
    other storages read it."""

    def __init__(self, path: Path):
        super().__init__(open(path, "rb"), name=path.name)  # noqa: SIM115 (the storage closes it)
        self._path = path

    def temporary_file_path(self) -> str:
        return str(self._path)


def _store(name: str, path: Path) -> str:
    """Put a finished local file into the default storage; the name it was stored under."""
    return default_storage.save(name, _LocalFile(path))


def _files_write(
    dataset: Dataset, what: str, folder: Path, progress: _BuildProgress
) -> list[tuple[OpenFile, _Written]]:
    """The three files of `what`, from one pass over its rows."""
    chosen = [open_file for open_file in OPEN_FILES if open_file.what == what]
    writers = [_writer(open_file, dataset) for open_file in chosen]
    sinks = [_Sink(folder / open_file.suffix) for open_file in chosen]
    try:
        for sink, writer in zip(sinks, writers, strict=True):
            sink.write(writer.head())
        for row in _rows(dataset, what):
            for sink, writer in zip(sinks, writers, strict=True):
                sink.write(writer.line(row))
            progress.step(row)
        for sink, writer in zip(sinks, writers, strict=True):
            sink.write(writer.tail())
    finally:
        written = [sink.close() for sink in sinks]
    return list(zip(chosen, written, strict=True))


class _BuildProgress:
    """Counts the rows written and commits the count on the build every PROGRESS_EVERY rows
    (the build runs outside any transaction, so each update is committed at once)."""

    def __init__(self, build: OpenDataBuild):
        self.build = build
        self.done = 0
        self.suppressed = 0

    def step(self, row: dict) -> None:
        self.done += 1
        if row.get("suppressed"):
            self.suppressed += 1
        if self.done % PROGRESS_EVERY == 0:
            self.flush()

    def flush(self) -> None:
        self.build.rows_done = self.done
        OpenDataBuild.objects.filter(pk=self.build.pk).update(rows_done=self.done)


def _build_finish(build: OpenDataBuild, files: list[dict], stored: list[str]) -> OpenDataBuild:
    """Make the build current, in one transaction with dropping the builds before it; their
    files (or this build's, if the dataset stopped being public meanwhile or a newer build
    finished first) are deleted after the commit."""
    with transaction.atomic():
        current = OpenDataBuild.objects.select_for_update().filter(pk=build.pk).first()
        dataset = Dataset.objects.filter(pk=build.dataset_id).first()
        if current is None or dataset is None or dataset.sensitivity != Sensitivity.PUBLIC:
            # Its builds were removed while it ran (open_files_remove, or a newer build that
            # finished first): so are its files.
            transaction.on_commit(lambda: _storage_delete(stored))
            if current is not None:
                current.delete()
            return build
        builds = OpenDataBuild.objects.filter(dataset_id=build.dataset_id)
        if builds.filter(status=ImportStatus.DONE, pk__gt=build.pk).exists():
            transaction.on_commit(lambda: _storage_delete(stored))
            current.delete()
            return build
        # Every build before it goes, finished or not: one still waiting then finds nothing to
        # claim, one still running finds its row gone and deletes its own files.
        older = list(builds.filter(pk__lt=build.pk))
        replaced = [item["path"] for old in older for item in old.files]
        builds.filter(pk__in=[old.pk for old in older]).delete()
        current.status = ImportStatus.DONE
        current.files = files
        current.rows_done = current.rows_total
        current.finished_at = timezone.now()
        current.facts = build.facts
        current.save(update_fields=["status", "files", "rows_done", "finished_at", "facts"])
        transaction.on_commit(lambda: _storage_delete(replaced))
    return current


def _build_fail(build: OpenDataBuild, stored: list[str], reason: str) -> OpenDataBuild:
    _storage_delete(stored)
    OpenDataBuild.objects.filter(pk=build.pk).update(
        status=ImportStatus.FAILED, failure=reason, finished_at=timezone.now()
    )
    return OpenDataBuild.objects.filter(pk=build.pk).first() or build


def _storage_delete(paths: Iterable[str]) -> None:
    for path in paths:
        try:
            default_storage.delete(path)
        except OSError:
            # A file that cannot be deleted now is an orphan in the media folder, not an
            # error of the build: nothing refers to it any more.
            logger.warning("Open data file %s could not be deleted", path)


def open_file_stored(build: OpenDataBuild, open_file: OpenFile) -> dict | None:
    """The stored file of that kind in the build: {"kind", "name", "path", "size",
    "sha256"}, or None."""
    return next((item for item in build.files if item["kind"] == open_file.kind), None)


@dataclass(frozen=True)
class OpenEntry:
    """A public dataset as the open data list shows it: its published build (None until the
    first one has finished) and its newest build (the one in progress, if any)."""

    dataset: Dataset
    current: OpenDataBuild | None
    latest: OpenDataBuild | None

    @property
    def building(self) -> bool:
        return self.latest is not None and self.latest.status in (
            ImportStatus.QUEUED,
            ImportStatus.RUNNING,
        )


def open_catalogue() -> list[OpenEntry]:
    """Every public dataset with its builds, in two queries whatever their number."""
    datasets = list(open_dataset_list())
    builds = OpenDataBuild.objects.filter(dataset__in=datasets).order_by("-pk")
    current: dict[int, OpenDataBuild] = {}
    latest: dict[int, OpenDataBuild] = {}
    for build in builds:
        latest.setdefault(build.dataset_id, build)
        if build.status == ImportStatus.DONE:
            current.setdefault(build.dataset_id, build)
    return [
        OpenEntry(dataset=dataset, current=current.get(dataset.pk), latest=latest.get(dataset.pk))
        for dataset in datasets
    ]


def open_entry(dataset: Dataset) -> OpenEntry:
    return OpenEntry(
        dataset=dataset, current=open_build_current(dataset), latest=open_build_latest(dataset)
    )
