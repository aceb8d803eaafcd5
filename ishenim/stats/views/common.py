"""What the statistics' pages share: the dataset gate for pages, GeoJSON and error answers."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, JsonResponse

from ishenim.stats.access import access_dataset

GEOJSON_CONTENT_TYPE = "application/geo+json"


def dataset_page(view):
    """Passes the dataset named in the URL through the gate. A visitor who has not signed in
    is sent to sign in for a dataset they may not see (or that does not exist: the two look
    alike), a signed-in person gets the gate's 404."""

    @wraps(view)
    def gated(request, name: str, *args, **kwargs):
        try:
            dataset = access_dataset(request.user, name)
        except Http404:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            raise
        return view(request, dataset, *args, **kwargs)

    return gated


def geojson_response(payload: dict) -> JsonResponse:
    response = JsonResponse(
        payload, content_type=GEOJSON_CONTENT_TYPE, json_dumps_params={"ensure_ascii": False}
    )
    # Computed with the viewer's permissions: no shared cache may keep it.
    response["Cache-Control"] = "private, no-store"
    return response


def error_response(message: str, *, status: int = 400, fields: dict | None = None):
    """A machine endpoint's refusal, with the reason in the reader's language."""
    return JsonResponse(
        {"error": message, "fields": fields or {}},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def form_errors(form) -> tuple[str, dict]:
    """A bound form's errors as one sentence and per field."""
    fields = {name: [str(error) for error in errors] for name, errors in form.errors.items()}
    return " ".join(message for messages in fields.values() for message in messages), fields
