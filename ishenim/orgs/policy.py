"""orgs.policy: the one place that decides who may see or do what.

Two questions, answered by the same rules:
- `can(user, action, record)` for one record (or, given a model class, "may this user do
  this to any record of the model at all?", which the admin asks);
- `visible(user, queryset, action)` for many: the rules as one Q object, so that lists,
  exports, maps and search are computed with the viewer's permissions in the database.

The rules, in order:
1. an active superuser may do anything;
2. anyone, signed in or not, may view a public record;
3. the owner of a record (the resident who filed it, a user's own account) may view it
   whatever its sensitivity;
4. otherwise one of the user's active memberships must grant the action (orgs.config
   ROLE_GRANTS), with a clearance at least the record's sensitivity, in a jurisdiction
   covering the record's unit — a record without a unit is national, covered only by a
   jurisdiction that holds the country itself; and for a confidential record and a
   need-to-know role, the record must be handled by the member's organisation or one below.

A confidential record that no organisation handles yet is therefore seen by no
need-to-know role (only its owner and superusers): whatever creates such records must set
the handling organisation when it routes them.

Models say how the policy reads them with `register(Model, Scope(...))` in their app's
AppConfig.ready(); an unregistered model is an error, never an open door.
"""

import functools
import operator
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Q, QuerySet
from django.urls import reverse

from ishenim.core.enums import SENSITIVITY_ORDER, Sensitivity
from ishenim.orgs.config import ROLE_GRANTS, Grant
from ishenim.orgs.enums import Action, Role

_CACHE_ATTRIBUTE = "_ishenim_policy_seats"
_WRITES = (Action.CREATE, Action.CHANGE, Action.DELETE)


@dataclass(frozen=True)
class Scope:
    """How the policy reads a model.

    sensitivity: the name of the model's sensitivity field, or a fixed Sensitivity for
        models whose rows are all alike (organisations are public, accounts restricted).
    unit: a field path to the AdminUnit the record belongs to ("unit",
        "organisation__jurisdiction"; "pk" when the record is itself a unit). A path through
        a many-to-many field means "any of them". None: the record is national.
    organisation: path to the organisation handling the record, for need-to-know; a tuple
        of paths when two organisations handle it together (an appeal against the police:
        the Ombudsman's office and the police inspection), either one opening it.
    owner: path to the user who owns the record ("owner"; "pk" for the account itself).
    write_action: what creating, changing or deleting needs instead of the action itself
        (Action.MANAGE for accounts and organisations).
    read_action: what viewing needs (Action.MANAGE where reading is itself administration,
        like other people's accounts and sign-in records).
    read_only: nobody but a superuser creates, changes or deletes these (reference data).
    """

    sensitivity: str = "sensitivity"
    unit: str | None = "unit"
    organisation: str | tuple[str, ...] | None = None
    owner: str | None = None
    write_action: Action | None = None
    read_action: Action = Action.VIEW
    read_only: bool = False
    # Filled by register(): whether a path crosses a to-many relation (then distinct()).
    multi_valued: bool = field(default=False, compare=False)

    @property
    def fixed_sensitivity(self) -> Sensitivity | None:
        return self.sensitivity if isinstance(self.sensitivity, Sensitivity) else None


_SCOPES: dict[type[models.Model], Scope] = {}


def register(model: type[models.Model], scope: Scope) -> None:
    """Tell the policy how to read `model`. Paths are checked now, so a typo fails at start."""
    multi = False
    if scope.fixed_sensitivity is None:
        model._meta.get_field(scope.sensitivity)
    for path in (scope.unit, *_organisation_paths(scope), scope.owner):
        if path:
            multi = _check_path(model, path) or multi
    _SCOPES[model._meta.concrete_model] = Scope(
        sensitivity=scope.sensitivity,
        unit=scope.unit,
        organisation=scope.organisation,
        owner=scope.owner,
        write_action=scope.write_action,
        read_action=scope.read_action,
        read_only=scope.read_only,
        multi_valued=multi,
    )


