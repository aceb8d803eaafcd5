"""The admin of the statistics: every list narrowed by orgs.policy, every write through the
services or audited here. Records, counts, areas and imports are written only by the
importers, so they are shown, never edited; category mappings are data that national
administrators correct, after which "Apply category mappings again" re-sorts the records."""

import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ishenim.orgs.admin.base import AuditedModelAdmin, PolicyModelAdmin, ReadOnlyAdmin
from ishenim.stats import services
from ishenim.stats.models import (
    CategoryMapping,
    CountRollup,
    CrimeRecord,
    Dataset,
    DatasetArea,
    ImportRun,
    OffenceCategory,
    OpenDataBuild,
)

DATASET_EDITABLE = (
    "title",
    "source",
    "licence",
    "area_scheme",
    "category_scheme",
    "unit",
    "sensitivity",
)


@admin.register(OffenceCategory)
class OffenceCategoryAdmin(AuditedModelAdmin):
    """The shipped classification: superusers may correct names and notes (the next release's
    file wins again, see services/reference.py); codes and the tree are the ICCS's."""

    list_display = ("code", "name", "classification", "level", "parent")
    list_filter = ("classification", "level")
    search_fields = ("code", "name_ky", "name_ru", "name_en")
    readonly_fields = ("code", "classification", "level", "parent")
    list_select_related = ("parent",)
    audited_fields = ("name_ky", "name_ru", "name_en", "source", "note")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CategoryMapping)
class CategoryMappingAdmin(AuditedModelAdmin):
    list_display = ("source_category", "category", "scheme", "dataset")
    list_filter = ("scheme", "dataset")
    search_fields = ("source_category", "category__code", "note")
    list_select_related = ("category", "dataset")
    autocomplete_fields = ("category",)
    audited_fields = ("scheme", "dataset", "source_category", "category", "note")


@admin.register(Dataset)
class DatasetAdmin(PolicyModelAdmin):
    list_display = ("name", "title", "country_code", "area_scheme", "sensitivity", "created_at")
    list_filter = ("sensitivity", "country_code")
    search_fields = ("name", "title", "source")
    list_select_related = ("unit",)
    actions = ("recategorise",)

    def get_readonly_fields(self, request, obj=None):
        # The name is how commands find it; the country decided how its records were placed.
        base = ("created_at", "created_by")
        return (*base, "name", "country_code") if obj is not None else base

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in DATASET_EDITABLE}
        if change:
            services.dataset_update(
                dataset=Dataset.objects.get(pk=obj.pk), actor=request.user, **values
            )
            return
        created = services.dataset_create(
            name=form.cleaned_data["name"],
            country_code=form.cleaned_data["country_code"],
            actor=request.user,
            **values,
        )
        obj.pk = created.pk

    def get_deleted_objects(self, objs, request):
        """What the confirmation page shows: each dataset and how many of its rows go with it.
        Django's default lists every dependent row (millions of records) and asks for the
        right to delete each model, although dataset_delete removes them as one change."""
        datasets = list(objs)
        model_count = {
            CrimeRecord._meta.verbose_name_plural: CrimeRecord.objects.filter(
                dataset__in=datasets
            ).count(),
            DatasetArea._meta.verbose_name_plural: DatasetArea.objects.filter(
                dataset__in=datasets
            ).count(),
            ImportRun._meta.verbose_name_plural: ImportRun.objects.filter(
                dataset__in=datasets
            ).count(),
        }
        return [str(dataset) for dataset in datasets], model_count, set(), []

    def delete_model(self, request, obj):
        services.dataset_delete(dataset=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for dataset in queryset:
            services.dataset_delete(dataset=dataset, actor=request.user)

    @admin.action(description=_("Apply category mappings again"))
    def recategorise(self, request, queryset):
        for dataset in queryset:
            try:
                counts = services.dataset_recategorise(dataset=dataset, actor=request.user)
            except PermissionDenied as error:
                self.message_user(request, str(error), messages.ERROR)
                continue
            changed = counts["records_changed"]
            self.message_user(
                request,
                ngettext(
                    "%(dataset)s: %(count)d record changed category.",
                    "%(dataset)s: %(count)d records changed category.",
                    changed,
                )
                % {"dataset": dataset, "count": changed},
            )


@admin.register(DatasetArea)
class DatasetAreaAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "dataset", "population", "population_year")
    list_filter = ("dataset",)
    search_fields = ("code", "name")
    list_select_related = ("dataset",)


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdmin):
    list_display = (
        "started_at",
        "dataset",
        "file_name",
        "status",
        "rows_read",
        "rows_imported",
        "rows_duplicate",
        "rows_rejected",
    )
    list_filter = ("status", "kind", "dataset")
    search_fields = ("file_name", "file_sha256")
    list_select_related = ("dataset",)
    date_hierarchy = "started_at"

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "rejected_rows"]

    def get_fields(self, request, obj=None):
        return [f for f in self.get_readonly_fields(request, obj) if f != "errors"]

    @admin.display(description=_("rejected rows"))
    def rejected_rows(self, obj):
        return format_html(
            "<pre>{}</pre>", json.dumps(obj.error_list(), indent=1, ensure_ascii=False)
        )


@admin.register(CrimeRecord)
class CrimeRecordAdmin(ReadOnlyAdmin):
    list_display = ("month", "source_category", "category", "area", "location", "dataset")
    list_filter = ("dataset", "month")
    search_fields = ("source_id", "location")
    list_select_related = ("dataset", "category", "area")
    # A count over millions of rows on every page would cost more than the page.
    show_full_result_count = False


@admin.register(CountRollup)
class CountRollupAdmin(ReadOnlyAdmin):
    list_display = ("month", "dataset", "area", "unit", "category", "source_category", "count")
    list_filter = ("dataset", "month")
    list_select_related = ("dataset", "area", "unit", "category")
    show_full_result_count = False


@admin.register(OpenDataBuild)
class OpenDataBuildAdmin(ReadOnlyAdmin):
    """Written by the open data task only; "Build again" is on the dataset's open data page."""

    list_display = ("queued_at", "dataset", "status", "rows_done", "rows_total", "finished_at")
    list_filter = ("status", "dataset")
    list_select_related = ("dataset",)
