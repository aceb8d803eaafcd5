"""The routing rules, the service list and the deadlines are edited in the admin by national
administrators, each change audited; officers cannot."""

import pytest

from ishenim.appeals.models import RoutingRule
from ishenim.appeals.tests.factories import category
from ishenim.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_an_administrator_adds_a_routing_rule_in_the_admin_and_it_is_audited(cast, client_for):
    client = client_for(cast.administrator)

    response = client.post(
        "/en/admin/appeals/routingrule/add/",
        {
            "category": category("stray-animals").pk,
            "unit": cast.balykchy.pk,
            "organisation": cast.balykchy_station.pk,
            "is_active": "on",
            "note": "Vets are at the station",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    rule = RoutingRule.objects.get()
    assert rule.organisation == cast.balykchy_station
    assert AuditEntry.objects.filter(action="routingrule_created", object_id=str(rule.pk)).exists()


def test_a_second_active_rule_for_the_same_category_and_unit_is_refused(cast, client_for):
    RoutingRule.objects.create(
        category=category("youth"), unit=cast.balykchy, organisation=cast.balykchy_police
    )

    response = client_for(cast.administrator).post(
        "/en/admin/appeals/routingrule/add/",
        {
            "category": category("youth").pk,
            "unit": cast.balykchy.pk,
            "organisation": cast.balykchy_station.pk,
            "is_active": "on",
        },
    )

    assert response.status_code == 200
    assert "An active rule for this category and unit exists already" in response.content.decode()
    assert RoutingRule.objects.count() == 1


def test_the_deadline_rule_is_data_in_the_admin(cast, client_for):
    page = client_for(cast.administrator).get("/en/admin/appeals/deadlinerule/")

    assert page.status_code == 200
    assert "14" in page.content.decode()


def test_an_officer_cannot_change_the_routing(cast, client_for):
    response = client_for(cast.bakyt).get("/en/admin/appeals/routingrule/add/")

    assert response.status_code in (302, 403)
