"""Writes to accounts and organisations: checked against the policy, audited, and never
leaking passwords or contacts into the audit log."""

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ishenim.core.audit import audit_verify
from ishenim.core.models import AuditEntry
from ishenim.orgs import services
from ishenim.orgs.enums import OrganisationKind, Role
from ishenim.orgs.models import Membership, Organisation, User


def _entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("seq"))


def _batken_admin(cast) -> User:
    admin = services.user_create(full_name="Batken Admin", email="ba@example.org", actor=None)
    services.membership_grant(
        user=admin, organisation=cast.batken_police, role=Role.ADMINISTRATOR, actor=None
    )
    return User.objects.get(pk=admin.pk)


def test_creating_an_account_is_audited_with_contacts_digested_and_no_password(db):
    user = services.user_create(
        full_name="Jyldyz Osmonova",
        email="Jyldyz@Example.org",
        phone="0700 123 456",
        password="walnut-forest-arslanbob-3",
        actor=None,
    )
    assert user.email == "jyldyz@example.org"
    assert user.phone == "+996700123456"
    entry = _entries("user_created")[-1]
    stored = json.dumps(entry.changes, ensure_ascii=False)
    for secret in ("jyldyz@example.org", "+996700123456", "700123456", "Jyldyz Osmonova"):
        assert secret not in stored
    assert "walnut-forest" not in stored and "password" not in entry.changes
    assert entry.changes["email"].startswith("hmac-sha256:")
    assert entry.changes["is_active"] is True
    assert audit_verify().ok


def test_updating_an_account_records_what_changed_as_digests(cast):
    services.user_update(user=cast.bakyt, phone="+996 555 999 888", actor=cast.administrator)
    entry = _entries("user_updated")[-1]
    assert set(entry.changes) == {"phone"}
    before, after = entry.changes["phone"]
    assert before.startswith("hmac-sha256:") and after.startswith("hmac-sha256:")
    assert "999888" not in json.dumps(entry.changes)
    assert entry.actor_id == cast.administrator.pk


def test_two_accounts_cannot_share_a_phone_number_in_different_spellings(cast):
    with pytest.raises(ValidationError):
        services.user_create(full_name="Copy", phone="0555 100 002", actor=None)


def test_an_account_needs_an_email_or_a_phone(db):
    with pytest.raises(ValidationError):
        services.user_create(full_name="Nobody", actor=None)


def test_officers_cannot_create_accounts(cast):
    with pytest.raises(PermissionDenied):
        services.user_create(full_name="New", email="new@example.org", actor=cast.erlan)


def test_granting_the_administrator_role_opens_the_admin_site_and_revoking_closes_it(cast):
    user = services.user_create(full_name="New Admin", email="na@example.org", actor=None)
    assert not user.is_staff
    membership = services.membership_grant(
        user=user,
        organisation=cast.national_administration,
        role=Role.ADMINISTRATOR,
        actor=cast.administrator,
    )
    user.refresh_from_db()
    assert user.is_staff
    granted = _entries("membership_granted")[-1]
    assert granted.changes["role"] == "administrator"
    assert granted.actor_id == cast.administrator.pk

    services.membership_revoke(membership=membership, actor=cast.administrator)
    user.refresh_from_db()
    assert not user.is_staff
    assert Membership.objects.get(pk=membership.pk).is_active is False
    assert _entries("membership_revoked")[-1].object_id == str(membership.pk)


def test_an_officer_role_does_not_open_the_admin_site(cast):
    assert not cast.bakyt.is_staff
    assert cast.administrator.is_staff


def test_nobody_grants_a_role_to_themselves(cast):
    with pytest.raises(PermissionDenied):
        services.membership_grant(
            user=cast.administrator,
            organisation=cast.balykchy_police,
            role=Role.SUPERVISOR,
            actor=cast.administrator,
        )


def test_a_regional_administrator_grants_roles_only_in_their_jurisdiction(cast):
    admin = _batken_admin(cast)
    newcomer = services.user_create(full_name="Newcomer", email="nc@example.org", actor=admin)
    services.membership_grant(
        user=newcomer,
        organisation=cast.batken_district_police,
        role=Role.DISTRICT_OFFICER,
        actor=admin,
    )
    with pytest.raises(PermissionDenied):
        services.membership_grant(
            user=newcomer,
            organisation=cast.balykchy_station,
            role=Role.DISTRICT_OFFICER,
            actor=admin,
        )
    assert Membership.objects.filter(user=newcomer).count() == 1


def test_a_regional_administrator_cannot_take_over_an_account_with_roles_elsewhere(cast):
    admin = _batken_admin(cast)
    # A local role for Bakyt does not make his Balykchy account theirs to change.
    services.membership_grant(
        user=cast.bakyt, organisation=cast.batken_police, role=Role.ANALYST, actor=admin
    )
    with pytest.raises(PermissionDenied):
        services.user_update(user=cast.bakyt, email="attacker@example.org", actor=admin)
    with pytest.raises(PermissionDenied):
        services.user_password_set(user=cast.bakyt, password="taken-over-123", actor=admin)
    # Chynara's account is wholly in Batken: theirs to manage.
    services.user_update(user=cast.chynara, full_name="Chynara Mamatova-Ali", actor=admin)


