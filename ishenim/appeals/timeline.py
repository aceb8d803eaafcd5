"""The history of appeals: one function per event. Each writes the event the appeal page and
the resident's tracking page show, and the audit entry (core.audit), inside the transaction
of the change. Called only by appeals.services.

An appeal's text, answer and comments are personal data: their audit entries keep them as
digests (the appeal's sensitivity is restricted or confidential; Appeal.AUDIT_CLEAR_FIELDS
says which workflow fields stay readable). Events marked public are what the resident sees.
"""

from ishenim.appeals.enums import EventKind
from ishenim.appeals.models import Appeal, AppealEvent
from ishenim.core import clock
from ishenim.core.audit import audit_record


def _actor_label(actor) -> str:
    if actor is not None and getattr(actor, "is_authenticated", False):
        return str(actor)[:200]
    return ""


def _event(
    kind: EventKind,
    appeal: Appeal,
    *,
    actor,
    changes: dict | None = None,
    comment: str = "",
    public: bool = False,
    public_comment: bool = False,
    organisation=None,
    to_organisation=None,
    details: dict | None = None,
) -> AppealEvent:
    event = AppealEvent.objects.create(
        appeal=appeal,
        kind=kind,
        at=clock.now(),
        actor=actor if _actor_label(actor) else None,
        actor_label=_actor_label(actor),
        organisation=organisation,
        to_organisation=to_organisation,
        comment=comment,
        public=public,
        public_comment=public_comment and bool(comment),
        details=details or {},
    )
    audit_changes = dict(changes or {})
    if comment:
        audit_changes["comment"] = comment
    audit_record(
        action=f"appeal_{kind}",
        actor=actor,
        record=appeal,
        changes=audit_changes,
        sensitive_fields=("comment",),
    )
    return event


def appeal_submitted(*, appeal: Appeal, changes: dict, actor) -> None:
    _event(EventKind.SUBMITTED, appeal, actor=actor, changes=changes, public=True)


def appeal_registered(*, appeal: Appeal, actor, organisation) -> None:
    _event(
        EventKind.REGISTERED,
        appeal,
        actor=actor,
        changes={"status": appeal.status, "answer_due": appeal.answer_due},
        public=True,
        organisation=organisation,
        details={"answer_due": appeal.answer_due.isoformat()},
    )


def appeal_assigned(*, appeal: Appeal, previous_assignee, comment: str, actor) -> None:
    _event(
        EventKind.ASSIGNED,
        appeal,
        actor=actor,
        changes={
            "assignee": [getattr(previous_assignee, "pk", None), appeal.assignee_id],
            "status": appeal.status,
        },
        comment=comment,
        details={
            "assignee": str(appeal.assignee) if appeal.assignee_id else "",
            "previous": str(previous_assignee) if previous_assignee else "",
        },
    )


def appeal_started(*, appeal: Appeal, actor) -> None:
    _event(EventKind.STARTED, appeal, actor=actor, changes={"status": appeal.status}, public=True)


def appeal_clarification_requested(*, appeal: Appeal, question: str, actor) -> None:
    _event(
        EventKind.CLARIFICATION_REQUESTED,
        appeal,
        actor=actor,
        changes={"status": appeal.status},
        comment=question,
        public=True,
        public_comment=True,
    )


def appeal_clarification_received(*, appeal: Appeal, reply: str, waited_days: int, actor) -> None:
    _event(
        EventKind.CLARIFICATION_RECEIVED,
        appeal,
        actor=actor,
        changes={"status": appeal.status, "answer_due": appeal.answer_due},
        comment=reply,
        public=True,
        public_comment=True,
        details={"waited_days": waited_days, "answer_due": appeal.answer_due.isoformat()},
    )


def appeal_extended(*, appeal: Appeal, days: int, previous_due, reason: str, actor) -> None:
    _event(
        EventKind.EXTENDED,
        appeal,
        actor=actor,
        changes={
            "answer_due": [previous_due, appeal.answer_due],
            "deadline_days": appeal.deadline_days,
        },
        comment=reason,
        # The law asks that the resident be told of an extension and why.
        public=True,
        public_comment=True,
        details={
            "days": days,
            "previous_due": previous_due.isoformat(),
            "answer_due": appeal.answer_due.isoformat(),
        },
    )


