"""Where single records happened: the points map layer, and the datasets' overview.

Points are for staff only, whatever a dataset's sensitivity: a public dataset's records are
public as counts and as open data, whose locations are snapped to anchors (services/
open_data.py), never as the exact places a map would show. Among staff, orgs.policy decides
which records each person sees.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Max, Min, QuerySet, Sum
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ishenim.orgs import policy
from ishenim.stats.models import CountRollup, Dataset, OffenceCategory
from ishenim.stats.periods import Period
from ishenim.stats.services.analysis.scope import (
    PLATFORM,
    AnalysisError,
    AreaScope,
    records_visible,
)

# More points than this make an unreadable map and a slow page: choose a smaller area or a
# shorter period instead (the hexagons show the rest).
POINTS_LIMIT = 5_000
COORDINATE_DECIMALS = 6


def points_allowed(viewer) -> bool:
    return viewer is PLATFORM or policy.is_staff(viewer)


def points_geojson(
    *,
    dataset: Dataset,
    viewer,
    area: AreaScope | None = None,
    period: Period | None = None,
    category: OffenceCategory | None = None,
) -> dict:
    """The viewer's located records as GeoJSON points (category and month, no identifiers);
    AnalysisError beyond POINTS_LIMIT."""
    if not points_allowed(viewer):
        raise PermissionError("Only staff see single records on a map.")
    records = (
        records_visible(viewer, dataset, area=area, period=period, category=category)
        .filter(latitude__isnull=False)
        .order_by("month", "id")
        .values_list("id", "latitude", "longitude", "month", "category_id", "source_category")
    )
    found = list(records[: POINTS_LIMIT + 1])
    if len(found) > POINTS_LIMIT:
        raise AnalysisError(
            _(
                "There are more than %(limit)s records to show as points: choose a smaller area,"
                " a shorter period or one category."
            )
            % {"limit": f"{POINTS_LIMIT:,}"}
        )
    categories = OffenceCategory.objects.in_bulk({row[4] for row in found} - {None})
    features = []
    for pk, latitude, longitude, month, category_id, source_category in found:
        category = categories.get(category_id)
        label = category.name if category else source_category
        when = date_format(_as_date(month), "YEAR_MONTH_FORMAT")
        features.append(
            {
                "type": "Feature",
                "id": pk,
                "geometry": {
                    "type": "Point",
                    "coordinates": [
                        round(longitude, COORDINATE_DECIMALS),
                        round(latitude, COORDINATE_DECIMALS),
                    ],
                },
                "properties": {
                    "name": f"{label} · {when}",
                    # The map's palette name (core/map.js; the colour is in stats.css).
                    "style_class": "record",
                    "category": category.code if category else "",
                    "month": f"{_as_date(month):%Y-%m}",
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


@dataclass(frozen=True)
class DatasetOverview:
    dataset: Dataset
    records: int
    first_month: date | None
    last_month: date | None

    @property
    def period(self) -> Period | None:
        if self.first_month is None:
            return None
        return Period(self.first_month, self.last_month)


def dataset_overview(viewer, datasets: QuerySet[Dataset]) -> list[DatasetOverview]:
    """Each dataset with the number of its records the viewer sees and the months they span,
    by one GROUP BY over the rollups."""
    datasets = list(datasets)
    rollups = CountRollup.objects.filter(dataset__in=[dataset.pk for dataset in datasets])
    if viewer is not PLATFORM:
        rollups = policy.visible(viewer, rollups)
    found = {
        row["dataset"]: row
        for row in rollups.values("dataset")
        .annotate(records=Sum("count"), first=Min("month"), last=Max("month"))
        .order_by()
    }
    overview = []
    for dataset in datasets:
        row = found.get(dataset.pk, {})
        overview.append(
            DatasetOverview(
                dataset=dataset,
                records=row.get("records") or 0,
                first_month=row.get("first"),
                last_month=row.get("last"),
            )
        )
    return overview
