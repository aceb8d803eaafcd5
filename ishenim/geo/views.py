"""Pages and map layers of the geography. Thin: gate, validate, one selector or service, render."""

from django.core.exceptions import BadRequest, ValidationError
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET

from ishenim.core.exports import export_format_from, table_export_response
from ishenim.geo import geojson
from ishenim.geo import selectors as geo_selectors
from ishenim.geo import services as geo_services
from ishenim.geo.access import access_unit
from ishenim.geo.enums import UnitLevel
from ishenim.geo.forms import SettlementFilterForm, UnitFilterForm
from ishenim.geo.models import AdminUnit
from ishenim.geo.tables import settlement_export_columns, unit_export_columns, unit_export_rows

UNITS_PER_PAGE = 100
SETTLEMENTS_PER_PAGE = 50
SETTLEMENTS_ON_UNIT_PAGE = 100


def _geojson_response(payload: dict) -> JsonResponse:
    response = JsonResponse(
        payload, content_type=geojson.CONTENT_TYPE, json_dumps_params={"ensure_ascii": False}
    )
    # Public reference data that changes with a new data release only.
    response["Cache-Control"] = "public, max-age=600"
    return response


@require_GET
def unit_list(request):
    form = UnitFilterForm(request.GET, parents=list(geo_selectors.unit_parents()))
    level, parent = form.filters()
    units = geo_selectors.unit_list(level=level, parent=parent)
    export_format = export_format_from(request)
    if export_format:
        all_units = {unit.code: unit for unit in AdminUnit.objects.all()}
        rows = unit_export_rows(units, all_units)
        max_depth = max((unit.depth for unit in all_units.values()), default=0)
        return table_export_response(
            filename=_("administrative-units"),
            columns=unit_export_columns(max_depth),
            rows=rows,
            export_format=export_format,
        )
    page = Paginator(units, UNITS_PER_PAGE).get_page(request.GET.get("page"))
    geojson_url = ""
    if level or parent:
        query = {"level": level, "parent": parent.code if parent else ""}
        geojson_url = (
            reverse("geo:units_geojson")
            + "?"
            + urlencode({key: value for key, value in query.items() if value})
        )
    return render(
        request,
        "geo/unit_list.html",
        {"form": form, "page_obj": page, "units": page.object_list, "geojson_url": geojson_url},
    )


@require_GET
def unit_detail(request, code: str):
    unit = access_unit(request.user, code)
    settlements = geo_selectors.settlement_list(unit=unit)
    layers = [reverse("geo:unit_geojson", kwargs={"code": unit.code})]
    children = list(geo_selectors.unit_children(unit))
    if children:
        layers.append(reverse("geo:units_geojson") + f"?parent={unit.code}")
    layers.append(reverse("geo:settlements_geojson") + f"?unit={unit.code}")
    return render(
        request,
        "geo/unit_detail.html",
        {
            "unit": unit,
            "ancestors": geo_selectors.unit_ancestors(unit),
            "children": children,
            "settlements": settlements[:SETTLEMENTS_ON_UNIT_PAGE],
            "settlement_count": settlements.count(),
            "has_boundary": geo_selectors.unit_has_boundary(unit),
            "geojson_urls": " ".join(layers),
        },
    )


@gzip_page
@require_GET
def units_geojson(request):
    """?level= and/or ?parent=<code> as on the units page; neither: the top-level units."""
    level = request.GET.get("level", "")
    if level and level not in UnitLevel.values:
        raise BadRequest(_("“%(level)s” is not a level of the tree.") % {"level": level[:40]})
    parent = None
    if request.GET.get("parent"):
        parent = access_unit(request.user, request.GET["parent"])
    elif not level:
        parent = geo_selectors.unit_root()
    units = geo_selectors.unit_list(level=level, parent=parent)
    return _geojson_response(geojson.unit_collection(geo_selectors.boundaries_for(units)))


@gzip_page
@require_GET
def unit_geojson(request, code: str):
    unit = access_unit(request.user, code)
    boundary = geo_selectors.boundaries_for([unit]).first()
    return _geojson_response(geojson.unit_feature(unit, boundary))


def _settlement_filters(request) -> tuple[SettlementFilterForm, str, AdminUnit | None]:
    units = [unit for unit in geo_selectors.unit_list() if unit.depth > 0]
    form = SettlementFilterForm(request.GET, units=units)
    query, unit = form.filters()
    return form, query, unit


@require_GET
def settlement_list(request):
    form, query, unit = _settlement_filters(request)
    settlements = geo_selectors.settlement_list(unit=unit, query=query)
    export_format = export_format_from(request)
    if export_format:
        return table_export_response(
            filename=_("settlements"),
            columns=settlement_export_columns(),
            rows=settlements,
            export_format=export_format,
        )
    page = Paginator(settlements, SETTLEMENTS_PER_PAGE).get_page(request.GET.get("page"))
    # The points on the outline of the unit searched in (or of the country's top-level
    # units): an office without background tiles still sees where they are.
    context_layer = (
        reverse("geo:unit_geojson", kwargs={"code": unit.code})
        if unit is not None
        else reverse("geo:units_geojson")
    )
    filters = {key: value for key, value in (("q", query), ("unit", unit and unit.code)) if value}
    points_layer = reverse("geo:settlements_geojson") + "?" + urlencode(filters)
    return render(
        request,
        "geo/settlement_list.html",
        {
            "form": form,
            "page_obj": page,
            "settlements": page.object_list,
            "geojson_urls": f"{context_layer} {points_layer}",
        },
    )


@gzip_page
@require_GET
def settlements_geojson(request):
    """?q= and ?unit=<code> as on the settlements page."""
    _form, query, unit = _settlement_filters(request)
    if request.GET.get("unit") and unit is None:
        unit = access_unit(request.user, request.GET["unit"])
    return _geojson_response(
        geojson.settlement_collection(geo_selectors.settlement_list(unit=unit, query=query))
    )


def _unit_summary(unit: AdminUnit) -> dict:
    return {
        "code": unit.code,
        "name": unit.name,
        "level": unit.level,
        "url": unit.get_absolute_url(),
    }


@require_GET
def locate(request):
    """?lat=&lon=: the unit, its ancestors and the H3 cells; 400 with the reason otherwise."""
    try:
        place = geo_services.place_resolve(
            latitude=request.GET.get("lat", ""), longitude=request.GET.get("lon", "")
        )
    except ValidationError as error:
        fields = error.message_dict if hasattr(error, "error_dict") else {}
        return JsonResponse(
            {"error": " ".join(error.messages), "fields": fields},
            status=400,
            json_dumps_params={"ensure_ascii": False},
        )
    return JsonResponse(
        {
            "latitude": place.latitude,
            "longitude": place.longitude,
            "unit": _unit_summary(place.unit),
            "ancestors": [_unit_summary(u) for u in geo_selectors.unit_ancestors(place.unit)],
            "h3": {str(resolution): cell for resolution, cell in place.h3_cells.items()},
        },
        json_dumps_params={"ensure_ascii": False},
    )
