"""The policy's rules beyond the matrix: owners, need to know, national records, anonymous
users, inactive memberships, superusers, and the foundation's own models."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured

from ishenim.core.enums import Sensitivity
from ishenim.core.models import AuditEntry, CalendarDay
from ishenim.geo.models import AdminUnit, Settlement
from ishenim.orgs import policy, services
from ishenim.orgs.enums import Action, OrganisationKind, Role
from ishenim.orgs.models import LoginAttempt, Membership, Organisation, User
from ishenim.orgs.tests.casefiles.models import CaseFile


def _case(sensitivity, unit, organisation=None, owner=None, title="case"):
    return CaseFile.objects.create(
        title=title, sensitivity=sensitivity, unit=unit, organisation=organisation, owner=owner
    )


def _seen(user, queryset, action=Action.VIEW) -> set:
    return set(policy.visible(user, queryset, action).values_list("pk", flat=True))


def _person(name, email, organisation=None, role=None):
    user = services.user_create(full_name=name, email=email, actor=None)
    if organisation is not None:
        services.membership_grant(user=user, organisation=organisation, role=role, actor=None)
    return user


def test_resident_reads_her_own_confidential_case_but_cannot_change_it(cast):
    case = _case(Sensitivity.CONFIDENTIAL, cast.balykchy, cast.balykchy_station, owner=cast.aida)
    other = _case(Sensitivity.CONFIDENTIAL, cast.balykchy, cast.balykchy_station)

    assert policy.can(cast.aida, Action.VIEW, case)
    assert not policy.can(cast.aida, Action.CHANGE, case)
    assert not policy.can(cast.aida, Action.VIEW, other)
    assert _seen(cast.aida, CaseFile.objects.all()) == {case.pk}
    assert _seen(cast.aida, CaseFile.objects.all(), Action.CHANGE) == set()


def test_another_resident_does_not_read_aidas_case(cast):
    case = _case(Sensitivity.RESTRICTED, cast.balykchy, cast.balykchy_station, owner=cast.aida)
    neighbour = _person("Nurlan Neighbour", "nurlan@example.org")
    assert not policy.can(neighbour, Action.VIEW, case)
    assert _seen(neighbour, CaseFile.objects.all()) == set()


def test_officer_of_another_station_in_the_same_city_does_not_see_a_confidential_case(cast):
    second_station = services.organisation_create(
        kind=OrganisationKind.POLICE_STATION,
        name_ky="",
        name_ru="",
        name_en="Balykchy Police Station No. 2",
        parent=cast.balykchy_police,
        jurisdiction=[cast.balykchy],
        actor=None,
    )
    colleague = _person("Kubat Kadyrov", "kubat@example.org", second_station, Role.DISTRICT_OFFICER)
    confidential = _case(Sensitivity.CONFIDENTIAL, cast.balykchy, cast.balykchy_station)
    restricted = _case(Sensitivity.RESTRICTED, cast.balykchy, cast.balykchy_station)

    # Bakyt's station handles it; the station next door does not need to know.
    assert policy.can(cast.bakyt, Action.VIEW, confidential)
    assert not policy.can(colleague, Action.VIEW, confidential)
    assert _seen(colleague, CaseFile.objects.all()) == {restricted.pk}
    # Their supervisor in the city department sees what its stations handle.
    assert policy.can(cast.erlan, Action.VIEW, confidential)
    assert _seen(cast.erlan, CaseFile.objects.all()) == {confidential.pk, restricted.pk}
    # Need to know is about confidential records only: the restricted one is the district's.
    assert policy.can(colleague, Action.VIEW, restricted)


def test_station_officer_does_not_see_what_the_department_above_handles(cast):
    case = _case(Sensitivity.CONFIDENTIAL, cast.balykchy, cast.balykchy_police)
    assert policy.can(cast.erlan, Action.VIEW, case)
    assert not policy.can(cast.bakyt, Action.VIEW, case)


def test_chynara_sees_nothing_of_balykchy_but_its_public_records(cast):
    cases = {level: _case(level, cast.balykchy, cast.balykchy_station) for level in Sensitivity}
    for level, case in cases.items():
        assert policy.can(cast.chynara, Action.VIEW, case) is (level == Sensitivity.PUBLIC)
        assert not policy.can(cast.chynara, Action.CHANGE, case)
    assert _seen(cast.chynara, CaseFile.objects.all()) == {cases[Sensitivity.PUBLIC].pk}


def test_analyst_sees_internal_figures_of_the_oblast_but_no_personal_data(cast):
    internal = _case(Sensitivity.INTERNAL, cast.balykchy, cast.balykchy_station)
    restricted = _case(Sensitivity.RESTRICTED, cast.balykchy, cast.balykchy_station)
    assert policy.can(cast.dilnoza, Action.VIEW, internal)
    assert policy.can(cast.dilnoza, Action.EXPORT, internal)
    assert not policy.can(cast.dilnoza, Action.VIEW, restricted)


def test_a_record_without_a_unit_is_national(cast):
    national = _case(Sensitivity.INTERNAL, None)
    assert not policy.can(cast.bakyt, Action.VIEW, national)
    assert not policy.can(cast.dilnoza, Action.VIEW, national)
    # The national administration's jurisdiction holds the country itself.
    assert policy.can(cast.administrator, Action.VIEW, national)
    assert national.pk in _seen(cast.administrator, CaseFile.objects.all())
    assert national.pk not in _seen(cast.dilnoza, CaseFile.objects.all())


def test_national_ombudsman_reads_the_confidential_cases_its_office_handles(cast):
    officer = _person(
        "Gulnara Ombudsman", "gulnara@example.org", cast.ombudsman, Role.OMBUDSMAN_OFFICER
    )
    theirs = _case(Sensitivity.CONFIDENTIAL, cast.batken_district, cast.ombudsman)
    police = _case(Sensitivity.CONFIDENTIAL, cast.batken_district, cast.batken_district_police)
    assert policy.can(officer, Action.VIEW, theirs)
    assert not policy.can(officer, Action.VIEW, police)
    assert not policy.can(officer, Action.CREATE, theirs)
    assert _seen(officer, CaseFile.objects.filter(pk__in=[theirs.pk, police.pk])) == {theirs.pk}


def test_anonymous_visitors_see_public_records_and_do_nothing_else(cast):
    public = _case(Sensitivity.PUBLIC, cast.balykchy)
    internal = _case(Sensitivity.INTERNAL, cast.balykchy)
    anonymous = AnonymousUser()
    assert policy.can(anonymous, Action.VIEW, public)
    assert not policy.can(anonymous, Action.VIEW, internal)
    for action in (Action.CREATE, Action.CHANGE, Action.EXPORT):
        assert not policy.can(anonymous, action, public)
    assert _seen(anonymous, CaseFile.objects.all()) == {public.pk}
    assert _seen(anonymous, CaseFile.objects.all(), Action.EXPORT) == set()
    assert not policy.can(anonymous, Action.CREATE, CaseFile)


def test_a_revoked_membership_grants_nothing(cast):
    case = _case(Sensitivity.RESTRICTED, cast.balykchy, cast.balykchy_station)
    assert policy.can(cast.bakyt, Action.VIEW, case)
    membership = Membership.objects.get(user=cast.bakyt)
    services.membership_revoke(membership=membership, actor=None)
    bakyt = User.objects.get(pk=cast.bakyt.pk)
    assert not policy.can(bakyt, Action.VIEW, case)
    assert _seen(bakyt, CaseFile.objects.all()) == set()
    assert not policy.is_staff(bakyt)


def test_a_closed_organisation_grants_nothing_to_its_members(cast):
    case = _case(Sensitivity.RESTRICTED, cast.batken_district, cast.batken_district_police)
    services.organisation_update(
        organisation=cast.batken_district_police, is_active=False, actor=None
    )
    chynara = User.objects.get(pk=cast.chynara.pk)
    assert not policy.can(chynara, Action.VIEW, case)


def test_a_deactivated_account_grants_nothing(cast):
    case = _case(Sensitivity.RESTRICTED, cast.batken_district, cast.batken_district_police)
    services.user_deactivate(user=cast.chynara, actor=None)
    assert not policy.can(cast.chynara, Action.VIEW, case)


def test_a_superuser_may_do_anything(cast):
    root = services.superuser_create(
        full_name="Root", email="root@example.org", password="a-long-superuser-passphrase"
    )
    case = _case(Sensitivity.CONFIDENTIAL, None)
    assert all(policy.can(root, action, case) for action in Action)
    assert _seen(root, CaseFile.objects.all(), Action.DELETE) == {case.pk}
    assert policy.can(root, Action.CHANGE, AdminUnit)


def test_an_unregistered_model_is_an_error_not_an_open_door(cast):
    from django.contrib.sessions.models import Session

    with pytest.raises(ImproperlyConfigured):
        policy.can(cast.bakyt, Action.VIEW, Session)
    with pytest.raises(ImproperlyConfigured):
        policy.visible(cast.bakyt, Session.objects.all())


def test_memberships_are_read_once_per_user_object(cast, django_assert_num_queries):
    case = _case(Sensitivity.RESTRICTED, cast.balykchy, cast.balykchy_station)
    bakyt = User.objects.get(pk=cast.bakyt.pk)
    policy.can(bakyt, Action.VIEW, case)
    with django_assert_num_queries(0):
        assert policy.can(bakyt, Action.CHANGE, case)
        assert policy.is_staff(bakyt)
        assert policy.roles(bakyt) == {Role.DISTRICT_OFFICER}


def test_visible_is_one_query_and_distinct_only_across_many_to_many(
    cast, django_assert_num_queries
):
    _case(Sensitivity.RESTRICTED, cast.balykchy, cast.balykchy_station)
    for seat in policy.seats(cast.erlan):
        seat.handling_organisation_ids()  # read once per request, before the list
    cases = policy.visible(cast.erlan, CaseFile.objects.all())
    with django_assert_num_queries(1):
        assert len(list(cases)) == 1
    assert not cases.query.distinct
    batken_admin = _person(
        "Batken Admin", "batken-admin@example.org", cast.batken_police, Role.ADMINISTRATOR
    )
    # Accounts reach their units through memberships: one row per match without DISTINCT.
    assert policy.visible(batken_admin, User.objects.all()).query.distinct
    # A national administrator sees every account: no condition, no DISTINCT needed.
    assert not policy.visible(cast.administrator, User.objects.all()).query.distinct


def test_staff_and_two_factor_questions(cast):
    assert not policy.is_staff(cast.aida)
    assert policy.is_staff(cast.bakyt)
    assert not policy.is_staff(AnonymousUser())
    assert policy.requires_two_factor(cast.administrator)
    assert not policy.requires_two_factor(cast.erlan)
    assert policy.roles(cast.erlan) == {Role.SUPERVISOR}


def test_jurisdiction_unit_ids_cover_the_subtree(cast):
    ids = policy.jurisdiction_unit_ids(cast.chynara, Action.VIEW)
    assert cast.batken_district.pk in ids
    assert cast.batken_oblast.pk not in ids
    assert cast.balykchy.pk not in ids
    batken_oblast_admin = _person(
        "Batken Admin", "batken-admin@example.org", cast.batken_police, Role.ADMINISTRATOR
    )
    oblast = policy.jurisdiction_unit_ids(batken_oblast_admin, Action.MANAGE)
    assert {cast.batken_oblast.pk, cast.batken_district.pk} <= oblast
    assert policy.jurisdiction_unit_ids(cast.chynara, Action.MANAGE) == set()
    assert cast.balykchy.pk in policy.jurisdiction_unit_ids(cast.administrator, Action.MANAGE)


# --- the foundation's own models ----------------------------------------------------------


def test_organisations_are_public_but_managed_only_in_the_jurisdiction(cast):
    batken_admin = _person(
        "Batken Admin", "batken-admin@example.org", cast.batken_police, Role.ADMINISTRATOR
    )
    assert policy.can(AnonymousUser(), Action.VIEW, cast.balykchy_police)
    assert policy.can(batken_admin, Action.CHANGE, cast.batken_district_police)
    assert not policy.can(batken_admin, Action.CHANGE, cast.balykchy_police)
    # Changing an organisation is MANAGE, which officers do not have.
    assert not policy.can(cast.chynara, Action.CHANGE, cast.batken_district_police)
    managed = _seen(batken_admin, Organisation.objects.all(), Action.CHANGE)
    assert managed == {cast.batken_police.pk, cast.batken_district_police.pk}


def test_memberships_are_seen_by_colleagues_in_the_jurisdiction_and_by_their_holder(cast):
    bakyts = Membership.objects.get(user=cast.bakyt)
    assert policy.can(cast.erlan, Action.VIEW, bakyts)
    assert policy.can(cast.dilnoza, Action.VIEW, bakyts)
    assert not policy.can(cast.chynara, Action.VIEW, bakyts)
    assert policy.can(cast.bakyt, Action.VIEW, bakyts)
    assert not policy.can(cast.aida, Action.VIEW, bakyts)
    assert not policy.can(cast.erlan, Action.CHANGE, bakyts)


def test_accounts_are_read_by_their_owner_and_by_administrators_of_their_jurisdiction(cast):
    batken_admin = _person(
        "Batken Admin", "batken-admin@example.org", cast.batken_police, Role.ADMINISTRATOR
    )
    assert policy.can(cast.bakyt, Action.VIEW, cast.bakyt)
    assert not policy.can(cast.erlan, Action.VIEW, cast.bakyt)
    assert policy.can(cast.administrator, Action.CHANGE, cast.bakyt)
    assert policy.can(batken_admin, Action.CHANGE, cast.chynara)
    assert not policy.can(batken_admin, Action.VIEW, cast.bakyt)
    # A resident without memberships is national: only national administrators reach her.
    assert not policy.can(batken_admin, Action.VIEW, cast.aida)
    assert policy.can(cast.administrator, Action.VIEW, cast.aida)
    seen = _seen(batken_admin, User.objects.all())
    assert seen == {batken_admin.pk, cast.chynara.pk}


def test_sign_in_records_are_their_owners_and_nobody_edits_them(cast):
    attempt = LoginAttempt.objects.create(login_digest="x" * 64, user=cast.bakyt, succeeded=True)
    assert policy.can(cast.bakyt, Action.VIEW, attempt)
    assert not policy.can(cast.erlan, Action.VIEW, attempt)
    assert policy.can(cast.administrator, Action.VIEW, attempt)
    assert not policy.can(cast.administrator, Action.DELETE, attempt)


def test_reference_geography_is_changed_only_by_superusers(cast):
    assert policy.can(AnonymousUser(), Action.VIEW, cast.balykchy)
    assert not policy.can(cast.administrator, Action.CHANGE, cast.balykchy)
    assert not policy.can(cast.administrator, Action.CREATE, AdminUnit)


def test_settlements_are_added_by_those_who_change_records_in_the_district(cast):
    village = Settlement(unit=cast.balykchy)
    assert policy.can(cast.bakyt, Action.CREATE, village)
    assert not policy.can(cast.chynara, Action.CREATE, village)
    assert not policy.can(cast.dilnoza, Action.CREATE, village)


def test_the_audit_log_is_read_by_national_administrators_only(cast):
    batken_admin = _person(
        "Batken Admin", "batken-admin@example.org", cast.batken_police, Role.ADMINISTRATOR
    )
    entries = AuditEntry.objects.all()
    assert entries.exists()
    assert policy.visible(cast.administrator, entries).count() == entries.count()
    assert not policy.visible(batken_admin, entries).exists()
    assert not policy.visible(cast.erlan, entries).exists()
    assert not policy.can(cast.administrator, Action.CHANGE, entries.first())


def test_working_days_are_public_and_corrected_by_national_administrators(cast):
    day = CalendarDay(date="2026-03-20", kind="day_off", name="Orozo Ait")
    assert policy.can(AnonymousUser(), Action.VIEW, day)
    assert policy.can(cast.administrator, Action.CHANGE, day)
    batken_admin = _person(
        "Batken Admin", "batken-admin@example.org", cast.batken_police, Role.ADMINISTRATOR
    )
    assert not policy.can(batken_admin, Action.CHANGE, day)
