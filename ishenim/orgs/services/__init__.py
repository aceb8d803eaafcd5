"""Writes to organisations and accounts: keyword-only, audited, checked against orgs.policy
when the actor is a person (actor=None is the platform itself: imports, the demo, commands).

Split by aggregate; import from here: `from ishenim.orgs import services`.
"""

from ishenim.orgs.services.memberships import (
    membership_grant,
    membership_revoke,
    membership_update,
)
from ishenim.orgs.services.organisations import organisation_create, organisation_update
from ishenim.orgs.services.signin import (
    login_attempts_prune,
    login_digest,
    sign_in_attempt_record,
    sign_in_completed,
    sign_in_throttled_record,
)
from ishenim.orgs.services.two_factor import (
    two_factor_backup_codes_renew,
    two_factor_enrol_begin,
    two_factor_enrol_confirm,
)
from ishenim.orgs.services.users import (
    UNCHANGED,
    superuser_create,
    user_create,
    user_deactivate,
    user_password_set,
    user_update,
)

__all__ = [
    "UNCHANGED",
    "login_attempts_prune",
    "login_digest",
    "membership_grant",
    "membership_revoke",
    "membership_update",
    "organisation_create",
    "organisation_update",
    "sign_in_attempt_record",
    "sign_in_completed",
    "sign_in_throttled_record",
    "superuser_create",
    "two_factor_backup_codes_renew",
    "two_factor_enrol_begin",
    "two_factor_enrol_confirm",
    "user_create",
    "user_deactivate",
    "user_password_set",
    "user_update",
]
