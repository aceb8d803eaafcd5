"""Benchmark: the area dashboard and the hotspot map layer at 1,000,000 records, on SQLite and
PostgreSQL.

    .venv/bin/python bench/dashboard.py [--records N] [--requests R] [--database-url postgres://...]

Each database run happens in a child process with its own settings: SQLite in a scratch data
folder (a new file, WAL and synchronous=FULL as in production), PostgreSQL in a scratch
database created on the server --database-url names and dropped afterwards. There:

1. the schema is migrated and the shipped Kyrgyz geography loaded;
2. N synthetic incidents (ishenim.analytics.synthetic: clustered, seasonal, police.uk's crime
   types) around Bishkek over two years (2023–2024) are written to a CSV file with an area
   code per record — the H3 resolution-8 cell holding it, about 0.7 km², some 1,300 areas
   like a police force's LSOAs — and imported through the generic CSV importer
   (`csv_import`, the path `ishenim import-csv` takes), after the areas' made-up populations;
3. a national analyst (an organisation whose jurisdiction is the country) signs in, and
   Django's test client asks, warm (two requests first, not timed), R times each:
   the whole dataset's dashboard (2024 against 2023: 14 categories, every area with its
   rate and its change under the false discovery rate, 24 months with the trend), one
   area's dashboard, and the hotspot GeoJSON layer of the map (resolution 9, only the hot
   and cold spots, as the dashboard asks for it; and every hexagon at resolution 8).

Reported: the median (p50) and 95th percentile (p95) of each, in milliseconds. Goal (the
issue): the dashboard under 300 ms at 1,000,000 records on both databases. Recorded in
docs/benchmarks.md ("Dashboard").
"""

import argparse
import csv
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY / "bench"))

from import_policeuk import cpu_model, scratch_postgres  # noqa: E402

SEED = 20260321


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _timed(client, url: str, requests: int) -> dict:
    for _ in range(2):
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url}: {response.status_code} {response.content[:300]!r}")
    times = []
    size = 0
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(url)
        size = len(response.content)
        times.append((time.perf_counter() - start) * 1000)
    return {
        "url": url,
        "p50": statistics.median(times),
        "p95": _percentile(times, 0.95),
        "bytes": size,
    }


# The columns of _records_csv's file, for the generic CSV importer.
RECORDS_MAPPING = {
    "columns": {
        "id": "id",
        "date": "date",
        "latitude": "lat",
        "longitude": "lon",
        "category": "crime_type",
        "area_code": "area",
    }
}


def _records_csv(path: Path, n: int) -> dict[str, int]:
    """The synthetic records as CSV; returns their areas (H3 r8 cells) with made-up
    populations."""
    import h3
    import numpy as np

    from ishenim.analytics.cells import cells_for_points
    from ishenim.analytics.synthetic import POLICE_UK_CATEGORIES, synthetic_incidents

    incidents = synthetic_incidents(n, seed=SEED, start_date="2023-01-01", days=731)
    areas = cells_for_points(incidents["lat"], incidents["lon"], resolution=8)
    codes = {int(cell): h3.int_to_str(int(cell)) for cell in np.unique(areas)}
    rng = np.random.default_rng(SEED)
    populations = {code: int(rng.integers(1_000, 3_000)) for code in codes.values()}
    names = np.asarray(POLICE_UK_CATEGORIES)[incidents["category"]]
    days = incidents["day"].astype(str)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "date", "lat", "lon", "crime_type", "area"])
        writer.writerows(
            (
                f"S{i}",
                days[i],
                f"{incidents['lat'][i]:.6f}",
                f"{incidents['lon'][i]:.6f}",
                names[i],
                codes[int(areas[i])],
            )
            for i in range(n)
        )
    return populations


