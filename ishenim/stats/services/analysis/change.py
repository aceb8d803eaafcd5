"""Change between two periods, per area and per category, said in plain words.

Each count is tested with the exact conditional test of analytics.change.rate_ratio (the later
count, given the total, is binomial under "no change"), the periods' lengths in months as
exposures. Among many areas (or categories) at once, significance is the Benjamini–Hochberg
q-value's: testing sixty districts at 5% would otherwise flag three by chance alone.
"""

import math
from dataclasses import dataclass

import numpy as np
from django.utils.translation import gettext as _

from ishenim.analytics.change import changes_across_areas, rate_ratio
from ishenim.stats.models import Dataset, OffenceCategory
from ishenim.stats.periods import Period
from ishenim.stats.services.analysis.scope import (
    AnalysisError,
    AreaScope,
    jurisdiction_reach,
    month_span,
    rollups_visible,
    sees_whole,
)

ALPHA = 0.05
CONFIDENCE = 0.95


class Verdict:
    RISE = "rise"
    FALL = "fall"
    NONE = "none"
    EMPTY = "empty"


@dataclass(frozen=True)
class ChangeFigure:
    """A count before and after, the ratio of the rates with its 95% interval, the exact
    test's p-value and, among many, the q-value that decides significance."""

    before: int
    after: int
    ratio: float
    lower: float
    upper: float
    p_value: float
    q_value: float | None
    significant: bool

    @property
    def verdict(self) -> str:
        if self.before == 0 and self.after == 0:
            return Verdict.EMPTY
        if not self.significant:
            return Verdict.NONE
        return Verdict.RISE if self.ratio > 1 else Verdict.FALL

    @property
    def words(self) -> str:
        return {
            Verdict.RISE: _("a real rise"),
            Verdict.FALL: _("a real fall"),
            Verdict.NONE: _("no change beyond chance"),
            Verdict.EMPTY: _("no records in either period"),
        }[self.verdict]

    @property
    def percent(self) -> float | None:
        """The change of the rate in per cent (−21.5 for a ratio of 0.785)."""
        return _percent(self.ratio)

    @property
    def lower_percent(self) -> float | None:
        return _percent(self.lower)

    @property
    def upper_percent(self) -> float | None:
        return _percent(self.upper)


def _percent(ratio: float) -> float | None:
    return (ratio - 1) * 100 if math.isfinite(ratio) else None


def _float(value) -> float:
    return float(value)


def change_figure(before: int, after: int, *, months_before: int, months_after: int):
    """One change, tested on its own."""
    estimate = rate_ratio(
        int(before),
        int(after),
        exposure_before=months_before,
        exposure_after=months_after,
        confidence=CONFIDENCE,
        alpha=ALPHA,
    )
    return ChangeFigure(
        before=int(before),
        after=int(after),
        ratio=_float(estimate.ratio),
        lower=_float(estimate.lower),
        upper=_float(estimate.upper),
        p_value=_float(estimate.p_value),
        q_value=None,
        significant=bool(estimate.significant),
    )


def change_figures(
    before: list[int], after: list[int], *, months_before: int, months_after: int
) -> list[ChangeFigure]:
    """Many changes at once (areas, categories), significance by Benjamini–Hochberg."""
    if not before:
        return []
    changes = changes_across_areas(
        np.asarray(before, dtype=np.int64),
        np.asarray(after, dtype=np.int64),
        exposure_before=months_before,
        exposure_after=months_after,
        confidence=CONFIDENCE,
        alpha=ALPHA,
    )
    return [
        ChangeFigure(
            before=int(before[i]),
            after=int(after[i]),
            ratio=_float(changes.ratio[i]),
            lower=_float(changes.lower[i]),
            upper=_float(changes.upper[i]),
            p_value=_float(changes.p_value[i]),
            q_value=None if np.isnan(changes.q_value[i]) else _float(changes.q_value[i]),
            significant=bool(changes.significant[i]),
        )
        for i in range(len(before))
    ]


def periods_checked(period: Period, compare: Period) -> None:
    if period.first <= compare.last and compare.first <= period.last:
        raise AnalysisError(
            _("The two periods overlap (%(first)s and %(second)s): compare separate months.")
            % {"first": compare, "second": period}
        )


@dataclass(frozen=True)
class ChangeRow:
    code: str
    name: str
    change: ChangeFigure


@dataclass(frozen=True)
class ChangeReport:
    """`change_compute`'s answer: the area's total, its categories and its parts."""

    dataset: Dataset
    area: AreaScope | None
    period_from: Period
    period_to: Period
    total: ChangeFigure
    categories: list[ChangeRow]
    parts: list[ChangeRow]
    # Whether the viewer sees every record of the area (else the counts are their share).
    whole: bool


def change_compute(
    *,
    dataset: Dataset,
    area: AreaScope | None,
    period_from: Period,
    period_to: Period,
    viewer,
    category: OffenceCategory | None = None,
) -> ChangeReport:
    """The change from `period_from` to `period_to` in the area (None: the whole dataset):
    its total tested alone, its categories and its parts (the units directly under a unit, or
    the dataset's own areas) each tested with Benjamini–Hochberg across their family."""
    from ishenim.stats.services.analysis.dashboard import area_parts, grouped_sums, parts_plan

    periods_checked(period_to, period_from)
    span = month_span(dataset)
    for period in (period_from, period_to):
        if span is None or not span.covers(period):
            raise AnalysisError(
                _("The dataset has no counts for %(period)s; it covers %(span)s.")
                % {"period": period, "span": _span_text(span)}
            )
    months_before, months_after = len(period_from.months), len(period_to.months)
    rollups = rollups_visible(
        viewer, dataset, area=area, months=[period_from, period_to], category=category
    )
    reach = jurisdiction_reach(viewer, dataset)
    plan = parts_plan(dataset, area, reach)
    by_category, by_part = grouped_sums(rollups, plan, [period_from, period_to])
    before = sum(pair[0] for pair in by_category.values())
    after = sum(pair[1] for pair in by_category.values())
    total = change_figure(before, after, months_before=months_before, months_after=months_after)
    names = {
        category.pk: category
        for category in OffenceCategory.objects.filter(pk__in=[k for k in by_category if k])
    }
    keys = sorted(by_category, key=lambda key: (key is None, names[key].code if key else ""))
    figures = change_figures(
        [by_category[key][0] for key in keys],
        [by_category[key][1] for key in keys],
        months_before=months_before,
        months_after=months_after,
    )
    categories = [
        ChangeRow(
            code=names[key].code if key else "",
            name=names[key].name if key else _("No category"),
            change=figure,
        )
        for key, figure in zip(keys, figures, strict=True)
    ]
    parts_found = area_parts(dataset, plan, by_part, reach, 2)
    part_figures = change_figures(
        [part.counts[0] for part in parts_found],
        [part.counts[1] for part in parts_found],
        months_before=months_before,
        months_after=months_after,
    )
    parts = [
        ChangeRow(code=part.code, name=part.name, change=figure)
        for part, figure in zip(parts_found, part_figures, strict=True)
    ]
    return ChangeReport(
        dataset=dataset,
        area=area,
        period_from=period_from,
        period_to=period_to,
        total=total,
        categories=categories,
        parts=parts,
        whole=sees_whole(reach, area),
    )


def _span_text(span) -> str:
    if span is None:
        return _("no months at all")
    return str(Period(span.first, span.last))
