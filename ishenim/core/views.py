from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.db import connection
from django.http import (
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.template import loader
from django.utils.translation import get_language_from_request
from django.views.decorators.http import require_safe

from ishenim.core.home import home_sections_for
from ishenim.core.navigation import is_staff
from ishenim.core.work import work_panels_for


def healthz(request):
    """200 when the database answers, 503 when it does not; for load balancers and monitors."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return HttpResponse("database unreachable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


def root_redirect(request):
    # The language cookie first, then Accept-Language, then settings.LANGUAGE_CODE.
    return HttpResponseRedirect(f"/{get_language_from_request(request)}/")


@require_safe
def home(request):
    return render(
        request,
        "core/home.html",
        {"sections": home_sections_for(request), "show_my_work": is_staff(request.user)},
    )


@require_safe
@login_required
def my_work(request):
    panels = work_panels_for(request)
    return render(
        request,
        "core/my_work.html",
        {"panels": panels, "nothing_waits": not any(panel.waiting for panel in panels)},
    )


@require_safe
def about(request):
    return render(request, "core/about.html")


def csrf_failure(request, reason: str = ""):
    """A form posted without a valid token: most often a page left open past the session, or
    cookies blocked. Say so in the reader's language; the technical reason stays in the log."""
    template = loader.get_template("403_csrf.html")
    return HttpResponseForbidden(template.render({}, request))


def bad_request(request, exception=None):
    """400. Our own BadRequest carries a translated sentence for the reader ("xls is not a
    format to download"); Django's security refusals (SuspiciousOperation) say nothing useful
    to a reader and stay in the log."""
    message = ""
    if isinstance(exception, BadRequest) and not isinstance(exception, SuspiciousOperation):
        message = str(exception)
    template = loader.get_template("400.html")
    return HttpResponseBadRequest(template.render({"message": message}, request))