def _organisation_paths(scope: Scope) -> tuple[str, ...]:
    if scope.organisation is None:
        return ()
    if isinstance(scope.organisation, str):
        return (scope.organisation,)
    return tuple(scope.organisation)


def _check_path(model: type[models.Model], path: str) -> bool:
    """Whether the path crosses a to-many relation; raises FieldDoesNotExist for a typo."""
    if path == "pk":
        return False
    multi = False
    for name in path.split("__"):
        relation = model._meta.get_field(name)
        multi = multi or relation.many_to_many or relation.one_to_many
        model = relation.related_model
    return multi


def scope_for(model: type[models.Model]) -> Scope:
    try:
        return _SCOPES[model._meta.concrete_model]
    except KeyError:
        raise ImproperlyConfigured(
            f"{model._meta.label} is not registered with orgs.policy: call policy.register()"
            " in its app's ready()."
        ) from None


# --- who the user is ---------------------------------------------------------------------


@dataclass
class Seat:
    """One active membership as the policy uses it."""

    role: Role
    grant: Grant
    organisation_id: int
    # The jurisdiction's units and all their descendants.
    unit_ids: frozenset[int]
    # The jurisdiction holds the country itself: every unit, and national records.
    national: bool
    _handled_by: frozenset[int] | None = None

    def handling_organisation_ids(self) -> frozenset[int]:
        """The organisation and every one below it: a district department's supervisor sees
        what its stations handle."""
        if self._handled_by is None:
            from ishenim.orgs.models import Organisation

            found, frontier = {self.organisation_id}, {self.organisation_id}
            while frontier:
                children = set(
                    Organisation.objects.filter(parent_id__in=frontier).values_list("id", flat=True)
                )
                frontier = children - found
                found |= frontier
            self._handled_by = frozenset(found)
        return self._handled_by


def _signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def _superuser(user) -> bool:
    return _signed_in(user) and bool(user.is_superuser)


def seats(user) -> list[Seat]:
    """The user's active memberships, read once and kept on the user object: a request has
    its own user object, so this is a per-request cache."""
    if not _signed_in(user):
        return []
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is None:
        cached = _seats_load(user)
        setattr(user, _CACHE_ATTRIBUTE, cached)
    return cached


def forget(user) -> None:
    """Drop the cached memberships (after granting or revoking one in the same request)."""
    if user is not None and hasattr(user, _CACHE_ATTRIBUTE):
        delattr(user, _CACHE_ATTRIBUTE)


def _seats_load(user) -> list[Seat]:
    from ishenim.geo import selectors as geo_selectors
    from ishenim.geo.models import AdminUnit
    from ishenim.orgs.models import Membership, Organisation

    memberships = list(
        Membership.objects.filter(
            user_id=user.pk, is_active=True, organisation__is_active=True
        ).values_list("role", "organisation_id")
    )
    if not memberships:
        return []
    organisation_ids = {organisation_id for _role, organisation_id in memberships}
    jurisdiction: dict[int, list[int]] = {org_id: [] for org_id in organisation_ids}
    national: set[int] = set()
    rows = Organisation.jurisdiction.through.objects.filter(
        organisation_id__in=organisation_ids
    ).values_list("organisation_id", "adminunit_id", "adminunit__parent_id")
    for organisation_id, unit_id, parent_id in rows:
        jurisdiction[organisation_id].append(unit_id)
        if parent_id is None:
            national.add(organisation_id)
    unit_ids: dict[int, frozenset[int]] = {}
    for organisation_id, units in jurisdiction.items():
        if organisation_id in national or not units:
            unit_ids[organisation_id] = frozenset(units)
        else:
            unit_ids[organisation_id] = frozenset(
                geo_selectors.unit_subtree_ids(AdminUnit.objects.filter(pk__in=units))
            )
    return [
        Seat(
            role=Role(role),
            grant=ROLE_GRANTS[Role(role)],
            organisation_id=organisation_id,
            unit_ids=unit_ids[organisation_id],
            national=organisation_id in national,
        )
        for role, organisation_id in memberships
    ]


