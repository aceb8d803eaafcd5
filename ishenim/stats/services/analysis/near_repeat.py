"""Near repeat: do crimes follow each other closer in space and time than chance would have
it? The Knox test (analytics.near_repeat.knox_test, as Ratcliffe's Near Repeat Calculator
runs it) on the records the viewer may see that have a place and a day.

The test needs the day of each crime: records that give only the month (police.uk publishes
months) cannot be used, and a dataset of them is refused in plain words rather than given a
table computed on made-up days.
"""

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ishenim.analytics.near_repeat import KnoxResult, knox_test
from ishenim.stats.models import Dataset, OffenceCategory
from ishenim.stats.periods import Period
from ishenim.stats.services.analysis.scope import AnalysisError, AreaScope, records_visible

PERMUTATIONS = range(9, 1000)
MAX_BANDS = 20
MAX_DISTANCE_M = 10_000
MAX_DAYS = 365
# NRC's usual set-up: the same location, then five bands of 100 m; four weeks.
DEFAULT_DISTANCE_BANDS = (0, 100, 200, 300, 400, 500)
DEFAULT_TIME_BANDS = (7, 14, 21, 28)
# Significance of a cell of the Knox table (one-sided, as NRC reports it).
ALPHA = 0.05


def bands_parse(text: str, *, kind: str) -> list[float]:
    """ "0,100,200" → [0, 100, 200], checked: increasing, within bounds; AnalysisError."""
    try:
        values = [float(part) for part in str(text).replace(";", ",").split(",") if part.strip()]
    except ValueError:
        values = []
    return bands_checked(values, kind=kind)


def bands_checked(values, *, kind: str) -> list[float]:
    values = [float(value) for value in values]
    limit = MAX_DISTANCE_M if kind == "distance" else MAX_DAYS
    valid = (
        0 < len(values) <= MAX_BANDS
        and all(np.isfinite(value) and 0 <= value <= limit for value in values)
        and all(later > earlier for earlier, later in itertools.pairwise(values))
        and (kind == "distance" or values[0] > 0)
    )
    if kind == "time" and valid:
        valid = all(value == int(value) for value in values)
    if not valid:
        if kind == "distance":
            raise AnalysisError(
                _(
                    "Give the distance bands as increasing numbers of metres from 0 to %(limit)d,"
                    " separated by commas (for example 0,100,200,300), at most %(bands)d."
                )
                % {"limit": MAX_DISTANCE_M, "bands": MAX_BANDS}
            )
        raise AnalysisError(
            _(
                "Give the time bands as increasing whole numbers of days from 1 to %(limit)d,"
                " separated by commas (for example 7,14,21), at most %(bands)d."
            )
            % {"limit": MAX_DAYS, "bands": MAX_BANDS}
        )
    return values


def permutations_checked(permutations) -> int:
    try:
        value = int(permutations)
    except (TypeError, ValueError):
        value = None
    if value is None or value != permutations or value not in PERMUTATIONS:
        raise AnalysisError(
            _("The number of permutations must be a whole number from %(low)d to %(high)d.")
            % {"low": PERMUTATIONS[0], "high": PERMUTATIONS[-1]}
        )
    return value


def _number(value: float) -> str:
    return f"{value:g}"


def distance_labels(edges: np.ndarray) -> list[str]:
    """NRC's row labels for the upper edges (the last infinite)."""
    labels, previous = [], None
    for edge in edges:
        if np.isinf(edge):
            labels.append(_("more than %(metres)s m") % {"metres": _number(previous)})
        elif edge == 0:
            labels.append(_("same location"))
        elif previous is None:
            labels.append(_("0 to %(metres)s m") % {"metres": _number(edge)})
        elif previous == 0:
            labels.append(_("up to %(metres)s m") % {"metres": _number(edge)})
        else:
            labels.append(
                _("over %(low)s to %(high)s m") % {"low": _number(previous), "high": _number(edge)}
            )
        previous = edge
    return labels


def time_labels(edges: np.ndarray) -> list[str]:
    """Whole days: 0 to 7, 8 to 14, ..., more than 28 days."""
    labels, previous = [], None
    for edge in edges:
        if np.isinf(edge):
            labels.append(
                ngettext("more than %(days)d day", "more than %(days)d days", int(previous))
                % {"days": int(previous)}
            )
        else:
            low = 0 if previous is None else int(previous) + 1
            labels.append(_("%(low)d to %(high)d days") % {"low": low, "high": int(edge)})
        previous = edge
    return labels


