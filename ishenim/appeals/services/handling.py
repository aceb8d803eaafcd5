"""What staff and residents do with an appeal after it came in: register, assign, start,
ask the resident, extend, redirect, merge, reject, answer, close; and, on the resident's
side, reply, reopen and rate.

Which action is allowed from which status is the table TRANSITIONS (data, not a chain of
`if`s). Every service takes the appeal as its gate returned it (access.access_appeal, row
locked), checks the policy again for the action, refuses a form sent from a page older than
the appeal's last change (`version`), saves, writes the history and tells whoever must know
after the commit.
"""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ishenim.appeals import timeline
from ishenim.appeals.enums import OPEN_STATUSES, AppealStatus, RejectionGround
from ishenim.appeals.models import Appeal
from ishenim.appeals.services import deadlines, messages
from ishenim.core import clock
from ishenim.orgs import policy
from ishenim.orgs.enums import Action
from ishenim.orgs.models import Organisation, User

S = AppealStatus
_WORKING = (S.REGISTERED, S.ASSIGNED, S.IN_PROGRESS)
# action → the statuses it may start from.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "register": (S.SUBMITTED, S.REDIRECTED),
    "assign": (S.SUBMITTED, S.REDIRECTED, *_WORKING, S.AWAITING_CLARIFICATION),
    "start": (S.REGISTERED, S.ASSIGNED),
    "request_clarification": _WORKING,
    "receive_clarification": (S.AWAITING_CLARIFICATION,),
    "extend": (S.REGISTERED, S.ASSIGNED, S.IN_PROGRESS, S.AWAITING_CLARIFICATION),
    "redirect": OPEN_STATUSES,
    "merge": OPEN_STATUSES,
    "reject": OPEN_STATUSES,
    "answer": _WORKING,
    "close": (S.ANSWERED, S.REJECTED),
    "reopen": (S.ANSWERED, S.CLOSED),
    "rate": (S.ANSWERED, S.CLOSED),
    "note": tuple(S.values),
}


def action_allowed(appeal: Appeal, action: str) -> bool:
    return appeal.status in TRANSITIONS[action]


def _check(appeal: Appeal, action: str, *, version: int | None) -> None:
    if version is not None and int(version) != appeal.version:
        raise ValidationError(
            _(
                "Someone changed this appeal after you opened it. Look at its history and try"
                " again."
            ),
            code="stale",
        )
    if not action_allowed(appeal, action):
        raise ValidationError(
            _("This cannot be done to an appeal that is “%(status)s”.")
            % {"status": appeal.get_status_display()},
            code="status",
        )


def _require(actor, action: Action, appeal: Appeal) -> None:
    # The views' gate asked already; a service called from elsewhere (a command, the API)
    # must not be a way around the policy.
    if not policy.can(actor, action, appeal):
        raise PermissionDenied(_("You may not do this to this appeal."))


def _save(appeal: Appeal, *fields: str) -> None:
    appeal.version += 1
    appeal.save(update_fields=[*fields, "version", "updated_at"])


def _required_text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


def _acting_organisation(actor, appeal: Appeal) -> Organisation | None:
    """The actor's organisation that handles the appeal (for the history), if any."""
    handling = {appeal.organisation_id, appeal.co_organisation_id}
    seats = policy.seats(actor)
    for seat in seats:
        if seat.organisation_id in handling:
            return Organisation.objects.filter(pk=seat.organisation_id).first()
    return None


@transaction.atomic
def appeal_register(*, appeal: Appeal, version: int | None = None, actor) -> Appeal:
    _require(actor, Action.CHANGE, appeal)
    _check(appeal, "register", version=version)
    appeal.status = S.REGISTERED
    appeal.registered_at = appeal.registered_at or clock.now()
    _save(appeal, "status", "registered_at")
    timeline.appeal_registered(
        appeal=appeal, actor=actor, organisation=_acting_organisation(actor, appeal)
    )
    messages.resident_told_registered(appeal)
    return appeal


