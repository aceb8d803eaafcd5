from django.contrib import admin
from django.db import transaction

from ishenim.core.audit import audit_record, model_changes, model_snapshot
from ishenim.orgs import policy
from ishenim.orgs.enums import Action


class PolicyModelAdmin(admin.ModelAdmin):
    """A ModelAdmin that asks orgs.policy instead of Django's model permissions: lists hold
    what the user may see (or, with list_action, manage), and each button is there only when
    the policy allows it, for this model and for this object."""

    # What a row must allow to be listed: VIEW, or CHANGE where the admin is a management
    # tool for a public directory (organisations: everyone sees them all on the site).
    list_action = Action.VIEW

    def get_queryset(self, request):
        return policy.visible(request.user, super().get_queryset(request), self.list_action)

    def _can(self, request, action, obj) -> bool:
        return policy.can(request.user, action, obj if obj is not None else self.model)

    def has_module_permission(self, request):
        return self._can(request, Action.VIEW, None) or self._can(request, Action.CHANGE, None)

    def has_view_permission(self, request, obj=None):
        return self._can(request, Action.VIEW, obj) or self.has_change_permission(request, obj)

    def has_add_permission(self, request):
        return self._can(request, Action.CREATE, None)

    def has_change_permission(self, request, obj=None):
        return self._can(request, Action.CHANGE, obj)

    def has_delete_permission(self, request, obj=None):
        return self._can(request, Action.DELETE, obj)


class ReadOnlyAdmin(PolicyModelAdmin):
    """For records nobody edits by hand: the audit log, sign-in records, scheduler state."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]


class AuditedModelAdmin(PolicyModelAdmin):
    """For models without a service of their own (a calendar correction, a superuser's fix to
    reference data): the admin's save and delete write the audit entry themselves, inside
    the admin's transaction."""

    audited_fields: tuple[str, ...] = ()

    def _entry(self, request, obj, verb: str, changes: dict) -> None:
        audit_record(
            action=f"{obj._meta.model_name}_{verb}",
            actor=request.user,
            record=obj,
            changes=changes,
        )

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        if change:
            before = model_snapshot(self.model.objects.get(pk=obj.pk), self.audited_fields)
            obj.save()
            changes = model_changes(before, obj, self.audited_fields)
            if changes:
                self._entry(request, obj, "updated", changes)
        else:
            obj.save()
            self._entry(request, obj, "created", model_snapshot(obj, self.audited_fields))

    @transaction.atomic
    def delete_model(self, request, obj):
        self._entry(request, obj, "deleted", model_snapshot(obj, self.audited_fields))
        obj.delete()

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)
