"""Background tasks of the appeals, thin and named after what they call. The three periodic
jobs run from `ishenim worker`'s timetable (core.schedule)."""

from datetime import time, timedelta

from django_tasks import task

from ishenim.appeals.services import escalation
from ishenim.core.schedule import periodic


# Hourly rather than daily: a worker started late in the day still reminds the same day,
# and a job that found nothing costs one indexed query.
@periodic("appeals_warn_due", every=timedelta(hours=1))
@task()
def appeals_warn_due() -> dict:
    """Tell assignees whose appeals have used the rule's share of their time."""
    return {"warned": escalation.appeals_warn_due()}


@periodic("appeals_escalate_overdue", every=timedelta(hours=1))
@task()
def appeals_escalate_overdue() -> dict:
    """Tell the supervisors of the organisations whose appeals are past their deadline."""
    return {"escalated": escalation.appeals_escalate_overdue()}


@periodic("appeals_close_settled", daily_at=time(3, 30))
@task()
def appeals_close_settled() -> dict:
    """Close answered appeals the resident did not reopen within the rule's days."""
    return {"closed": escalation.appeals_close_settled()}
