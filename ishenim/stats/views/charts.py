"""The monthly chart's geometry, for an SVG the template draws (no script, no inline style: the
colours are CSS classes in stats/stats.css, the positions SVG attributes)."""

import math
from dataclasses import dataclass

from django.utils.formats import date_format

from ishenim.stats.services.analysis.dashboard import MonthBar

WIDTH = 640
HEIGHT = 280
LEFT = 56
RIGHT = 8
TOP = 14
BOTTOM = 60
# At most this many month labels under the axis; the others are left out evenly.
MONTH_LABELS = 12


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    in_period: bool
    title: str


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class AxisLabel:
    x: float
    month: str
    year: str
    # Every other label, left out on a narrow screen (stats.css) where they would collide.
    minor: bool


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    right: float
    baseline: float
    tick_x: int
    month_y: float
    year_y: float
    bars: list[Bar]
    ticks: list[Tick]
    labels: list[AxisLabel]
    # "x,y x,y ..." of the trend line, empty without a trend.
    trend_points: str


def _step(maximum: float, ticks: int = 4) -> float:
    """A round step (1, 2, 2.5 or 5 × 10^k) giving at most `ticks` intervals up to maximum."""
    if maximum <= 0:
        return 1
    raw = maximum / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * power >= raw:
            step = factor * power
            break
    return max(step, 1)


def _number(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u202f")


def month_chart(months: list[MonthBar]) -> Chart | None:
    if not months:
        return None
    top_value = max(
        [bar.count for bar in months] + [bar.trend for bar in months if bar.trend is not None]
    )
    step = _step(top_value)
    ceiling = step * max(math.ceil(top_value / step), 1)
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    baseline = TOP + plot_height
    slot = plot_width / len(months)

    def y_of(value: float) -> float:
        return round(baseline - value / ceiling * plot_height, 1)

    bars = []
    for i, bar in enumerate(months):
        top = y_of(bar.count)
        bars.append(
            Bar(
                x=round(LEFT + i * slot + slot * 0.14, 1),
                y=top,
                width=round(slot * 0.72, 1),
                height=round(baseline - top, 1),
                in_period=bar.in_period,
                title=f"{date_format(bar.month, 'YEAR_MONTH_FORMAT')}: {_number(bar.count)}",
            )
        )
    ticks = []
    value = 0.0
    while value <= ceiling + 1e-9:
        ticks.append(Tick(y=y_of(value), label=_number(value)))
        value += step
    every = math.ceil(len(months) / MONTH_LABELS)
    labels = []
    for i, bar in enumerate(months):
        if i % every:
            continue
        first_of_year = i == 0 or bar.month.month <= every
        labels.append(
            AxisLabel(
                x=round(LEFT + (i + 0.5) * slot, 1),
                month=date_format(bar.month, "M"),
                year=f"{bar.month:%Y}" if first_of_year else "",
                minor=bool((i // every) % 2),
            )
        )
    trend_points = " ".join(
        f"{round(LEFT + (i + 0.5) * slot, 1)},{y_of(bar.trend)}"
        for i, bar in enumerate(months)
        if bar.trend is not None
    )
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=WIDTH - RIGHT,
        baseline=baseline,
        tick_x=LEFT - 8,
        month_y=baseline + 26,
        year_y=baseline + 54,
        bars=bars,
        ticks=ticks,
        labels=labels,
        trend_points=trend_points,
    )
