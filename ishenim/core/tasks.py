"""Background tasks of the platform core, thin and named like what they call."""

import logging
from datetime import time, timedelta

from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from ishenim.core import audit
from ishenim.core.schedule import periodic

logger = logging.getLogger(__name__)

# Finished task results are kept this long, for looking into what ran and what failed.
TASK_RESULTS_KEPT = timedelta(days=30)


@periodic("audit_verify_chain", daily_at=time(3, 0))
@task()
def audit_verify_chain() -> dict:
    """Walk the audit log's hash chain every night; a broken chain is an ERROR in the log."""
    report = audit.audit_verify()
    if report.ok:
        # The head, in a log kept outside the database, is what proves later that the chain
        # was not rewritten from some entry on.
        logger.info(
            "Audit log intact: %d entries checked; chain head %d %s",
            report.checked,
            report.head_seq,
            report.head_hash,
        )
    else:
        logger.error(
            "Audit log broken at entry %s: %s (%d entries before it intact)",
            report.broken_seq,
            report.reason,
            report.checked,
        )
    return {
        "ok": report.ok,
        "checked": report.checked,
        "broken_seq": report.broken_seq,
        "head_seq": report.head_seq,
        "head_hash": report.head_hash,
    }


@periodic("task_results_prune", every=timedelta(weeks=1))
@task()
def task_results_prune() -> dict:
    """Delete finished task results (successful or failed) older than TASK_RESULTS_KEPT."""
    cutoff = timezone.now() - TASK_RESULTS_KEPT
    deleted, _by_model = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    logger.info("Deleted %d finished task results older than %s", deleted, cutoff.date())
    return {"deleted": deleted}
