"""Reads of organisations and accounts, narrowed by orgs.policy to what the viewer may see."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ishenim.geo import selectors as geo_selectors
from ishenim.geo.models import AdminUnit
from ishenim.orgs import policy
from ishenim.orgs.enums import Action, Role
from ishenim.orgs.models import LoginAttempt, Membership, Organisation, User
from ishenim.orgs.services.signin import login_digest

# An address shared by many people (an office, a mobile network's gateway) gets this many
# times the allowance of one login before it must wait.
IP_FAILURE_FACTOR = 4


def organisation_list_for_viewer(
    viewer, *, kind: str = "", unit: AdminUnit | None = None, query: str = ""
) -> QuerySet[Organisation]:
    """The directory: active organisations, by type, by place (those serving somewhere
    inside `unit`) and by a part of their name in any language."""
    organisations = Organisation.objects.filter(is_active=True)
    if kind:
        organisations = organisations.filter(kind=kind)
    query = query.strip()
    if query:
        organisations = organisations.filter(
            Q(name_ky__icontains=query) | Q(name_ru__icontains=query) | Q(name_en__icontains=query)
        )
    if unit is not None:
        inside = geo_selectors.unit_subtree_ids([unit])
        organisations = organisations.filter(
            pk__in=Organisation.jurisdiction.through.objects.filter(adminunit_id__in=inside).values(
                "organisation_id"
            )
        )
    organisations = organisations.select_related("parent").prefetch_related("jurisdiction")
    return policy.visible(viewer, organisations)


def organisation_children(organisation: Organisation) -> QuerySet[Organisation]:
    return organisation.children.filter(is_active=True)


def membership_list_for_organisation(
    viewer, organisation: Organisation, *, action: Action = Action.VIEW
) -> QuerySet | None:
    """The organisation's members as the viewer may see (or export) them, or None when the
    viewer may not at all (the page then says so instead of showing an empty list)."""
    if not policy.can(viewer, action, Membership(organisation=organisation)):
        return None
    members = Membership.objects.filter(
        organisation=organisation, is_active=True, user__is_active=True
    ).select_related("user")
    return policy.visible(viewer, members, action).order_by("role", "user__full_name")


def membership_list_for_user(user: User) -> QuerySet[Membership]:
    """A person's own roles, with the places each covers."""
    return (
        Membership.objects.filter(user=user, is_active=True)
        .select_related("organisation")
        .prefetch_related("organisation__jurisdiction")
        .order_by("organisation__name_en", "role")
    )


def backup_code_count_for_user(user: User) -> int:
    """Single-use backup codes the user has not spent yet."""
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def authenticator_enrolled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def sign_in_list_for_user(user: User, *, limit: int = 10) -> QuerySet[LoginAttempt]:
    return LoginAttempt.objects.filter(user=user).order_by("-at")[:limit]


def account_for_login(login: str) -> User | None:
    """The account a login names (email in any case, phone in any spelling), if any."""
    try:
        return User.objects.get_by_natural_key(login)
    except (User.DoesNotExist, ValueError):
        return None


_LOOK_UP = object()


def sign_in_wait(*, login: str, ip: str | None, user=_LOOK_UP) -> timedelta | None:
    """How long this login, or this address, must wait before trying again; None when it may
    try now.

    A login may fail LOGIN_FAILURE_LIMIT times within the window, counting since its last
    success; failures are counted per account too, so that alternating the email and the
    phone number of one account buys no extra guesses. An address may fail four times as
    often, and a success does not reset it, so one good account cannot be used to keep
    guessing at others. `user`: the account the login names, when the caller has it."""
    if user is _LOOK_UP:
        user = account_for_login(login)
    limit = settings.LOGIN_FAILURE_LIMIT
    window = timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES)
    now = timezone.now()
    since = now - window
    same_login = Q(login_digest=login_digest(login))
    if user is not None:
        same_login |= Q(user=user)
    last_success = (
        LoginAttempt.objects.filter(same_login, succeeded=True, at__gte=since)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    by_login = LoginAttempt.objects.filter(
        same_login, succeeded=False, at__gte=since, at__gt=last_success or since
    )
    waits = [_wait_after(by_login, limit, window, now)]
    if ip:
        by_address = LoginAttempt.objects.filter(ip=ip, succeeded=False, at__gte=since)
        waits.append(_wait_after(by_address, limit * IP_FAILURE_FACTOR, window, now))
    return max((wait for wait in waits if wait is not None), default=None)


def _wait_after(failures: QuerySet, limit: int, window: timedelta, now) -> timedelta | None:
    """With `limit` or more failures in the window, the wait ends when the limit-th newest
    one leaves it."""
    blocking = list(failures.order_by("-at").values_list("at", flat=True)[limit - 1 : limit])
    if not blocking:
        return None
    wait = blocking[0] + window - now
    return wait if wait > timedelta(0) else None


def organisation_national_for_administrators() -> Organisation | None:
    """Where a new superuser becomes an administrator: an active organisation whose
    jurisdiction holds the country, preferring one that already has administrators."""
    country = geo_selectors.unit_root()
    if country is None:
        return None
    national = Organisation.objects.filter(is_active=True, jurisdiction=country)
    with_administrators = national.filter(
        memberships__role=Role.ADMINISTRATOR, memberships__is_active=True
    )
    return with_administrators.order_by("pk").first() or national.order_by("pk").first()
