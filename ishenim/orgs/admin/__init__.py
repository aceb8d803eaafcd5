"""The Django admin for the bottom layers (core, geo, orgs), here because the admin must ask
orgs.policy, which core cannot import. Every ModelAdmin narrows its lists with
policy.visible and asks policy.can before every add, change and delete; writes go through
the services (or, where a model has none, are audited here), never straight to the ORM."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.models import Group
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from ishenim.orgs.admin import core, geo, orgs  # noqa: F401  (they register their admins)

admin.site.site_header = settings.ISHENIM_SITE_NAME
admin.site.site_title = settings.ISHENIM_SITE_NAME
admin.site.index_title = _("Administration")
# Permissions come from memberships (orgs.policy), not from Django's groups.
admin.site.unregister(Group)


def _sign_in_first(request, extra_context=None):
    """The admin has no sign-in page of its own: the platform's one page applies the throttle
    and the second factor the same way for everyone. Signed-in people without admin access
    are refused here, not sent back to sign in (which would send them here again)."""
    target = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("admin:index")
    if request.user.is_authenticated:
        if admin.site.has_permission(request):
            return redirect(target)
        raise PermissionDenied
    return redirect_to_login(target, reverse("orgs:login"))


def _password_change_on_the_platform(request, extra_context=None):
    # One password page, whose change goes through the audited service.
    return redirect("orgs:password_change")


# Set on the instance before the admin's URLs are built (admin autodiscovery runs at start-up).
admin.site.login = _sign_in_first
admin.site.password_change = _password_change_on_the_platform
