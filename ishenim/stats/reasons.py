"""Why an importer refused a row: one sentence per reason, kept by code so that a stored import
says its reasons in the language of whoever reads it, not of whoever ran it."""

from django.utils.translation import gettext_lazy as _

REASONS = {
    "field_count": _("The row has %(found)d fields where the header has %(expected)d."),
    "missing": _("“%(column)s” is empty."),
    "bad_month": _("“%(value)s” is not a month in the form %(format)s."),
    "bad_date": _("“%(value)s” is not a date in the form %(format)s."),
    "bad_latitude": _("The latitude “%(value)s” is not a number between -90 and 90."),
    "bad_longitude": _("The longitude “%(value)s” is not a number between -180 and 180."),
    "half_place": _("Only one of latitude and longitude is given."),
    "outside_country": _("The point lies outside %(country)s."),
    "unknown_category": _("The category “%(value)s” has no mapping to an offence category."),
    "bad_population": _("The population “%(value)s” is not a whole number."),
    "duplicate_area": _("The area %(code)s is listed again (first on line %(line)d)."),
}


def row_error(line: int, code: str, **params) -> dict:
    """A refused row as ImportRun.errors stores it."""
    return {"line": line, "code": code, "params": params, "reason": str(REASONS[code] % params)}


def reason_text(error: dict, *, fallback: str = "") -> str:
    template = REASONS.get(error.get("code", ""))
    if template is None:
        return fallback
    try:
        return str(template % error.get("params", {}))
    except (KeyError, TypeError, ValueError):
        return fallback
