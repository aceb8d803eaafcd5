from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ishenim.geo import services as geo_services
from ishenim.geo.models import AdminUnit, Boundary, Settlement
from ishenim.orgs import policy
from ishenim.orgs.admin.base import AuditedModelAdmin, PolicyModelAdmin
from ishenim.orgs.enums import Action


@admin.register(AdminUnit)
class AdminUnitAdmin(AuditedModelAdmin):
    """Reference data, loaded from the data folder: read-only but for superusers (the policy
    says so), who may correct names, population and notes. The tree itself (code, parent,
    level) changes only through `ishenim load-reference`, which keeps paths consistent."""

    list_display = ("name", "code", "level", "parent", "population", "population_year")
    list_filter = ("level",)
    search_fields = ("code", "iso_3166_2", "cod_pcode", "name_ky", "name_ru", "name_en")
    readonly_fields = ("code", "parent", "level", "unit_type", "path", "depth", "iso_3166_2")
    list_select_related = ("parent",)
    audited_fields = (
        "name_ky",
        "name_ru",
        "name_en",
        "cod_pcode",
        "population",
        "population_year",
        "source",
        "notes",
    )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Boundary)
class BoundaryAdmin(AuditedModelAdmin):
    """Outlines come from the GeoJSON files; here they are only shown (a megabyte of
    coordinates is not edited by hand)."""

    list_display = ("unit", "min_lon", "min_lat", "max_lon", "max_lat")
    search_fields = ("unit__code", "unit__name_ky", "unit__name_ru", "unit__name_en")
    fields = ("unit", "min_lon", "min_lat", "max_lon", "max_lat", "source")
    readonly_fields = ("unit", "min_lon", "min_lat", "max_lon", "max_lat")
    list_select_related = ("unit",)
    audited_fields = ("source",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SettlementForm(forms.ModelForm):
    class Meta:
        model = Settlement
        fields = (
            "name_ky",
            "name_ru",
            "name_en",
            "kind",
            "latitude",
            "longitude",
            "population",
            "source",
            "is_demo",
        )

    # Set by SettlementAdmin.get_form: whose jurisdiction the point must lie in.
    viewer = None

    def clean(self):
        cleaned = super().clean()
        latitude, longitude = cleaned.get("latitude"), cleaned.get("longitude")
        if latitude is None or longitude is None:
            return cleaned
        try:
            place = geo_services.place_resolve(latitude=latitude, longitude=longitude)
        except ValidationError as error:
            raise ValidationError(error.messages) from None
        action = Action.CREATE if self.instance.pk is None else Action.CHANGE
        if not policy.can(self.viewer, action, Settlement(unit=place.unit)):
            raise ValidationError(_("This place is outside your jurisdiction."))
        name_en = (cleaned.get("name_en") or "").strip()
        taken = Settlement.objects.filter(unit=place.unit, name_en=name_en)
        if self.instance.pk is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if name_en and taken.exists():
            self.add_error(
                "name_en",
                _("%(unit)s already has a settlement called %(name)s.")
                % {"unit": place.unit.name, "name": name_en},
            )
        return cleaned


@admin.register(Settlement)
class SettlementAdmin(PolicyModelAdmin):
    """Villages and neighbourhoods. Saving goes through geo.services, which locates the point
    (unit and H3 cells, shown read-only) and audits the change."""

    form = SettlementForm
    list_display = ("name", "kind", "unit", "population", "is_demo")
    list_filter = ("kind", "is_demo", "unit__level")
    search_fields = ("name_ky", "name_ru", "name_en", "unit__name_en", "unit__code")
    readonly_fields = ("unit", "h3_r7", "h3_r8", "h3_r9", "h3_r10")
    list_select_related = ("unit",)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.viewer = request.user
        return form

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in SettlementForm.Meta.fields}
        if change:
            current = Settlement.objects.select_for_update().get(pk=obj.pk)
            saved = geo_services.settlement_update(settlement=current, actor=request.user, **values)
        else:
            saved = geo_services.settlement_create(actor=request.user, **values)
        # The point decides the unit, so only now can the policy say whether it is theirs.
        if not policy.can(request.user, Action.CHANGE if change else Action.CREATE, saved):
            raise PermissionDenied(_("This place is outside your jurisdiction."))
        obj.pk = saved.pk
        obj.unit = saved.unit
        obj._state.adding = False

    def delete_model(self, request, obj):
        raise PermissionDenied(_("Settlements are not deleted: records refer to them."))

    def has_delete_permission(self, request, obj=None):
        return False