def roles(user) -> set[Role]:
    return {seat.role for seat in seats(user)}


def is_staff(user) -> bool:
    """Works for the platform in some role other than resident (settings.
    ISHENIM_STAFF_PREDICATE): core.audit keeps the client address of staff only, and the
    navigation shows them the working pages."""
    if _superuser(user):
        return True
    return any(seat.role != Role.RESIDENT for seat in seats(user))


def requires_two_factor(user) -> bool:
    """Administrators and superusers can open every account: a stolen password alone must
    not be enough."""
    if _superuser(user):
        return True
    return any(seat.role == Role.ADMINISTRATOR for seat in seats(user))


def two_factor_url(user) -> str:
    """Where a user who must show a second factor goes: verification if they have a device,
    enrolment if not."""
    from django_otp import user_has_device

    if _signed_in(user) and user_has_device(user, confirmed=True):
        return reverse("orgs:two_factor_verify")
    return reverse("orgs:two_factor_enrol")


def jurisdiction_unit_ids(user, action: Action = Action.VIEW) -> set[int]:
    """The units in which some membership of the user grants `action` (every unit for a
    national membership or a superuser)."""
    from ishenim.geo.models import AdminUnit

    action = Action(action)
    granting = [seat for seat in seats(user) if action in seat.grant.actions]
    if _superuser(user) or any(seat.national for seat in granting):
        return set(AdminUnit.objects.values_list("id", flat=True))
    return set().union(*(seat.unit_ids for seat in granting))


# --- the rules -----------------------------------------------------------------------------


def _required_action(scope: Scope, action: Action) -> Action | None:
    """What the action needs for this model; None when nobody but a superuser may do it."""
    if action in _WRITES:
        if scope.read_only:
            return None
        return scope.write_action or action
    if action == Action.VIEW:
        return scope.read_action
    if action == Action.EXPORT and scope.read_action != Action.VIEW:
        # Taking away a list of accounts is administering them.
        return scope.read_action
    return action


def _cleared(grant: Grant) -> list[Sensitivity]:
    return SENSITIVITY_ORDER[: Sensitivity.rank(grant.clearance) + 1]


def _path_ids(record: models.Model, path: str) -> set:
    """The ids a field path leads to from one record (the units, the handling organisations,
    the owners), following foreign keys in memory and the rest in one query."""
    if record is None:
        return set()
    if path == "pk":
        return {record.pk} if record.pk is not None else set()
    name, _sep, rest = path.partition("__")
    relation = record._meta.get_field(name)
    if relation.many_to_one or (relation.one_to_one and relation.concrete):
        if not rest:
            value = getattr(record, relation.attname)
            return {value} if value is not None else set()
        return _path_ids(getattr(record, name), rest)
    if record.pk is None:
        # An unsaved record has no to-many relations yet.
        return set()
    values = type(record)._default_manager.filter(pk=record.pk).values_list(path, flat=True)
    return {value for value in values if value is not None}


def _sensitivity_of(scope: Scope, record: models.Model) -> Sensitivity:
    return Sensitivity(scope.fixed_sensitivity or getattr(record, scope.sensitivity))


def can(user, action: Action | str, record) -> bool:
    """May `user` do `action` to `record`? Given a model class instead of a record: may they
    do it to any record of that model at all (the admin's model-level question)?"""
    action = Action(action)
    model = record if isinstance(record, type) else type(record)
    scope = scope_for(model)
    if _superuser(user):
        return True
    required = _required_action(scope, action)
    if required is None:
        return False
    if isinstance(record, type):
        return _can_model(user, action, required, scope)
    sensitivity = _sensitivity_of(scope, record)
    if action == Action.VIEW and sensitivity == Sensitivity.PUBLIC:
        return True
    if (
        action == Action.VIEW
        and scope.owner
        and _signed_in(user)
        and user.pk in _path_ids(record, scope.owner)
    ):
        return True
    units: set | None = None
    handlers: set | None = None
    for seat in seats(user):
        if required not in seat.grant.actions or sensitivity not in _cleared(seat.grant):
            continue
        if not seat.national:
            if scope.unit is None:
                continue
            if units is None:
                units = _path_ids(record, scope.unit)
            if not units & seat.unit_ids:
                continue
        if sensitivity == Sensitivity.CONFIDENTIAL and seat.grant.need_to_know:
            if scope.organisation is None:
                continue
            if handlers is None:
                handlers = set().union(
                    *(_path_ids(record, path) for path in _organisation_paths(scope))
                )
            if not handlers & seat.handling_organisation_ids():
                continue
        return True
    return False


