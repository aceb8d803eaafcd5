"""Benchmark: open data of 1,000,000 records — the six files built by the background task's
function, and the records streamed as police.uk CSV and as GeoJSON by the command line — on
SQLite and PostgreSQL, with the peak memory of each.

    .venv/bin/python bench/export_open_data.py [--records N] [--database-url postgres://...]

For each database, in child processes with their own settings (SQLite: a new file in a scratch
data folder, WAL and synchronous=FULL as in production; PostgreSQL: a scratch database on the
server --database-url names, dropped afterwards):

1. prepare: the schema is migrated; bench/dashboard.py's N synthetic incidents (clustered,
   police.uk's crime types, 2023–2024, each with its H3 resolution-8 cell as area code) are
   written to CSV and imported through the generic CSV importer into a dataset of another
   country than the platform's (so that the anchor points are made from the records' own
   places, the heavier of the two methods), which is made public;
2. build (a new process): `open_build_run`, what `ishenim worker` runs — the anchors, then
   every record and every count read once, the three files of each written as they come,
   stored in the default storage (a scratch media folder);
3. records-csv and records-geojson (a new process each): `open_file_text`, what
   `ishenim export-open-data --what records --format csv|geojson --output FILE` runs.

Each export reports its seconds, rows per second, the bytes written, and its process's peak
resident memory (resource.getrusage, ru_maxrss) beside the memory it had before it began:
the anchors are made first and their memory noted apart (they are made from every distinct
place at once); what the rows' streaming adds after them stays flat whatever N. Recorded in
docs/benchmarks.md ("Open data export").
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY / "bench"))

from dashboard import RECORDS_MAPPING, _records_csv  # noqa: E402
from import_policeuk import cpu_model, scratch_postgres  # noqa: E402

DATASET = "synthetic-open"
STEPS = ("build", "records-csv", "records-geojson")


def _peak_mb() -> float:
    # Linux gives ru_maxrss in kilobytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def prepare(arguments) -> dict:
    from django.core.management import call_command

    from ishenim.core.enums import Sensitivity
    from ishenim.stats.services import csv_import, dataset_create, dataset_update

    call_command("migrate", verbosity=0)
    with tempfile.TemporaryDirectory(prefix="ishenim-bench-open-") as folder:
        path = Path(folder) / "records.csv"
        started = time.perf_counter()
        _records_csv(path, arguments.records)  # the dashboard benchmark's records
        generated = time.perf_counter() - started
        dataset = dataset_create(
            name=DATASET,
            title="Synthetic incidents, 2023–2024",
            # Another country's data: the anchors are made from the records' own places (the
            # heavier method; this country's data is snapped to its settlements).
            country_code="GB",
            category_scheme="police.uk",
            area_scheme="H3 resolution 8",
            licence="Open Government Licence v3.0",
            actor=None,
        )
        started = time.perf_counter()
        run = csv_import(
            dataset=dataset,
            file=path,
            mapping=RECORDS_MAPPING,
            actor=None,
        )
        imported = time.perf_counter() - started
    if run.rows_imported != arguments.records:
        raise SystemExit(f"imported {run.rows_imported} of {arguments.records}: {run.errors[:3]}")
    dataset_update(dataset=dataset, sensitivity=Sensitivity.PUBLIC, actor=None)
    return {"generated": generated, "imported": imported}


def _anchors(dataset) -> dict:
    """The anchors made first, as the export would make them (then cached for it): their
    time and the memory they take, apart from the rows' streaming."""
    from django.conf import settings
    from django.utils import translation

    from ishenim.stats.services.open_data import open_anchors

    started = time.perf_counter()
    with translation.override(settings.LANGUAGE_CODE):
        open_anchors(dataset)
    return {"anchors_seconds": time.perf_counter() - started, "rss_anchors_mb": _peak_mb()}


def build(arguments) -> dict:
    from ishenim.stats.selectors import dataset_get
    from ishenim.stats.services import open_data_files as files

    dataset = dataset_get(DATASET)
    before = _peak_mb()
    started = time.perf_counter()
    anchors = _anchors(dataset)
    queued = files.open_build_queue(dataset=dataset, actor=None)
    done = files.open_build_run(build_id=queued.pk)
    seconds = time.perf_counter() - started
    if done.status != "done":
        raise SystemExit(f"the build ended {done.status}: {done.failure}")
    return {
        "seconds": seconds,
        "records": done.record_count,
        "rows": done.rows_total,
        "bytes": {item["kind"]: item["size"] for item in done.files},
        "anchors": done.facts["anchors"],
        "counts": done.facts["counts"],
        "rss_before_mb": before,
        "rss_peak_mb": _peak_mb(),
        **anchors,
    }


