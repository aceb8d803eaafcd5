"""The admin of the appeals' configuration: the service list, the routing rules and the
deadline rules are data that national administrators edit (STYLE.md rule 4: variation is
data), each change audited. Appeals themselves are worked on the appeal pages, through the
services, never edited here."""

from django.contrib import admin

from ishenim.appeals.models import AppealCategory, DeadlineRule, RoutingRule
from ishenim.orgs.admin.base import AuditedModelAdmin


@admin.register(AppealCategory)
class AppealCategoryAdmin(AuditedModelAdmin):
    list_display = ("name", "code", "sensitivity", "position", "is_active")
    list_filter = ("sensitivity", "is_active")
    list_editable = ("position", "is_active")
    search_fields = ("code", "name_ky", "name_ru", "name_en")
    audited_fields = (
        "code",
        "name_ky",
        "name_ru",
        "name_en",
        "sensitivity",
        "position",
        "is_active",
        "answer_template_ky",
        "answer_template_ru",
        "answer_template_en",
    )

    def has_delete_permission(self, request, obj=None):
        # Appeals keep their category: retire one by unticking "offered to residents".
        return False


@admin.register(RoutingRule)
class RoutingRuleAdmin(AuditedModelAdmin):
    list_display = ("category", "unit", "organisation", "co_organisation", "is_active")
    list_filter = ("is_active", "category")
    list_select_related = ("category", "unit", "organisation", "co_organisation")
    autocomplete_fields = ("unit", "organisation", "co_organisation")
    audited_fields = ("category", "unit", "organisation", "co_organisation", "is_active", "note")


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(AuditedModelAdmin):
    list_display = (
        "__str__",
        "register_working_days",
        "answer_working_days",
        "extension_limit_working_days",
        "warn_at_percent",
        "reopen_days",
    )
    audited_fields = (
        "organisation_kind",
        "register_working_days",
        "answer_working_days",
        "extension_limit_working_days",
        "warn_at_percent",
        "reopen_days",
        "legal_basis",
    )