def assignable(user: User, appeal: Appeal) -> bool:
    """An officer may be given an appeal they may work on: the policy lets them change it."""
    return user.is_active and policy.can(user, Action.CHANGE, appeal)


@transaction.atomic
def appeal_assign(
    *,
    appeal: Appeal,
    assignee: User,
    comment: str = "",
    take_over: bool = False,
    version: int | None = None,
    actor,
) -> Appeal:
    """Give the appeal to an officer (oneself included). An appeal someone else is already
    handling is taken over only when the actor says so (`take_over`), so that two officers
    never take one appeal unknowingly. Registers a submitted appeal on the way."""
    taking_it_myself = getattr(actor, "pk", None) == assignee.pk
    _require(actor, Action.CHANGE if taking_it_myself else Action.ASSIGN, appeal)
    _check(appeal, "assign", version=version)
    if not assignable(assignee, appeal):
        raise ValidationError(
            {"assignee": _("%(name)s may not work on this appeal.") % {"name": assignee}}
        )
    previous = appeal.assignee
    if previous is not None and previous.pk != assignee.pk and not take_over:
        raise ValidationError(
            _(
                "%(name)s has been handling this appeal since %(since)s. Confirm that it"
                " should pass to %(new)s."
            )
            % {
                "name": previous,
                "since": timezone.localtime(appeal.assigned_at).strftime("%d.%m.%Y %H:%M")
                if appeal.assigned_at
                else "—",
                "new": assignee,
            },
            code="taken",
        )
    if previous is not None and previous.pk == assignee.pk:
        return appeal
    if appeal.status in (S.SUBMITTED, S.REDIRECTED):
        appeal.registered_at = appeal.registered_at or clock.now()
        timeline.appeal_registered(
            appeal=appeal, actor=actor, organisation=_acting_organisation(actor, appeal)
        )
        messages.resident_told_registered(appeal)
    if appeal.status in (S.SUBMITTED, S.REDIRECTED, S.REGISTERED):
        appeal.status = S.ASSIGNED
    appeal.assignee = assignee
    appeal.assigned_at = clock.now()
    _save(appeal, "status", "registered_at", "assignee", "assigned_at")
    timeline.appeal_assigned(
        appeal=appeal, previous_assignee=previous, comment=(comment or "").strip(), actor=actor
    )
    return appeal


@transaction.atomic
def appeals_assign(*, appeals: list[Appeal], assignee: User, actor) -> list[Appeal]:
    """Bulk assignment from the queue: all or none. Appeals someone else handles are passed
    on, as the actor chose them in the list where the marker shows."""
    if not appeals:
        raise ValidationError(_("Choose at least one appeal."))
    for appeal in appeals:
        appeal_assign(appeal=appeal, assignee=assignee, take_over=True, actor=actor)
    return appeals


@transaction.atomic
def appeal_start(*, appeal: Appeal, version: int | None = None, actor) -> Appeal:
    _require(actor, Action.CHANGE, appeal)
    _check(appeal, "start", version=version)
    if appeal.assignee_id is None and isinstance(actor, User):
        appeal.assignee = actor
        appeal.assigned_at = clock.now()
    appeal.status = S.IN_PROGRESS
    _save(appeal, "status", "assignee", "assigned_at")
    timeline.appeal_started(appeal=appeal, actor=actor)
    return appeal


@transaction.atomic
def appeal_request_clarification(
    *, appeal: Appeal, question: str, version: int | None = None, actor
) -> Appeal:
    """Ask the resident; the clock stops until they reply (on the tracking page)."""
    _require(actor, Action.CHANGE, appeal)
    _check(appeal, "request_clarification", version=version)
    question = _required_text(question, "question", _("Write what the resident should clarify."))
    appeal.status = S.AWAITING_CLARIFICATION
    deadlines.deadlines_pause(appeal, on=clock.today())
    _save(appeal, "status", "paused_since")
    timeline.appeal_clarification_requested(appeal=appeal, question=question, actor=actor)
    messages.resident_told_clarification(appeal)
    return appeal


