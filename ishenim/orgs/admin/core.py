import json

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ishenim.core.models import AuditChainHead, AuditEntry, CalendarDay, ScheduledRun
from ishenim.orgs.admin.base import AuditedModelAdmin, ReadOnlyAdmin


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Read-only for everyone, superusers included: the log is append-only, and a bulk delete
    from here would bypass the model's own refusal."""

    list_display = ("seq", "at", "actor_label", "action", "object_type", "object_id")
    list_filter = ("action", "actor_kind", "object_type")
    search_fields = ("action", "object_type", "object_id", "actor_label")
    date_hierarchy = "at"
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "changes_pretty"]

    def get_fields(self, request, obj=None):
        return [f for f in self.get_readonly_fields(request, obj) if f != "changes"]

    @admin.display(description=_("changed fields"))
    def changes_pretty(self, obj):
        return format_html(
            "<pre>{}</pre>", json.dumps(obj.changes, indent=2, ensure_ascii=False, sort_keys=True)
        )


@admin.register(AuditChainHead)
class AuditChainHeadAdmin(ReadOnlyAdmin):
    list_display = ("seq", "hash")


@admin.register(ScheduledRun)
class ScheduledRunAdmin(ReadOnlyAdmin):
    list_display = ("job", "last_run_at")
    search_fields = ("job",)


@admin.register(CalendarDay)
class CalendarDayAdmin(AuditedModelAdmin):
    """Corrections to the holidays package: an Ait date announced for the year, a decreed day
    off. National administrators keep them (see orgs.scopes)."""

    list_display = ("date", "kind", "name", "source")
    list_filter = ("kind",)
    search_fields = ("name", "source")
    date_hierarchy = "date"
    audited_fields = ("date", "kind", "name", "source")
