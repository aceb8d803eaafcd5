"""Benchmark: police.uk rows imported per second, end to end, on SQLite and PostgreSQL.

    .venv/bin/python bench/import_policeuk.py [--repeats R] [--database-url postgres://...]
        [--street FILE] [--population FILE]

Each database run happens in a child process with its own settings: SQLite in a scratch
data folder (a new file, WAL and synchronous=FULL as in production), PostgreSQL in a scratch
database created on the server --database-url names and dropped afterwards. There the
schema is migrated (which seeds the ICCS categories and the police.uk mapping), the LSOA
populations are imported, then the street file is imported R times, each time into a new
dataset (what `ishenim import-policeuk` does with a file it has not seen), and once more
into the last dataset (every row already there). Timed: `policeuk_import` for the street
file, from reading the file to the committed rollups and audit entry. The fastest of the R
imports is reported, as the least disturbed by anything else on the machine. Results are
recorded in docs/benchmarks.md ("Imports").
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPOSITORY = Path(__file__).resolve().parent.parent
SHARED = REPOSITORY.parent / "shared" / "data" / "policeuk"
DEFAULT_STREET = SHARED / "2018-07-west-yorkshire-street.csv"
DEFAULT_POPULATION = SHARED / "west-yorkshire-lsoa-population-2011.csv"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def child(arguments) -> None:
    """Runs inside the child process, whose environment names the database."""
    sys.path.insert(0, str(REPOSITORY))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ishenim.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from ishenim.stats.models import CrimeRecord
    from ishenim.stats.services import areas_import, dataset_create, policeuk_import

    call_command("migrate", verbosity=0)
    times = []
    dataset = None
    for repeat in range(arguments.repeats):
        dataset = dataset_create(
            name=f"bench-{repeat}",
            title="West Yorkshire, July 2018",
            country_code="GB",
            category_scheme="police.uk",
            area_scheme="LSOA 2011",
            actor=None,
        )
        areas_import(dataset=dataset, file=arguments.population, population_year=2011, actor=None)
        start = time.perf_counter()
        (run,) = policeuk_import(dataset=dataset, files=[arguments.street], actor=None)
        times.append(time.perf_counter() - start)
        if run.rows_imported != run.rows_read:
            raise SystemExit(f"imported {run.rows_imported} of {run.rows_read} rows")
    start = time.perf_counter()
    (again,) = policeuk_import(dataset=dataset, files=[arguments.street], actor=None)
    reimport = time.perf_counter() - start
    if again.rows_imported:
        raise SystemExit("a second import of the same file added rows")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sqlite_version()" if connection.vendor == "sqlite" else "SHOW server_version"
        )
        version = cursor.fetchone()[0]
    print(
        json.dumps(
            {
                "database": f"{connection.vendor} {version}",
                "rows": run.rows_read,
                "best": min(times),
                "times": times,
                "reimport": reimport,
                "records": CrimeRecord.objects.count(),
            }
        )
    )


def run_child(arguments, environment: dict) -> dict:
    command = [
        sys.executable,
        __file__,
        "--child",
        "--repeats",
        str(arguments.repeats),
        "--street",
        str(arguments.street),
        "--population",
        str(arguments.population),
    ]
    env = {**os.environ, "LOG_LEVEL": "WARNING"}
    # SQLite unless the run names a database: an inherited DATABASE_URL must not leak in.
    env.pop("DATABASE_URL", None)
    env.update(environment)
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode:
        sys.stderr.write(result.stderr)
        raise SystemExit(result.returncode)
    return json.loads(result.stdout.strip().splitlines()[-1])


def scratch_postgres(url: str):
    """A new database on the server `url` names: (its URL, a function that drops it)."""
    import psycopg

    parts = urlsplit(url)
    name = f"ishenim_bench_{os.getpid()}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return urlunsplit(parts._replace(path=f"/{name}")), drop


def report(result: dict) -> None:
    rows = result["rows"]
    print(
        f"{result['database']}: {rows:,} rows, best of {len(result['times'])}: "
        f"{result['best']:.3f} s = {rows / result['best']:,.0f} rows/s "
        f"(all: {', '.join(f'{t:.3f}' for t in result['times'])} s); "
        f"again, every row already there: {result['reimport']:.3f} s = "
        f"{rows / result['reimport']:,.0f} rows/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--street", type=Path, default=DEFAULT_STREET)
    parser.add_argument("--population", type=Path, default=DEFAULT_POPULATION)
    parser.add_argument("--database-url", default="", help="a PostgreSQL server to run on too")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        child(arguments)
        return
    if not arguments.street.exists():
        raise SystemExit(f"The police.uk month is not here: {arguments.street}")
    print(f"Machine: {cpu_model()}, {os.cpu_count()} cores; Python {platform.python_version()}")
    print(f"Data: {arguments.street.name}, populations from {arguments.population.name}")
    with tempfile.TemporaryDirectory(prefix="ishenim-bench-") as folder:
        report(run_child(arguments, {"ISHENIM_DATA_DIR": folder}))
    if arguments.database_url:
        url, drop = scratch_postgres(arguments.database_url)
        try:
            report(run_child(arguments, {"DATABASE_URL": url}))
        finally:
            drop()


if __name__ == "__main__":
    main()
