"""The account and directory pages: success, not signed in, wrong jurisdiction (Chynara),
invalid input, and bounded queries."""

import csv
import io

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from openpyxl import load_workbook

from ishenim.core.models import AuditEntry
from ishenim.orgs import services
from ishenim.orgs.enums import OrganisationKind
from ishenim.orgs.models import LoginAttempt

PROFILE = "/en/accounts/profile/"
PASSWORD = "/en/accounts/password/"
ORGANISATIONS = "/en/organisations/"


# --- profile --------------------------------------------------------------------------------


def test_profile_shows_my_contacts_roles_places_and_sign_ins(client_for, cast):
    LoginAttempt.objects.create(
        login_digest="d" * 64, user=cast.bakyt, ip="10.0.0.8", succeeded=True
    )
    response = client_for(cast.bakyt).get(PROFILE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Bakyt Asanov" in html
    assert "bakyt@example.org" in html
    assert "+996555100002" in html
    assert "District police officer" in html
    assert "Balykchy Police Station No. 1" in html
    assert "Balykchy" in html
    assert "10.0.0.8" in html
    assert reverse("orgs:two_factor_enrol") in html


def test_profile_of_a_resident_says_she_has_no_role(client_for, cast):
    response = client_for(cast.aida).get(PROFILE)
    assert b"You have no role in any organisation" in response.content


def test_profile_needs_a_signed_in_user(client, db):
    response = client.get(PROFILE)
    assert response.status_code == 302
    assert response["Location"] == f"/en/accounts/login/?next={PROFILE}"


def test_profile_shows_only_my_own_sign_ins(client_for, cast):
    LoginAttempt.objects.create(
        login_digest="e" * 64, user=cast.bakyt, ip="10.9.9.9", succeeded=False
    )
    response = client_for(cast.chynara).get(PROFILE)
    assert b"10.9.9.9" not in response.content


# --- password change ------------------------------------------------------------------------


def test_changing_my_password_keeps_me_signed_in_and_is_audited_without_the_password(
    client_for, cast
):
    client = client_for(cast.bakyt)
    new = "a-new-river-by-the-lake-7"
    response = client.post(
        PASSWORD,
        {"old_password": cast.password, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(cast.bakyt.pk)
    cast.bakyt.refresh_from_db()
    assert cast.bakyt.check_password(new)
    entry = AuditEntry.objects.get(action="password_set")
    assert entry.object_id == str(cast.bakyt.pk)
    row = str(entry.changes) + entry.actor_label + entry.hash
    assert new not in row and cast.bakyt.password not in row


def test_password_change_refuses_a_wrong_old_password(client_for, cast):
    response = client_for(cast.bakyt).post(
        PASSWORD,
        {"old_password": "wrong", "new_password1": "x-y-z-w-v-9", "new_password2": "x-y-z-w-v-9"},
    )
    assert response.status_code == 200
    assert b"Your old password was entered incorrectly" in response.content
    assert not AuditEntry.objects.filter(action="password_set").exists()


def test_password_change_refuses_a_weak_password(client_for, cast):
    response = client_for(cast.bakyt).post(
        PASSWORD, {"old_password": cast.password, "new_password1": "123", "new_password2": "123"}
    )
    assert response.status_code == 200
    assert b"too short" in response.content


def test_password_change_needs_a_signed_in_user(client, db):
    assert client.get(PASSWORD).status_code == 302


# --- the directory ----------------------------------------------------------------------------


def test_the_directory_lists_organisations_for_everyone(client, cast):
    response = client.get(ORGANISATIONS)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Balykchy City Police Department" in html
    assert "Batken District Police Department" in html
    assert "7 organisations" in html


def test_the_directory_filters_by_type_and_by_place(client, cast):
    batken = client.get(ORGANISATIONS, {"unit": cast.batken_oblast.code}).content.decode()
    assert "Batken Oblast Police Department" in batken
    assert "Batken District Police Department" in batken
    assert "Balykchy" not in batken.split("<tbody>")[1]

    stations = client.get(ORGANISATIONS, {"kind": OrganisationKind.POLICE_STATION}).content
    assert b"Balykchy Police Station No. 1" in stations
    assert b"Batken Oblast Police Department" not in stations

    named = client.get(ORGANISATIONS, {"query": "ombudsman"}).content
    assert b"1 organisation" in named


def test_the_directory_explains_an_unknown_filter(client, cast):
    response = client.get(ORGANISATIONS, {"unit": "no-such-unit", "kind": "bakery"})
    assert response.status_code == 200
    assert b"Select a valid choice" in response.content


def test_the_directory_downloads_as_csv_and_xlsx(client, cast):
    response = client.get(ORGANISATIONS, {"format": "csv", "unit": cast.issyk_kul.code})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Name"
    assert rows[1][0] == "#org+name"
    names = {row[0] for row in rows[2:]}
    assert names == {
        "Issyk-Kul Oblast Police Department",
        "Balykchy City Police Department",
        "Balykchy Police Station No. 1",
    }

    response = client.get(ORGANISATIONS, {"format": "xlsx"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet.max_row == 2 + 7


def test_the_directory_refuses_an_unknown_download_format(client, cast):
    assert client.get(ORGANISATIONS, {"format": "pdf"}).status_code == 400


def test_the_directory_runs_a_bounded_number_of_queries(
    client, cast, django_assert_max_num_queries
):
    for n in range(30):
        services.organisation_create(
            kind=OrganisationKind.PREVENTION_CENTRE,
            name_ky="",
            name_ru="",
            name_en=f"Balykchy Prevention Centre {n}",
            parent=cast.balykchy_police,
            jurisdiction=[cast.balykchy, cast.issyk_kul],
            actor=None,
        )
    with django_assert_max_num_queries(8):
        response = client.get(ORGANISATIONS)
    assert response.status_code == 200


def test_the_directory_for_a_signed_in_officer_is_bounded_too(
    client_for, cast, django_assert_max_num_queries
):
    client = client_for(cast.erlan)
    with django_assert_max_num_queries(14):
        assert client.get(ORGANISATIONS).status_code == 200


# --- one organisation ----------------------------------------------------------------------


def test_an_organisation_page_shows_its_facts_places_and_members(client_for, cast):
    response = client_for(cast.erlan).get(
        reverse("orgs:organisation_detail", args=[cast.balykchy_station.pk])
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Police station or post" in html
    assert "Balykchy City Police Department" in html  # its parent
    assert reverse("geo:unit_detail", args=[cast.balykchy.code]) in html
    assert "Bakyt Asanov" in html


def test_chynara_sees_a_balykchy_organisation_but_not_who_works_there(client_for, cast):
    response = client_for(cast.chynara).get(
        reverse("orgs:organisation_detail", args=[cast.balykchy_station.pk])
    )
    assert response.status_code == 200
    assert b"Balykchy Police Station No. 1" in response.content
    assert b"Bakyt Asanov" not in response.content
    assert b"shown to colleagues in this organisation" in response.content


def test_visitors_see_an_organisation_without_its_members(client, cast):
    response = client.get(reverse("orgs:organisation_detail", args=[cast.balykchy_station.pk]))
    assert response.status_code == 200
    assert b"Bakyt Asanov" not in response.content


@pytest.mark.parametrize("pk", [10**9])
def test_an_unknown_organisation_is_not_found(client, db, pk):
    assert client.get(reverse("orgs:organisation_detail", args=[pk])).status_code == 404


def test_an_organisation_page_runs_a_bounded_number_of_queries(
    client_for, cast, django_assert_max_num_queries
):
    client = client_for(cast.erlan)
    url = reverse("orgs:organisation_detail", args=[cast.balykchy_police.pk])
    with django_assert_max_num_queries(16):
        assert client.get(url).status_code == 200


def test_my_work_shows_my_roles(client_for, cast):
    response = client_for(cast.bakyt).get(reverse("core:my_work"))
    assert response.status_code == 200
    assert b"Your roles" in response.content
    assert b"Balykchy Police Station No. 1" in response.content


def test_my_recent_activity_names_my_sign_in_in_words(client, cast):
    client.post("/en/accounts/login/", {"login": "bakyt@example.org", "password": cast.password})
    html = client.get(reverse("core:my_work")).content.decode()
    panel = html.split('id="panel-recent_activity"')[1].split("</section>")[0]
    assert "Signed in" in panel
    assert "signed_in" not in panel


def test_a_colleague_with_export_rights_downloads_the_members_of_an_organisation(client_for, cast):
    url = f"/en/organisations/{cast.balykchy_station.pk}/"

    supervisor = client_for(cast.erlan).get(url + "?format=csv")
    resident = client_for(cast.aida)

    assert supervisor.status_code == 200
    text = b"".join(supervisor.streaming_content).decode("utf-8-sig")
    assert "Full name,Role,Job title,Since" in text
    assert "Bakyt" in text
    # A resident sees the public organisation but has no export right: no links, and the
    # file is refused; so is an officer of another district.
    assert "format=csv" not in resident.get(url).content.decode()
    assert resident.get(url + "?format=csv").status_code == 403
    assert client_for(cast.chynara).get(url + "?format=csv").status_code == 403


def test_my_account_page_downloads_my_roles_and_my_sign_ins(client, cast):
    client.post("/en/accounts/login/", {"login": "bakyt@example.org", "password": cast.password})
    page = client.get("/en/accounts/profile/").content.decode()
    assert "?format=csv" in page and "table=sign-ins" in page

    csv = client.get("/en/accounts/profile/?format=csv")
    roles = b"".join(csv.streaming_content).decode("utf-8-sig")
    sign_ins = client.get("/en/accounts/profile/?format=xlsx&table=sign-ins")

    assert "District police officer" in roles
    assert "Erlan" not in roles  # only my own
    assert sign_ins.status_code == 200
    assert sign_ins["Content-Type"].startswith("application/vnd.openxmlformats")
