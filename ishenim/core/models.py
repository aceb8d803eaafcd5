from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ishenim.core.enums import ActorKind, CalendarDayKind


class TranslatedName(models.Model):
    """A name in each of the platform's languages; `name` picks the one being spoken."""

    name_ky = models.CharField(_("name (Kyrgyz)"), max_length=200, blank=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=200, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        language = (get_language() or "ky")[:2]
        # Fall back through the languages most readers of the other two understand.
        for code in (language, "ru", "ky", "en"):
            value = getattr(self, f"name_{code}", "")
            if value:
                return value
        return ""


class AuditEntryQuerySet(models.QuerySet):
    """Bulk changes are refused like single ones: through the ORM the log only grows. (Raw SQL
    can still alter the table; that is what the hash chain and `verify-audit` are for.)"""

    def update(self, **kwargs):
        raise PermissionError("The audit log is append-only: entries are never changed.")

    def delete(self):
        raise PermissionError("The audit log is append-only: entries are never deleted.")

    # bulk_update goes through update(); bulk_create stays: audit_record appends one by one.


class AuditEntry(models.Model):
    """One entry of the append-only, hash-chained audit log. Written only by core.audit."""

    seq = models.PositiveBigIntegerField(_("number in the chain"), unique=True)
    at = models.DateTimeField(_("time"))
    actor_kind = models.CharField(_("actor kind"), max_length=16, choices=ActorKind.choices)
    # A plain number, not a foreign key: deleting or merging accounts must never rewrite
    # the log, and the label keeps who it was at the time.
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    actor_label = models.CharField(_("actor"), max_length=200, blank=True)
    ip = models.GenericIPAddressField(_("client IP address"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=64)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    changes = models.JSONField(_("changed fields"), default=dict, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["seq"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("The audit log is append-only: entries are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only: entries are never deleted.")


class AuditChainHead(models.Model):
    """The last position and hash of the chain; one row, locked by each writer in turn, so
    that two concurrent writes cannot both chain onto the same entry, and a cut tail shows."""

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]}"


class CalendarDay(models.Model):
    """A correction to the holidays package: an Ait date announced for the year, a transferred
    working Saturday, a day off decreed at short notice."""

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=CalendarDayKind.choices)
    name = models.CharField(_("name"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class ScheduledRun(models.Model):
    """When each periodic job was last enqueued, so that two workers never enqueue it twice."""

    job = models.CharField(_("job"), max_length=100, unique=True)
    last_run_at = models.DateTimeField(_("last run"))

    class Meta:
        verbose_name = _("scheduled run")
        verbose_name_plural = _("scheduled runs")

    def __str__(self) -> str:
        return f"{self.job} @ {self.last_run_at}"
