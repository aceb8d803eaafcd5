"""The site's navigation: a registry that each app fills in its AppConfig.ready().

Core sits below the apps whose pages it links to, so it never imports them: an app says
which of its URL names belongs in which menu, for whom, in which order, and the layout asks
`nav_for(request)` for the links the person reading the page may follow.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from django.conf import settings
from django.core import checks
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string

Audience = Literal["everyone", "signed_in", "staff"] | Callable[[object], bool]

AUDIENCES = ("everyone", "signed_in", "staff")


@dataclass(frozen=True)
class NavEntry:
    url_name: str
    label: str
    order: int
    audience: Audience
    group: str


@dataclass(frozen=True)
class NavLink:
    """One link as a page shows it: `current` marks the page being read (aria-current)."""

    url: str
    label: str
    current: bool
    url_name: str


# (group, url_name) → entry; registering the same pair again replaces it, so that a
# reloaded app (the development server, a test) never shows a link twice.
_entries: dict[tuple[str, str], NavEntry] = {}


def nav_entry(
    *,
    url_name: str,
    label: str,
    order: int,
    audience: Audience = "everyone",
    group: str = "main",
) -> NavEntry:
    """Add a link to a menu. `label` is lazily translated (gettext_lazy); `audience` is
    "everyone", "signed_in", "staff" (as settings.ISHENIM_STAFF_PREDICATE decides) or a
    function of the user returning True when they should see the link."""
    if not callable(audience) and audience not in AUDIENCES:
        raise ValueError(f"Unknown navigation audience {audience!r}; use one of {AUDIENCES}.")
    entry = NavEntry(url_name=url_name, label=label, order=order, audience=audience, group=group)
    _entries[(group, url_name)] = entry
    return entry


def is_staff(user) -> bool:
    """Staff as orgs defines it; core names the predicate through settings, never by import."""
    if user is None or not user.is_authenticated:
        return False
    return bool(import_string(settings.ISHENIM_STAFF_PREDICATE)(user))


def _visible_to(entry: NavEntry, user, staff: Callable[[], bool]) -> bool:
    if entry.audience == "everyone":
        return True
    if user is None or not user.is_authenticated:
        return False
    if entry.audience == "signed_in":
        return True
    if entry.audience == "staff":
        return staff()
    return bool(entry.audience(user))


def nav_for(request, group: str = "main") -> list[NavLink]:
    """The links of one menu that this request's user may follow, in order."""
    user = getattr(request, "user", None)
    staff_answer: list[bool] = []

    def staff() -> bool:
        # Asked at most once per menu: the predicate may read the user's memberships.
        if not staff_answer:
            staff_answer.append(is_staff(user))
        return staff_answer[0]

    entries = sorted(
        (e for (g, _n), e in _entries.items() if g == group), key=lambda e: (e.order, e.url_name)
    )
    links = []
    for entry in entries:
        if not _visible_to(entry, user, staff):
            continue
        url = reverse(entry.url_name)
        links.append(
            NavLink(
                url=url, label=entry.label, current=request.path == url, url_name=entry.url_name
            )
        )
    return links


@checks.register(checks.Tags.urls)
def check_nav_entries(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """A menu entry whose URL name does not exist would break every page at render time;
    `ishenim check` (and the test suite's startup) names it instead."""
    errors = []
    for (group, url_name), _entry in sorted(_entries.items()):
        try:
            reverse(url_name)
        except NoReverseMatch:
            errors.append(
                checks.Error(
                    f"Navigation entry {url_name!r} (menu {group!r}) names no URL.",
                    hint="Register the URL pattern, or fix the name passed to nav_entry().",
                    id="ishenim.core.E101",
                )
            )
    return errors
