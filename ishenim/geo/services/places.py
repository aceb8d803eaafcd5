"""Places: a checked point with its administrative unit and its H3 cells."""

import math
from dataclasses import dataclass
from decimal import Decimal

import h3
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ishenim.geo import selectors as geo_selectors
from ishenim.geo.models import H3_RESOLUTIONS, AdminUnit, Located


@dataclass(frozen=True)
class Place:
    latitude: float
    longitude: float
    unit: AdminUnit
    h3_r7: str
    h3_r8: str
    h3_r9: str
    h3_r10: str

    @property
    def h3_cells(self) -> dict[int, str]:
        return {resolution: getattr(self, f"h3_r{resolution}") for resolution in H3_RESOLUTIONS}


def coordinates_check(latitude, longitude) -> tuple[float, float]:
    """Both coordinates as floats, or a ValidationError keyed by the field(s) at fault."""
    errors = {}
    lat = _coordinate(latitude, 90)
    lon = _coordinate(longitude, 180)
    if lat is None:
        errors["latitude"] = ValidationError(
            _("Latitude must be a number between -90 and 90."), code="invalid_latitude"
        )
    if lon is None:
        errors["longitude"] = ValidationError(
            _("Longitude must be a number between -180 and 180."), code="invalid_longitude"
        )
    if errors:
        raise ValidationError(errors)
    return lat, lon


def _coordinate(value, limit: float) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        # A decimal comma is how Kyrgyz and Russian write 42,46.
        value = value.strip().replace(",", ".")
    if not isinstance(value, int | float | Decimal | str):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number) or not -limit <= number <= limit:
        return None
    return number


def place_build(latitude: float, longitude: float, unit: AdminUnit) -> Place:
    """A Place for an already checked and located point."""
    cells = {
        f"h3_r{resolution}": h3.latlng_to_cell(latitude, longitude, resolution)
        for resolution in H3_RESOLUTIONS
    }
    return Place(latitude=latitude, longitude=longitude, unit=unit, **cells)


def outside_error() -> ValidationError:
    """A point in no unit: outside the country whose data is loaded (or nothing loaded)."""
    root = geo_selectors.unit_root()
    if root is None:
        return ValidationError(
            _("No administrative units are loaded yet: run “ishenim load-reference”."),
            code="no_units",
        )
    return ValidationError(
        _("This point is outside %(country)s.") % {"country": root.name}, code="outside"
    )


def place_resolve(*, latitude, longitude) -> Place:
    """Check a point and find its deepest administrative unit and its H3 cells.

    Raises ValidationError: keyed by "latitude"/"longitude" for a value that is not a
    coordinate (text, NaN, infinity, out of range), or with code "outside" for a point in
    no unit, naming the country in the reader's language.
    """
    lat, lon = coordinates_check(latitude, longitude)
    unit_id = geo_selectors.locator_current().locate(lat, lon)
    if unit_id is None:
        raise outside_error()
    return place_build(lat, lon, AdminUnit.objects.get(pk=unit_id))


def place_apply(record: Located, place: Place) -> None:
    """Put a resolved place on a located record (not saved: the caller's service saves)."""
    record.latitude = place.latitude
    record.longitude = place.longitude
    record.unit = place.unit
    for resolution, cell in place.h3_cells.items():
        setattr(record, f"h3_r{resolution}", cell)
