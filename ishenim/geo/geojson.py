"""GeoJSON for every map layer: units with their outlines, settlements as points.

Names are given in the reader's language (`name`) and in all three (`name_ky`, ...), so that
a layer downloaded for another tool still carries every spelling.
"""

from collections.abc import Iterable

from ishenim.geo.models import AdminUnit, Boundary, Settlement

CONTENT_TYPE = "application/geo+json"


def unit_properties(unit: AdminUnit) -> dict:
    return {
        "code": unit.code,
        "name": unit.name,
        "name_ky": unit.name_ky,
        "name_ru": unit.name_ru,
        "name_en": unit.name_en,
        "level": unit.level,
        "population": unit.population,
        "population_year": unit.population_year,
        "url": unit.get_absolute_url(),
    }


def unit_feature(unit: AdminUnit, boundary: Boundary | None) -> dict:
    """A unit without an outline in the data (a Bishkek district) has a null geometry, as
    GeoJSON allows; map clients draw nothing for it."""
    return {
        "type": "Feature",
        "id": unit.code,
        "geometry": boundary.geometry if boundary is not None else None,
        "properties": unit_properties(unit),
    }


def unit_collection(boundaries: Iterable[Boundary]) -> dict:
    """The outlined units, from Boundary rows fetched with their unit."""
    return {
        "type": "FeatureCollection",
        "features": [unit_feature(boundary.unit, boundary) for boundary in boundaries],
    }


def settlement_feature(settlement: Settlement) -> dict:
    return {
        "type": "Feature",
        "id": settlement.pk,
        "geometry": {"type": "Point", "coordinates": [settlement.longitude, settlement.latitude]},
        "properties": {
            "name": settlement.name,
            "name_ky": settlement.name_ky,
            "name_ru": settlement.name_ru,
            "name_en": settlement.name_en,
            "kind": settlement.kind,
            "unit_code": settlement.unit.code,
            "unit_name": settlement.unit.name,
            "population": settlement.population,
            "is_demo": settlement.is_demo,
            "url": settlement.unit.get_absolute_url(),
        },
    }


def settlement_collection(settlements: Iterable[Settlement]) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [settlement_feature(settlement) for settlement in settlements],
    }
