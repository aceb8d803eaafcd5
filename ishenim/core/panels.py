"""Pages assembled from parts that apps contribute: the sections of the home page and the
panels of "My work". Core sits below the apps that know what to show, so each app registers
a part in its AppConfig.ready(); the page renders the parts whose context is not None."""

from collections.abc import Callable
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.safestring import SafeString


@dataclass(frozen=True)
class Part:
    key: str
    title: str
    template: str
    order: int
    context: Callable[[object], dict | None]
    # A part that lists things waiting for the reader (a queue, overdue items), as opposed to
    # one that only informs (their account, their own recent actions).
    waiting: bool = True


@dataclass(frozen=True)
class RenderedPart:
    key: str
    title: str
    html: SafeString
    waiting: bool


class PartRegistry:
    """The parts of one page, by key: registering a key again replaces the part."""

    def __init__(self, page: str):
        self.page = page
        self.parts: dict[str, Part] = {}

    def register(self, part: Part) -> Part:
        self.parts[part.key] = part
        return part

    def rendered_for(self, request) -> list[RenderedPart]:
        rendered = []
        for part in sorted(self.parts.values(), key=lambda p: (p.order, p.key)):
            context = part.context(request)
            if context is None:
                continue
            html = render_to_string(part.template, context, request=request)
            rendered.append(RenderedPart(part.key, part.title, html, part.waiting))
        return rendered
