"""Which organisation handles an appeal: the routing rules, or the district's police.

Of the active rules whose category is the appeal's (or any) and whose unit holds the appeal's
unit (or is the whole country), the most specific wins: a rule naming the category beats a
rule for any category — "police conduct goes to the Ombudsman" must hold in every district,
whatever a district's catch-all says — and then a smaller unit beats a larger one. With no
rule, the appeal goes to the police department whose jurisdiction is the smallest that holds
the place: its duty unit registers what comes in.
"""

import threading
import time
from dataclasses import dataclass

from django.db.models import Q

from ishenim.appeals.models import AppealCategory, RoutingRule
from ishenim.geo import selectors as geo_selectors
from ishenim.geo.models import AdminUnit
from ishenim.orgs.enums import OrganisationKind
from ishenim.orgs.models import Organisation


@dataclass(frozen=True)
class Route:
    organisation: Organisation | None
    co_organisation: Organisation | None
    rule: RoutingRule | None


def _units_holding(unit: AdminUnit) -> dict[int, int]:
    """The unit and its ancestors: id → depth."""
    found = {unit.pk: unit.depth}
    found.update({ancestor.pk: ancestor.depth for ancestor in geo_selectors.unit_ancestors(unit)})
    return found


# Routes are configuration read on every submission and changed a few times a year: each
# process keeps the routes it found for a minute, and forgets them at once when this process
# saves a rule or an organisation (signals below); another process's edit reaches it within
# ROUTES_KEPT_SECONDS.
ROUTES_KEPT_SECONDS = 60
_routes: dict[tuple[int, int], tuple[float, Route]] = {}
_routes_lock = threading.Lock()


def route_find(*, category: AppealCategory, unit: AdminUnit) -> Route:
    key = (category.pk, unit.pk)
    now = time.monotonic()
    found = _routes.get(key)
    if found is not None and now - found[0] < ROUTES_KEPT_SECONDS:
        return found[1]
    route = _route_look_up(category=category, unit=unit)
    with _routes_lock:
        _routes[key] = (now, route)
    return route


def routes_forget(**kwargs) -> None:
    with _routes_lock:
        _routes.clear()


def _route_look_up(*, category: AppealCategory, unit: AdminUnit) -> Route:
    holding = _units_holding(unit)
    rules = RoutingRule.objects.filter(
        Q(category=category) | Q(category__isnull=True),
        Q(unit__isnull=True) | Q(unit_id__in=holding),
        is_active=True,
        organisation__is_active=True,
    ).select_related("organisation", "co_organisation")
    matching = [rule for rule in rules if rule.unit_id is None or rule.unit_id in holding]
    if matching:
        best = max(
            matching,
            key=lambda rule: (
                rule.category_id is not None,
                holding.get(rule.unit_id, -1) if rule.unit_id else -1,
                -rule.pk,
            ),
        )
        co = best.co_organisation
        if co is not None and not co.is_active:
            co = None
        return Route(best.organisation, co, best)
    return Route(police_for_unit(unit), None, None)


def police_for_unit(unit: AdminUnit) -> Organisation | None:
    """The police department serving the place most closely (the smallest jurisdiction that
    holds it); a department before a station, whose duty unit is the department's."""
    holding = _units_holding(unit)
    candidates = Organisation.jurisdiction.through.objects.filter(
        adminunit_id__in=holding,
        organisation__is_active=True,
        organisation__kind=OrganisationKind.POLICE_DEPARTMENT,
    ).values_list("organisation_id", "adminunit_id")
    best = None
    for organisation_id, unit_id in candidates:
        key = (holding[unit_id], -organisation_id)
        if best is None or key > best[0]:
            best = (key, organisation_id)
    if best is None:
        return None
    return Organisation.objects.get(pk=best[1])
