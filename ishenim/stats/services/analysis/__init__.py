"""Analyses of a dataset for pages and commands, computed with the viewer's permissions:
the area dashboard, hot and cold spots, near repeat, change between periods, concentration
and the monthly trend. Each feeds the engine (`ishenim.analytics`) from the rollups or from
the records the viewer may see (orgs.policy), never from raw tables, and raises
`AnalysisError` (a ValueError in the reader's language) for what it cannot do.

These are reads, not writes: they change nothing and are not audited.
"""

from ishenim.stats.services.analysis.cells import (
    MAX_STUDY_CELLS,
    CellCounts,
    ConcentrationReport,
    Hotspots,
    Study,
    class_label,
    concentration_compute,
    hotspots_compute,
    hotspots_geojson,
    hotspots_write,
    resolution_default,
)
from ishenim.stats.services.analysis.change import (
    ChangeFigure,
    ChangeReport,
    change_compute,
)
from ishenim.stats.services.analysis.dashboard import (
    Dashboard,
    RateFigure,
    dashboard_compute,
    trend_compute,
)
from ishenim.stats.services.analysis.near_repeat import (
    NearRepeat,
    bands_parse,
    near_repeat_compute,
)
from ishenim.stats.services.analysis.points import (
    POINTS_LIMIT,
    DatasetOverview,
    dataset_overview,
    points_allowed,
    points_geojson,
)
from ishenim.stats.services.analysis.scope import (
    PLATFORM,
    RESOLUTIONS,
    RINGS,
    AnalysisError,
    AreaScope,
    area_choices,
    area_scope_resolve,
    month_span,
    period_parse,
    periods_default,
)

__all__ = [
    "MAX_STUDY_CELLS",
    "PLATFORM",
    "POINTS_LIMIT",
    "RESOLUTIONS",
    "RINGS",
    "AnalysisError",
    "AreaScope",
    "CellCounts",
    "ChangeFigure",
    "ChangeReport",
    "ConcentrationReport",
    "Dashboard",
    "DatasetOverview",
    "Hotspots",
    "NearRepeat",
    "RateFigure",
    "Study",
    "area_choices",
    "area_scope_resolve",
    "bands_parse",
    "change_compute",
    "class_label",
    "concentration_compute",
    "dashboard_compute",
    "dataset_overview",
    "hotspots_compute",
    "hotspots_geojson",
    "hotspots_write",
    "month_span",
    "near_repeat_compute",
    "period_parse",
    "periods_default",
    "points_allowed",
    "points_geojson",
    "resolution_default",
    "trend_compute",
]
