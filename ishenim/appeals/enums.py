from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    """How an appeal reached the platform."""

    WEB = "web", _("Web form")
    PHONE = "phone", _("Phone line")
    WALK_IN = "walk_in", _("Walk-in at the duty unit")
    MOBILE_UNIT = "mobile_unit", _("Mobile police reception unit")
    PREVENTION_CENTRE = "prevention_centre", _("Community Prevention Centre")
    API = "api", _("Open311 or API")
    PAPER_REGISTER = "paper_register", _("Paper register")


class AppealKind(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    REQUEST = "request", _("Request")
    INCIDENT_REPORT = "incident_report", _("Report of an incident")
    TIP = "tip", _("Tip")
    PROPOSAL = "proposal", _("Proposal")
    GRATITUDE = "gratitude", _("Gratitude")


class AppealStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    REGISTERED = "registered", _("Registered")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    # The clock stops until the resident replies (services.deadlines).
    AWAITING_CLARIFICATION = "awaiting_clarification", _("Waiting for the resident")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")
    REDIRECTED = "redirected", _("Redirected")
    MERGED = "merged", _("Merged into another appeal")
    REJECTED = "rejected", _("Rejected")


# Statuses in which the handling organisation still owes the resident an answer: the clock
# runs (except while waiting for the resident) and the appeal shows in the work queue.
OPEN_STATUSES = (
    AppealStatus.SUBMITTED,
    AppealStatus.REGISTERED,
    AppealStatus.ASSIGNED,
    AppealStatus.IN_PROGRESS,
    AppealStatus.AWAITING_CLARIFICATION,
    AppealStatus.REDIRECTED,
)
# Statuses that end the organisation's work (a reopening starts it again).
FINISHED_STATUSES = (
    AppealStatus.ANSWERED,
    AppealStatus.CLOSED,
    AppealStatus.MERGED,
    AppealStatus.REJECTED,
)


class PlaceKind(models.TextChoices):
    """How precisely the resident said where: a pin, a village from the list, or only the
    district (with an address line)."""

    POINT = "point", _("Point on the map")
    SETTLEMENT = "settlement", _("Village or town")
    UNIT = "unit", _("District or city")


class Timeliness(models.TextChoices):
    ON_TIME = "on_time", _("On time")
    # Past the answer deadline.
    LATE = "late", _("Late")
    # Past twice the time allowed: the law's fine is due long since.
    VERY_LATE = "very_late", _("Very late")


class RejectionGround(models.TextChoices):
    """Why an appeal is not examined on its merits, as the law on citizens' appeals allows;
    the resident is told the ground."""

    NO_TEXT = "no_text", _("The appeal states no request or complaint that can be examined")
    OBSCENE = "obscene", _("The appeal contains obscene or insulting language or threats")
    REPEATED = (
        "repeated",
        _("The same question was answered before and the appeal brings no new arguments"),
    )
    COURT = "court", _("The question is being decided or was decided by a court")
    NOT_COMPETENT = (
        "not_competent",
        _("The question is outside the competence of state bodies and local self-government"),
    )
    WITHDRAWN = "withdrawn", _("The resident withdrew the appeal")


class EventKind(models.TextChoices):
    """What happened to an appeal: one per timeline function (appeals.timeline)."""

    SUBMITTED = "submitted", _("Submitted")
    ROUTED = "routed", _("Routed")
    REGISTERED = "registered", _("Registered")
    ASSIGNED = "assigned", _("Assigned")
    STARTED = "started", _("Work started")
    CLARIFICATION_REQUESTED = "clarification_requested", _("Clarification requested")
    CLARIFICATION_RECEIVED = "clarification_received", _("Clarification received")
    EXTENDED = "extended", _("Deadline extended")
    REDIRECTED = "redirected", _("Redirected")
    MERGED = "merged", _("Merged")
    DUPLICATE_RECEIVED = "duplicate_received", _("Duplicate merged into this appeal")
    REJECTED = "rejected", _("Rejected")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened by the resident")
    RATED = "rated", _("Rated")
    NOTE = "note", _("Note")
    WARNED = "warned", _("Deadline warning")
    ESCALATED = "escalated", _("Escalated as overdue")
    CLASSIFIED = "classified", _("Sensitivity changed")
