"""Pages of accounts and organisations: gate, validate, one service call, render."""

import time
from base64 import b32encode
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, update_session_auth_hash
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import devices_for_user, user_has_device, verify_token
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from ishenim.core.exports import Column, export_format_from, table_export_response
from ishenim.orgs import policy, selectors, services
from ishenim.orgs.access import access_organisation
from ishenim.orgs.enums import Action
from ishenim.orgs.forms import OneTimeCodeForm, OrganisationFilterForm, SignInForm
from ishenim.orgs.models import Membership

# Between the password and the code the account is not signed in: the session only
# remembers whose code to ask for, for a few minutes.
PENDING_SIGN_IN = "orgs_pending_sign_in"
PENDING_SECONDS = 300
ORGANISATIONS_PER_PAGE = 50


def _next_url(request) -> str:
    """Where to go after signing in: ?next= when it stays on this site, else My work."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


@sensitive_post_parameters("password")
@never_cache
def login_view(request):
    next_url = _next_url(request)
    if request.method == "POST":
        form = SignInForm(request, data=request.POST)
        if form.is_valid():
            user = form.user
            if user_has_device(user, confirmed=True):
                # A new session key before anything about the account enters the session.
                request.session.cycle_key()
                request.session[PENDING_SIGN_IN] = {
                    "user": user.pk,
                    "backend": user.backend,
                    "at": int(time.time()),
                }
                return redirect(_with_next("orgs:two_factor_verify", next_url))
            auth_login(request, user)
            services.sign_in_completed(user=user, second_factor=False)
            return redirect(next_url)
    else:
        if request.user.is_authenticated:
            return redirect(next_url)
        form = SignInForm(request)
    return render(request, "orgs/login.html", {"form": form, "next": next_url})


@require_POST
def logout_view(request):
    # POST only: a link or an image on another site must not sign anyone out.
    auth_logout(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)


def _pending_user(request):
    pending = request.session.get(PENDING_SIGN_IN)
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        request.session.pop(PENDING_SIGN_IN, None)
        return None
    user = get_user_model()._default_manager.filter(pk=pending["user"], is_active=True).first()
    if user is not None:
        user.backend = pending["backend"]
    return user


@sensitive_post_parameters("token")
@never_cache
def two_factor_verify(request):
    """The second step: a code from the authenticator app. Also where the two-factor rule
    sends a signed-in administrator whose session has not shown a code yet."""
    next_url = _next_url(request)
    signed_in = request.user.is_authenticated
    if signed_in:
        if request.user.is_verified():
            return redirect(next_url)
        user = request.user
    else:
        user = _pending_user(request)
        if user is None:
            messages.warning(request, _("Sign in again: the sign-in took too long."))
            return redirect(_with_next("orgs:login", next_url))
    # The authenticator app, and the backup codes for the day the phone is lost.
    devices = list(devices_for_user(user, confirmed=True))
    if not devices:
        return redirect(_with_next("orgs:two_factor_enrol", next_url))
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        device = next(
            (d for d in devices if verify_token(user, d.persistent_id, token) is not None), None
        )
        if device is not None:
            if not signed_in:
                request.session.pop(PENDING_SIGN_IN, None)
                auth_login(request, user, backend=user.backend)
            otp_login(request, device)
            services.sign_in_completed(user=user, second_factor=True)
            return redirect(next_url)
        form.add_error("token", _("That code is not right, or it was used already."))
    return render(request, "orgs/two_factor_verify.html", {"form": form, "next": next_url})


def _secret_for_typing(device: TOTPDevice) -> str:
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
@sensitive_post_parameters("token")
@never_cache
def two_factor_enrol(request):
    user = request.user
    next_url = _next_url(request) if "next" in request.GET or "next" in request.POST else ""
    if selectors.authenticator_enrolled(user):
        if not user.is_verified():
            return redirect(_with_next("orgs:two_factor_verify", next_url or request.path))
        context = {"backup_codes_left": selectors.backup_code_count_for_user(user)}
        return render(request, "orgs/two_factor_enrolled.html", context)
    device = services.two_factor_enrol_begin(user=user, actor=user)
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.two_factor_enrol_confirm(
                device=device, token=form.cleaned_data["token"], actor=user
            )
        except ValidationError as error:
            form.add_error("token", error)
        else:
            otp_login(request, device)
            codes = services.two_factor_backup_codes_renew(user=user, actor=user)
            messages.success(request, _("Two-factor sign-in is on for your account."))
            # Shown once, now: only their digests of use remain afterwards.
            return render(
                request,
                "orgs/backup_codes.html",
                {"codes": codes, "next": next_url or reverse("orgs:profile")},
            )
    qr = segno.make(device.config_url, error="m")
    context = {
        "form": form,
        "next": next_url,
        # segno writes plain SVG from our own URL: nothing user-typed is interpolated raw.
        "qr_svg": mark_safe(  # noqa: S308
            qr.svg_inline(scale=4, light="white", title=_("QR code for your authenticator app"))
        ),
        "secret": _secret_for_typing(device),
    }
    return render(request, "orgs/two_factor_enrol.html", context)


@login_required
@require_POST
@never_cache
def backup_codes_renew(request):
    """New backup codes replace the old ones. Only in a session that has shown a second
    factor: whoever holds just a stolen password must not be able to mint codes."""
    user = request.user
    if not (selectors.authenticator_enrolled(user) and user.is_verified()):
        return redirect(policy.two_factor_url(user))
    codes = services.two_factor_backup_codes_renew(user=user, actor=user)
    return render(
        request, "orgs/backup_codes.html", {"codes": codes, "next": reverse("orgs:profile")}
    )


@login_required
def profile(request):
    user = request.user
    export_format = export_format_from(request)
    if export_format:
        # The account's own tables: its roles, and its recent sign-ins (?table=sign-ins).
        if request.GET.get("table") == "sign-ins":
            columns = [
                Column("at", _("Time"), "#date"),
                Column("succeeded", _("Signed in"), "#indicator+success"),
                Column("ip", _("Address"), "#meta+ip"),
            ]
            rows = selectors.sign_in_list_for_user(user)
            return table_export_response(
                filename="sign-ins", columns=columns, rows=rows, export_format=export_format
            )
        columns = [
            Column("get_role_display", _("Role"), "#contact+role"),
            Column("organisation.name", _("Organisation"), "#org+name"),
            Column("title", _("Job title"), "#contact+title"),
            Column("organisation.jurisdiction", _("Serves"), "#adm1+name"),
        ]
        return table_export_response(
            filename="roles",
            columns=columns,
            rows=selectors.membership_list_for_user(user),
            export_format=export_format,
        )
    context = {
        "account": user,
        "memberships": selectors.membership_list_for_user(user),
        "sign_ins": selectors.sign_in_list_for_user(user),
        "two_factor": selectors.authenticator_enrolled(user),
        "backup_codes_left": selectors.backup_code_count_for_user(user),
    }
    return render(request, "orgs/profile.html", context)


@login_required
@sensitive_post_parameters("old_password", "new_password1", "new_password2")
def password_change(request):
    form = PasswordChangeForm(user=request.user, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.user_password_set(
            user=request.user, password=form.cleaned_data["new_password1"], actor=request.user
        )
        # Keep this session signed in; every other session of the account ends.
        update_session_auth_hash(request, request.user)
        messages.success(request, _("Your password has been changed."))
        return redirect("orgs:profile")
    return render(request, "orgs/password_change.html", {"form": form})


def _organisation_columns() -> list[Column]:
    return [
        Column("name", _("Name"), "#org+name"),
        Column("kind", _("Type"), "#org+type"),
        Column("parent", _("Part of"), "#org+parent"),
        Column("jurisdiction", _("Serves"), "#adm1+name"),
        Column("phone", _("Phone"), "#contact+phone"),
        Column("email", _("Email"), "#contact+email"),
        Column("address", _("Address"), "#contact+address"),
        Column("website", _("Website"), "#contact+url"),
    ]


def _organisation_rows(organisations):
    for organisation in organisations:
        yield {
            "name": organisation.name,
            "kind": organisation.get_kind_display(),
            "parent": organisation.parent.name if organisation.parent else "",
            "jurisdiction": "; ".join(unit.name for unit in organisation.jurisdiction.all()),
            "phone": organisation.phone,
            "email": organisation.email,
            "address": organisation.address,
            "website": organisation.website,
        }


def organisation_list(request):
    form = OrganisationFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    organisations = selectors.organisation_list_for_viewer(
        request.user,
        kind=filters.get("kind") or "",
        unit=filters.get("unit"),
        query=filters.get("query") or "",
    )
    export_format = export_format_from(request)
    if export_format:
        return table_export_response(
            filename="organisations",
            columns=_organisation_columns(),
            rows=_organisation_rows(organisations),
            export_format=export_format,
        )
    page = Paginator(organisations, ORGANISATIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "orgs/organisation_list.html", {"form": form, "page_obj": page})


def _member_columns() -> list[Column]:
    return [
        Column("user.full_name", _("Full name"), "#contact+name"),
        Column("get_role_display", _("Role"), "#contact+role"),
        Column("title", _("Job title"), "#contact+title"),
        Column("since", _("Since"), "#date+start"),
    ]


def organisation_detail(request, pk: int):
    organisation = access_organisation(request.user, pk)
    export_format = export_format_from(request)
    if export_format:
        # A list of people taken away: the viewer's EXPORT right, not just VIEW.
        members = selectors.membership_list_for_organisation(
            request.user, organisation, action=Action.EXPORT
        )
        if members is None:
            raise PermissionDenied
        return table_export_response(
            filename="members",
            columns=_member_columns(),
            rows=members,
            export_format=export_format,
        )
    context = {
        "can_export_members": policy.can(
            request.user, Action.EXPORT, Membership(organisation=organisation)
        ),
        "organisation": organisation,
        "jurisdiction": organisation.jurisdiction.order_by("path"),
        "children": selectors.organisation_children(organisation),
        "members": selectors.membership_list_for_organisation(request.user, organisation),
    }
    return render(request, "orgs/organisation_detail.html", context)