def test_only_superusers_change_superusers(cast):
    root = services.superuser_create(
        full_name="Root", email="root@example.org", password="a-long-superuser-passphrase"
    )
    with pytest.raises(PermissionDenied):
        services.user_update(user=root, full_name="Changed", actor=cast.administrator)
    with pytest.raises(PermissionDenied):
        services.superuser_create(
            full_name="Another",
            email="r2@example.org",
            password="x-y-z-q-w-e-1",
            actor=cast.administrator,
        )


def test_nobody_deactivates_their_own_account(cast):
    with pytest.raises(PermissionDenied):
        services.user_deactivate(user=cast.administrator, actor=cast.administrator)


def test_deactivating_an_account_is_audited(cast):
    services.user_deactivate(user=cast.bakyt, actor=cast.administrator)
    cast.bakyt.refresh_from_db()
    assert not cast.bakyt.is_active
    assert _entries("user_deactivated")[-1].object_id == str(cast.bakyt.pk)


def test_an_administrator_sets_a_password_and_the_log_holds_no_trace_of_it(cast):
    services.user_password_set(
        user=cast.bakyt, password="issyk-kul-blue-water-9", actor=cast.administrator
    )
    entry = _entries("password_set")[-1]
    assert entry.changes == {}
    cast.bakyt.refresh_from_db()
    assert cast.bakyt.check_password("issyk-kul-blue-water-9")
    assert "issyk-kul-blue" not in json.dumps([e.changes for e in AuditEntry.objects.all()])


def test_a_weak_password_is_refused(cast):
    with pytest.raises(ValidationError):
        services.user_password_set(user=cast.bakyt, password="12345678", actor=cast.bakyt)


def test_creating_an_organisation_is_audited_with_its_jurisdiction(cast):
    organisation = services.organisation_create(
        kind=OrganisationKind.PREVENTION_CENTRE,
        name_ky="Балыкчы № 3 УАБ",
        name_ru="ЦПП № 3 г. Балыкчы",
        name_en="Balykchy Prevention Centre No. 3",
        parent=cast.balykchy_police,
        jurisdiction=[cast.balykchy],
        phone="+996 3944 5 00 00",
        actor=cast.administrator,
    )
    entry = _entries("organisation_created")[-1]
    assert entry.object_id == str(organisation.pk)
    assert entry.changes["jurisdiction"] == [cast.balykchy.pk]
    assert entry.changes["name_en"] == "Balykchy Prevention Centre No. 3"
    assert entry.changes["parent"] == cast.balykchy_police.pk


def test_a_regional_administrator_cannot_create_an_organisation_elsewhere(cast):
    admin = _batken_admin(cast)
    with pytest.raises(PermissionDenied):
        services.organisation_create(
            kind=OrganisationKind.NGO,
            name_ky="",
            name_ru="",
            name_en="Somewhere else",
            jurisdiction=[cast.balykchy],
            actor=admin,
        )
    assert not Organisation.objects.filter(name_en="Somewhere else").exists()
    assert not _entries("organisation_created") or all(
        e.changes.get("name_en") != "Somewhere else" for e in _entries("organisation_created")
    )


def test_a_regional_administrator_cannot_move_an_organisation_out_of_their_reach(cast):
    admin = _batken_admin(cast)
    with pytest.raises(PermissionDenied):
        services.organisation_update(
            organisation=cast.batken_district_police,
            jurisdiction=[cast.balykchy],
            actor=admin,
        )
    services.organisation_update(
        organisation=cast.batken_district_police, phone="+996 3622 5 01 02", actor=admin
    )
    entry = _entries("organisation_updated")[-1]
    assert entry.changes == {"phone": ["", "+996 3622 5 01 02"]}


def test_an_organisation_cannot_sit_under_its_own_station(cast):
    with pytest.raises(ValidationError):
        services.organisation_update(
            organisation=cast.balykchy_police, parent=cast.balykchy_station, actor=None
        )


def test_an_organisation_needs_a_name(cast):
    with pytest.raises(ValidationError):
        services.organisation_create(
            kind=OrganisationKind.NGO, name_ky="", name_ru="", name_en=" ", actor=None
        )


def test_closing_an_organisation_takes_the_admin_site_from_its_administrators(cast):
    services.organisation_update(
        organisation=cast.national_administration, is_active=False, actor=None
    )
    cast.administrator.refresh_from_db()
    assert not cast.administrator.is_staff


def test_the_audit_chain_stays_intact_through_the_cast(cast):
    report = audit_verify()
    assert report.ok, report


def test_a_phone_only_account_keeps_its_email_empty(db):
    user = services.user_create(full_name="Phone Only", phone="0555 000 222", actor=None)
    user.refresh_from_db()
    assert user.email is None
    assert user.phone == "+996555000222"
    assert user.get_username() == "+996555000222"


def test_old_sign_in_records_are_pruned_with_one_audit_entry(cast):
    from datetime import timedelta

    from django.utils import timezone

    from ishenim.orgs.models import LoginAttempt
    from ishenim.orgs.tasks import login_attempts_prune

    old = LoginAttempt.objects.create(
        at=timezone.now() - timedelta(days=200), login_digest="a" * 64, succeeded=False
    )
    recent = LoginAttempt.objects.create(
        at=timezone.now() - timedelta(days=10), login_digest="b" * 64, succeeded=False
    )
    result = login_attempts_prune.enqueue()
    assert result.return_value == {"deleted": 1}
    assert not LoginAttempt.objects.filter(pk=old.pk).exists()
    assert LoginAttempt.objects.filter(pk=recent.pk).exists()
    assert _entries("login_attempts_pruned")[-1].changes["deleted"] == 1