@transaction.atomic
def appeal_receive_clarification(*, appeal: Appeal, reply: str, actor) -> Appeal:
    """The resident's reply: the clock restarts, every date moved by the days waited."""
    _check(appeal, "receive_clarification", version=None)
    reply = _required_text(reply, "reply", _("Write your reply."))
    if len(reply) > 10_000:
        raise ValidationError({"reply": _("The reply is too long: at most 10,000 characters.")})
    rule = deadlines.deadline_rule_for(appeal.organisation)
    waited = deadlines.deadlines_resume(appeal, rule, on=clock.today())
    appeal.status = S.IN_PROGRESS if appeal.assignee_id else S.REGISTERED
    _save(appeal, "status", "paused_since", "paused_days", "answer_due", "warn_on", "very_late_on")
    timeline.appeal_clarification_received(
        appeal=appeal, reply=reply, waited_days=waited, actor=actor
    )
    return appeal


@transaction.atomic
def appeal_extend(
    *, appeal: Appeal, days: int, reason: str, version: int | None = None, actor
) -> Appeal:
    """More time, with a reason the resident is shown, up to the rule's limit."""
    _require(actor, Action.CHANGE, appeal)
    _check(appeal, "extend", version=version)
    reason = _required_text(reason, "reason", _("Give the reason for the extension."))
    rule = deadlines.deadline_rule_for(appeal.organisation)
    left = deadlines.extension_days_left(appeal, rule)
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = 0
    if days < 1 or days > left:
        raise ValidationError(
            {
                "days": _(
                    "An extension is 1 to %(left)s working days here (at most %(limit)s in all)."
                )
                % {"left": left, "limit": rule.extension_limit_working_days}
                if left
                else _("This appeal has had all the extension the rules allow.")
            }
        )
    previous_due = appeal.answer_due
    deadlines.deadlines_extend(appeal, rule, days=days)
    appeal.extended_at = clock.now()
    appeal.extension_reason = reason
    _save(
        appeal,
        "deadline_days",
        "answer_due",
        "warn_on",
        "very_late_on",
        "extended_at",
        "extension_reason",
    )
    timeline.appeal_extended(
        appeal=appeal, days=days, previous_due=previous_due, reason=reason, actor=actor
    )
    messages.resident_told_extended(appeal)
    return appeal


@transaction.atomic
def appeal_redirect(
    *,
    appeal: Appeal,
    organisation: Organisation,
    reason: str,
    version: int | None = None,
    actor,
) -> Appeal:
    """Send it to the organisation that should handle it; the resident sees where and why,
    and the new organisation sees where it came from. The clock keeps running: a redirection
    must not cost the resident time."""
    _require(actor, Action.ASSIGN, appeal)
    _check(appeal, "redirect", version=version)
    reason = _required_text(reason, "reason", _("Give the reason for sending it elsewhere."))
    if organisation.pk == appeal.organisation_id:
        raise ValidationError({"organisation": _("The appeal is with this organisation already.")})
    if not organisation.is_active:
        raise ValidationError({"organisation": _("This organisation no longer works here.")})
    previous = appeal.organisation
    appeal.organisation = organisation
    if appeal.co_organisation_id == organisation.pk:
        appeal.co_organisation = None
    appeal.assignee = None
    appeal.assigned_at = None
    appeal.status = S.REDIRECTED
    _save(appeal, "organisation", "co_organisation", "assignee", "assigned_at", "status")
    timeline.appeal_redirected(
        appeal=appeal, from_organisation=previous, reason=reason, actor=actor
    )
    return appeal


