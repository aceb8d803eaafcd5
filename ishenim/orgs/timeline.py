"""The history of accounts and organisations: one function per event, each writing one audit
entry. Called only by orgs.services, inside the transaction of the change.

Accounts are personal data: their entries keep names, emails and phones only as digests
(the User model's AUDIT_CLEAR_FIELDS say which fields stay readable). Passwords and
two-factor secrets never reach the log, not even as digests: a digest of a short secret
can be guessed offline.
"""

from django.contrib.auth.models import AnonymousUser

from ishenim.core.audit import audit_record
from ishenim.core.enums import Sensitivity
from ishenim.orgs.models import Membership, Organisation, User


def _account_entry(action: str, *, user: User, actor, changes: dict | None = None):
    """An entry about the account's own fields: every value digested but the workflow flags."""
    return audit_record(
        action=action,
        actor=actor,
        record=user,
        changes=changes or {},
        sensitivity=Sensitivity.RESTRICTED,
    )


def _account_event(action: str, *, user: User, actor, changes: dict | None = None):
    """An entry about something that happened to the account (a sign-in, a device), whose
    few values (a flag, a number of minutes) are not personal data and stay readable."""
    return audit_record(action=action, actor=actor, record=user, changes=changes or {})


def user_created(*, user: User, changes: dict, actor) -> None:
    _account_entry("user_created", user=user, actor=actor, changes=changes)


def user_updated(*, user: User, changes: dict, actor) -> None:
    _account_entry("user_updated", user=user, actor=actor, changes=changes)


def user_deactivated(*, user: User, actor) -> None:
    _account_entry("user_deactivated", user=user, actor=actor, changes={"is_active": False})


def password_set(*, user: User, actor) -> None:
    # That it changed, and by whom; never the password or its hash.
    _account_event("password_set", user=user, actor=actor)


def two_factor_enrolled(*, user: User, device_name: str, actor) -> None:
    _account_event("two_factor_enrolled", user=user, actor=actor, changes={"device": device_name})


def backup_codes_renewed(*, user: User, count: int, actor) -> None:
    # How many, never which: the codes are secrets.
    _account_event("backup_codes_renewed", user=user, actor=actor, changes={"count": count})


def signed_in(*, user: User, second_factor: bool) -> None:
    _account_event("signed_in", user=user, actor=user, changes={"second_factor": second_factor})


def sign_in_failed(*, user: User) -> None:
    # The person typing is not known to be the account's owner: recorded as anonymous.
    _account_event("sign_in_failed", user=user, actor=AnonymousUser())


def sign_in_throttled(*, user: User, wait_minutes: int) -> None:
    _account_event(
        "sign_in_throttled",
        user=user,
        actor=AnonymousUser(),
        changes={"wait_minutes": wait_minutes},
    )


def organisation_created(*, organisation: Organisation, changes: dict, actor) -> None:
    audit_record(action="organisation_created", actor=actor, record=organisation, changes=changes)


def organisation_updated(*, organisation: Organisation, changes: dict, actor) -> None:
    audit_record(action="organisation_updated", actor=actor, record=organisation, changes=changes)


def membership_granted(*, membership: Membership, actor) -> None:
    audit_record(
        action="membership_granted",
        actor=actor,
        record=membership,
        changes={
            "user": membership.user_id,
            "organisation": membership.organisation_id,
            "role": membership.role,
            "title": membership.title,
        },
    )


def membership_updated(*, membership: Membership, changes: dict, actor) -> None:
    audit_record(action="membership_updated", actor=actor, record=membership, changes=changes)


def membership_revoked(*, membership: Membership, actor) -> None:
    audit_record(
        action="membership_revoked",
        actor=actor,
        record=membership,
        changes={
            "user": membership.user_id,
            "organisation": membership.organisation_id,
            "role": membership.role,
            "is_active": False,
        },
    )
