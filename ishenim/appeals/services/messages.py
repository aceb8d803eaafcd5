"""What residents and officers are told, through the notifications app (email and SMS,
delivered and retried by the task worker after the transaction commits).

The texts never carry the appeal's category or content: a message about a family-violence
report may be read by the person it is about. They give the tracking code, the news and the
link to the tracking page, in the resident's language.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from ishenim.appeals.enums import Channel
from ishenim.appeals.models import Appeal
from ishenim.notifications import services as notification_services
from ishenim.orgs.enums import Role
from ishenim.orgs.models import Membership, Organisation


def _track_url(appeal: Appeal, language: str) -> str:
    with translation.override(language):
        path = reverse("appeals:track", kwargs={"code": appeal.code_display})
    return f"{settings.ISHENIM_PUBLIC_URL}{path}"


def _date(day) -> str:
    # Day.month.year: how dates are written in Kyrgyzstan, in all three languages.
    return day.strftime("%d.%m.%Y")


def _subject(appeal: Appeal) -> tuple[str, str]:
    return ("appeals.appeal", str(appeal.pk))


def _tell_resident(appeal: Appeal, template: str, context: dict) -> None:
    if appeal.channel == Channel.PAPER_REGISTER:
        # Typed in from a paper register, often months later: the resident was dealt with
        # on paper, and a text about an old appeal would only confuse them.
        return
    try:
        reporter = appeal.reporter
    except Appeal.reporter.RelatedObjectDoesNotExist:
        reporter = None
    if reporter is None or not (reporter.phone or reporter.email):
        return
    language = reporter.language or appeal.language
    notification_services.notification_send(
        template=template,
        context={
            "code": appeal.code_display,
            "track_url": _track_url(appeal, language),
            "site_name": settings.ISHENIM_SITE_NAME,
            **context,
        },
        language=language,
        email=reporter.email or None,
        phone=reporter.phone or None,
        subject_object=_subject(appeal),
        actor=None,
    )


def resident_told_registered(appeal: Appeal) -> None:
    _tell_resident(
        appeal,
        "appeals/appeal_registered",
        {"answer_due": _date(appeal.answer_due)},
    )


def resident_told_answered(appeal: Appeal) -> None:
    _tell_resident(appeal, "appeals/appeal_answered", {})


def resident_told_extended(appeal: Appeal) -> None:
    _tell_resident(
        appeal,
        "appeals/appeal_extended",
        {"answer_due": _date(appeal.answer_due)},
    )


def resident_told_clarification(appeal: Appeal) -> None:
    _tell_resident(appeal, "appeals/appeal_clarification_requested", {})


def _tell_staff(appeal: Appeal, users, template: str) -> list[str]:
    """Email each officer (in their own language); returns whom, for the history."""
    told = []
    for user in users:
        if not user.email:
            continue
        language = user.language or settings.LANGUAGE_CODE
        with translation.override(language):
            path = reverse("appeals:detail", kwargs={"code": appeal.code_display})
        notification_services.notification_send(
            template=template,
            context={
                "code": appeal.code_display,
                "answer_due": _date(appeal.answer_due),
                "url": f"{settings.ISHENIM_PUBLIC_URL}{path}",
                "site_name": settings.ISHENIM_SITE_NAME,
            },
            language=language,
            email=user.email,
            subject_object=_subject(appeal),
            actor=None,
        )
        told.append(str(user))
    return told


def assignee_warned(appeal: Appeal) -> list[str]:
    users = [appeal.assignee] if appeal.assignee_id else supervisors_of(appeal.organisation)
    return _tell_staff(appeal, users, "appeals/appeal_due_soon")


def supervisors_escalated(appeal: Appeal) -> list[str]:
    return _tell_staff(appeal, supervisors_of(appeal.organisation), "appeals/appeal_overdue")


def supervisors_of(organisation: Organisation | None) -> list:
    """The supervisors of the handling organisation, or of the nearest one above it that has
    any: an escalation must reach somebody."""
    seen = set()
    while organisation is not None and organisation.pk not in seen:
        seen.add(organisation.pk)
        memberships = Membership.objects.filter(
            organisation=organisation,
            role=Role.SUPERVISOR,
            is_active=True,
            user__is_active=True,
        ).select_related("user")
        users = [membership.user for membership in memberships]
        if users:
            return users
        organisation = organisation.parent
    return []