@transaction.atomic
def appeal_merge(
    *, appeal: Appeal, into: Appeal, comment: str = "", version: int | None = None, actor
) -> Appeal:
    """A staff decision, never automatic: the duplicate closes and points at the one kept,
    whose answer its resident will see."""
    _require(actor, Action.CHANGE, appeal)
    _require(actor, Action.CHANGE, into)
    _check(appeal, "merge", version=version)
    if into.pk == appeal.pk:
        raise ValidationError({"into": _("An appeal cannot be merged into itself.")})
    if into.status == S.MERGED:
        raise ValidationError(
            {
                "into": _("%(code)s was itself merged: choose the appeal it was merged into.")
                % {"code": into.code_display}
            }
        )
    appeal.status = S.MERGED
    appeal.merged_into = into
    appeal.closed_at = clock.now()
    _save(appeal, "status", "merged_into", "closed_at")
    timeline.appeal_merged(appeal=appeal, into=into, comment=(comment or "").strip(), actor=actor)
    return appeal


@transaction.atomic
def appeal_reject(
    *,
    appeal: Appeal,
    ground: str,
    explanation: str,
    version: int | None = None,
    actor,
) -> Appeal:
    """Not examined on its merits, on a ground the law names, explained to the resident."""
    _require(actor, Action.CHANGE, appeal)
    _check(appeal, "reject", version=version)
    if ground not in RejectionGround.values:
        raise ValidationError({"ground": _("Choose the legal ground for the rejection.")})
    explanation = _required_text(
        explanation, "explanation", _("Explain the rejection to the resident.")
    )
    appeal.status = S.REJECTED
    appeal.rejection_ground = ground
    appeal.answer = explanation
    appeal.answered_at = clock.now()
    appeal.answered_by = actor if isinstance(actor, User) else None
    _answer_timing(appeal)
    _save(
        appeal,
        "status",
        "rejection_ground",
        "answer",
        "answered_at",
        "answered_by",
        "answered_on_time",
        "answer_working_days",
    )
    timeline.appeal_rejected(appeal=appeal, explanation=explanation, actor=actor)
    messages.resident_told_answered(appeal)
    return appeal


def _answer_timing(appeal: Appeal) -> None:
    answered_on = timezone.localdate(appeal.answered_at)
    appeal.answered_on_time = answered_on <= appeal.answer_due
    appeal.answer_working_days = deadlines.answered_in_working_days(appeal, answered_on=answered_on)


@transaction.atomic
def appeal_answer(*, appeal: Appeal, answer: str, version: int | None = None, actor) -> Appeal:
    _require(actor, Action.CHANGE, appeal)
    _check(appeal, "answer", version=version)
    answer = _required_text(answer, "answer", _("Write the answer."))
    if len(answer) > 20_000:
        raise ValidationError({"answer": _("The answer is too long: at most 20,000 characters.")})
    appeal.status = S.ANSWERED
    appeal.answer = answer
    appeal.answered_at = clock.now()
    appeal.answered_by = actor if isinstance(actor, User) else None
    if appeal.assignee_id is None and isinstance(actor, User):
        appeal.assignee = actor
        appeal.assigned_at = appeal.answered_at
    _answer_timing(appeal)
    _save(
        appeal,
        "status",
        "answer",
        "answered_at",
        "answered_by",
        "assignee",
        "assigned_at",
        "answered_on_time",
        "answer_working_days",
    )
    timeline.appeal_answered(appeal=appeal, actor=actor)
    messages.resident_told_answered(appeal)
    return appeal


@transaction.atomic
def appeal_close(*, appeal: Appeal, comment: str = "", version: int | None = None, actor) -> Appeal:
    """Staff close an answered or rejected appeal (the periodic job closes those the resident
    left alone for the reopening period)."""
    if actor is not None:
        _require(actor, Action.CHANGE, appeal)
    _check(appeal, "close", version=version)
    appeal.status = S.CLOSED
    appeal.closed_at = clock.now()
    _save(appeal, "status", "closed_at")
    timeline.appeal_closed(appeal=appeal, comment=(comment or "").strip(), actor=actor)
    return appeal


def reopen_until(appeal: Appeal):
    """The last moment the resident may reopen the appeal, or None when it cannot be."""
    if appeal.answered_at is None or appeal.status not in TRANSITIONS["reopen"]:
        return None
    rule = deadlines.deadline_rule_for(appeal.organisation)
    return appeal.answered_at + timedelta(days=rule.reopen_days)


