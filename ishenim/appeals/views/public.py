"""The resident's side: the appeal form and its confirmation, finding an appeal by its code,
and the tracking page with what a resident may do there (reply to a question, reopen an
answered appeal, rate the answer).

The tracking code is the resident's key (access_public_appeal): whoever holds it sees the
public part of the history, the deadline and the answer, never who wrote the appeal nor who
handled it. Every page works without JavaScript; the form's map pin is an extra.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Min
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ishenim.appeals import selectors
from ishenim.appeals.access import access_public_appeal
from ishenim.appeals.enums import AppealKind, AppealStatus, Channel, EventKind
from ishenim.appeals.forms_public import (
    SERVICE_FIELDS,
    AppealForm,
    RateForm,
    ReopenForm,
    ReplyForm,
    TrackFindForm,
    client_key_new,
    errors_onto,
)
from ishenim.appeals.models import Appeal, AppealEvent
from ishenim.appeals.services import handling
from ishenim.appeals.services.submission import appeal_for_client_key, appeal_submit
from ishenim.core import clock
from ishenim.core.codes import tracking_code_format
from ishenim.geo import selectors as geo_selectors
from ishenim.geo.models import Boundary

# The confirmation page opens only for the browser that sent the appeal: it carries the
# codes it sent lately in a signed cookie (a session would cost a database write on every
# submission, and the form must stay fast for the mobile units' bursts).
SENT_COOKIE = "ishenim_appeals_sent"
SENT_SALT = "ishenim.appeals.sent"
SENT_MAX_AGE = 3600
SENT_KEPT = 5
IDEMPOTENCY_HEADER = "Idempotency-Key"


# --- The appeal form -----------------------------------------------------------------------


def _sent_codes(request) -> list[str]:
    value = request.get_signed_cookie(SENT_COOKIE, default="", salt=SENT_SALT, max_age=SENT_MAX_AGE)
    return [code for code in value.split(",") if code]


def _to_confirmation(request, appeal: Appeal):
    response = redirect("appeals:submitted", code=appeal.code_display)
    codes = [appeal.code, *(code for code in _sent_codes(request) if code != appeal.code)]
    response.set_signed_cookie(
        SENT_COOKIE,
        ",".join(codes[:SENT_KEPT]),
        salt=SENT_SALT,
        max_age=SENT_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response


def _submission_key(request) -> str:
    # A client that sends the header (the API, a mobile unit's app) means it; a browser sends
    # the key its form was rendered with.
    return (request.headers.get(IDEMPOTENCY_HEADER) or request.POST.get("client_key") or "").strip()


def _replayed(key: str) -> Appeal | None:
    try:
        return appeal_for_client_key(key)
    except ValidationError:
        # A malformed key: appeal_submit says what is wrong with it.
        return None


def _country_bounds() -> str:
    """ "south,west,north,east" of the loaded boundaries, where the pin map opens."""
    box = Boundary.objects.aggregate(
        south=Min("min_lat"), west=Min("min_lon"), north=Max("max_lat"), east=Max("max_lon")
    )
    if box["south"] is None:
        return ""
    return ",".join(f"{box[side]:.4f}" for side in ("south", "west", "north", "east"))


@require_http_methods(["GET", "POST"])
@cache_control(private=True)
def submit(request):
    categories = list(selectors.category_list())
    units = list(geo_selectors.unit_list())
    if request.method == "POST":
        key = _submission_key(request)
        replayed = _replayed(key)
        if replayed is not None:
            messages.info(request, _("This appeal was already received."))
            return _to_confirmation(request, replayed)
        form = AppealForm(request.POST, request.FILES, categories=categories, units=units)
        if form.is_valid():
            data = form.cleaned_data
            try:
                submission = appeal_submit(
                    channel=Channel.WEB,
                    kind=data["kind"],
                    category=form.categories.get(data["category"]),
                    text=data["text"],
                    language=get_language(),
                    place=form.resolved_place,
                    reporter=form.reporter_details(),
                    anonymous=data["anonymous"],
                    uploads=form.uploads(),
                    client_key=key,
                    actor=request.user,
                )
            except ValidationError as error:
                errors_onto(form, error, SERVICE_FIELDS)
            else:
                if not submission.created:
                    # The same key sent twice at once: the other request made it.
                    messages.info(request, _("This appeal was already received."))
                return _to_confirmation(request, submission.appeal)
    else:
        form = AppealForm(
            initial={"kind": AppealKind.REQUEST, "client_key": client_key_new()},
            categories=categories,
            units=units,
        )
    return render(
        request,
        "appeals/public/submit.html",
        {"form": form, "country_bounds": _country_bounds()},
    )


@require_GET
@never_cache
def submitted(request, code: str):
    appeal = access_public_appeal(code)
    if appeal.code not in _sent_codes(request):
        # Not this browser's appeal, or long ago: the tracking page is the code holder's.
        return redirect("appeals:track", code=appeal.code_display)
    return render(request, "appeals/public/submitted.html", {"appeal": appeal})


# --- Finding and tracking an appeal --------------------------------------------------------


@require_GET
def track_find(request):
    form = TrackFindForm(request.GET if "code" in request.GET else None)
    if form.is_bound and form.is_valid():
        try:
            appeal = access_public_appeal(form.cleaned_data["code"])
        except Http404:
            form.add_error(
                "code",
                _("There is no appeal with this code. Compare it with the one you were given."),
            )
        else:
            return redirect("appeals:track", code=appeal.code_display)
    return render(request, "appeals/public/track_find.html", {"form": form})


@dataclass(frozen=True)
class PublicStep:
    """One line of the public history, with what the resident may read of it."""

    kind: str
    label: str
    at: datetime
    comment: str
    organisation: str
    to_organisation: str
    due: date | None
    days: int | None
    rating: int | None
    merged_into: str


def _iso_date(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def _public_step(event: AppealEvent) -> PublicStep:
    details = event.details or {}
    into = details.get("into") or ""
    return PublicStep(
        kind=event.kind,
        label=event.get_kind_display(),
        at=event.at,
        comment=event.comment if event.public_comment else "",
        organisation=event.organisation.name if event.organisation_id else "",
        to_organisation=event.to_organisation.name if event.to_organisation_id else "",
        due=_iso_date(details.get("answer_due")),
        days=details.get("days") if event.kind == EventKind.EXTENDED else None,
        rating=details.get("rating") if event.kind == EventKind.RATED else None,
        merged_into=tracking_code_format(into) if into else "",
    )


def _rated_current_answer(appeal: Appeal) -> bool:
    return bool(appeal.rated_at and appeal.answered_at and appeal.rated_at >= appeal.answered_at)


def _track_render(request, appeal: Appeal, *, forms: dict | None = None):
    forms = forms or {}
    steps = [_public_step(event) for event in selectors.appeal_events_public(appeal)]
    awaiting = appeal.status == AppealStatus.AWAITING_CLARIFICATION
    questions = [step for step in steps if step.kind == EventKind.CLARIFICATION_REQUESTED]
    reopen_until = handling.reopen_until(appeal)
    may_reopen = reopen_until is not None and clock.now() <= reopen_until
    may_rate = handling.action_allowed(appeal, "rate") and not _rated_current_answer(appeal)
    answered = appeal.answered_at is not None and appeal.status != AppealStatus.REJECTED
    context = {
        "appeal": appeal,
        # The code in the heading, never broken at a hyphen.
        "code_unbroken": format_html('<span class="code">{}</span>', appeal.code_display),
        "steps": steps,
        "timeliness": appeal.timeliness(),
        "awaiting": awaiting,
        "question": questions[-1] if awaiting and questions else None,
        "answered": answered and bool(appeal.answer),
        # After a reopening the answer stays, as the one the resident found wanting.
        "answer_superseded": bool(
            answered and appeal.reopened_at and appeal.reopened_at > appeal.answered_at
        ),
        "rated": _rated_current_answer(appeal),
        "may_reopen": may_reopen,
        "reopen_until": reopen_until,
        "may_rate": may_rate,
        "attachment_count": appeal.attachments.count(),
        "reply_form": forms.get("reply") or ReplyForm(),
        "reopen_form": forms.get("reopen") or ReopenForm(),
        "rate_form": forms.get("rate") or RateForm(),
        "stars": RateForm.STARS,
    }
    return render(request, "appeals/public/track.html", context)


@require_GET
@never_cache
def track(request, code: str):
    appeal = access_public_appeal(code)
    if code != appeal.code_display:
        # One address per appeal, in the spelling printed on the confirmation.
        return redirect("appeals:track", code=appeal.code_display)
    return _track_render(request, appeal)


def _resident_acts(request, code: str, *, form_class, name: str, act, done: str):
    """Gate → form → the service on the locked row → back to the tracking page. Refused for
    what was typed: the page again with the reason beside the form; refused for the appeal's
    state (rated already, too late, not answered yet): the page as it now is, saying why."""
    appeal = access_public_appeal(code)
    track_url = reverse("appeals:track", kwargs={"code": appeal.code_display})
    form = form_class(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                locked = selectors.appeal_get(appeal.code, for_update=True)
                act(locked, form.cleaned_data)
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                for message in error.messages:
                    messages.error(request, message)
                return redirect(track_url)
            errors_onto(form, error, {field: field for field in form.fields})
        else:
            messages.success(request, done)
            return redirect(track_url)
    return _track_render(request, appeal, forms={name: form})


@require_POST
def track_reply(request, code: str):
    def act(appeal: Appeal, data: dict) -> None:
        handling.appeal_receive_clarification(
            appeal=appeal, reply=data["reply"], actor=request.user
        )

    return _resident_acts(
        request,
        code,
        form_class=ReplyForm,
        name="reply",
        act=act,
        done=_("Thank you: your reply was sent, and the time to answer runs again."),
    )


@require_POST
def track_reopen(request, code: str):
    def act(appeal: Appeal, data: dict) -> None:
        handling.appeal_reopen(appeal=appeal, comment=data["comment"], actor=request.user)

    return _resident_acts(
        request,
        code,
        form_class=ReopenForm,
        name="reopen",
        act=act,
        done=_("The appeal is reopened: the organisation has to answer it again."),
    )


@require_POST
def track_rate(request, code: str):
    def act(appeal: Appeal, data: dict) -> None:
        handling.appeal_rate(
            appeal=appeal, rating=data["rating"], comment=data["comment"], actor=request.user
        )

    return _resident_acts(
        request,
        code,
        form_class=RateForm,
        name="rate",
        act=act,
        done=_("Thank you for rating the answer."),
    )