def _can_model(user, action: Action, required: Action, scope: Scope) -> bool:
    fixed = scope.fixed_sensitivity
    if action == Action.VIEW and fixed == Sensitivity.PUBLIC:
        return True
    return any(
        required in seat.grant.actions
        and (fixed is None or fixed in _cleared(seat.grant))
        # A national model (no unit) is reached only from a national jurisdiction.
        and (scope.unit is not None or seat.national)
        for seat in seats(user)
    )


def visible(user, queryset: QuerySet, action: Action | str = Action.VIEW) -> QuerySet:
    """`queryset` narrowed to the records `user` may `action`: the rules of `can` as one
    condition for the database, so that no list filters in Python."""
    action = Action(action)
    scope = scope_for(queryset.model)
    if _superuser(user):
        return queryset
    required = _required_action(scope, action)
    if required is None:
        return queryset.none()
    fixed = scope.fixed_sensitivity
    if action == Action.VIEW and fixed == Sensitivity.PUBLIC:
        return queryset
    conditions: list[Q] = []
    if action == Action.VIEW and fixed is None:
        conditions.append(Q(**{scope.sensitivity: Sensitivity.PUBLIC}))
    if action == Action.VIEW and scope.owner and _signed_in(user):
        conditions.append(Q(**{scope.owner: user.pk}))
    for seat in seats(user):
        if required not in seat.grant.actions:
            continue
        condition = _seat_condition(seat, scope)
        if condition is None:
            continue
        if not condition:
            return queryset  # an empty Q: this seat sees every row
        conditions.append(condition)
    if not conditions:
        return queryset.none()
    narrowed = queryset.filter(functools.reduce(operator.or_, conditions))
    return narrowed.distinct() if scope.multi_valued else narrowed


def _seat_condition(seat: Seat, scope: Scope) -> Q | None:
    """The rows one membership opens, or None for none at all."""
    cleared = _cleared(seat.grant)
    fixed = scope.fixed_sensitivity
    need_to_know = seat.grant.need_to_know and Sensitivity.CONFIDENTIAL in cleared
    handled = (
        functools.reduce(
            operator.or_,
            (
                Q(**{f"{path}__in": seat.handling_organisation_ids()})
                for path in _organisation_paths(scope)
            ),
        )
        if need_to_know and scope.organisation
        else None
    )
    if fixed is not None:
        if fixed not in cleared:
            return None
        if fixed == Sensitivity.CONFIDENTIAL and need_to_know:
            if handled is None:
                return None
            sensitivity = handled
        else:
            sensitivity = Q()
    elif need_to_know:
        below = [level for level in cleared if level != Sensitivity.CONFIDENTIAL]
        sensitivity = Q(**{f"{scope.sensitivity}__in": below})
        if handled is not None:
            sensitivity |= Q(**{scope.sensitivity: Sensitivity.CONFIDENTIAL}) & handled
    elif len(cleared) == len(SENSITIVITY_ORDER):
        sensitivity = Q()
    else:
        sensitivity = Q(**{f"{scope.sensitivity}__in": cleared})
    if seat.national:
        unit = Q()
    elif scope.unit is None or not seat.unit_ids:
        return None
    else:
        unit = Q(**{f"{scope.unit}__in": seat.unit_ids})
    return sensitivity & unit


def registered_models() -> Iterable[type[models.Model]]:
    return tuple(_SCOPES)
