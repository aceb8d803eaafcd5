"""The issue's policy checks, on the gates and selectors every page and export uses: an
officer outside the jurisdiction cannot list, open, export or act on an appeal; nobody but
the handling organisation sees an anonymous reporter's contact."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from ishenim.appeals import access, selectors
from ishenim.appeals.models import Appeal, RoutingRule
from ishenim.appeals.selectors import QueueFilter
from ishenim.appeals.services import handling
from ishenim.appeals.services.submission import ReporterDetails
from ishenim.appeals.tests.factories import appeal_make, category
from ishenim.orgs import services as org_services
from ishenim.orgs.enums import Action, Role

pytestmark = pytest.mark.django_db
EVERYTHING = QueueFilter(scope="all")


def _listed(user, action=Action.VIEW) -> set[int]:
    return set(
        selectors.appeal_list_for_staff(user, EVERYTHING, action=action).values_list(
            "id", flat=True
        )
    )


def test_an_officer_outside_the_jurisdiction_cannot_list_open_export_or_act(cast):
    appeal = appeal_make()

    # Chynara (Batken) — the Chynara test.
    assert appeal.pk not in _listed(cast.chynara)
    assert appeal.pk not in _listed(cast.chynara, Action.EXPORT)
    with pytest.raises(Http404):
        access.access_appeal(cast.chynara, appeal.code)
    with pytest.raises(Http404):
        access.access_appeal(cast.chynara, appeal.code, action=Action.CHANGE)
    with pytest.raises(PermissionDenied):
        handling.appeal_start(appeal=appeal, actor=cast.chynara)
    # Bakyt and Erlan (Balykchy) may.
    assert appeal.pk in _listed(cast.bakyt) and appeal.pk in _listed(cast.erlan, Action.EXPORT)
    assert access.access_appeal(cast.bakyt, appeal.code_display) == appeal


def test_a_missing_and_a_forbidden_appeal_look_the_same(cast):
    appeal = appeal_make()

    with pytest.raises(Http404) as forbidden:
        access.access_appeal(cast.chynara, appeal.code)
    with pytest.raises(Http404) as missing:
        access.access_appeal(cast.chynara, "7KQ3-M9XP-M")
    with pytest.raises(Http404) as mistyped:
        access.access_appeal(cast.chynara, "not a code")

    assert str(forbidden.value) == str(missing.value) == str(mistyped.value)


def test_residents_and_analysts_do_not_read_appeals_but_the_resident_reads_their_own(cast):
    appeal = appeal_make(actor=cast.aida)
    someone_elses = appeal_make()

    assert _listed(cast.aida) == {appeal.pk}
    assert _listed(cast.dilnoza) == set()
    with pytest.raises(Http404):
        access.access_appeal(cast.dilnoza, someone_elses.code)


def test_a_confidential_appeal_is_seen_by_its_handlers_only(cast):
    appeal = appeal_make(category_code="domestic-conflict", text="My husband threatens me.")
    assert appeal.organisation == cast.balykchy_police

    # Erlan supervises the handling department; Bakyt's station sits below it and does not
    # handle it; the national administrator's clearance stops at restricted.
    assert appeal.pk in _listed(cast.erlan)
    assert appeal.pk not in _listed(cast.bakyt)
    assert appeal.pk not in _listed(cast.administrator)
    handling.appeal_assign(appeal=appeal, assignee=cast.erlan, actor=cast.erlan)


def _ombudsman_officer(cast):
    officer = org_services.user_create(
        full_name="Nurlan Ombudsman", email="nurlan@example.org", password=cast.password, actor=None
    )
    org_services.membership_grant(
        user=officer, organisation=cast.ombudsman, role=Role.OMBUDSMAN_OFFICER, actor=None
    )
    return officer


def test_nobody_but_the_handling_organisation_sees_an_anonymous_reporters_contact(cast):
    ombudsman_officer = _ombudsman_officer(cast)
    RoutingRule.objects.create(category=category("youth"), unit=None, organisation=cast.ombudsman)
    tip = appeal_make(
        category_code="youth",
        text="Teenagers are recruited to carry parcels across the border.",
        anonymous=True,
        reporter=ReporterDetails(phone="+996 700 111 222"),
    )
    assert tip.organisation == cast.ombudsman

    # The appeal itself is restricted: Balykchy's officers see it, being in their district...
    assert access.access_appeal(cast.erlan, tip.code) == tip
    # ...but not who sent it: only the Ombudsman's office, which handles it.
    assert access.access_reporter(cast.erlan, tip) is None
    assert access.access_reporter(cast.bakyt, tip) is None
    assert access.access_reporter(cast.administrator, tip) is None
    assert access.access_reporter(ombudsman_officer, tip).phone == "+996700111222"


def test_a_named_reporter_is_seen_by_officers_who_see_the_appeal(cast):
    appeal = appeal_make()

    assert access.access_reporter(cast.bakyt, appeal).full_name == "Gulnara Abdyldaeva"
    assert access.access_reporter(cast.chynara, appeal) is None


def test_a_police_conduct_complaint_is_handled_by_both_the_ombudsman_and_the_inspection(cast):
    ombudsman_officer = _ombudsman_officer(cast)
    inspection = org_services.organisation_create(
        kind="police_department",
        name_ky="",
        name_ru="",
        name_en="MIA inspection",
        jurisdiction=[cast.country],
        actor=None,
    )
    inspector = org_services.user_create(
        full_name="Inspector", email="inspector@example.org", password=cast.password, actor=None
    )
    org_services.membership_grant(
        user=inspector, organisation=inspection, role=Role.INVESTIGATOR, actor=None
    )
    RoutingRule.objects.create(
        category=category("police-conduct"),
        unit=None,
        organisation=cast.ombudsman,
        co_organisation=inspection,
    )
    complaint = appeal_make(
        category_code="police-conduct", text="An officer insulted me at the post."
    )

    # Confidential, handled by both: the police department of Balykchy does not see it.
    assert complaint.pk in _listed(ombudsman_officer) and complaint.pk in _listed(inspector)
    assert complaint.pk not in _listed(cast.erlan)
    assert Appeal.objects.get(pk=complaint.pk).sensitivity == "confidential"
