"""The public home page's sections, contributed by the apps that own their content (geo adds
the country overview: the map and the table of oblasts). Core cannot import those apps."""

from collections.abc import Callable

from ishenim.core.panels import Part, PartRegistry, RenderedPart

_home = PartRegistry("home")


def home_section(
    *,
    key: str,
    title: str,
    template: str,
    order: int,
    context: Callable[[object], dict | None],
) -> Part:
    """Add a section to the home page. `context(request)` returns the template's context, or
    None to leave the section out for this reader."""
    return _home.register(
        Part(key=key, title=title, template=template, order=order, context=context, waiting=False)
    )


def home_sections_for(request) -> list[RenderedPart]:
    return _home.rendered_for(request)
