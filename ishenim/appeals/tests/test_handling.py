"""From registration to a rated answer: the statuses, who may change them, and the history
each step leaves."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ishenim.appeals.enums import AppealStatus, EventKind, RejectionGround
from ishenim.appeals.models import Appeal
from ishenim.appeals.services import handling
from ishenim.appeals.services.duplicates import possible_duplicates
from ishenim.appeals.tests.factories import BALYKCHY_POINT, appeal_make
from ishenim.core.clock import clock_at
from ishenim.core.models import AuditEntry
from ishenim.notifications.models import Notification

pytestmark = pytest.mark.django_db
BISHKEK = ZoneInfo("Asia/Bishkek")


def test_register_assign_start_answer_leaves_a_history_and_tells_the_resident(cast):
    appeal = appeal_make()
    handling.appeal_register(appeal=appeal, actor=cast.erlan)
    handling.appeal_assign(appeal=appeal, assignee=cast.bakyt, comment="Yours", actor=cast.erlan)
    handling.appeal_start(appeal=appeal, actor=cast.bakyt)
    handling.appeal_answer(appeal=appeal, answer="Patrols were added.", actor=cast.bakyt)

    assert appeal.status == AppealStatus.ANSWERED
    assert appeal.answered_by == cast.bakyt and appeal.answered_on_time
    kinds = list(appeal.events.values_list("kind", flat=True))
    assert kinds == [
        EventKind.SUBMITTED,
        EventKind.REGISTERED,
        EventKind.ASSIGNED,
        EventKind.STARTED,
        EventKind.ANSWERED,
    ]
    assigned = appeal.events.get(kind=EventKind.ASSIGNED)
    assert (assigned.actor, assigned.public) == (cast.erlan, False)
    assert AuditEntry.objects.filter(object_id=str(appeal.pk), action="appeal_answered").exists()
    # Registration and the answer reach the resident's phone (SMS), in their language.
    templates = list(
        Notification.objects.filter(object_id=str(appeal.pk))
        .order_by("id")
        .values_list("template", flat=True)
    )
    assert templates == ["appeals/appeal_registered", "appeals/appeal_answered"]


def test_an_officer_of_another_district_may_not_act_on_the_appeal(cast):
    appeal = appeal_make()

    with pytest.raises(PermissionDenied):
        handling.appeal_register(appeal=appeal, actor=cast.chynara)
    with pytest.raises(PermissionDenied):
        handling.appeal_answer(appeal=appeal, answer="No.", actor=cast.chynara)
    with pytest.raises(PermissionDenied):
        handling.appeal_assign(appeal=appeal, assignee=cast.chynara, actor=cast.chynara)
    assert Appeal.objects.get(pk=appeal.pk).status == AppealStatus.SUBMITTED


def test_an_appeal_someone_handles_is_taken_over_only_when_confirmed(cast):
    appeal = appeal_make()
    handling.appeal_assign(appeal=appeal, assignee=cast.bakyt, actor=cast.bakyt)

    with pytest.raises(ValidationError) as taken:
        handling.appeal_assign(appeal=appeal, assignee=cast.erlan, actor=cast.erlan)
    assert taken.value.code == "taken"
    assert "Bakyt Asanov has been handling this appeal since" in taken.value.messages[0]

    handling.appeal_assign(appeal=appeal, assignee=cast.erlan, take_over=True, actor=cast.erlan)
    assert appeal.assignee == cast.erlan


def test_a_form_from_an_out_of_date_page_is_refused(cast):
    appeal = appeal_make()
    seen = appeal.version
    handling.appeal_register(appeal=appeal, version=seen, actor=cast.erlan)

    with pytest.raises(ValidationError, match="changed this appeal after you opened it"):
        handling.appeal_assign(appeal=appeal, assignee=cast.bakyt, version=seen, actor=cast.erlan)


def test_only_the_allowed_steps_follow_each_status(cast):
    appeal = appeal_make()

    with pytest.raises(ValidationError, match="“Submitted”"):
        handling.appeal_answer(appeal=appeal, answer="Too early", actor=cast.erlan)
    with pytest.raises(ValidationError):
        handling.appeal_rate(appeal=appeal, rating=5, actor=None)


def test_a_redirection_says_where_and_why_to_the_resident_and_the_new_organisation(cast):
    appeal = appeal_make()
    handling.appeal_assign(appeal=appeal, assignee=cast.bakyt, actor=cast.erlan)

    handling.appeal_redirect(
        appeal=appeal,
        organisation=cast.ombudsman,
        reason="The complaint concerns a police officer.",
        actor=cast.erlan,
    )

    assert appeal.status == AppealStatus.REDIRECTED
    assert appeal.organisation == cast.ombudsman and appeal.assignee is None
    event = appeal.events.get(kind=EventKind.REDIRECTED)
    assert event.public and event.public_comment
    assert (event.organisation, event.to_organisation) == (cast.balykchy_police, cast.ombudsman)
    with pytest.raises(ValidationError, match="already"):
        handling.appeal_redirect(
            appeal=appeal, organisation=cast.ombudsman, reason="x", actor=cast.administrator
        )


def test_a_district_officer_cannot_redirect_without_the_assign_right(cast):
    appeal = appeal_make()

    with pytest.raises(PermissionDenied):
        handling.appeal_redirect(
            appeal=appeal, organisation=cast.ombudsman, reason="x", actor=cast.bakyt
        )


def test_a_rejection_names_its_legal_ground(cast):
    appeal = appeal_make()

    with pytest.raises(ValidationError) as no_ground:
        handling.appeal_reject(appeal=appeal, ground="dislike", explanation="x", actor=cast.erlan)
    handling.appeal_reject(
        appeal=appeal,
        ground=RejectionGround.COURT,
        explanation="The Balykchy city court is deciding this dispute.",
        actor=cast.erlan,
    )

    assert "ground" in no_ground.value.message_dict
    assert appeal.status == AppealStatus.REJECTED
    assert appeal.events.get(kind=EventKind.REJECTED).details["ground"] == "court"


def test_possible_duplicates_are_near_in_the_same_category_recent_and_alike(cast):
    lat, lon = BALYKCHY_POINT
    first = appeal_make(
        text="A pack of stray dogs near school No. 3 every morning.", category_code="stray-animals"
    )
    alike = appeal_make(
        point=(lat + 0.001, lon),
        text="Stray dogs at school No. 3 in the morning",
        category_code="stray-animals",
    )
    far = appeal_make(
        point=(lat + 0.01, lon),
        text="A pack of stray dogs near school No. 3 every morning.",
        category_code="stray-animals",
    )
    other_text = appeal_make(
        point=(lat + 0.0005, lon),
        text="Broken street lights on Frunze street.",
        category_code="stray-animals",
    )
    other_category = appeal_make(text="A pack of stray dogs near school No. 3 every morning.")
    with clock_at(first.received_at + timedelta(days=8)):
        later = appeal_make(
            text="A pack of stray dogs near school No. 3 every morning.",
            category_code="stray-animals",
        )
    del far, other_text, other_category, later

    found = possible_duplicates(first, Appeal.objects.all())

    assert [item.appeal for item in found] == [alike]
    assert 100 < found[0].distance_metres < 120


def test_merging_is_a_staff_decision_that_closes_the_duplicate(cast):
    kept = appeal_make()
    duplicate = appeal_make()

    handling.appeal_merge(appeal=duplicate, into=kept, comment="Same fight", actor=cast.erlan)

    assert duplicate.status == AppealStatus.MERGED and duplicate.merged_into == kept
    assert kept.events.filter(kind=EventKind.DUPLICATE_RECEIVED).exists()
    with pytest.raises(ValidationError):
        handling.appeal_merge(appeal=kept, into=duplicate, actor=cast.erlan)


def test_the_resident_reopens_within_30_days_and_rates_each_answer_once(cast):
    received = datetime(2026, 10, 1, 10, tzinfo=BISHKEK)
    with clock_at(received):
        appeal = appeal_make()
        handling.appeal_assign(appeal=appeal, assignee=cast.bakyt, actor=cast.erlan)
    with clock_at(received + timedelta(days=5)):
        handling.appeal_answer(appeal=appeal, answer="Done.", actor=cast.bakyt)
        handling.appeal_rate(appeal=appeal, rating=2, comment="Nothing changed", actor=None)
        with pytest.raises(ValidationError, match="rated already"):
            handling.appeal_rate(appeal=appeal, rating=5, actor=None)
    with clock_at(received + timedelta(days=20)):
        handling.appeal_reopen(appeal=appeal, comment="The fights go on.", actor=None)

    assert appeal.status == AppealStatus.IN_PROGRESS and appeal.reopened_count == 1
    # A new clock from the day of reopening (Wednesday 21 October 2026).
    assert str(appeal.answer_due) == "2026-11-10"
    with clock_at(received + timedelta(days=22)):
        handling.appeal_answer(appeal=appeal, answer="Now a patrol stands there.", actor=cast.bakyt)
        handling.appeal_rate(appeal=appeal, rating=5, actor=None)
    assert appeal.rating == 5
    with (
        clock_at(received + timedelta(days=22 + 31)),
        pytest.raises(ValidationError, match="30 days"),
    ):
        handling.appeal_reopen(appeal=appeal, comment="Again", actor=None)


def test_sensitivity_can_be_raised_with_a_reason_and_the_reporter_follows(cast):
    appeal = appeal_make()

    handling.appeal_classify(
        appeal=appeal, sensitivity="confidential", reason="Mentions a minor.", actor=cast.erlan
    )

    appeal.reporter.refresh_from_db()
    assert (appeal.sensitivity, appeal.reporter.sensitivity) == ("confidential", "confidential")
