"""The datasets a person may see, the area dashboard, and its map layers (hot and cold spot
hexagons; for staff, the records as points)."""

from django.core.exceptions import BadRequest
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET

from ishenim.core.exports import export_format_from, table_export_response
from ishenim.geo import selectors as geo_selectors
from ishenim.stats import selectors
from ishenim.stats.access import access_dataset
from ishenim.stats.forms import AREA_SELECT_LIMIT, AnalysisFilterForm, DashboardForm, HotspotForm
from ishenim.stats.services import analysis
from ishenim.stats.views.charts import month_chart
from ishenim.stats.views.common import dataset_page, error_response, form_errors, geojson_response
from ishenim.stats.views.tables import category_table, dataset_table, month_table, part_table

# Records drawn as points without asking: more hide the hexagons under them.
POINTS_AT_ONCE = 500
# Rows of the parts table on the page; the download holds them all.
PARTS_SHOWN = 100
DASHBOARD_TABLES = {"categories": category_table, "areas": part_table, "months": month_table}


@require_GET
def dataset_list(request):
    overview = analysis.dataset_overview(
        request.user, selectors.dataset_list_for_viewer(request.user)
    )
    export_format = export_format_from(request)
    if export_format:
        columns, rows = dataset_table(overview)
        return table_export_response(
            filename=_("datasets"), columns=columns, rows=rows, export_format=export_format
        )
    return render(request, "stats/dataset_list.html", {"overview": overview})


def _layer(url_name: str, dataset, query: dict) -> str:
    url = reverse(url_name, kwargs={"name": dataset.name})
    return f"{url}?{urlencode(query)}" if query else url


def _map_layers(request, figures: analysis.Dashboard, query: dict) -> dict:
    """The map's GeoJSON layers: the unit's outline, the significant hexagons, and the
    records as points for staff when there are few enough."""
    area = figures.area
    layers = []
    if area is not None and area.is_unit and geo_selectors.unit_has_boundary(area.unit):
        layers.append(reverse("geo:unit_geojson", kwargs={"code": area.code}))
    resolution = analysis.resolution_default(area, request.user)
    hexagons = {**query, "resolution": resolution}
    layers.append(_layer("stats:hotspots_geojson", figures.dataset, {**hexagons, "significant": 1}))
    points = ""
    # "few": drawn at once; "more": a link draws them (?points=1); "many": too many to draw.
    points_offer = ""
    if analysis.points_allowed(request.user) and figures.total:
        asked = request.GET.get("points") == "1"
        if figures.total <= POINTS_AT_ONCE or (asked and figures.total <= analysis.POINTS_LIMIT):
            points = _layer("stats:points_geojson", figures.dataset, query)
            layers.append(points)
        elif figures.total <= analysis.POINTS_LIMIT:
            points_offer = "more"
        else:
            points_offer = "many"
    return {
        "geojson_urls": " ".join(layers),
        # Framed on the hexagons and points, not on the outline: a unit's outline can hold a
        # far-off exclave that would shrink the hexagons to specks.
        "map_fit_from": len(layers) - (2 if points else 1),
        "hexagons_url": _layer("stats:hotspots_geojson", figures.dataset, hexagons),
        "resolution": resolution,
        "points_url": points,
        "points_offer": points_offer,
    }


@require_GET
@dataset_page
def dashboard(request, dataset):
    form = DashboardForm(request.GET, dataset=dataset, viewer=request.user)
    export_format = export_format_from(request)
    figures = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            figures = analysis.dashboard_compute(
                dataset=dataset,
                viewer=request.user,
                area=data["area"],
                period=data["period"],
                compare=data["compare"],
                category=data["category"],
            )
        except analysis.AnalysisError as error:
            form.add_error(None, str(error))
    if figures is None:
        if export_format:
            raise BadRequest(form_errors(form)[0])
        return render(
            request,
            "stats/dashboard.html",
            {"dataset": dataset, "form": form, **_filter_context(form)},
            status=400,
        )
    if export_format:
        table = request.GET.get("table", "categories")
        if table not in DASHBOARD_TABLES:
            raise BadRequest(_("There is no table “%(table)s” here.") % {"table": table[:40]})
        columns, rows = DASHBOARD_TABLES[table](figures)
        return table_export_response(
            filename=f"{dataset.name}-{table}",
            columns=columns,
            rows=rows,
            export_format=export_format,
        )
    query = form.query()
    if figures.period is not None:
        query["period"] = str(figures.period)
        # The form shows the periods the figures are for, the defaults included.
        form.data = {
            **form.data,
            "period": str(figures.period),
            "compare": str(figures.compare) if figures.compare else "",
        }
    context = {
        "dataset": dataset,
        "form": form,
        "figures": figures,
        "parts_shown": figures.parts[:PARTS_SHOWN],
        "chart": month_chart(figures.months),
        "query": query,
        "near_repeat_url": _layer("stats:near_repeat", dataset, query),
        "concentration_url": _layer("stats:concentration", dataset, query),
        **_filter_context(form),
    }
    if figures.period is not None:
        context.update(_map_layers(request, figures, query))
    return render(request, "stats/dashboard.html", context)


def _filter_context(form: AnalysisFilterForm) -> dict:
    choices = form.area_choices()
    return {"area_choices": choices, "area_select": len(choices) <= AREA_SELECT_LIMIT}


def _gated(request, name: str):
    """The dataset for a map layer: the gate's 404 for anyone who may not see it."""
    return access_dataset(request.user, name)


@gzip_page
@require_GET
def hotspots_geojson(request, name: str):
    """?area=&period=&category=&resolution=&k=&significant=1: Gi* hexagons of the viewer's
    records (all cells of the study area, or only the hot and cold spots)."""
    dataset = _gated(request, name)
    form = HotspotForm(request.GET, dataset=dataset, viewer=request.user)
    if not form.is_valid():
        message, fields = form_errors(form)
        return error_response(message, fields=fields)
    data = form.cleaned_data
    try:
        hotspots = analysis.hotspots_compute(
            dataset=dataset,
            resolution=data["resolution"],
            k=data["k"],
            area=data["area"],
            period=data["period"],
            category=data["category"],
            viewer=request.user,
        )
    except analysis.AnalysisError as error:
        return error_response(str(error))
    return geojson_response(
        analysis.hotspots_geojson(hotspots, significant_only=data["significant"], for_map=True)
    )


@gzip_page
@require_GET
def points_geojson(request, name: str):
    """?area=&period=&category=: the records as points, for staff, as the policy lets them
    see them."""
    dataset = _gated(request, name)
    if not analysis.points_allowed(request.user):
        raise Http404(_("There is no such dataset."))
    form = AnalysisFilterForm(request.GET, dataset=dataset, viewer=request.user)
    if not form.is_valid():
        message, fields = form_errors(form)
        return error_response(message, fields=fields)
    data = form.cleaned_data
    try:
        payload = analysis.points_geojson(
            dataset=dataset,
            viewer=request.user,
            area=data["area"],
            period=data["period"],
            category=data["category"],
        )
    except analysis.AnalysisError as error:
        return error_response(str(error))
    return geojson_response(payload)
