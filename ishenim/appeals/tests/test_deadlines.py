"""The statutory clock: registration in 1 working day, an answer in 14, counted on the Kyrgyz
working-day calendar; paused while waiting for the resident; extended with a reason up to
the rule's limit; late and very late."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from ishenim.appeals.enums import AppealStatus, EventKind, Timeliness
from ishenim.appeals.models import DeadlineRule
from ishenim.appeals.services import handling
from ishenim.appeals.tests.factories import appeal_make
from ishenim.core.clock import clock_at

pytestmark = pytest.mark.django_db
BISHKEK = ZoneInfo("Asia/Bishkek")


def at(year, month, day, hour=10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=BISHKEK)


def test_an_appeal_received_before_the_new_year_holidays_is_due_after_them(cast):
    # Friday 25 December 2026. Working days after it: 28, 29, 30, 31 December (4); 1–7
    # January 2027 are the New Year holidays and Orthodox Christmas; then 8, 11–15, 18–21
    # January (10 more): the 14th working day is Thursday 21 January.
    with clock_at(at(2026, 12, 25)):
        appeal = appeal_make()

    assert appeal.register_due == date(2026, 12, 28)
    assert appeal.answer_due == date(2027, 1, 21)
    # 80 % of 14 is 11.2: the warning comes on the 12th working day, Tuesday 19 January.
    assert appeal.warn_on == date(2027, 1, 19)
    # Very late: past twice the time, 28 working days (4 in December, 24 from 8 January).
    assert appeal.very_late_on == date(2027, 2, 10)


def test_the_answer_time_is_data_per_type_of_organisation(cast):
    # A bill would cut the time to 10 working days: an administrator changes the row, no code.
    rule = DeadlineRule.objects.get(organisation_kind="")
    rule.answer_working_days = 10
    rule.save()
    with clock_at(at(2026, 12, 25)):
        appeal = appeal_make()

    assert appeal.answer_due == date(2027, 1, 15)


def test_waiting_for_the_resident_stops_the_clock_and_the_reply_restarts_it(cast):
    with clock_at(at(2026, 11, 2)):  # Monday
        appeal = appeal_make()
        handling.appeal_assign(appeal=appeal, assignee=cast.bakyt, actor=cast.erlan)
    due = appeal.answer_due
    with clock_at(at(2026, 11, 4)):
        handling.appeal_request_clarification(
            appeal=appeal, question="Which entrance of the building?", actor=cast.bakyt
        )
    assert appeal.status == AppealStatus.AWAITING_CLARIFICATION
    # Two weeks of waiting: 10 working days, every date moves by them.
    with clock_at(at(2026, 11, 18)):
        handling.appeal_receive_clarification(appeal=appeal, reply="The second one.", actor=None)

    assert appeal.status == AppealStatus.IN_PROGRESS
    assert appeal.paused_days == 10
    assert appeal.answer_due == date(2026, 12, 4)
    assert due == date(2026, 11, 20)
    reply = appeal.events.get(kind=EventKind.CLARIFICATION_RECEIVED)
    assert reply.public and reply.details["waited_days"] == 10


def test_an_appeal_waiting_for_the_resident_is_never_late(cast):
    with clock_at(at(2026, 11, 2)):
        appeal = appeal_make()
        handling.appeal_assign(appeal=appeal, assignee=cast.bakyt, actor=cast.erlan)
        handling.appeal_request_clarification(appeal=appeal, question="Where?", actor=cast.bakyt)

    assert appeal.timeliness(date(2027, 3, 1)) == Timeliness.ON_TIME


def test_an_extension_needs_a_reason_is_shown_to_the_resident_and_has_a_limit(cast):
    with clock_at(at(2026, 11, 2)):
        appeal = appeal_make()
        handling.appeal_assign(appeal=appeal, assignee=cast.bakyt, actor=cast.erlan)
        with pytest.raises(ValidationError) as no_reason:
            handling.appeal_extend(appeal=appeal, days=5, reason="  ", actor=cast.bakyt)
        with pytest.raises(ValidationError) as too_long:
            handling.appeal_extend(appeal=appeal, days=17, reason="Expert report", actor=cast.bakyt)
        handling.appeal_extend(appeal=appeal, days=16, reason="Expert report", actor=cast.bakyt)

    assert "reason" in no_reason.value.message_dict
    assert "1 to 16" in " ".join(too_long.value.message_dict["days"])
    # 30 working days from Monday 2 November 2026.
    assert appeal.answer_due == date(2026, 12, 14)
    event = appeal.events.get(kind=EventKind.EXTENDED)
    assert event.public and event.public_comment and event.comment == "Expert report"
    with pytest.raises(ValidationError, match="all the extension"):
        handling.appeal_extend(appeal=appeal, days=1, reason="More", actor=cast.bakyt)


def test_an_appeal_is_late_after_its_deadline_and_very_late_after_twice_the_time(cast):
    with clock_at(at(2026, 11, 2)):
        appeal = appeal_make()

    assert appeal.timeliness(date(2026, 11, 20)) == Timeliness.ON_TIME
    assert appeal.timeliness(date(2026, 11, 23)) == Timeliness.LATE
    assert appeal.very_late_on == date(2026, 12, 10)
    assert appeal.timeliness(date(2026, 12, 11)) == Timeliness.VERY_LATE


def test_an_answer_records_whether_it_came_in_time_and_after_how_many_working_days(cast):
    with clock_at(at(2026, 11, 2)):
        on_time = appeal_make()
        late = appeal_make(text="Another problem entirely, at the market.")
        handling.appeal_register(appeal=on_time, actor=cast.erlan)
        handling.appeal_register(appeal=late, actor=cast.erlan)
    with clock_at(at(2026, 11, 13)):
        handling.appeal_answer(appeal=on_time, answer="Checked and fixed.", actor=cast.bakyt)
    with clock_at(at(2026, 11, 27)):
        handling.appeal_answer(appeal=late, answer="Checked.", actor=cast.bakyt)

    assert (on_time.answered_on_time, on_time.answer_working_days) == (True, 9)
    assert (late.answered_on_time, late.answer_working_days) == (False, 19)
    assert late.timeliness() == Timeliness.LATE
