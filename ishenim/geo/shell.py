"""Geo's entries in the web shell: the menu links and the home page's country overview.
Called once from GeoConfig.ready()."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ishenim.core.home import home_section
from ishenim.core.navigation import nav_entry
from ishenim.geo import selectors as geo_selectors


def country_overview_context(request) -> dict | None:
    """The top-level units (oblasts and republican cities) as a map and a table."""
    root = geo_selectors.unit_root()
    if root is None:
        return None
    return {
        "units": list(geo_selectors.unit_children(root)),
        "geojson_url": reverse("geo:units_geojson"),
        "export_url": reverse("geo:unit_list") + f"?parent={root.code}",
    }


def shell_register() -> None:
    nav_entry(url_name="geo:unit_list", label=_("Places"), order=70)
    home_section(
        key="country_overview",
        title=_("Across the country"),
        template="core/sections/country_overview.html",
        order=50,
        context=country_overview_context,
    )
