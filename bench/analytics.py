"""Benchmark: the analytics engine against the reference tools, in one run, as ratios.

    .venv/bin/python bench/analytics.py [--points N | --sizes N,N,...] [--real]
        [--only CASE ...] [--repeats R] [--seed S]

Cases (the table CASES below; add one with @case("name", data="city" | "country")):

- gi_star: Getis-Ord Gi* at H3 resolution 9, k = 1, on the "country" sample (incidents in
  twelve Kyrgyz cities and 1,800 villages). Ours: cells_for_points, study_area_from_records,
  cell_counts, kring_weights, gi_star. Reference: h3 one point at a time, h3.grid_disk per
  cell for the study area and the neighbour lists, libpysal.weights.W, then
  esda.G_Local(star=True, transform="B", permutations=0). Timed end to end, as "weights +
  Gi*" alone, and as the statistic alone on the same W; the z-scores must agree to 1e-9.
- kde: kernel density on a grid over the "city" sample (a 15 km disc). Ours (quartic) against
  scikit-learn's KernelDensity (Epanechnikov, the same bandwidth, k-d tree) and
  scipy.stats.gaussian_kde, evaluated at the same cell centres.
- counts: incidents per area × category × month, count_by against pandas' groupby().size(),
  which must give the same combinations and counts.
- near_repeat: the Knox test on 100,000 incidents of the city sample (5% planted near
  repeats), 99 permutations; ours only, against the goal of 10 seconds.

A reference that would take too long at N runs on the first --esda-points /
--sklearn-points / --scipy-kde-points incidents; ours is then timed on the same incidents
for the ratio, and again on all N. The synthetic samples are prefixes of one seeded draw
(synthetic_incidents shuffles its output), so a sweep's sizes nest. --real adds the West
Yorkshire month from ../shared/data/policeuk (LSOA × crime type × month for counts; no
near-repeat: police.uk publishes months, not days). The process pins itself to one core.
Results are recorded in docs/benchmarks.md ("Analytics engine").
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))

from ishenim.analytics.near_repeat import equal_bands, knox_test  # noqa: E402
from ishenim.analytics.projection import project_to_metres  # noqa: E402
from ishenim.analytics.synthetic import synthetic_incidents  # noqa: E402

POLICEUK = REPOSITORY.parent / "shared" / "data" / "policeuk"

# Kyrgyzstan's cities (centre, radius of the built-up area in km, population in thousands,
# National Statistical Committee estimates for 2021), for the "country" sample.
CITIES = (
    ("Bishkek", 42.8746, 74.5698, 15, 1074),
    ("Osh", 40.5283, 72.7985, 10, 322),
    ("Jalal-Abad", 40.9333, 73.0000, 7, 123),
    ("Karakol", 42.4907, 78.3936, 6, 84),
    ("Tokmok", 42.8420, 75.3000, 5, 72),
    ("Uzgen", 40.7699, 73.3007, 5, 59),
    ("Kyzyl-Kiya", 40.2567, 72.1278, 4, 49),
    ("Balykchy", 42.4600, 76.1870, 5, 48),
    ("Naryn", 41.4287, 75.9911, 5, 41),
    ("Talas", 42.5228, 72.2427, 5, 41),
    ("Kara-Balta", 42.8142, 73.8481, 5, 40),
    ("Batken", 40.0625, 70.8194, 4, 28),
)
RURAL_SHARE = 0.5  # the rest of the incidents, in villages across the country's inhabited box
COUNTRY_BOX = (39.6, 69.8, 42.9, 78.5)  # south, west, north, east
VILLAGES = 1800


@dataclass
class Sample:
    """Incidents to time on: coordinates, dates (or None), and the keys counts group by."""

    name: str
    lat: np.ndarray
    lon: np.ndarray
    day: np.ndarray | None
    area: np.ndarray
    category: np.ndarray
    month: np.ndarray

    @property
    def size(self) -> int:
        return self.lat.size

    def head(self, count: int) -> Sample:
        keep = slice(0, count)
        return Sample(
            self.name,
            self.lat[keep],
            self.lon[keep],
            None if self.day is None else self.day[keep],
            self.area[keep],
            self.category[keep],
            self.month[keep],
        )


@dataclass
class Row:
    case: str
    data: str
    points: int
    compared: str
    ours: float | None
    reference: str = ""
    reference_seconds: float | None = None
    check: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> str:
        if self.ours is None or self.reference_seconds is None:
            return ""
        return f"{self.reference_seconds / self.ours:,.1f}×"


# Which sample each case runs on: "city", "country" or "near repeats" (a city with 5% planted
# near repeats, --near-repeat-points incidents whatever the sizes).
CASES: dict[str, Callable[[Sample, argparse.Namespace], list[Row]]] = {}


# Which sample each case runs on: "city", "country" or "near repeats" (a city with 5% planted
# near repeats, --near-repeat-points incidents whatever the sizes).
DATA_FOR_CASE: dict[str, str] = {}


def case(name: str, *, data: str):
    """Register a benchmark case: a function of (sample, arguments) returning table rows,
    run on the sample `data` names at every size of the sweep (and on the real month)."""

    def register(function):
        CASES[name] = function
        DATA_FOR_CASE[name] = data
        return function

    return register


_COMPARED: set[tuple] = set()


def first_time(comparison: tuple) -> bool:
    """Whether a comparison is new: in a sweep, a reference capped at fewer incidents than N
    would otherwise run again on the same incidents at every larger N."""
    if comparison in _COMPARED:
        return False
    _COMPARED.add(comparison)
    return True


class Missing(Exception):
    """A module or function of the engine that is not there (yet): the case is skipped."""


def engine(module: str, *names: str):
    try:
        loaded = importlib.import_module(f"ishenim.analytics.{module}")
    except ImportError as error:
        raise Missing(f"ishenim.analytics.{module} cannot be imported ({error})") from error
    missing = [name for name in names if not hasattr(loaded, name)]
    if missing:
        raise Missing(f"ishenim.analytics.{module} has no {', '.join(missing)}")
    return [getattr(loaded, name) for name in names]


def timed(function, repeats: int, budget: float = 60.0):
    """Best of `repeats` runs (fewer when one run takes more than its share of the budget)."""
    best, result = float("inf"), None
    for attempt in range(repeats):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
        if best * (attempt + 2) > budget:
            break
    return best, result


# ---------------------------------------------------------------------------------------------
# Samples


def city_sample(count: int, seed: int) -> Sample:
    incidents = synthetic_incidents(count, seed=seed)
    return _sample("synthetic city", incidents)


def country_sample(count: int, seed: int) -> Sample:
    populations = np.array([city[4] for city in CITIES], dtype=np.float64)
    per_city = np.floor((1 - RURAL_SHARE) * count * populations / populations.sum()).astype(int)
    parts = [
        synthetic_incidents(int(size), seed=seed * 100 + k, centre=(lat, lon), radius_km=radius)
        for k, ((_, lat, lon, radius, _), size) in enumerate(zip(CITIES, per_city, strict=True))
    ]
    parts.append(
        synthetic_incidents(
            int(count - per_city.sum()),
            seed=seed * 100 + 99,
            bounds=COUNTRY_BOX,
            clusters=VILLAGES,
            hotspot_share=0.97,
        )
    )
    order = np.random.default_rng(seed).permutation(count)
    incidents = {key: np.concatenate([part[key] for part in parts])[order] for key in parts[0]}
    return _sample("synthetic country", incidents)


def _sample(name: str, incidents: dict[str, np.ndarray]) -> Sample:
    lat, lon = incidents["lat"], incidents["lon"]
    # Areas: 1 km squares of the shared projection, numbered (as an LSOA code would be).
    x, y = project_to_metres(lat, lon)
    area = np.floor(x / 1000).astype(np.int64) * 1_000_000 + np.floor(y / 1000).astype(np.int64)
    month = incidents["day"].astype("datetime64[M]").astype(np.int64)
    return Sample(name, lat, lon, incidents["day"], area, incidents["category"], month)


def west_yorkshire_sample() -> Sample:
    import pandas as pd

    table = pd.read_csv(
        POLICEUK / "2018-07-west-yorkshire-street.csv",
        usecols=["Month", "Longitude", "Latitude", "LSOA code", "Crime type"],
    ).dropna(subset=["Latitude", "Longitude", "LSOA code"])
    return Sample(
        "West Yorkshire, July 2018",
        table["Latitude"].to_numpy(),
        table["Longitude"].to_numpy(),
        None,
        table["LSOA code"].to_numpy(dtype=object),
        table["Crime type"].to_numpy(dtype=object),
        table["Month"].to_numpy(dtype=object),
    )


# ---------------------------------------------------------------------------------------------
# Cases


@case("gi_star", data="country")
def gi_star_case(sample: Sample, args: argparse.Namespace) -> list[Row]:
    cells_for_points, study_area_from_records, cell_counts, kring_weights = engine(
        "cells", "cells_for_points", "study_area_from_records", "cell_counts", "kring_weights"
    )
    (gi_star,) = engine("hotspots", "gi_star")
    resolution, k = 9, 1

    def ours_end_to_end(part: Sample):
        cells = cells_for_points(part.lat, part.lon, resolution=resolution)
        study = study_area_from_records(cells, k=k)
        counts = cell_counts(cells, study)
        weights = kring_weights(study, k=k)
        return study, counts, weights, gi_star(counts, weights)

    def ours(part: Sample) -> tuple[dict[str, float], tuple]:
        """Seconds end to end, for weights + Gi*, and for Gi* alone; and the last result."""
        seconds, found = timed(lambda: ours_end_to_end(part), args.repeats)
        study, counts, weights, _ = found
        weights_seconds, _ = timed(lambda: gi_star(counts, kring_weights(study, k=k)), args.repeats)
        statistic_seconds, _ = timed(lambda: gi_star(counts, weights), args.repeats)
        times = {"end to end": seconds, "weights": weights_seconds, "statistic": statistic_seconds}
        return times, found

    def described(study) -> str:
        return f"res {resolution}, k {k}, {study.size:,} cells"

    rows = []
    part = sample.head(min(sample.size, args.esda_points))
    if first_time(("gi_star", sample.name, part.size)):
        times, (study, counts, weights, result) = ours(part)
        rows += gi_star_against_esda(part, times, study, counts, weights, result, args)
    if part.size < sample.size:
        times, (study, *_) = ours(sample)
        note = [f"esda run on the first {part.size:,} points only"]
        for label, key in (
            ("points → cells → weights → Gi*", "end to end"),
            ("weights + Gi*", "weights"),
        ):
            rows.append(
                Row(
                    "gi_star",
                    sample.name,
                    sample.size,
                    f"{label} ({described(study)})",
                    times[key],
                    notes=note,
                )
            )
    return rows


def gi_star_against_esda(part, times, study, counts, weights, result, args) -> list[Row]:
    """The reference on the same incidents; the z-scores must agree to 1e-9."""
    from esda.getisord import G_Local
    from libpysal.weights import W

    resolution, k = 9, 1
    reference_seconds, (reference_study, reference_w_seconds, reference_z) = timed(
        lambda: reference_gi_star(part, resolution, k), 1
    )
    same_cells = np.array_equal(np.sort(study), reference_study)
    if not same_cells:
        raise AssertionError("The reference found another study area")
    difference = float(np.nanmax(np.abs(result.z[np.argsort(study)] - reference_z)))
    if not difference <= 1e-9:
        raise AssertionError(f"Gi* differs from esda's by {difference}")

    same_w = W.from_sparse(weights)

    def esda_statistic():
        return G_Local(counts.astype(np.float64), same_w, transform="B", star=True, permutations=0)

    esda_seconds, esda_result = timed(esda_statistic, args.repeats)
    statistic_difference = float(np.nanmax(np.abs(result.z - esda_result.Zs)))
    if not statistic_difference <= 1e-9:
        raise AssertionError(f"Gi* on the same W differs from esda's by {statistic_difference}")

    described = f"res {resolution}, k {k}, {study.size:,} cells"
    check = f"same cells, max |Δz| = {difference:.1e}"
    return [
        Row(
            "gi_star",
            part.name,
            part.size,
            f"points → cells → weights → Gi* ({described})",
            times["end to end"],
            "h3 per point + grid_disk + libpysal W + esda G_Local",
            reference_seconds,
            check,
        ),
        Row(
            "gi_star",
            part.name,
            part.size,
            f"weights + Gi* ({described})",
            times["weights"],
            "grid_disk neighbour lists + libpysal W + esda G_Local",
            reference_w_seconds,
            check,
        ),
        Row(
            "gi_star",
            part.name,
            part.size,
            f"Gi* alone, same W ({described})",
            times["statistic"],
            "esda G_Local on W.from_sparse",
            esda_seconds,
            f"max |Δz| = {statistic_difference:.1e}",
        ),
    ]


def reference_gi_star(part: Sample, resolution: int, k: int):
    """What a PySAL user does with H3: h3 per point and per cell, then libpysal and esda."""
    from esda.getisord import G_Local
    from h3.api import basic_int as h3
    from libpysal.weights import W

    cells = np.fromiter(
        (
            h3.latlng_to_cell(lat, lon, resolution)
            for lat, lon in zip(part.lat.tolist(), part.lon.tolist(), strict=True)
        ),
        dtype=np.uint64,
        count=part.size,
    )
    occupied, occupied_counts = np.unique(cells, return_counts=True)
    study_set: set[int] = set()
    for cell in occupied.tolist():
        study_set.update(h3.grid_disk(cell, k))
    study = np.array(sorted(study_set), dtype=np.uint64)
    counts = np.zeros(study.size, dtype=np.float64)
    counts[np.searchsorted(study, occupied)] = occupied_counts

    start = time.perf_counter()
    position = {cell: index for index, cell in enumerate(study.tolist())}
    neighbours = {
        index: [position[other] for other in h3.grid_disk(cell, k) if other in position]
        for index, cell in enumerate(study.tolist())
    }
    weights = W(neighbours, silence_warnings=True)
    result = G_Local(counts, weights, transform="B", star=True, permutations=0)
    return study, time.perf_counter() - start, result.Zs


@case("kde", data="city")
def kde_case(sample: Sample, args: argparse.Namespace) -> list[Row]:
    (kernel_density,) = engine("density", "kernel_density")
    from scipy.stats import gaussian_kde
    from sklearn.neighbors import KernelDensity

    bandwidth, cell = args.bandwidth, args.cell_size

    def ours(part: Sample, method: str):
        return kernel_density(
            part.lat, part.lon, bandwidth_m=bandwidth, cell_size_m=cell, method=method
        )

    def sklearn_density(points, centres):
        model = KernelDensity(kernel="epanechnikov", bandwidth=bandwidth, algorithm="kd_tree")
        return np.exp(model.fit(points).score_samples(centres))

    def scipy_density(points, centres):
        # The Gaussian with the quartic kernel's standard deviation, h / √7.
        factor = bandwidth / np.sqrt(7) / np.sqrt(points.var(axis=0).mean())
        return gaussian_kde(points.T, bw_method=factor)(centres.T)

    references = (
        (
            "binned",
            "scikit-learn KernelDensity (Epanechnikov, k-d tree)",
            sklearn_density,
            args.sklearn_points,
        ),
        (
            "exact",
            "scikit-learn KernelDensity (Epanechnikov, k-d tree)",
            sklearn_density,
            args.sklearn_points,
        ),
        ("binned", "scipy.stats.gaussian_kde", scipy_density, args.scipy_kde_points),
    )
    rows = []
    for method, name, reference, limit in references:
        part = sample.head(min(sample.size, limit))
        if not first_time(("kde", sample.name, part.size, method, name)):
            continue
        seconds, grid = timed(lambda part=part, method=method: ours(part, method), args.repeats)
        # The reference evaluates at our cell centres, on our projection of the same points.
        x, y = project_to_metres(
            part.lat, part.lon, origin_lat=grid.origin_lat, origin_lon=grid.origin_lon
        )
        centre_x, centre_y = grid.centres_m()
        points = np.column_stack([x, y])
        centres = np.column_stack([centre_x.ravel(), centre_y.ravel()])
        reference_seconds, values = timed(
            lambda reference=reference, points=points, centres=centres: reference(points, centres),
            1,
        )
        correlation = float(np.corrcoef(grid.values.ravel(), values)[0, 1])
        rows.append(
            Row(
                "kde",
                sample.name,
                part.size,
                f"quartic density, {method} (h {bandwidth:g} m, {cell:g} m cells,"
                f" {grid.values.size:,} cells)",
                seconds,
                name,
                reference_seconds,
                f"correlation {correlation:.3f} (another kernel)",
            )
        )
    if max(args.sklearn_points, args.scipy_kde_points) < sample.size:
        for method in ("binned", "exact"):
            seconds, grid = timed(lambda method=method: ours(sample, method), args.repeats)
            rows.append(
                Row(
                    "kde",
                    sample.name,
                    sample.size,
                    f"quartic density, {method} (h {bandwidth:g} m, {cell:g} m cells,"
                    f" {grid.values.size:,} cells)",
                    seconds,
                )
            )
    return rows


@case("counts", data="country")
def counts_case(sample: Sample, args: argparse.Namespace) -> list[Row]:
    (count_by,) = engine("counts", "count_by")
    import pandas as pd

    frame = pd.DataFrame({"area": sample.area, "category": sample.category, "month": sample.month})
    seconds, table = timed(
        lambda: count_by(sample.area, sample.category, sample.month), args.repeats
    )
    reference_seconds, sizes = timed(
        lambda: frame.groupby(["area", "category", "month"]).size(), args.repeats
    )
    same = np.array_equal(table.counts, sizes.to_numpy()) and all(
        np.array_equal(
            np.asarray(ours, dtype=object), sizes.index.get_level_values(i).to_numpy(object)
        )
        for i, ours in enumerate(table.keys)
    )
    if not same:
        raise AssertionError("count_by and pandas' groupby disagree")
    return [
        Row(
            "counts",
            sample.name,
            sample.size,
            f"area × category × month ({len(table):,} combinations)",
            seconds,
            "pandas DataFrame.groupby(...).size()",
            reference_seconds,
            "same combinations and counts",
        )
    ]


@case("near_repeat", data="near repeats")
def near_repeat_case(sample: Sample, args: argparse.Namespace) -> list[Row]:
    if sample.day is None:
        return [
            Row(
                "near_repeat",
                sample.name,
                sample.size,
                "Knox test",
                None,
                notes=["skipped: the data give months, not days"],
            )
        ]
    rows = []
    settings = (
        ("NRC-style", equal_bands(100, 5, same_location=True), equal_bands(7, 4)),
        ("wide", equal_bands(100, 10, same_location=True), equal_bands(7, 8)),
    )
    for label, distance_edges, time_edges in settings:

        def run(distance_edges=distance_edges, time_edges=time_edges):
            return knox_test(
                sample.lat,
                sample.lon,
                sample.day,
                distance_bands_m=distance_edges,
                time_bands_days=time_edges,
                permutations=99,
                seed=args.seed,
            )

        seconds, result = timed(run, args.repeats)
        close = int(result.observed[:-1].sum())
        rows.append(
            Row(
                "near_repeat",
                sample.name,
                sample.size,
                f"Knox, 99 permutations, {label}: {distance_edges.size} × {time_edges.size} bands"
                f" to {distance_edges[-1]:g} m × {time_edges[-1]:g} days ({close:,} close pairs)",
                seconds,
                "goal",
                10.0,
                "under 10 s" if seconds < 10 else "OVER the 10 s goal",
            )
        )
    return rows


# ---------------------------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def versions() -> str:
    names = ("numpy", "scipy", "h3", "esda", "libpysal", "sklearn", "pandas")
    found = []
    for name in names:
        try:
            found.append(f"{name} {importlib.import_module(name).__version__}")
        except ImportError:
            found.append(f"{name} absent")
    return f"python {platform.python_version()}, " + ", ".join(found)


def print_table(rows: list[Row]) -> None:
    print()
    print(
        "| case | data | points | compared | ours (s) | reference | reference (s) | ratio | check |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        ours = "" if row.ours is None else f"{row.ours:.3f}"
        reference = "" if row.reference_seconds is None else f"{row.reference_seconds:.3f}"
        check = "; ".join([row.check, *row.notes]).strip("; ")
        print(
            f"| {row.case} | {row.data} | {row.points:,} | {row.compared} | {ours} |"
            f" {row.reference} | {reference} | {row.ratio} | {check} |"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--sizes", type=lambda text: [int(n) for n in text.split(",")])
    parser.add_argument("--real", action="store_true", help="add the West Yorkshire month")
    parser.add_argument("--only", nargs="+", choices=sorted(CASES), default=sorted(CASES))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20260321)
    parser.add_argument("--esda-points", type=int, default=1_000_000)
    parser.add_argument("--sklearn-points", type=int, default=1_000_000)
    parser.add_argument("--scipy-kde-points", type=int, default=10_000)
    parser.add_argument("--near-repeat-points", type=int, default=100_000)
    parser.add_argument("--bandwidth", type=float, default=400.0, help="KDE bandwidth, metres")
    parser.add_argument("--cell-size", type=float, default=100.0, help="KDE cell, metres")
    args = parser.parse_args()
    sizes = args.sizes or [args.points]

    # libpysal warns that a study area of scattered cells has islands and many components.
    warnings.filterwarnings("ignore", category=UserWarning, module="libpysal")
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the goals say

    print(f"machine: {cpu_model()}, {os.cpu_count()} cores; benchmark pinned to one core")
    print(versions())
    print(f"command: {' '.join(sys.argv)}")

    largest = max(sizes)
    drawn: dict[str, Sample] = {}

    def synthetic(kind: str) -> Sample:
        if kind not in drawn:
            start = time.perf_counter()
            if kind == "city":
                drawn[kind] = city_sample(largest, args.seed)
            elif kind == "country":
                drawn[kind] = country_sample(largest, args.seed)
            else:
                incidents = synthetic_incidents(
                    args.near_repeat_points, seed=args.seed, near_repeat_share=0.05
                )
                drawn[kind] = _sample("synthetic city, 5% near repeats", incidents)
            sample = drawn[kind]
            print(
                f"{sample.name}: {sample.size:,} incidents drawn in"
                f" {time.perf_counter() - start:.1f} s",
                flush=True,
            )
        return drawn[kind]

    rows: list[Row] = []
    for name in args.only:
        kind = DATA_FOR_CASE[name]
        if kind == "near repeats":
            samples = [synthetic(kind)]
        else:
            samples = [synthetic(kind).head(size) for size in sizes]
        if args.real:
            if POLICEUK.exists():
                samples.append(west_yorkshire_sample())
            else:
                print(f"--real: {POLICEUK} is absent; the real month is left out")
        for sample in samples:
            try:
                found = CASES[name](sample, args)
            except Missing as reason:
                found = [
                    Row(name, sample.name, sample.size, "", None, notes=[f"skipped: {reason}"])
                ]
            for row in found:
                print(
                    f"{row.case:12} {row.points:>11,}  ours {row.ours or 0:8.3f} s  "
                    f"reference {row.reference_seconds or 0:8.3f} s  {row.ratio:>8}  "
                    f"{row.compared}  {row.check} {' '.join(row.notes)}",
                    flush=True,
                )
            rows += found
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