def appeal_redirected(*, appeal: Appeal, from_organisation, reason: str, actor) -> None:
    _event(
        EventKind.REDIRECTED,
        appeal,
        actor=actor,
        changes={
            "organisation": [getattr(from_organisation, "pk", None), appeal.organisation_id],
            "status": appeal.status,
        },
        comment=reason,
        # "Sent to X because Y": the resident sees both.
        public=True,
        public_comment=True,
        organisation=from_organisation,
        to_organisation=appeal.organisation,
    )


def appeal_merged(*, appeal: Appeal, into: Appeal, comment: str, actor) -> None:
    _event(
        EventKind.MERGED,
        appeal,
        actor=actor,
        changes={"status": appeal.status, "merged_into": into.pk},
        comment=comment,
        public=True,
        details={"into": into.code},
    )
    _event(
        EventKind.DUPLICATE_RECEIVED,
        into,
        actor=actor,
        changes={"duplicate": appeal.pk},
        details={"duplicate": appeal.code},
    )


def appeal_rejected(*, appeal: Appeal, explanation: str, actor) -> None:
    _event(
        EventKind.REJECTED,
        appeal,
        actor=actor,
        changes={"status": appeal.status, "rejection_ground": appeal.rejection_ground},
        comment=explanation,
        public=True,
        public_comment=True,
        details={"ground": appeal.rejection_ground},
    )


def appeal_answered(*, appeal: Appeal, actor) -> None:
    _event(
        EventKind.ANSWERED,
        appeal,
        actor=actor,
        changes={
            "status": appeal.status,
            "answer": appeal.answer,
            "answered_on_time": appeal.answered_on_time,
        },
        public=True,
        organisation=appeal.organisation,
    )


def appeal_closed(*, appeal: Appeal, comment: str, actor) -> None:
    _event(
        EventKind.CLOSED,
        appeal,
        actor=actor,
        changes={"status": appeal.status},
        comment=comment,
        public=True,
    )


def appeal_reopened(*, appeal: Appeal, comment: str, actor) -> None:
    _event(
        EventKind.REOPENED,
        appeal,
        actor=actor,
        changes={"status": appeal.status, "reopened_count": appeal.reopened_count},
        comment=comment,
        public=True,
        public_comment=True,
        details={"answer_due": appeal.answer_due.isoformat()},
    )


def appeal_rated(*, appeal: Appeal, actor) -> None:
    _event(
        EventKind.RATED,
        appeal,
        actor=actor,
        changes={"rating": appeal.rating, "rating_comment": appeal.rating_comment},
        comment=appeal.rating_comment,
        public=True,
        public_comment=True,
        details={"rating": appeal.rating},
    )


def appeal_noted(*, appeal: Appeal, comment: str, actor) -> None:
    _event(EventKind.NOTE, appeal, actor=actor, comment=comment)


def appeal_classified(*, appeal: Appeal, previous: str, reason: str, actor) -> None:
    _event(
        EventKind.CLASSIFIED,
        appeal,
        actor=actor,
        changes={"sensitivity": [previous, appeal.sensitivity]},
        comment=reason,
    )


def appeal_warned(*, appeal: Appeal, recipients: list[str]) -> None:
    _event(
        EventKind.WARNED,
        appeal,
        actor=None,
        changes={"warned_for": appeal.warned_for},
        details={"answer_due": appeal.answer_due.isoformat(), "recipients": recipients},
    )


def appeal_escalated(*, appeal: Appeal, recipients: list[str]) -> None:
    _event(
        EventKind.ESCALATED,
        appeal,
        actor=None,
        changes={"escalated_for": appeal.escalated_for},
        details={"answer_due": appeal.answer_due.isoformat(), "recipients": recipients},
    )