@dataclass(frozen=True)
class KnoxCell:
    distance: str
    time: str
    observed: int
    expected: float
    ratio: float | None
    p_value: float

    @property
    def significant(self) -> bool:
        """More pairs than chance would give, at 5%."""
        return self.p_value <= ALPHA and self.ratio is not None and self.ratio > 1


@dataclass(frozen=True)
class NearRepeat:
    dataset: Dataset
    area: AreaScope | None
    period: Period | None
    category: OffenceCategory | None
    result: KnoxResult
    # Records with a place and a day: the incidents tested.
    incidents: int
    # Records with a place but no day, left out.
    without_day: int
    seed: int
    distance_labels: list[str]
    time_labels: list[str]

    @property
    def rows(self) -> list[list[KnoxCell]]:
        """The table, a row per distance band, a cell per time band."""
        result = self.result
        return [
            [
                KnoxCell(
                    distance=self.distance_labels[d],
                    time=self.time_labels[t],
                    observed=int(result.observed[d, t]),
                    expected=float(result.expected[d, t]),
                    ratio=float(result.ratio[d, t]) if np.isfinite(result.ratio[d, t]) else None,
                    p_value=float(result.p_value[d, t]),
                )
                for t in range(len(self.time_labels))
            ]
            for d in range(len(self.distance_labels))
        ]

    @property
    def cells(self) -> list[KnoxCell]:
        return [cell for row in self.rows for cell in row]


def near_repeat_compute(
    *,
    dataset: Dataset,
    viewer,
    distance_bands_m=DEFAULT_DISTANCE_BANDS,
    time_bands_days=DEFAULT_TIME_BANDS,
    permutations: int = 99,
    seed: int = 1,
    area: AreaScope | None = None,
    period: Period | None = None,
    category: OffenceCategory | None = None,
    max_work: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> NearRepeat:
    """The Knox table of the viewer's located, dated records in the area and period.
    `max_work` bounds incidents × permutations (a page's patience); AnalysisError beyond.
    `progress(step)` hears of each step."""
    if progress is not None:
        progress(_("Reading the records with a place and a day…"))
    distance_edges = bands_checked(distance_bands_m, kind="distance")
    time_edges = bands_checked(time_bands_days, kind="time")
    permutations = permutations_checked(permutations)
    located = records_visible(viewer, dataset, area=area, period=period, category=category).filter(
        latitude__isnull=False
    )
    dated = list(
        located.filter(occurred_on__isnull=False)
        .order_by()
        .values_list("latitude", "longitude", "occurred_on")
    )
    if not dated:
        if located.exists():
            raise AnalysisError(
                _(
                    "Near repeat needs the day of each crime, and these records give only the"
                    " month (police.uk, for one, publishes months). Import data with dates to"
                    " use it."
                )
            )
        raise AnalysisError(_("There are no records with a place in this area and period."))
    if len(dated) < 2:
        raise AnalysisError(_("The Knox test needs at least two records with a place and a day."))
    if max_work is not None and len(dated) * permutations > max_work:
        raise AnalysisError(
            _(
                "%(records)s records with %(permutations)d permutations are more than a page"
                " computes: choose fewer permutations, a smaller area or a shorter period, or"
                " run `ishenim near-repeat` on the command line."
            )
            % {"records": f"{len(dated):,}", "permutations": permutations}
        )
    without_day = located.filter(occurred_on__isnull=True).count()
    latitude = np.fromiter((row[0] for row in dated), dtype=np.float64, count=len(dated))
    longitude = np.fromiter((row[1] for row in dated), dtype=np.float64, count=len(dated))
    days = np.array([_day(row[2]) for row in dated], dtype="datetime64[D]")
    if progress is not None:
        progress(
            _("Knox test on %(records)s records, %(permutations)d permutations…")
            % {"records": f"{len(dated):,}", "permutations": permutations}
        )
    result = knox_test(
        latitude,
        longitude,
        days,
        distance_bands_m=distance_edges,
        time_bands_days=time_edges,
        permutations=permutations,
        seed=seed,
    )
    return NearRepeat(
        dataset=dataset,
        area=area,
        period=period,
        category=category,
        result=result,
        incidents=len(dated),
        without_day=without_day,
        seed=seed,
        distance_labels=distance_labels(result.distance_edges),
        time_labels=time_labels(result.time_edges),
    )


def _day(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