@transaction.atomic
def appeal_reopen(*, appeal: Appeal, comment: str, actor) -> Appeal:
    """ "Not resolved": the resident sends the appeal back within the rule's days of the
    answer. A new clock starts; reopened appeals count in the figures."""
    _check(appeal, "reopen", version=None)
    comment = _required_text(comment, "comment", _("Say what is still not resolved."))
    until = reopen_until(appeal)
    if until is None or clock.now() > until:
        raise ValidationError(
            _("An appeal can be reopened within %(days)s days of its answer; this time has passed.")
            % {"days": deadlines.deadline_rule_for(appeal.organisation).reopen_days},
            code="too_late",
        )
    rule = deadlines.deadline_rule_for(appeal.organisation)
    appeal.status = S.IN_PROGRESS if appeal.assignee_id else S.REGISTERED
    appeal.reopened_count += 1
    appeal.reopened_at = clock.now()
    appeal.closed_at = None
    deadlines.deadlines_start(appeal, rule, on=clock.today())
    appeal.warned_for = appeal.escalated_for = None
    _save(
        appeal,
        "status",
        "reopened_count",
        "reopened_at",
        "closed_at",
        "clock_started_on",
        "deadline_days",
        "paused_days",
        "paused_since",
        "answer_due",
        "warn_on",
        "very_late_on",
        "warned_for",
        "escalated_for",
    )
    timeline.appeal_reopened(appeal=appeal, comment=comment, actor=actor)
    return appeal


@transaction.atomic
def appeal_rate(*, appeal: Appeal, rating, comment: str = "", actor) -> Appeal:
    """The resident's 1 to 5 for the answer; a new answer (after reopening) may be rated
    again."""
    _check(appeal, "rate", version=None)
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise ValidationError({"rating": _("Choose from 1 to 5 stars.")})
    comment = (comment or "").strip()
    if len(comment) > 2_000:
        raise ValidationError({"comment": _("The comment is too long: at most 2,000 characters.")})
    if appeal.rated_at is not None and appeal.rated_at >= appeal.answered_at:
        raise ValidationError(_("This answer has been rated already."), code="rated")
    appeal.rating = rating
    appeal.rating_comment = comment
    appeal.rated_at = clock.now()
    _save(appeal, "rating", "rating_comment", "rated_at")
    timeline.appeal_rated(appeal=appeal, actor=actor)
    return appeal


@transaction.atomic
def appeal_note(*, appeal: Appeal, comment: str, actor) -> Appeal:
    """An internal note in the history, never shown to the resident."""
    _require(actor, Action.CHANGE, appeal)
    comment = _required_text(comment, "comment", _("Write the note."))
    timeline.appeal_noted(appeal=appeal, comment=comment, actor=actor)
    return appeal


@transaction.atomic
def appeal_classify(*, appeal: Appeal, sensitivity: str, reason: str, actor) -> Appeal:
    """Staff raise (or, with a reason, lower) how sensitive an appeal is; its reporter's
    record follows."""
    from ishenim.appeals.services.submission import reporter_sensitivity
    from ishenim.core.enums import Sensitivity

    _require(actor, Action.CHANGE, appeal)
    if sensitivity not in Sensitivity.values:
        raise ValidationError({"sensitivity": _("Choose a sensitivity level.")})
    reason = _required_text(reason, "reason", _("Give the reason for the change."))
    previous = appeal.sensitivity
    if previous == sensitivity:
        return appeal
    appeal.sensitivity = sensitivity
    _save(appeal, "sensitivity")
    try:
        reporter = appeal.reporter
    except Appeal.reporter.RelatedObjectDoesNotExist:
        reporter = None
    if reporter is not None:
        reporter.sensitivity = reporter_sensitivity(
            appeal_sensitivity=sensitivity, anonymous=appeal.anonymous
        )
        reporter.save(update_fields=["sensitivity"])
    timeline.appeal_classified(appeal=appeal, previous=previous, reason=reason, actor=actor)
    return appeal
