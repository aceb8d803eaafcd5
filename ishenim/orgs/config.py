"""What each role may do: the grants orgs.policy reads. Data, not `if`s.

A grant has three parts:
- clearance: the most sensitive record the role may see (core.enums.Sensitivity);
- actions: what it may do with records it can see (orgs.enums.Action);
- need_to_know: whether, for confidential records, the role sees only what its own
  organisation (or one below it) handles, rather than everything in its jurisdiction.

Jurisdiction always applies on top: a grant covers only the administrative units of the
member's organisation and everything inside them.
"""

from dataclasses import dataclass

from ishenim.core.enums import Sensitivity
from ishenim.orgs.enums import Action, Role

V, C, CH, D, E, AS, M = (
    Action.VIEW,
    Action.CREATE,
    Action.CHANGE,
    Action.DELETE,
    Action.EXPORT,
    Action.ASSIGN,
    Action.MANAGE,
)


@dataclass(frozen=True)
class Grant:
    clearance: Sensitivity
    actions: frozenset[Action]
    need_to_know: bool = False


ROLE_GRANTS: dict[Role, Grant] = {
    # A resident sees what everyone sees and may file records; the records they filed stay
    # theirs to read whatever their sensitivity (the owner rule in orgs.policy), so residents
    # need no clearance of their own.
    Role.RESIDENT: Grant(Sensitivity.PUBLIC, frozenset({V, C})),
    # Donors and UN partners follow the work through internal figures and lists, never
    # through anybody's personal data, and take them away for their reports.
    Role.PARTNER_VIEWER: Grant(Sensitivity.INTERNAL, frozenset({V, E})),
    # Analysts work on aggregates and internal lists; personal data stays with the officers
    # who need it. Exports are the analyst's tool.
    Role.ANALYST: Grant(Sensitivity.INTERNAL, frozenset({V, E})),
    # An ayil okmotu official plans with the police and reports to the council: internal
    # plans and meetings, which they also edit and export, but not residents' personal data.
    Role.LOCAL_OFFICIAL: Grant(Sensitivity.INTERNAL, frozenset({V, C, CH, E})),
    # Prevention Centre members (aksakals, women's council, youth) record meetings and
    # warnings; they are volunteers, not officials, so no personal data and no exports.
    Role.PREVENTION_CENTRE_MEMBER: Grant(Sensitivity.INTERNAL, frozenset({V, C, CH})),
    # The duty unit registers everything that comes in and hands it to an officer, so it
    # reads personal data (restricted) and assigns. Confidential cases go to the officers
    # who handle them, not to the front desk. It keeps the register of appeals, which it
    # prints and hands over: exports.
    Role.DUTY_OFFICER: Grant(Sensitivity.RESTRICTED, frozenset({V, C, CH, AS, E})),
    # Border officers register border incidents with the people involved (restricted).
    Role.BORDER_OFFICER: Grant(Sensitivity.RESTRICTED, frozenset({V, C, CH})),
    # The officers who work cases read confidential files (family violence, juveniles), but
    # only those their own unit handles: need to know, not the whole district's. A district
    # officer takes their own work list away (the appeals on their desk, for a report or a
    # round of visits): exports, computed with the same need to know.
    Role.DISTRICT_OFFICER: Grant(Sensitivity.CONFIDENTIAL, frozenset({V, C, CH, E}), True),
    Role.INVESTIGATOR: Grant(Sensitivity.CONFIDENTIAL, frozenset({V, C, CH}), True),
    # A supervisor sees what their department and every station under it handles, assigns
    # the work and reports on it.
    Role.SUPERVISOR: Grant(Sensitivity.CONFIDENTIAL, frozenset({V, C, CH, AS, E}), True),
    # The Ombudsman's office examines complaints, against the police above all: it reads the
    # cases it is handling, may add its findings and export them, but creates no police
    # records.
    Role.OMBUDSMAN_OFFICER: Grant(Sensitivity.CONFIDENTIAL, frozenset({V, CH, E}), True),
    # Administrators run accounts, organisations and reference data (MANAGE) and may correct
    # any record up to personal data, but must not read family-violence or juvenile case
    # files: clearance stops at restricted. They cannot lift it by granting themselves an
    # officer's role (orgs.services.membership_grant refuses grants to oneself).
    Role.ADMINISTRATOR: Grant(Sensitivity.RESTRICTED, frozenset({V, C, CH, D, E, AS, M})),
}

# Sign-in records (times and client addresses) are personal data: kept long enough for the
# account's owner and administrators to look into a break-in, then deleted.
LOGIN_ATTEMPTS_KEPT_DAYS = 180
