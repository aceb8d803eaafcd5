from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ishenim.geo.models import AdminUnit
from ishenim.orgs import policy, services
from ishenim.orgs.admin.base import PolicyModelAdmin, ReadOnlyAdmin
from ishenim.orgs.enums import Action
from ishenim.orgs.models import LoginAttempt, Membership, Organisation, User


def _report(request, error: Exception) -> None:
    text = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
    messages.error(request, text)


class MembershipInline(admin.TabularInline):
    """A person's roles, on their account page. New rows are granted, changed titles updated,
    unticked "active" boxes revoked, each through orgs.services; rows are never deleted, so the
    history of who worked where stays."""

    model = Membership
    fk_name = "user"
    extra = 0
    fields = ("organisation", "role", "title", "is_active", "since")
    autocomplete_fields = ("organisation",)
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        # Organisation and role make the membership: a different one is a new row.
        return ("since",)

    def get_queryset(self, request):
        return policy.visible(request.user, super().get_queryset(request), Action.CHANGE)

    def has_view_permission(self, request, obj=None):
        return policy.can(request.user, Action.VIEW, Membership)

    def has_add_permission(self, request, obj=None):
        return policy.can(request.user, Action.CREATE, Membership)

    def has_change_permission(self, request, obj=None):
        return policy.can(request.user, Action.CHANGE, Membership)

    def has_delete_permission(self, request, obj=None):
        return False


class UserAdminForm(forms.ModelForm):
    language = forms.ChoiceField(
        label=capfirst(User._meta.get_field("language").verbose_name),
        required=False,
        choices=[("", _("The site's default")), *settings.LANGUAGES],
    )
    new_password = forms.CharField(
        label=_("New password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_(
            "Leave empty to keep the current one. A new account without a password"
            " cannot sign in until one is set."
        ),
    )

    class Meta:
        model = User
        fields = ("full_name", "email", "phone", "language")

    def clean_new_password(self):
        password = self.cleaned_data.get("new_password")
        if password:
            validate_password(password, self.instance)
        return password


@admin.register(User)
class UserAdmin(PolicyModelAdmin):
    """Accounts. The password hash is never shown; a new password can be set. Accounts are
    deactivated, not deleted: the audit log and the records keep pointing at them."""

    form = UserAdminForm
    inlines = (MembershipInline,)
    list_display = ("full_name", "email", "phone", "is_active", "is_staff", "last_login")
    list_filter = ("is_active", "is_staff", "is_demo", "memberships__role")
    search_fields = ("full_name", "email", "phone")
    readonly_fields = ("is_active", "is_staff", "is_superuser", "last_login", "date_joined")
    actions = ("deactivate_selected",)

    def get_fields(self, request, obj=None):
        fields = ["full_name", "email", "phone", "language", "new_password"]
        return fields + list(self.readonly_fields) if obj is not None else fields

    def has_delete_permission(self, request, obj=None):
        return False

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        password = data.get("new_password") or None
        try:
            if change:
                current = User.objects.select_for_update().get(pk=obj.pk)
                saved = services.user_update(
                    user=current,
                    full_name=data["full_name"],
                    email=data["email"],
                    phone=data["phone"],
                    language=data["language"],
                    actor=request.user,
                )
                if password:
                    services.user_password_set(user=saved, password=password, actor=request.user)
            else:
                saved = services.user_create(
                    full_name=data["full_name"],
                    email=data["email"],
                    phone=data["phone"],
                    password=password,
                    language=data["language"],
                    actor=request.user,
                )
        except ValidationError as error:
            # Past the form (a password rule, a uniqueness race): refuse the whole save.
            raise PermissionDenied("; ".join(error.messages)) from None
        obj.pk = saved.pk
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        # No form.save_m2m(): Django's groups and permissions are not used (see orgs.policy).
        for formset in formsets:
            self.save_formset(request, form, formset, change)

    @transaction.atomic
    def save_formset(self, request, form, formset, change):
        user = User.objects.get(pk=form.instance.pk)
        # What formset.save() would have recorded, for the admin's change message.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.forms:
            if not inline_form.has_changed() or not hasattr(inline_form, "cleaned_data"):
                continue
            data = inline_form.cleaned_data
            membership = inline_form.instance
            if membership.pk is None:
                granted = services.membership_grant(
                    user=user,
                    organisation=data["organisation"],
                    role=data["role"],
                    title=data.get("title", ""),
                    actor=request.user,
                )
                formset.new_objects.append(granted)
                continue
            current = Membership.objects.select_for_update().get(pk=membership.pk)
            _membership_apply(current, data, request.user)
            formset.changed_objects.append((current, inline_form.changed_data))

    @admin.action(description=_("Deactivate the selected accounts"))
    def deactivate_selected(self, request, queryset):
        done = 0
        for user in queryset:
            try:
                services.user_deactivate(user=user, actor=request.user)
            except (PermissionDenied, ValidationError) as error:
                _report(request, error)
            else:
                done += 1
        if done:
            messages.success(
                request,
                ngettext("%(count)d account deactivated.", "%(count)d accounts deactivated.", done)
                % {"count": done},
            )


