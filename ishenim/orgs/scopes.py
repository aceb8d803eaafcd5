"""How the policy reads the foundation's own models: organisations and accounts, and the
models of core and geo, which cannot register themselves (core sits below orgs and must not
import the policy; geo's reference data is governed by the same rules as accounts).
Called once from OrgsConfig.ready()."""

from ishenim.core.enums import Sensitivity
from ishenim.orgs import policy
from ishenim.orgs.enums import Action
from ishenim.orgs.policy import Scope


def scopes_register() -> None:
    from ishenim.core.models import AuditChainHead, AuditEntry, CalendarDay, ScheduledRun
    from ishenim.geo.models import AdminUnit, Boundary, Settlement
    from ishenim.orgs.models import LoginAttempt, Membership, Organisation, User

    # The directory of organisations is public: residents look up their police station.
    # Who may create or change one, and where, is administration.
    policy.register(
        Organisation,
        Scope(sensitivity=Sensitivity.PUBLIC, unit="jurisdiction", write_action=Action.MANAGE),
    )
    # Who works where is internal: colleagues and partners in the jurisdiction see it; a
    # member sees their own memberships.
    policy.register(
        Membership,
        Scope(
            sensitivity=Sensitivity.INTERNAL,
            unit="organisation__jurisdiction",
            owner="user",
            write_action=Action.MANAGE,
        ),
    )
    # Accounts hold personal data (names, phones, emails). Reading other people's accounts is
    # administration too, so it needs MANAGE, in the jurisdiction of the account's
    # organisations; everyone reads their own. An account without memberships (a resident)
    # is national: only national administrators reach it.
    policy.register(
        User,
        Scope(
            sensitivity=Sensitivity.RESTRICTED,
            unit="memberships__organisation__jurisdiction",
            owner="pk",
            read_action=Action.MANAGE,
            write_action=Action.MANAGE,
        ),
    )
    # Sign-in records (addresses, times) are personal data of the account's owner, written
    # only by the sign-in itself.
    policy.register(
        LoginAttempt,
        Scope(
            sensitivity=Sensitivity.RESTRICTED,
            unit="user__memberships__organisation__jurisdiction",
            owner="user",
            read_action=Action.MANAGE,
            read_only=True,
        ),
    )
    # Reference geography comes from the data folder through `ishenim load-reference`; a
    # hand edit would drift from its source, so only superusers correct it.
    policy.register(AdminUnit, Scope(sensitivity=Sensitivity.PUBLIC, unit="pk", read_only=True))
    policy.register(Boundary, Scope(sensitivity=Sensitivity.PUBLIC, unit="unit", read_only=True))
    # The gazetteer grows from the field: whoever may change records in a district may add
    # its villages.
    policy.register(
        Settlement,
        Scope(sensitivity=Sensitivity.PUBLIC, unit="unit", write_action=Action.CHANGE),
    )
    # The audit log holds who did what when, with client addresses of staff: personal data,
    # so restricted, not confidential — the values of confidential fields are in it only as
    # digests, so reading it never reveals a case file. Reading it is oversight of the whole
    # platform: national administrators (MANAGE with the country in their jurisdiction) and
    # superusers. Nobody writes it but core.audit.
    policy.register(
        AuditEntry,
        Scope(
            sensitivity=Sensitivity.RESTRICTED,
            unit=None,
            read_action=Action.MANAGE,
            read_only=True,
        ),
    )
    policy.register(
        AuditChainHead,
        Scope(
            sensitivity=Sensitivity.RESTRICTED,
            unit=None,
            read_action=Action.MANAGE,
            read_only=True,
        ),
    )
    # Working days decide statutory deadlines for the whole country: anyone may read them,
    # national administrators correct them.
    policy.register(
        CalendarDay,
        Scope(sensitivity=Sensitivity.PUBLIC, unit=None, write_action=Action.MANAGE),
    )
    # The worker's timetable bookkeeping: written by the scheduler only.
    policy.register(
        ScheduledRun,
        Scope(
            sensitivity=Sensitivity.INTERNAL,
            unit=None,
            read_action=Action.MANAGE,
            read_only=True,
        ),
    )
