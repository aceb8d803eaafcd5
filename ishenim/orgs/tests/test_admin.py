"""The admin asks the policy: a regional administrator sees and manages their region only,
nobody edits the audit log, and admin writes go through the audited services."""

import pytest
from django.urls import reverse

from ishenim.core.models import AuditEntry, CalendarDay
from ishenim.geo.models import Settlement
from ishenim.orgs import services
from ishenim.orgs.admin.base import PolicyModelAdmin
from ishenim.orgs.enums import OrganisationKind, Role
from ishenim.orgs.models import Membership, Organisation, User


@pytest.fixture
def batken_admin(cast) -> User:
    admin = services.user_create(
        full_name="Batken Administrator", email="batken-admin@example.org", actor=None
    )
    services.membership_grant(
        user=admin, organisation=cast.batken_police, role=Role.ADMINISTRATOR, actor=None
    )
    return User.objects.get(pk=admin.pk)


def _changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def test_a_batken_administrator_sees_batkens_organisations_only(client_for, cast, batken_admin):
    html = client_for(batken_admin).get(_changelist(Organisation)).content.decode()
    assert "Batken Oblast Police Department" in html
    assert "Batken District Police Department" in html
    assert "Balykchy" not in html
    assert "Office of the Ombudsman" not in html


def test_a_batken_administrator_sees_batkens_users_only(client_for, cast, batken_admin):
    response = client_for(batken_admin).get(_changelist(User))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Chynara Mamatova" in html
    for stranger in ("Bakyt Asanov", "Erlan Sadykov", "Aida Toktosunova", "Asel Administrator"):
        assert stranger not in html


def test_a_batken_administrator_cannot_open_a_balykchy_account(client_for, cast, batken_admin):
    url = reverse("admin:orgs_user_change", args=[cast.bakyt.pk])
    response = client_for(batken_admin).get(url)
    # The admin answers a record outside the queryset as missing.
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_the_account_page_never_shows_the_password_hash(client_for, cast):
    url = reverse("admin:orgs_user_change", args=[cast.chynara.pk])
    response = client_for(cast.administrator).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert cast.chynara.password not in html
    assert cast.chynara.password.split("$")[-1] not in html
    assert "Chynara Mamatova" in html


def test_a_superuser_sees_every_organisation(client_for, cast):
    root = services.superuser_create(
        full_name="Root", email="root@example.org", password="a-long-superuser-passphrase"
    )
    html = client_for(root).get(_changelist(Organisation)).content.decode()
    assert "Balykchy Police Station No. 1" in html
    assert "Batken District Police Department" in html


def test_officers_do_not_reach_the_admin_site(client_for, cast):
    client = client_for(cast.erlan)
    response = client.get(reverse("admin:index"), follow=True)
    # Refused, not sent round in circles between the two sign-in pages.
    assert response.status_code == 403
    assert len(response.redirect_chain) == 1


def test_the_index_shows_a_regional_administrator_what_they_manage(client_for, cast, batken_admin):
    html = client_for(batken_admin).get(reverse("admin:index")).content.decode()
    assert _changelist(Organisation) in html
    assert _changelist(User) in html
    assert _changelist(Membership) in html
    assert _changelist(AuditEntry) not in html


def test_the_audit_log_is_read_only_for_everyone(client_for, cast):
    client = client_for(cast.administrator)
    assert client.get(_changelist(AuditEntry)).status_code == 200
    entry = AuditEntry.objects.first()
    page = client.get(reverse("admin:core_auditentry_change", args=[entry.pk]))
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert client.get(reverse("admin:core_auditentry_add")).status_code == 403
    delete = client.post(reverse("admin:core_auditentry_delete", args=[entry.pk]), {"post": "yes"})
    assert delete.status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_a_regional_administrator_cannot_read_the_audit_log(client_for, cast, batken_admin):
    assert client_for(batken_admin).get(_changelist(AuditEntry)).status_code == 403