def stream(arguments, format: str) -> dict:
    from django.conf import settings
    from django.utils import translation

    from ishenim.stats.selectors import dataset_get
    from ishenim.stats.services import open_data_files as files

    dataset = dataset_get(DATASET)
    open_file = files.open_file_for("records", format)
    before = _peak_mb()
    started = time.perf_counter()
    anchors = _anchors(dataset)
    rows = 0

    def progress(done: int) -> None:
        nonlocal rows
        rows = done

    size = 0
    with (
        tempfile.TemporaryDirectory(prefix="ishenim-bench-open-") as folder,
        open(Path(folder) / open_file.suffix, "w", encoding="utf-8", newline="") as handle,
        translation.override(settings.LANGUAGE_CODE),
    ):
        for part in files.open_file_text(dataset, open_file, progress=progress):
            handle.write(part)
        size = handle.tell()
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "records": rows,
        "rows": rows,
        "bytes": {open_file.kind: size},
        "rss_before_mb": before,
        "rss_peak_mb": _peak_mb(),
        **anchors,
    }


def child(arguments) -> None:
    """Runs inside a child process, whose environment names the database."""
    sys.path.insert(0, str(REPOSITORY))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ishenim.settings")
    import django

    django.setup()
    from django.db import connection

    if arguments.step == "prepare":
        result = prepare(arguments)
    elif arguments.step == "build":
        result = build(arguments)
    else:
        result = stream(arguments, arguments.step.split("-", 1)[1])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sqlite_version()" if connection.vendor == "sqlite" else "SHOW server_version"
        )
        result["database"] = f"{connection.vendor} {cursor.fetchone()[0]}"
    print(json.dumps(result))


def run_child(arguments, step: str, environment: dict) -> dict:
    command = [sys.executable, __file__, "--child", step, "--records", str(arguments.records)]
    env = {**os.environ, "LOG_LEVEL": "WARNING"}
    # SQLite unless the run names a database: an inherited DATABASE_URL must not leak in.
    env.pop("DATABASE_URL", None)
    env.update(environment)
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode:
        sys.stderr.write(result.stderr)
        raise SystemExit(result.returncode)
    return json.loads(result.stdout.strip().splitlines()[-1])


def run_all(arguments, environment: dict) -> None:
    prepared = run_child(arguments, "prepare", environment)
    print(
        f"{arguments.records:,} records generated in {prepared['generated']:.1f} s,"
        f" imported in {prepared['imported']:.1f} s"
    )
    for step in STEPS:
        result = run_child(arguments, step, environment)
        sizes = ", ".join(f"{kind} {size / 1e6:,.1f} MB" for kind, size in result["bytes"].items())
        extra = (
            f"; {result['anchors']:,} anchors, {result['counts']:,} count rows"
            if "anchors" in result
            else ""
        )
        print(
            f"  {result['database']}, {step}: {result['seconds']:.1f} s,"
            f" {result['records'] / result['seconds']:,.0f} records/s"
            f" ({result['rows']:,} rows{extra}); the anchors {result['anchors_seconds']:.1f} s"
            f" of it; peak RSS {result['rss_peak_mb']:,.0f} MB (before: "
            f"{result['rss_before_mb']:,.0f} MB, after the anchors: "
            f"{result['rss_anchors_mb']:,.0f} MB); {sizes}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--database-url", default="", help="a PostgreSQL server to run on too")
    parser.add_argument("--child", choices=("prepare", *STEPS), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        arguments.step = arguments.child
        child(arguments)
        return
    print(f"Machine: {cpu_model()}, {os.cpu_count()} cores; Python {platform.python_version()}")
    with tempfile.TemporaryDirectory(prefix="ishenim-bench-") as folder:
        run_all(arguments, {"ISHENIM_DATA_DIR": folder})
    if arguments.database_url:
        url, drop = scratch_postgres(arguments.database_url)
        try:
            with tempfile.TemporaryDirectory(prefix="ishenim-bench-media-") as media:
                run_all(arguments, {"DATABASE_URL": url, "ISHENIM_MEDIA_DIR": media})
        finally:
            drop()


if __name__ == "__main__":
    main()
