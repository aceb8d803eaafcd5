"""THE MATRIX: every role × every sensitivity × inside and outside the jurisdiction.

The expectations are written out here by hand, not computed from orgs.config.ROLE_GRANTS, so
that a mistaken change to the grants fails this test. Each cell is asserted four ways: `can`
view, `can` change, and membership in `visible` for view and for change on a real queryset.
"""

import pytest

from ishenim.core.enums import Sensitivity
from ishenim.orgs import policy, services
from ishenim.orgs.enums import Action, OrganisationKind, Role
from ishenim.orgs.testing import BALYKCHY, BATKEN_DISTRICT
from ishenim.orgs.tests.casefiles.models import CaseFile

P = Sensitivity.PUBLIC

# "VC": may view and change; "V-": view only; "--": neither.
# Inside: a record in the member's jurisdiction (Balykchy), handled by the member's own
# organisation. Outside: a record in Batken District, handled by Batken's police.
EXPECTED = {
    #                               public          internal        restricted      confidential
    #                               in     out      in     out      in     out      in     out
    Role.RESIDENT:                 (("V-", "V-"), ("--", "--"), ("--", "--"), ("--", "--")),
    Role.PARTNER_VIEWER:           (("V-", "V-"), ("V-", "--"), ("--", "--"), ("--", "--")),
    Role.ANALYST:                  (("V-", "V-"), ("V-", "--"), ("--", "--"), ("--", "--")),
    Role.LOCAL_OFFICIAL:           (("VC", "V-"), ("VC", "--"), ("--", "--"), ("--", "--")),
    Role.PREVENTION_CENTRE_MEMBER: (("VC", "V-"), ("VC", "--"), ("--", "--"), ("--", "--")),
    Role.DUTY_OFFICER:             (("VC", "V-"), ("VC", "--"), ("VC", "--"), ("--", "--")),
    Role.BORDER_OFFICER:           (("VC", "V-"), ("VC", "--"), ("VC", "--"), ("--", "--")),
    Role.DISTRICT_OFFICER:         (("VC", "V-"), ("VC", "--"), ("VC", "--"), ("VC", "--")),
    Role.INVESTIGATOR:             (("VC", "V-"), ("VC", "--"), ("VC", "--"), ("VC", "--")),
    Role.SUPERVISOR:               (("VC", "V-"), ("VC", "--"), ("VC", "--"), ("VC", "--")),
    Role.OMBUDSMAN_OFFICER:        (("VC", "V-"), ("VC", "--"), ("VC", "--"), ("VC", "--")),
    # Administrators manage accounts but must not read family-violence case files.
    Role.ADMINISTRATOR:            (("VC", "V-"), ("VC", "--"), ("VC", "--"), ("--", "--")),
}  # fmt: skip

# What each role may do with a public record inside its jurisdiction, action by action.
V, CR, CH, D, E, AS, M = (
    Action.VIEW,
    Action.CREATE,
    Action.CHANGE,
    Action.DELETE,
    Action.EXPORT,
    Action.ASSIGN,
    Action.MANAGE,
)
EXPECTED_ACTIONS = {
    Role.RESIDENT: {V, CR},
    Role.PARTNER_VIEWER: {V, E},
    Role.ANALYST: {V, E},
    Role.LOCAL_OFFICIAL: {V, CR, CH, E},
    Role.PREVENTION_CENTRE_MEMBER: {V, CR, CH},
    Role.DUTY_OFFICER: {V, CR, CH, AS, E},
    Role.BORDER_OFFICER: {V, CR, CH},
    Role.DISTRICT_OFFICER: {V, CR, CH, E},
    Role.INVESTIGATOR: {V, CR, CH},
    Role.SUPERVISOR: {V, CR, CH, AS, E},
    Role.OMBUDSMAN_OFFICER: {V, CH, E},
    Role.ADMINISTRATOR: {V, CR, CH, D, E, AS, M},
}

SENSITIVITIES = (
    Sensitivity.PUBLIC,
    Sensitivity.INTERNAL,
    Sensitivity.RESTRICTED,
    Sensitivity.CONFIDENTIAL,
)
CELLS = [
    pytest.param(role, sensitivity, place, id=f"{role.value}-{sensitivity.value}-{place}")
    for role in EXPECTED
    for sensitivity in SENSITIVITIES
    for place in ("inside", "outside")
]


def test_the_matrix_covers_every_role():
    assert set(EXPECTED) == set(Role)
    assert set(EXPECTED_ACTIONS) == set(Role)


@pytest.fixture
def world(db):
    """A member's organisation serving Balykchy, another serving Batken District, and one case
    file of every sensitivity in each."""
    from ishenim.geo import selectors as geo_selectors

    balykchy = geo_selectors.unit_get(BALYKCHY)
    batken = geo_selectors.unit_get(BATKEN_DISTRICT)
    home = services.organisation_create(
        kind=OrganisationKind.NGO,
        name_ky="",
        name_ru="",
        name_en="Balykchy organisation",
        jurisdiction=[balykchy],
        actor=None,
    )
    away = services.organisation_create(
        kind=OrganisationKind.POLICE_DEPARTMENT,
        name_ky="",
        name_ru="",
        name_en="Batken organisation",
        jurisdiction=[batken],
        actor=None,
    )
    records = {}
    for sensitivity in SENSITIVITIES:
        records[sensitivity, "inside"] = CaseFile.objects.create(
            title=f"{sensitivity} in Balykchy",
            sensitivity=sensitivity,
            unit=balykchy,
            organisation=home,
        )
        records[sensitivity, "outside"] = CaseFile.objects.create(
            title=f"{sensitivity} in Batken",
            sensitivity=sensitivity,
            unit=batken,
            organisation=away,
        )
    return {"home": home, "records": records}


def _member(world, role: Role):
    user = services.user_create(
        full_name=f"A {role.label}", email=f"{role.value}@example.org", actor=None
    )
    services.membership_grant(user=user, organisation=world["home"], role=role, actor=None)
    return user


@pytest.mark.parametrize(("role", "sensitivity", "place"), CELLS)
def test_policy_matrix_cell(world, role, sensitivity, place):
    user = _member(world, role)
    record = world["records"][sensitivity, place]
    cell = EXPECTED[role][SENSITIVITIES.index(sensitivity)][0 if place == "inside" else 1]
    may_view, may_change = cell[0] == "V", cell[1] == "C"

    assert policy.can(user, Action.VIEW, record) is may_view
    assert policy.can(user, Action.CHANGE, record) is may_change
    everything = CaseFile.objects.all()
    assert policy.visible(user, everything).filter(pk=record.pk).exists() is may_view
    assert (
        policy.visible(user, everything, Action.CHANGE).filter(pk=record.pk).exists() is may_change
    )


@pytest.mark.parametrize("role", list(EXPECTED_ACTIONS), ids=lambda role: role.value)
def test_each_role_may_do_exactly_its_actions_inside_its_jurisdiction(world, role):
    user = _member(world, role)
    record = world["records"][P, "inside"]
    allowed = {action for action in Action if policy.can(user, action, record)}
    assert allowed == EXPECTED_ACTIONS[role]
    for action in Action:
        in_list = policy.visible(user, CaseFile.objects.all(), action).filter(pk=record.pk)
        assert in_list.exists() is (action in EXPECTED_ACTIONS[role]), action