def _dataset_build(arguments, folder: Path):
    """The synthetic dataset, its areas first, through the CSV importer."""
    from ishenim.stats.services import areas_import, csv_import, dataset_create

    started = time.perf_counter()
    populations = _records_csv(folder / "records.csv", arguments.records)
    generated = time.perf_counter() - started
    with open(folder / "areas.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["area_code", "area_name", "population"])
        writer.writerows(
            (code, f"Area {code[:9]}", population) for code, population in populations.items()
        )
    dataset = dataset_create(
        name="synthetic",
        title="Synthetic incidents around Bishkek, 2023–2024",
        country_code="KG",
        category_scheme="police.uk",
        area_scheme="H3 resolution 8",
        actor=None,
    )
    areas_import(dataset=dataset, file=folder / "areas.csv", population_year=2024, actor=None)
    started = time.perf_counter()
    run = csv_import(
        dataset=dataset,
        file=folder / "records.csv",
        mapping=RECORDS_MAPPING,
        actor=None,
    )
    imported = time.perf_counter() - started
    if run.rows_imported != arguments.records:
        raise SystemExit(f"imported {run.rows_imported} of {arguments.records}: {run.errors[:3]}")
    return dataset, populations, generated, imported


def _analyst():
    """A national analyst: the policy filters their counts by sensitivity, as in real use."""
    from ishenim.geo import selectors as geo_selectors
    from ishenim.orgs import services as orgs_services
    from ishenim.orgs.enums import OrganisationKind, Role

    organisation = orgs_services.organisation_create(
        kind=OrganisationKind.POLICE_DEPARTMENT,
        name_ky="Талдоо",
        name_ru="Анализ",
        name_en="Analysis",
        jurisdiction=[geo_selectors.unit_root()],
        actor=None,
    )
    analyst = orgs_services.user_create(
        full_name="Bench Analyst", email="bench@example.org", actor=None
    )
    orgs_services.membership_grant(
        user=analyst, organisation=organisation, role=Role.ANALYST, actor=None
    )
    return analyst


def _requests(arguments, dataset) -> dict:
    from django.db.models import Sum
    from django.test import Client
    from django.urls import reverse

    from ishenim.stats.models import CountRollup

    client = Client()
    client.force_login(_analyst())
    dashboard = reverse("stats:dashboard", kwargs={"name": dataset.name})
    hexagons = reverse("stats:hotspots_geojson", kwargs={"name": dataset.name})
    busiest = (
        CountRollup.objects.filter(dataset=dataset, area__isnull=False)
        .values("area__code")
        .annotate(n=Sum("count"))
        .order_by("-n")
        .first()["area__code"]
    )
    requests = arguments.requests
    return {
        "dashboard": _timed(client, dashboard, requests),
        "dashboard_area": _timed(client, f"{dashboard}?area={busiest}", requests),
        "hexagons_significant_r9": _timed(
            client, f"{hexagons}?period=2024&resolution=9&significant=1", requests
        ),
        "hexagons_all_r8": _timed(client, f"{hexagons}?period=2024&resolution=8", requests),
    }


def child(arguments) -> None:
    """Runs inside the child process, whose environment names the database."""
    sys.path.insert(0, str(REPOSITORY))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ishenim.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from ishenim.geo.services import reference_load
    from ishenim.stats.models import CountRollup, CrimeRecord

    call_command("migrate", verbosity=0)
    reference_load()
    with tempfile.TemporaryDirectory(prefix="ishenim-bench-dashboard-") as folder:
        dataset, populations, generated, imported = _dataset_build(arguments, Path(folder))
    results = _requests(arguments, dataset)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sqlite_version()" if connection.vendor == "sqlite" else "SHOW server_version"
        )
        version = cursor.fetchone()[0]
    print(
        json.dumps(
            {
                "database": f"{connection.vendor} {version}",
                "records": CrimeRecord.objects.filter(dataset=dataset).count(),
                "rollups": CountRollup.objects.filter(dataset=dataset).count(),
                "areas": len(populations),
                "generated": generated,
                "imported": imported,
                "results": results,
            }
        )
    )


def run_child(arguments, environment: dict) -> dict:
    command = [
        sys.executable,
        __file__,
        "--child",
        "--records",
        str(arguments.records),
        "--requests",
        str(arguments.requests),
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


LABELS = {
    "dashboard": "dashboard, whole dataset",
    "dashboard_area": "dashboard, its busiest area",
    "hexagons_significant_r9": "hotspot layer, r9, hot and cold spots only",
    "hexagons_all_r8": "hotspot layer, r8, every hexagon",
}


def report(result: dict, requests: int) -> None:
    print(
        f"{result['database']}: {result['records']:,} records, {result['rollups']:,} rollup rows,"
        f" {result['areas']:,} areas; generated in {result['generated']:.1f} s, imported in"
        f" {result['imported']:.1f} s"
    )
    for key, label in LABELS.items():
        timing = result["results"][key]
        print(
            f"  {label}: p50 {timing['p50']:.0f} ms, p95 {timing['p95']:.0f} ms"
            f" ({requests} requests, {timing['bytes']:,} bytes)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--database-url", default="", help="a PostgreSQL server to run on too")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        child(arguments)
        return
    print(f"Machine: {cpu_model()}, {os.cpu_count()} cores; Python {platform.python_version()}")
    with tempfile.TemporaryDirectory(prefix="ishenim-bench-") as folder:
        report(run_child(arguments, {"ISHENIM_DATA_DIR": folder}), arguments.requests)
    if arguments.database_url:
        url, drop = scratch_postgres(arguments.database_url)
        try:
            report(run_child(arguments, {"DATABASE_URL": url}), arguments.requests)
        finally:
            drop()


if __name__ == "__main__":
    main()
