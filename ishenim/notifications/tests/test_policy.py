"""Notifications are personal data of no unit: national administrators read them, nobody
else does (Chynara, Bakyt, a regional administrator), and nobody edits them."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from ishenim.notifications import selectors
from ishenim.notifications.models import Notification
from ishenim.notifications.tests.conftest import send
from ishenim.orgs import policy, services
from ishenim.orgs.admin.base import PolicyModelAdmin
from ishenim.orgs.enums import Action, Role
from ishenim.orgs.models import User

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:notifications_notification_changelist")


@pytest.fixture
def batken_admin(cast) -> User:
    user = services.user_create(
        full_name="Batken Administrator", email="batken-admin@example.org", actor=None
    )
    services.membership_grant(
        user=user, organisation=cast.batken_police, role=Role.ADMINISTRATOR, actor=None
    )
    return User.objects.get(pk=user.pk)


@pytest.fixture
def about_appeal(cast) -> list[Notification]:
    return send(email="aida@example.org", phone="+996555100001", actor=cast.bakyt)


def test_a_national_administrator_sees_what_was_sent_about_a_record(cast, about_appeal):
    seen = selectors.notification_list_for_subject(cast.administrator, "appeals.appeal", 42)

    assert list(seen) == about_appeal
    assert not selectors.notification_list_for_subject(cast.administrator, "appeals.appeal", 43)


@pytest.mark.parametrize("who", ["chynara", "bakyt", "erlan", "dilnoza", "aida"])
def test_officers_analysts_and_residents_see_no_notifications(cast, about_appeal, who):
    user = getattr(cast, who)

    assert not selectors.notification_list_for_subject(user, "appeals.appeal", "42").exists()
    assert not policy.can(user, Action.VIEW, about_appeal[0])


def test_a_regional_administrator_sees_no_notifications(batken_admin, about_appeal):
    assert not selectors.notification_list_for_subject(batken_admin, "appeals.appeal", "42")
    assert not policy.can(batken_admin, Action.VIEW, Notification)


def test_nobody_but_a_superuser_changes_a_notification(cast, about_appeal):
    for action in (Action.CREATE, Action.CHANGE, Action.DELETE):
        assert not policy.can(cast.administrator, action, about_appeal[0])


def test_the_notification_model_has_a_policy_aware_admin_and_a_policy_scope():
    for model in apps.get_app_config("notifications").get_models():
        assert isinstance(admin.site._registry[model], PolicyModelAdmin), model
        assert model in policy.registered_models(), model


def test_a_national_administrator_reads_the_list_and_a_notification(
    client_for, cast, about_appeal, django_assert_max_num_queries
):
    client = client_for(cast.administrator)
    send(email="erlan@example.org", phone="+996555100005")

    with django_assert_max_num_queries(20):
        html = client.get(CHANGELIST).content.decode()
    assert "aida@example.org" in html and "+996555100001" in html
    assert "erlan@example.org" in html

    page = client.get(reverse("admin:notifications_notification_change", args=[about_appeal[0].pk]))
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert client.get(reverse("admin:notifications_notification_add")).status_code == 403


def test_the_list_refuses_officers_and_regional_administrators(client_for, cast, batken_admin):
    # Officers do not reach the admin site at all: sent to its sign-in, which refuses them.
    assert client_for(cast.chynara).get(CHANGELIST, follow=True).status_code == 403
    assert client_for(cast.bakyt).get(CHANGELIST, follow=True).status_code == 403
    assert client_for(batken_admin).get(CHANGELIST).status_code == 403
    index = client_for(batken_admin).get(reverse("admin:index")).content.decode()
    assert CHANGELIST not in index
