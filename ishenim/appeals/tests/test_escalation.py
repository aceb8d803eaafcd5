"""The periodic reminders: the assignee is warned at 80 % of the time, the supervisors are told
when the answer is overdue, once per deadline; answered appeals close after the reopening
period."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ishenim.appeals.enums import AppealStatus, EventKind
from ishenim.appeals.services import escalation, handling
from ishenim.appeals.services.messages import supervisors_of
from ishenim.appeals.tests.factories import appeal_make
from ishenim.core.clock import clock_at
from ishenim.notifications.models import Notification

pytestmark = pytest.mark.django_db
BISHKEK = ZoneInfo("Asia/Bishkek")
MONDAY = datetime(2026, 11, 2, 10, tzinfo=BISHKEK)


def _emails_to(address: str) -> list[str]:
    return list(
        Notification.objects.filter(recipient=address)
        .order_by("id")
        .values_list("template", flat=True)
    )


def test_the_assignee_is_warned_once_when_80_percent_of_the_time_is_used(cast):
    with clock_at(MONDAY):
        appeal = appeal_make()
        handling.appeal_assign(appeal=appeal, assignee=cast.bakyt, actor=cast.erlan)

    assert escalation.appeals_warn_due(today=date(2026, 11, 16)) == 0
    # The 12th working day of 14 (11.2 rounded up): Wednesday 18 November.
    assert appeal.warn_on == date(2026, 11, 18)
    assert escalation.appeals_warn_due(today=date(2026, 11, 18)) == 1
    assert escalation.appeals_warn_due(today=date(2026, 11, 19)) == 0

    assert _emails_to("bakyt@example.org") == ["appeals/appeal_due_soon"]
    warned = appeal.events.get(kind=EventKind.WARNED)
    assert warned.details["recipients"] == ["Bakyt Asanov"]


def test_an_overdue_appeal_is_escalated_to_the_supervisors_once_per_deadline(cast):
    with clock_at(MONDAY):
        appeal = appeal_make()
        handling.appeal_assign(appeal=appeal, assignee=cast.bakyt, actor=cast.erlan)

    assert escalation.appeals_escalate_overdue(today=date(2026, 11, 20)) == 0
    assert escalation.appeals_escalate_overdue(today=date(2026, 11, 23)) == 1
    assert escalation.appeals_escalate_overdue(today=date(2026, 11, 24)) == 0
    assert _emails_to("erlan@example.org") == ["appeals/appeal_overdue"]

    # An extension gives a new deadline, and a new escalation when that one passes too.
    with clock_at(datetime(2026, 11, 24, 9, tzinfo=BISHKEK)):
        handling.appeal_extend(
            appeal=appeal, days=3, reason="Waiting for a witness", actor=cast.bakyt
        )
    assert escalation.appeals_escalate_overdue(today=date(2026, 11, 25)) == 0
    assert escalation.appeals_escalate_overdue(today=appeal.answer_due + timedelta(days=1)) == 1


def test_answered_and_waiting_appeals_are_not_escalated(cast):
    with clock_at(MONDAY):
        answered = appeal_make()
        waiting = appeal_make(text="Another matter at the port.")
        for appeal in (answered, waiting):
            handling.appeal_assign(appeal=appeal, assignee=cast.bakyt, actor=cast.erlan)
        handling.appeal_answer(appeal=answered, answer="Done", actor=cast.bakyt)
        handling.appeal_request_clarification(appeal=waiting, question="When?", actor=cast.bakyt)

    assert escalation.appeals_escalate_overdue(today=date(2027, 1, 29)) == 0


def test_an_escalation_climbs_to_the_nearest_organisation_with_a_supervisor(cast):
    # The station has no supervisor of its own; Erlan supervises the department above it.
    assert supervisors_of(cast.balykchy_station) == [cast.erlan]
    assert supervisors_of(cast.batken_district_police) == []


def test_answered_appeals_close_when_the_reopening_period_is_over(cast):
    with clock_at(MONDAY):
        appeal = appeal_make()
        handling.appeal_assign(appeal=appeal, assignee=cast.bakyt, actor=cast.erlan)
        handling.appeal_answer(appeal=appeal, answer="Done", actor=cast.bakyt)

    assert escalation.appeals_close_settled(now=MONDAY + timedelta(days=29)) == 0
    assert escalation.appeals_close_settled(now=MONDAY + timedelta(days=31)) == 1
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.CLOSED
    assert appeal.events.get(kind=EventKind.CLOSED).actor is None
