"""The columns of the statistics' tables as files (CSV, XLSX): the same rows the pages show,
with machine-friendly numbers (rates rounded to 2 decimals, p-values unrounded)."""

from django.utils.translation import gettext as _

from ishenim.core.exports import Column
from ishenim.stats.services.analysis import ConcentrationReport, Dashboard, NearRepeat


def _round(value, digits: int = 2):
    return None if value is None else round(value, digits)


def _change_values(change) -> dict:
    if change is None:
        return {}
    return {
        "before": change.before,
        "ratio": _round(change.ratio, 4),
        "lower": _round(change.lower, 4),
        "upper": _round(change.upper, 4),
        "p_value": change.p_value,
        "q_value": change.q_value,
        "verdict": change.words,
    }


def _change_columns(*, q_value: bool) -> list[Column]:
    columns = [
        Column("before", _("Records in the comparison period")),
        Column("ratio", _("Rate ratio")),
        # xgettext:no-python-format
        Column("lower", _("Rate ratio, lower 95% limit")),
        # xgettext:no-python-format
        Column("upper", _("Rate ratio, upper 95% limit")),
        Column("p_value", _("p-value")),
    ]
    if q_value:
        columns.append(Column("q_value", _("q-value (false discovery rate)")))
    columns.append(Column("verdict", _("Change")))
    return columns


def category_table(dashboard: Dashboard) -> tuple[list[Column], list[dict]]:
    columns = [
        Column("code", _("Code")),
        Column("name", _("Category")),
        Column("count", _("Records")),
        Column("share", _("Share of records (%)")),
    ]
    if dashboard.compare is not None:
        columns += _change_columns(q_value=True)
    rows = [
        {
            "code": row.code,
            "name": row.name,
            "count": row.count,
            "share": _round(row.share * 100 if row.share is not None else None, 1),
            **_change_values(row.change),
        }
        for row in dashboard.categories
    ]
    return columns, rows


def part_table(dashboard: Dashboard) -> tuple[list[Column], list[dict]]:
    columns = [
        Column("code", _("Code")),
        Column("name", _("Area")),
        Column("population", _("Population")),
        Column("count", _("Records")),
        Column("rate", _("Rate per 100,000")),
        # xgettext:no-python-format
        Column("rate_lower", _("Rate, lower 95% limit")),
        # xgettext:no-python-format
        Column("rate_upper", _("Rate, upper 95% limit")),
    ]
    if dashboard.compare is not None:
        columns += _change_columns(q_value=True)
    rows = [
        {
            "code": row.code,
            "name": row.name,
            "population": row.rate.population if row.rate else None,
            "count": row.count,
            "rate": _round(row.rate.rate) if row.rate else None,
            "rate_lower": _round(row.rate.lower) if row.rate else None,
            "rate_upper": _round(row.rate.upper) if row.rate else None,
            **_change_values(row.change),
        }
        for row in dashboard.parts
    ]
    return columns, rows


def month_table(dashboard: Dashboard) -> tuple[list[Column], list[dict]]:
    columns = [
        Column("month", _("Month")),
        Column("count", _("Records")),
        Column("period", _("Period")),
        Column("trend", _("Trend (12-month moving average)")),
    ]
    rows = [
        {
            "month": f"{bar.month:%Y-%m}",
            "count": bar.count,
            "period": str(dashboard.period) if bar.in_period else str(dashboard.compare),
            "trend": _round(bar.trend),
        }
        for bar in dashboard.months
    ]
    return columns, rows


def dataset_table(overview) -> tuple[list[Column], list[dict]]:
    columns = [
        Column("name", _("Short name")),
        Column("title", _("Dataset")),
        Column("period", _("Period")),
        Column("records", _("Records")),
        Column("source", _("Source")),
        Column("licence", _("Licence")),
    ]
    rows = [
        {
            "name": item.dataset.name,
            "title": item.dataset.title,
            "period": str(item.period) if item.period else "",
            "records": item.records,
            "source": item.dataset.source,
            "licence": item.dataset.licence,
        }
        for item in overview
    ]
    return columns, rows


def knox_table(near_repeat: NearRepeat) -> tuple[list[Column], list[dict]]:
    columns = [
        Column("distance", _("Distance")),
        Column("time", _("Time")),
        Column("observed", _("Pairs observed")),
        Column("expected", _("Pairs expected")),
        Column("ratio", _("Knox ratio")),
        Column("p_value", _("p-value")),
    ]
    rows = [
        {
            "distance": cell.distance,
            "time": cell.time,
            "observed": cell.observed,
            "expected": _round(cell.expected, 2),
            "ratio": _round(cell.ratio, 3),
            "p_value": _round(cell.p_value, 4),
        }
        for cell in near_repeat.cells
    ]
    return columns, rows


def top_cell_table(report: ConcentrationReport) -> tuple[list[Column], list[dict]]:
    columns = [
        Column("rank", _("Rank")),
        Column("h3", _("H3 hexagon")),
        Column("count", _("Records")),
        Column("share", _("Share of records (%)")),
        Column("cumulative_share", _("Cumulative share (%)")),
        Column("latitude", _("Latitude of its centre")),
        Column("longitude", _("Longitude of its centre")),
    ]
    rows = [
        {
            "rank": rank,
            "h3": cell.h3,
            "count": cell.count,
            "share": _round(cell.share * 100, 1),
            "cumulative_share": _round(cell.cumulative_share * 100, 1),
            "latitude": cell.latitude,
            "longitude": cell.longitude,
        }
        for rank, cell in enumerate(report.top, start=1)
    ]
    return columns, rows
