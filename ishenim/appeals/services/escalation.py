"""The periodic reminders (appeals.tasks): a warning to the assignee when the rule's share
of the time is used, an escalation to the supervisors when the answer is overdue, and the
closing of answered appeals the resident left alone past the reopening period.

Each appeal is reminded once per deadline (`warned_for`, `escalated_for` hold the deadline
the reminder was for), so an extension or a reopening earns a fresh reminder and a job run
twice sends nothing twice.
"""

from datetime import date, timedelta

from django.db import transaction
from django.db.models import F, Q

from ishenim.appeals import timeline
from ishenim.appeals.enums import AppealStatus
from ishenim.appeals.models import Appeal, DeadlineRule
from ishenim.appeals.services import handling, messages
from ishenim.core import clock

# Appeals whose clock runs: waiting for the resident stops it.
_RUNNING = (
    AppealStatus.SUBMITTED,
    AppealStatus.REGISTERED,
    AppealStatus.ASSIGNED,
    AppealStatus.IN_PROGRESS,
    AppealStatus.REDIRECTED,
)


def _not_reminded(field: str) -> Q:
    return Q(**{f"{field}__isnull": True}) | ~Q(**{field: F("answer_due")})


def appeals_warn_due(*, today: date | None = None) -> int:
    today = today or clock.today()
    due = Appeal.objects.filter(status__in=_RUNNING, warn_on__lte=today, answer_due__gte=today)
    count = 0
    for appeal_id in due.filter(_not_reminded("warned_for")).values_list("id", flat=True):
        with transaction.atomic():
            appeal = (
                Appeal.objects.select_for_update(of=("self",))
                .select_related("assignee", "organisation")
                .filter(pk=appeal_id)
                .filter(_not_reminded("warned_for"))
                .first()
            )
            if appeal is None:
                continue
            appeal.warned_for = appeal.answer_due
            appeal.save(update_fields=["warned_for"])
            timeline.appeal_warned(appeal=appeal, recipients=messages.assignee_warned(appeal))
            count += 1
    return count


def appeals_escalate_overdue(*, today: date | None = None) -> int:
    today = today or clock.today()
    overdue = Appeal.objects.filter(status__in=_RUNNING, answer_due__lt=today)
    count = 0
    for appeal_id in overdue.filter(_not_reminded("escalated_for")).values_list("id", flat=True):
        with transaction.atomic():
            appeal = (
                Appeal.objects.select_for_update(of=("self",))
                .select_related("organisation")
                .filter(pk=appeal_id)
                .filter(_not_reminded("escalated_for"))
                .first()
            )
            if appeal is None:
                continue
            appeal.escalated_for = appeal.answer_due
            appeal.save(update_fields=["escalated_for"])
            timeline.appeal_escalated(
                appeal=appeal, recipients=messages.supervisors_escalated(appeal)
            )
            count += 1
    return count


def appeals_close_settled(*, now=None) -> int:
    """Answered appeals past the reopening period are closed by the system."""
    now = now or clock.now()
    # Only appeals past the shortest period of any rule can be due; each is then checked
    # against its own organisation's rule.
    shortest = min(DeadlineRule.objects.values_list("reopen_days", flat=True), default=30)
    candidates = Appeal.objects.filter(
        status=AppealStatus.ANSWERED, answered_at__lt=now - timedelta(days=shortest)
    ).values_list("id", flat=True)
    count = 0
    for appeal_id in candidates:
        with transaction.atomic():
            appeal = Appeal.objects.select_for_update().filter(pk=appeal_id).first()
            if appeal is None or appeal.status != AppealStatus.ANSWERED:
                continue
            until = handling.reopen_until(appeal)
            if until is None or until > now:
                continue
            handling.appeal_close(appeal=appeal, actor=None)
            count += 1
    return count
