from django.conf import settings

from ishenim.core import audit


def client_ip(request) -> str | None:
    """The client's address: the socket's, or the one the trusted proxies put in front of it."""
    hops = settings.TRUSTED_PROXY_COUNT
    if hops:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [p for p in forwarded if p]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR") or None


class AuditContextMiddleware:
    """Tells core.audit who is acting and from where, for the writes of this request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with audit.request_context(ip=client_ip(request)):
            return self.get_response(request)


class SecureHeadersMiddleware:
    """A Content-Security-Policy that allows only our own scripts and styles: every asset is
    served from this site, so nothing else needs to run. Map tiles are the one exception."""

    def __init__(self, get_response):
        self.get_response = get_response
        tiles = settings.ISHENIM_MAP_TILES_URL
        tile_origin = ""
        if tiles.startswith("http"):
            scheme, _sep, rest = tiles.partition("://")
            tile_origin = f" {scheme}://{rest.split('/')[0]}"
        self.policy = (
            "default-src 'self'; "
            f"img-src 'self' data:{tile_origin}; "
            "script-src 'self'; style-src 'self'; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
        )

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(self)"
        )
        return response