def _membership_apply(current: Membership, data: dict, actor) -> None:
    """An edited membership row: a new organisation or role is a new membership."""
    if data["organisation"] != current.organisation or data["role"] != current.role:
        services.membership_revoke(membership=current, actor=actor)
        if data.get("is_active", True):
            services.membership_grant(
                user=current.user,
                organisation=data["organisation"],
                role=data["role"],
                title=data.get("title", ""),
                actor=actor,
            )
        return
    if current.is_active and not data.get("is_active", True):
        services.membership_revoke(membership=current, actor=actor)
        return
    if not current.is_active and data.get("is_active"):
        services.membership_grant(
            user=current.user,
            organisation=current.organisation,
            role=current.role,
            title=data.get("title", ""),
            actor=actor,
        )
        return
    services.membership_update(membership=current, title=data.get("title", ""), actor=actor)


class OrganisationAdminForm(forms.ModelForm):
    # An address typed without a scheme is a secure one (Django 6's default already).
    website = forms.URLField(
        label=capfirst(Organisation._meta.get_field("website").verbose_name),
        required=False,
        assume_scheme="https",
    )

    class Meta:
        model = Organisation
        fields = (
            "kind",
            "name_ky",
            "name_ru",
            "name_en",
            "parent",
            "jurisdiction",
            "phone",
            "email",
            "address",
            "website",
            "latitude",
            "longitude",
            "is_active",
        )


@admin.register(Organisation)
class OrganisationAdmin(PolicyModelAdmin):
    """The directory is public on the site; here an administrator manages the organisations
    of their jurisdiction, so the list holds those they may change."""

    form = OrganisationAdminForm
    list_action = Action.CHANGE
    list_display = ("name", "kind", "parent", "is_active", "is_demo")
    list_filter = ("kind", "is_active", "is_demo")
    search_fields = ("name_ky", "name_ru", "name_en", "email", "phone")
    autocomplete_fields = ("parent",)
    filter_horizontal = ("jurisdiction",)
    list_select_related = ("parent",)

    def has_delete_permission(self, request, obj=None):
        # Closed, not deleted (untick "active"): memberships and records refer to it.
        return False

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "jurisdiction":
            # Only units inside the administrator's own jurisdiction can be given.
            units = AdminUnit.objects.order_by("path")
            if not request.user.is_superuser:
                units = units.filter(
                    pk__in=policy.jurisdiction_unit_ids(request.user, Action.MANAGE)
                )
            kwargs["queryset"] = units
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        data = dict(form.cleaned_data)
        jurisdiction = list(data.pop("jurisdiction", []))
        if change:
            current = Organisation.objects.select_for_update().get(pk=obj.pk)
            saved = services.organisation_update(
                organisation=current, jurisdiction=jurisdiction, actor=request.user, **data
            )
        else:
            data.pop("is_active", None)
            saved = services.organisation_create(
                jurisdiction=jurisdiction, actor=request.user, **data
            )
        obj.pk = saved.pk
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        # The jurisdiction was set (and audited) by the service; only inlines remain.
        for formset in formsets:
            self.save_formset(request, form, formset, change)


class MembershipAdminForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ("user", "organisation", "role", "title")


@admin.register(Membership)
class MembershipAdmin(PolicyModelAdmin):
    """Roles. Granting and revoking go through orgs.services, which also keep the admin-site
    flag in step; revoked memberships stay, inactive, for the history."""

    form = MembershipAdminForm
    list_action = Action.CHANGE
    list_display = ("user", "organisation", "role", "title", "is_active", "since")
    list_filter = ("role", "is_active")
    search_fields = (
        "user__full_name",
        "user__email",
        "organisation__name_en",
        "organisation__name_ru",
        "organisation__name_ky",
    )
    autocomplete_fields = ("user", "organisation")
    list_select_related = ("user", "organisation")
    actions = ("revoke_selected",)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return ("user", "organisation", "role", "is_active", "since")
        return ()

    def has_delete_permission(self, request, obj=None):
        return False

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            current = Membership.objects.select_for_update().get(pk=obj.pk)
            saved = services.membership_update(
                membership=current, title=data.get("title", ""), actor=request.user
            )
        else:
            saved = services.membership_grant(
                user=data["user"],
                organisation=data["organisation"],
                role=data["role"],
                title=data.get("title", ""),
                actor=request.user,
            )
        obj.pk = saved.pk
        obj._state.adding = False

    @admin.action(description=_("Revoke the selected memberships"))
    def revoke_selected(self, request, queryset):
        done = 0
        for membership in queryset.select_related("user"):
            try:
                services.membership_revoke(membership=membership, actor=request.user)
            except PermissionDenied as error:
                _report(request, error)
            else:
                done += 1
        if done:
            messages.success(
                request,
                ngettext("%(count)d membership revoked.", "%(count)d memberships revoked.", done)
                % {"count": done},
            )


@admin.register(LoginAttempt)
class LoginAttemptAdmin(ReadOnlyAdmin):
    list_display = ("at", "user", "ip", "succeeded")
    list_filter = ("succeeded",)
    search_fields = ("user__full_name", "user__email", "ip")
    list_select_related = ("user",)
    date_hierarchy = "at"
