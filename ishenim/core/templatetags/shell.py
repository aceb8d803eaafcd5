"""Template tags of the web shell: menus, the language switcher, and links that keep the
current query string (export formats, pagination)."""

from django import template
from django.conf import settings
from django.http import QueryDict
from django.urls import translate_url
from django.utils.translation import get_language, get_language_info

from ishenim.core import navigation

register = template.Library()


@register.simple_tag
def site_name() -> str:
    """The site's name where no context processor ran (the server error page)."""
    return settings.ISHENIM_SITE_NAME


@register.simple_tag(takes_context=True)
def nav_links(context, group: str = "main") -> list[navigation.NavLink]:
    request = context.get("request")
    if request is None:
        return []
    return navigation.nav_for(request, group)


@register.simple_tag(takes_context=True)
def language_links(context) -> list[dict]:
    """This page in each language, named in that language (so that a reader who cannot read
    the current one still finds their own)."""
    request = context.get("request")
    path = request.get_full_path() if request is not None else "/"
    current = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    links = []
    for code, _name in settings.LANGUAGES:
        links.append(
            {
                "code": code,
                "name": get_language_info(code)["name_local"],
                "url": translate_url(path, code),
                "current": code == current,
            }
        )
    return links


@register.simple_tag
def map_tiles() -> dict:
    """The background map's tile address and credit; an empty address draws no background
    (an office without internet access)."""
    return {"url": settings.ISHENIM_MAP_TILES_URL, "attribution": settings.ISHENIM_MAP_ATTRIBUTION}


@register.simple_tag(takes_context=True)
def export_href(context, export_format: str, export_url: str = "") -> str:
    """Where to download a table: `export_url` (or, without it, the current page with its
    filters) asked for ?format=csv or xlsx. The page number is dropped: an export holds every
    row the filters select."""
    if export_url:
        base, _sep, query_string = export_url.partition("?")
        query = QueryDict(query_string, mutable=True)
    else:
        request = context.get("request")
        base = ""
        query = request.GET.copy() if request is not None else QueryDict(mutable=True)
    query.pop("page", None)
    query["format"] = export_format
    return f"{base}?{query.urlencode()}"


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters set (None or "" removes one), starting
    with "?": filters survive a page change or an export."""
    request = context.get("request")
    query = request.GET.copy() if request is not None else QueryDict(mutable=True)
    for name, value in changes.items():
        if value is None or value == "":
            query.pop(name, None)
        else:
            query[name] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"