def test_adding_an_organisation_in_the_admin_goes_through_the_audited_service(
    client_for, cast, batken_admin
):
    response = client_for(batken_admin).post(
        reverse("admin:orgs_organisation_add"),
        {
            "kind": OrganisationKind.PREVENTION_CENTRE,
            "name_ky": "Тоо-Суу УАБ",
            "name_ru": "ЦПП Тоо-Суу",
            "name_en": "Too-Suu Prevention Centre",
            "parent": cast.batken_district_police.pk,
            "jurisdiction": [cast.batken_district.pk],
            "phone": "",
            "email": "",
            "address": "",
            "website": "",
            "latitude": "",
            "longitude": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    created = Organisation.objects.get(name_en="Too-Suu Prevention Centre")
    assert list(created.jurisdiction.all()) == [cast.batken_district]
    entry = AuditEntry.objects.filter(action="organisation_created").last()
    assert entry.object_id == str(created.pk)
    assert entry.actor_id == batken_admin.pk


def test_the_admin_offers_only_units_of_the_administrators_jurisdiction(
    client_for, cast, batken_admin
):
    html = client_for(batken_admin).get(reverse("admin:orgs_organisation_add")).content.decode()
    assert f'value="{cast.batken_district.pk}"' in html
    assert f'value="{cast.balykchy.pk}"' not in html


def test_adding_an_account_with_a_role_in_the_admin_is_audited(client_for, cast, batken_admin):
    response = client_for(batken_admin).post(
        reverse("admin:orgs_user_add"),
        {
            "full_name": "Temir Bekov",
            "email": "temir@example.org",
            "phone": "0770 12 34 56",
            "language": "ky",
            "new_password": "apricot-orchard-batken-8",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
            "memberships-0-organisation": cast.batken_district_police.pk,
            "memberships-0-role": Role.DISTRICT_OFFICER,
            "memberships-0-title": "District police officer",
            "memberships-0-is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    temir = User.objects.get(email="temir@example.org")
    assert temir.phone == "+996770123456"
    assert temir.check_password("apricot-orchard-batken-8")
    membership = Membership.objects.get(user=temir)
    assert membership.role == Role.DISTRICT_OFFICER
    actions = set(
        AuditEntry.objects.filter(actor_id=batken_admin.pk).values_list("action", flat=True)
    )
    assert {"user_created", "membership_granted"} <= actions


def test_a_role_outside_the_jurisdiction_is_refused_in_the_admin(client_for, cast, batken_admin):
    client = client_for(batken_admin)
    response = client.post(
        reverse("admin:orgs_membership_add"),
        {"user": cast.chynara.pk, "organisation": cast.balykchy_station.pk, "role": "analyst"},
    )
    assert response.status_code in (200, 403)
    assert not Membership.objects.filter(
        user=cast.chynara, organisation=cast.balykchy_station
    ).exists()


def test_revoking_memberships_from_the_admin_list(client_for, cast):
    membership = Membership.objects.get(user=cast.chynara)
    response = client_for(cast.administrator).post(
        _changelist(Membership),
        {"action": "revoke_selected", "_selected_action": [membership.pk]},
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert not membership.is_active
    assert AuditEntry.objects.filter(action="membership_revoked").exists()


def test_a_settlement_added_in_the_admin_is_located_and_audited(client_for, cast):
    response = client_for(cast.administrator).post(
        reverse("admin:geo_settlement_add"),
        {
            "name_ky": "Жаңы айыл",
            "name_ru": "Новое село",
            "name_en": "Jangy-Aiyl",
            "kind": "village",
            "latitude": "42.46",
            "longitude": "76.19",
            "population": "",
            "source": "admin test",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    village = Settlement.objects.get(name_en="Jangy-Aiyl")
    assert village.unit == cast.balykchy
    assert village.h3_r9
    assert AuditEntry.objects.filter(
        action="settlement_created", object_id=str(village.pk)
    ).exists()


def test_a_settlement_outside_the_administrators_jurisdiction_is_refused(
    client_for, cast, batken_admin
):
    response = client_for(batken_admin).post(
        reverse("admin:geo_settlement_add"),
        {
            "name_ky": "Жаңы айыл",
            "name_ru": "Новое село",
            "name_en": "Jangy-Aiyl",
            "kind": "village",
            "latitude": "42.46",
            "longitude": "76.19",
            "population": "",
            "source": "",
        },
    )
    assert response.status_code == 200
    assert b"outside your jurisdiction" in response.content
    assert not Settlement.objects.filter(name_en="Jangy-Aiyl").exists()


def test_reference_units_are_read_only_for_administrators(client_for, cast):
    client = client_for(cast.administrator)
    page = client.get(reverse("admin:geo_adminunit_change", args=[cast.balykchy.pk]))
    assert page.status_code == 200
    assert b'name="_save"' not in page.content


def test_a_calendar_correction_in_the_admin_is_audited(client_for, cast):
    response = client_for(cast.administrator).post(
        reverse("admin:core_calendarday_add"),
        {"date": "2026-03-20", "kind": "day_off", "name": "Orozo Ait", "source": "Decree"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    day = CalendarDay.objects.get(date="2026-03-20")
    assert AuditEntry.objects.filter(action="calendarday_created", object_id=str(day.pk)).exists()


def test_after_signing_in_the_admin_opens_where_it_was_asked_for(client, cast):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from ishenim.orgs.tests.test_two_factor import code_for

    device = TOTPDevice.objects.create(user=cast.administrator, name="phone", confirmed=True)
    asked = reverse("admin:orgs_organisation_changelist")
    login_page = client.get(asked, follow=True).redirect_chain[-1][0]
    assert login_page.startswith(reverse("orgs:login"))
    response = client.post(
        login_page, {"login": "admin@example.org", "password": cast.password}, follow=True
    )
    verify_page = response.redirect_chain[-1][0]
    assert verify_page.startswith(reverse("orgs:two_factor_verify"))
    response = client.post(verify_page, {"token": code_for(device)}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == asked


def test_the_admins_password_link_leads_to_the_platforms_audited_page(client_for, cast):
    response = client_for(cast.administrator).get(reverse("admin:password_change"))
    assert response.status_code == 302
    assert response["Location"] == reverse("orgs:password_change")


@pytest.mark.parametrize("app_label", ["core", "geo", "orgs"])
def test_every_model_of_the_bottom_layers_has_an_admin_and_a_policy_scope(app_label):
    from django.apps import apps
    from django.contrib import admin

    from ishenim.orgs import policy

    for model in apps.get_app_config(app_label).get_models():
        assert admin.site.is_registered(model), model
        assert isinstance(admin.site._registry[model], PolicyModelAdmin), model
        assert model in policy.registered_models(), model
