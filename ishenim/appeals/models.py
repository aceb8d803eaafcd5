"""Appeals: what residents tell the authorities, and what the authorities do about it.

An `Appeal` carries its own deadline arithmetic as stored dates (`answer_due`, `warn_on`,
`very_late_on`), so that queues sort and filter by them in the database; services.deadlines
is the only code that sets them. Who wrote it lives apart, in `AppealReporter`, because the
policy guards a reporter more tightly than the appeal (an anonymous tipster's contact is
confidential whatever the appeal's own sensitivity).
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ishenim.appeals.enums import (
    OPEN_STATUSES,
    AppealKind,
    AppealStatus,
    Channel,
    EventKind,
    PlaceKind,
    RejectionGround,
    Timeliness,
)
from ishenim.core import clock
from ishenim.core.codes import tracking_code_format
from ishenim.core.enums import Sensitivity
from ishenim.core.models import TranslatedName
from ishenim.orgs.enums import OrganisationKind


class AppealCategory(TranslatedName):
    """One entry of the service list residents choose from (public order, domestic conflict,
    police conduct, ...). Its sensitivity is the least an appeal in it gets."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    sensitivity = models.CharField(
        _("sensitivity"),
        max_length=16,
        choices=Sensitivity.choices,
        default=Sensitivity.RESTRICTED,
        help_text=_("Appeals in this category are at least this sensitive."),
    )
    description_ky = models.TextField(_("description (Kyrgyz)"), blank=True)
    description_ru = models.TextField(_("description (Russian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    answer_template_ky = models.TextField(_("answer template (Kyrgyz)"), blank=True)
    answer_template_ru = models.TextField(_("answer template (Russian)"), blank=True)
    answer_template_en = models.TextField(_("answer template (English)"), blank=True)
    position = models.PositiveSmallIntegerField(_("position in the list"), default=100)
    is_active = models.BooleanField(_("offered to residents"), default=True)

    class Meta:
        verbose_name = _("appeal category")
        verbose_name_plural = _("appeal categories")
        ordering = ["position", "code"]

    def _in_language(self, stem: str, language: str | None = None) -> str:
        language = (language or get_language() or "ky")[:2]
        for code in (language, "ru", "ky", "en"):
            value = getattr(self, f"{stem}_{code}", "")
            if value:
                return value
        return ""

    @property
    def description(self) -> str:
        return self._in_language("description")

    def answer_template(self, language: str | None = None) -> str:
        return self._in_language("answer_template", language)


class RoutingRule(models.Model):
    """Category × administrative unit → the organisation that handles such appeals there.
    The most specific rule wins (services.routing): a rule for the category beats one for any
    category, then a rule for a smaller unit beats one for a larger unit."""

    category = models.ForeignKey(
        AppealCategory,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="routing_rules",
        help_text=_("Empty: any category."),
    )
    unit = models.ForeignKey(
        "geo.AdminUnit",
        verbose_name=_("administrative unit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Empty: the whole country. A unit covers everything inside it."),
    )
    organisation = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("handling organisation"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    co_organisation = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("also handled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "A second organisation that examines these appeals too (the police inspection"
            " beside the Ombudsman's office for complaints against the police)."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["category__position", "unit__path"]

    def __str__(self) -> str:
        category = self.category.name if self.category_id else _("any category")
        unit = self.unit.name if self.unit_id else _("the whole country")
        return f"{category} · {unit} → {self.organisation}"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.co_organisation_id and self.co_organisation_id == self.organisation_id:
            raise ValidationError(
                {"co_organisation": _("The second organisation must differ from the first.")}
            )
        clashing = RoutingRule.objects.filter(
            category_id=self.category_id, unit_id=self.unit_id, is_active=True
        ).exclude(pk=self.pk)
        if self.is_active and clashing.exists():
            raise ValidationError(
                _("An active rule for this category and unit exists already: change that one.")
            )


class DeadlineRule(models.Model):
    """The statutory time limits, per type of organisation (an empty type: every type
    without a rule of its own). Data, not code: the law's 14 days may become 10."""

    organisation_kind = models.CharField(
        _("type of organisation"),
        max_length=32,
        choices=OrganisationKind.choices,
        blank=True,
        unique=True,
        help_text=_("Empty: the rule for every type without a rule of its own."),
    )
    register_working_days = models.PositiveSmallIntegerField(
        _("working days to register"), default=1, validators=[MinValueValidator(1)]
    )
    answer_working_days = models.PositiveSmallIntegerField(
        _("working days to answer"), default=14, validators=[MinValueValidator(1)]
    )
    extension_limit_working_days = models.PositiveSmallIntegerField(
        _("longest extended time, in working days"),
        default=30,
        validators=[MinValueValidator(1)],
        help_text=_("How far an extension may move the answer deadline, counted from receipt."),
    )
    warn_at_percent = models.PositiveSmallIntegerField(
        _("warn the assignee when this share of the time is used (%)"),
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
    )
    reopen_days = models.PositiveSmallIntegerField(
        _("days in which the resident may reopen an answered appeal"), default=30
    )
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")
        ordering = ["organisation_kind"]

    def __str__(self) -> str:
        kind = self.get_organisation_kind_display() if self.organisation_kind else _("default")
        return f"{kind}: {self.answer_working_days}"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.extension_limit_working_days < self.answer_working_days:
            raise ValidationError(
                {
                    "extension_limit_working_days": _(
                        "The longest extended time cannot be shorter than the time to answer."
                    )
                }
            )


class Appeal(models.Model):
    """A resident's complaint, request, report, tip, proposal or thanks, from any channel."""

    code = models.CharField(_("tracking code"), max_length=9, unique=True, editable=False)
    channel = models.CharField(_("channel"), max_length=24, choices=Channel.choices)
    kind = models.CharField(_("kind"), max_length=24, choices=AppealKind.choices)
    category = models.ForeignKey(
        AppealCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("text"))
    language = models.CharField(_("language of the text"), max_length=8)
    # Where: a pin, a village (its point), or only a unit with an address line.
    place_kind = models.CharField(_("place given as"), max_length=16, choices=PlaceKind.choices)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    unit = models.ForeignKey(
        "geo.AdminUnit",
        verbose_name=_("administrative unit"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    settlement = models.ForeignKey(
        "geo.Settlement",
        verbose_name=_("village or town"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    h3_r9 = models.CharField(_("H3 cell, resolution 9"), max_length=16, blank=True)
    sensitivity = models.CharField(_("sensitivity"), max_length=16, choices=Sensitivity.choices)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    # The resident's account when they were signed in: the owner who may always read it.
    submitted_by = models.ForeignKey(
        "orgs.User",
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Who took it in for a phone call, a walk-in or a mobile unit.
    entered_by = models.ForeignKey(
        "orgs.User",
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    organisation = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("handling organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    co_organisation = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("also handled by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    assignee = models.ForeignKey(
        "orgs.User",
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=32, choices=AppealStatus.choices, default=AppealStatus.SUBMITTED
    )

    received_at = models.DateTimeField(_("received"))
    registered_at = models.DateTimeField(_("registered"), null=True, blank=True)
    register_due = models.DateField(_("register by"))
    # The deadline, all in working days from clock_started_on (receipt, or the reopening):
    # answer_due = start + deadline_days + paused_days (services.deadlines).
    clock_started_on = models.DateField(_("clock started"))
    deadline_days = models.PositiveSmallIntegerField(_("working days allowed"))
    paused_days = models.PositiveSmallIntegerField(_("working days paused"), default=0)
    paused_since = models.DateField(_("paused since"), null=True, blank=True)
    answer_due = models.DateField(_("answer by"))
    warn_on = models.DateField(_("warn on"))
    very_late_on = models.DateField(_("very late after"))
    extended_at = models.DateTimeField(_("extended"), null=True, blank=True)
    extension_reason = models.TextField(_("reason for the extension"), blank=True)
    # The answer_due each reminder was sent for: a new deadline earns a new reminder.
    warned_for = models.DateField(null=True, blank=True, editable=False)
    escalated_for = models.DateField(null=True, blank=True, editable=False)

    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        "orgs.User",
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Answered within the deadline in force then: fixed at the answer, for the figures.
    answered_on_time = models.BooleanField(_("answered on time"), null=True, blank=True)
    answer_working_days = models.PositiveSmallIntegerField(
        _("working days to answer"), null=True, blank=True
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    reopened_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    reopened_at = models.DateTimeField(_("last reopened"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(
        _("rating"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    rating_comment = models.TextField(_("rating comment"), blank=True)
    rated_at = models.DateTimeField(_("rated"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_appeals",
    )
    rejection_ground = models.CharField(
        _("ground for rejection"), max_length=24, choices=RejectionGround.choices, blank=True
    )
    # The submitting client's key: the same key gives back the same appeal, never a second.
    client_key = models.CharField(
        _("client key"), max_length=100, null=True, blank=True, unique=True, editable=False
    )
    # Raised by every change: a form sent from a page that is out of date is refused.
    version = models.PositiveIntegerField(_("version"), default=1)
    # Code, text and address case-folded (SQLite folds ASCII only), for the queue's search.
    search_text = models.TextField(editable=False, blank=True, default="")
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(_("created"), db_default=Now())
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    # The audit log keeps these in clear even for a confidential appeal: they are workflow,
    # not content.
    AUDIT_CLEAR_FIELDS = (
        "code",
        "channel",
        "kind",
        "category",
        "status",
        "organisation",
        "co_organisation",
        "assignee",
        "unit",
        "sensitivity",
        "anonymous",
        "answer_due",
        "register_due",
        "deadline_days",
        "paused_days",
        "rating",
        "merged_into",
        "rejection_ground",
        "reopened_count",
    )

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["organisation", "status", "answer_due"], name="appeal_queue"),
            models.Index(fields=["assignee", "status"], name="appeal_assignee"),
            models.Index(fields=["unit", "received_at"], name="appeal_unit_received"),
            models.Index(fields=["category", "received_at"], name="appeal_category_received"),
            models.Index(fields=["status", "answer_due"], name="appeal_status_due"),
            models.Index(fields=["received_at"], name="appeal_received"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="appeal_rating_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="appeal_point_whole",
            ),
        ]

    def __str__(self) -> str:
        return self.code_display

    @property
    def code_display(self) -> str:
        return tracking_code_format(self.code) if self.code else ""

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def timeliness(self, today=None) -> Timeliness:
        """Late and very late are about an answer still owed (or given late)."""
        today = today or clock.today()
        if self.answered_at is not None and not self.is_open:
            answered = timezone.localdate(self.answered_at)
            if answered > self.very_late_on:
                return Timeliness.VERY_LATE
            return Timeliness.LATE if answered > self.answer_due else Timeliness.ON_TIME
        if not self.is_open or self.status == AppealStatus.AWAITING_CLARIFICATION:
            return Timeliness.ON_TIME
        if today > self.very_late_on:
            return Timeliness.VERY_LATE
        return Timeliness.LATE if today > self.answer_due else Timeliness.ON_TIME


class AppealReporter(models.Model):
    """Who wrote, and how to reach them. Apart from the appeal because the policy guards it
    apart: restricted personal data, confidential when the reporter asked for anonymity or
    the appeal is confidential, so that only the handling organisation ever sees it."""

    appeal = models.OneToOneField(
        Appeal, verbose_name=_("appeal"), on_delete=models.CASCADE, related_name="reporter"
    )
    full_name = models.CharField(_("name"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    postal_address = models.CharField(_("postal address"), max_length=300, blank=True)
    consent_to_contact = models.BooleanField(_("agrees to be contacted"), default=False)
    # The language the resident is written to in.
    language = models.CharField(_("language"), max_length=8)
    sensitivity = models.CharField(_("sensitivity"), max_length=16, choices=Sensitivity.choices)

    AUDIT_CLEAR_FIELDS = ("consent_to_contact", "language", "sensitivity")

    class Meta:
        verbose_name = _("reporter")
        verbose_name_plural = _("reporters")

    def __str__(self) -> str:
        return self.full_name or str(_("Anonymous"))


class AppealEvent(models.Model):
    """One step of an appeal's history: who, when, what, and what the resident is told.
    Written only by appeals.timeline; read only through an appeal that passed its gate."""

    appeal = models.ForeignKey(
        Appeal, verbose_name=_("appeal"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("what"), max_length=32, choices=EventKind.choices)
    at = models.DateTimeField(_("when"), default=timezone.now)
    actor = models.ForeignKey(
        "orgs.User",
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The name shown for the actor in the staff history (kept if the account goes).
    actor_label = models.CharField(_("who"), max_length=200, blank=True)
    organisation = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    to_organisation = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("to organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    comment = models.TextField(_("comment"), blank=True)
    # Shown on the resident's tracking page (with `comment` when public_comment is set).
    public = models.BooleanField(_("shown to the resident"), default=False)
    public_comment = models.BooleanField(_("comment shown to the resident"), default=False)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("appeal event")
        verbose_name_plural = _("appeal events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["appeal", "at"], name="appealevent_appeal_at")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class AppealAttachment(models.Model):
    """A photo or document sent with an appeal, checked by its content (not its name) and,
    for photos, stored without their metadata: a phone's photo carries the device and often
    the point where it was taken, which an anonymous reporter must not leave behind."""

    appeal = models.ForeignKey(
        Appeal, verbose_name=_("appeal"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to="appeals/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded"), db_default=Now())

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name
