from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import Resolver404, resolve

from ishenim.orgs import policy

# The pages an administrator may reach before showing a second factor: the two-factor pages
# themselves, signing out, and the machine endpoints. Named, not path prefixes: every page
# lives under a language prefix (/ky/, /ru/, /en/), which a fixed path would miss.
EXEMPT_URL_NAMES = frozenset(
    {"orgs:two_factor_enrol", "orgs:two_factor_verify", "orgs:logout", "healthz"}
)


class TwoFactorRequiredMiddleware:
    """Administrators must enrol and use TOTP: until they have verified a second factor in this
    session, every page but the enrolment, verification and sign-out pages sends them there."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not _is_exempt(request.path_info)
            and policy.requires_two_factor(user)
            and not user.is_verified()
        ):
            target = policy.two_factor_url(user)
            if request.method == "GET":
                target = f"{target}?{urlencode({'next': request.get_full_path()})}"
            return redirect(target)
        return self.get_response(request)


def _is_exempt(path: str) -> bool:
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return match.view_name in EXEMPT_URL_NAMES
