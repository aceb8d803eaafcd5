"""Benchmark: administrative units located per second, in batch, on one core.

    .venv/bin/python bench/locate.py [--points N] [--directory PATH] [--seed S]

Builds the Locator straight from the reference folder's files (no database), through the
same reader `ishenim load-reference` uses, then locates N random points of the country's
bounding box and, separately, N random points inside the country, with `locate_many`. The
naive baseline tests every point against every boundary with shapely's `contains`, without
an index or prepared geometries, on a sample; the two must agree on that sample. Results are
recorded in docs/benchmarks.md ("Locating points").
"""

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import shapely

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))

from ishenim.geo.locate import OUTSIDE, Locator  # noqa: E402
from ishenim.geo.reference_folder import reference_folder_read  # noqa: E402

DEFAULT_DIRECTORY = REPOSITORY / "ishenim" / "geo" / "reference" / "kg"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def best_of(repeats: int, run) -> float:
    """The fastest of a few runs, in seconds: the least disturbed by anything else."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def points_in_box(rng, bounds, count):
    west, south, east, north = bounds
    return rng.uniform(south, north, count), rng.uniform(west, east, count)


def points_inside(rng, bounds, country, count):
    """Uniform points of the country itself: points of the box, kept when inside."""
    lats, lons = [], []
    kept = 0
    while kept < count:
        lat, lon = points_in_box(rng, bounds, count)
        inside = shapely.contains_xy(country, lon, lat)
        lats.append(lat[inside])
        lons.append(lon[inside])
        kept += int(inside.sum())
    return np.concatenate(lats)[:count], np.concatenate(lons)[:count]


def naive_locate(units, lats, lons):
    """Every point against every boundary, deepest first: what an index saves."""
    answers = np.full(lats.size, OUTSIDE, dtype=np.int64)
    for index, (lat, lon) in enumerate(zip(lats, lons, strict=True)):
        point = shapely.Point(lon, lat)
        for unit_id, geometry in units:
            if geometry.contains(point):
                answers[index] = unit_id
                break
    return answers


def measure(name, locator, naive_units, lats, lons, args) -> str:
    def batch():
        return locator.locate_many(lats, lons)

    seconds = best_of(args.repeats, batch)
    answers = batch()
    rate = lats.size / seconds

    sample_lats, sample_lons = lats[: args.baseline_points], lons[: args.baseline_points]

    def naive():
        return naive_locate(naive_units, sample_lats, sample_lons)

    naive_seconds = best_of(1, naive)
    agree = float((naive() == answers[: sample_lats.size]).mean())
    naive_rate = sample_lats.size / naive_seconds

    single_lats, single_lons = lats[:20_000], lons[:20_000]

    def one_by_one():
        return [locator.locate(lat, lon) for lat, lon in zip(single_lats, single_lons, strict=True)]

    single_rate = single_lats.size / best_of(1, one_by_one)
    return (
        f"{name}: {lats.size:,} points, {float((answers != OUTSIDE).mean()):.1%} inside a unit;"
        f" locate_many {rate:,.0f} points/s ({seconds:.3f} s);"
        f" locate (one by one) {single_rate:,.0f} points/s;"
        f" naive baseline {naive_rate:,.0f} points/s on {sample_lats.size:,} points;"
        f" speed-up {rate / naive_rate:,.0f}x; agreement with baseline {agree:.2%}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--baseline-points", type=int, default=2_000)
    parser.add_argument("--directory", type=Path, default=DEFAULT_DIRECTORY)
    parser.add_argument("--seed", type=int, default=20260321)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the goal says

    start = time.perf_counter()
    folder = reference_folder_read(args.directory)
    locator = Locator.from_reference_folder(args.directory)
    build_seconds = time.perf_counter() - start
    position = {unit.code: index for index, unit in enumerate(folder.units)}
    depth = {unit.code: unit.depth for unit in folder.units}
    country = next(b.geometry for b in folder.boundaries if b.code == folder.country.code)
    vertices = sum(shapely.get_num_coordinates(b.geometry) for b in folder.boundaries)
    # The naive baseline's order: deeper first, as the Locator answers (ties are rare slivers).
    naive_units = sorted(
        ((position[b.code], b.geometry) for b in folder.boundaries),
        key=lambda item: -depth[folder.units[item[0]].code],
    )

    print(f"machine: {cpu_model()}, {os.cpu_count()} cores; benchmark pinned to one core")
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, shapely"
        f" {shapely.__version__} (GEOS {shapely.geos_version_string})"
    )
    print(
        f"data: {args.directory.name}: {len(folder.units)} units, {len(folder.boundaries)}"
        f" boundaries, {vertices:,} vertices; Locator built in {build_seconds:.2f} s"
    )

    rng = np.random.default_rng(args.seed)
    samples = {
        "bounding box": points_in_box(rng, country.bounds, args.points),
        "inside the country": points_inside(rng, country.bounds, country, args.points),
    }
    for name, (lats, lons) in samples.items():
        print(measure(name, locator, naive_units, lats, lons, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
