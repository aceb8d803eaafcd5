"""The "My work" page: what waits for the signed-in person, assembled from the panels that
apps register (the appeal queue, overdue items, ...). Core contributes the account and
recent-activity panels."""

from collections.abc import Callable

from ishenim.core.panels import Part, PartRegistry, RenderedPart

_work = PartRegistry("work")


def work_panel(
    *,
    key: str,
    title: str,
    template: str,
    order: int,
    context: Callable[[object], dict | None],
    waiting: bool = True,
) -> Part:
    """Add a panel to My work. `context(request)` returns the template's context, or None to
    hide the panel for this reader (nothing to show, or not their business). `waiting=False`
    marks a panel that informs without asking for work (the account panel): when only such
    panels show, the page says that nothing waits for the reader."""
    return _work.register(
        Part(key=key, title=title, template=template, order=order, context=context, waiting=waiting)
    )


def work_panels_for(request) -> list[RenderedPart]:
    return _work.rendered_for(request)


# Audit action → what the Recent activity panel calls it ("appeal.assign" → "Assigned an
# appeal"). An action nobody named is shown as recorded.
_activity_labels: dict[str, str] = {}


def activity_label(*, action: str, label: str) -> None:
    """Name an audit action for people (a lazily translated label); apps call it in ready()."""
    _activity_labels[action] = label


def activity_label_for(action: str) -> str | None:
    return _activity_labels.get(action)
