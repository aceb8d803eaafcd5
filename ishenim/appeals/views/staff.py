"""The staff's side: the work queue (with its export, map layer and bulk assignment), the
appeal page, the actions on an appeal and its attachments.

Staff only: a visitor who has not signed in is sent to sign in, a signed-in resident gets
404. Every appeal named in a URL or a form goes through access_appeal, which answers 404
alike for a missing and a forbidden appeal. The actions are one table (ACTIONS: name → form,
service, what the policy must grant, which transition), so the page and the dispatcher read
the same data.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from ishenim.appeals import forms_staff, selectors
from ishenim.appeals.access import access_appeal, access_reporter
from ishenim.appeals.enums import EventKind, RejectionGround, Timeliness
from ishenim.appeals.models import Appeal, AppealEvent
from ishenim.appeals.services import duplicates, handling
from ishenim.core import clock
from ishenim.core.codes import tracking_code_format
from ishenim.core.exports import Column, export_format_from, table_export_response
from ishenim.geo import selectors as geo_selectors
from ishenim.orgs import policy
from ishenim.orgs.enums import Action

APPEALS_PER_PAGE = 50
# Points drawn on the queue's map at most: the most urgent first, as the list shows them.
MAP_POINTS_LIMIT = 3000
GEOJSON_CONTENT_TYPE = "application/geo+json"


# --- the actions ------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffAction:
    form: type[forms_staff.AppealActionForm]
    service: Callable[..., Appeal]
    # What the gate asks of the policy; the service may ask more (assigning someone else
    # needs ASSIGN, taking it oneself CHANGE).
    permission: Action
    # The key of handling.TRANSITIONS saying from which statuses; None: from any.
    transition: str | None
    title: str
    button: str
    done: str


ACTIONS: dict[str, StaffAction] = {
    "register": StaffAction(
        forms_staff.RegisterForm,
        handling.appeal_register,
        Action.CHANGE,
        "register",
        gettext_lazy("Register"),
        gettext_lazy("Register the appeal"),
        gettext_lazy("The appeal is registered."),
    ),
    "assign": StaffAction(
        forms_staff.AssignForm,
        handling.appeal_assign,
        Action.CHANGE,
        "assign",
        gettext_lazy("Assign"),
        gettext_lazy("Assign"),
        gettext_lazy("The appeal is assigned."),
    ),
    "start": StaffAction(
        forms_staff.StartForm,
        handling.appeal_start,
        Action.CHANGE,
        "start",
        gettext_lazy("Start work"),
        gettext_lazy("Start work on it"),
        gettext_lazy("Work on the appeal has started."),
    ),
    "clarify": StaffAction(
        forms_staff.ClarificationForm,
        handling.appeal_request_clarification,
        Action.CHANGE,
        "request_clarification",
        gettext_lazy("Ask the resident to clarify"),
        gettext_lazy("Send the question"),
        gettext_lazy("The resident is asked to clarify; the deadline waits for the reply."),
    ),
    "answer": StaffAction(
        forms_staff.AnswerForm,
        handling.appeal_answer,
        Action.CHANGE,
        "answer",
        gettext_lazy("Answer"),
        gettext_lazy("Send the answer"),
        gettext_lazy("The answer is sent to the resident."),
    ),
    "extend": StaffAction(
        forms_staff.ExtendForm,
        handling.appeal_extend,
        Action.CHANGE,
        "extend",
        gettext_lazy("Extend the deadline"),
        gettext_lazy("Extend"),
        gettext_lazy("The deadline is extended and the resident told why."),
    ),
    "redirect": StaffAction(
        forms_staff.RedirectForm,
        handling.appeal_redirect,
        Action.ASSIGN,
        "redirect",
        gettext_lazy("Redirect to another organisation"),
        gettext_lazy("Redirect"),
        gettext_lazy("The appeal is sent to the other organisation."),
    ),
    "merge": StaffAction(
        forms_staff.MergeForm,
        handling.appeal_merge,
        Action.CHANGE,
        "merge",
        gettext_lazy("Merge into another appeal"),
        gettext_lazy("Merge"),
        gettext_lazy("The appeal is merged."),
    ),
    "reject": StaffAction(
        forms_staff.RejectForm,
        handling.appeal_reject,
        Action.CHANGE,
        "reject",
        gettext_lazy("Reject"),
        gettext_lazy("Reject the appeal"),
        gettext_lazy("The appeal is rejected and the resident told why."),
    ),
    "close": StaffAction(
        forms_staff.CloseForm,
        handling.appeal_close,
        Action.CHANGE,
        "close",
        gettext_lazy("Close"),
        gettext_lazy("Close the appeal"),
        gettext_lazy("The appeal is closed."),
    ),
    "note": StaffAction(
        forms_staff.NoteForm,
        handling.appeal_note,
        Action.CHANGE,
        "note",
        gettext_lazy("Add a note"),
        gettext_lazy("Add the note"),
        gettext_lazy("The note is added to the history."),
    ),
    "classify": StaffAction(
        forms_staff.ClassifyForm,
        handling.appeal_classify,
        Action.CHANGE,
        None,
        gettext_lazy("Change the sensitivity"),
        gettext_lazy("Change"),
        gettext_lazy("The sensitivity is changed."),
    ),
}


def action_offered(user, appeal: Appeal, spec: StaffAction) -> bool:
    if spec.transition is not None and not handling.action_allowed(appeal, spec.transition):
        return False
    return policy.can(user, spec.permission, appeal)


# --- gates for pages --------------------------------------------------------------------


def staff_page(view):
    """Staff only: a visitor is sent to sign in, anyone else who is not staff gets 404."""

    @wraps(view)
    def gated(request, *args, **kwargs):
        if not request.user.is_authenticated:
            # A form posted after the session ended comes back to the page it was on.
            return redirect_to_login(
                request.get_full_path() if request.method == "GET" else _page_of(request)
            )
        if not policy.is_staff(request.user):
            raise Http404(_("There is no such page."))
        return view(request, *args, **kwargs)

    return gated


def _page_of(request) -> str:
    code = (request.resolver_match.kwargs or {}).get("code") if request.resolver_match else None
    if code:
        return reverse("appeals:detail", kwargs={"code": code})
    return reverse("appeals:queue")


# --- the queue --------------------------------------------------------------------------


def _queue_appeals(user, form: forms_staff.QueueFilterForm, *, action: Action = Action.VIEW):
    appeals = selectors.appeal_list_for_staff(user, form.queue_filter(), action=action)
    if form.unregistered:
        appeals = appeals.filter(status__in=forms_staff.UNREGISTERED_STATUSES)
    # The place column names the village too.
    return appeals.select_related("settlement")


def _place(appeal: Appeal) -> str:
    return appeal.settlement.name if appeal.settlement_id else appeal.unit.name


def export_columns() -> list[Column]:
    return [
        Column("code", _("Tracking code")),
        Column("received", _("Received")),
        Column("kind", _("Kind")),
        Column("category", _("Category")),
        Column("text", _("Text")),
        Column("place", _("Place")),
        Column("unit", _("Administrative unit")),
        Column("address", _("Address")),
        Column("status", _("Status")),
        Column("answer_due", _("Answer by")),
        Column("timeliness", _("Deadline")),
        Column("organisation", _("Handling organisation")),
        Column("assignee", _("Being handled by")),
        Column("assigned_at", _("Since")),
        Column("channel", _("Channel")),
    ]


def _export_rows(appeals):
    today = clock.today()
    for appeal in appeals.iterator(chunk_size=2000):
        yield {
            "code": appeal.code_display,
            "received": appeal.received_at,
            "kind": appeal.get_kind_display(),
            "category": appeal.category.name,
            "text": appeal.text,
            "place": _place(appeal),
            "unit": appeal.unit.name,
            "address": appeal.address,
            "status": appeal.get_status_display(),
            "answer_due": appeal.answer_due,
            "timeliness": Timeliness(appeal.timeliness(today)).label,
            "organisation": appeal.organisation.name if appeal.organisation_id else "",
            "assignee": str(appeal.assignee) if appeal.assignee_id else "",
            "assigned_at": appeal.assigned_at if appeal.assignee_id else None,
            "channel": appeal.get_channel_display(),
        }


def _filter_query(request) -> str:
    """The current filters without the page and the format: for the map layer."""
    query = request.GET.copy()
    for name in ("page", "format"):
        query.pop(name, None)
    return query.urlencode()


@require_GET
@staff_page
def queue(request):
    user = request.user
    form = forms_staff.QueueFilterForm(request.GET, viewer=user)
    export_format = export_format_from(request)
    may_export = policy.can(user, Action.EXPORT, Appeal)
    if export_format and not may_export:
        raise Http404(_("There is no such page."))
    if not form.is_valid():
        if export_format:
            raise BadRequest(" ".join(str(e) for errors in form.errors.values() for e in errors))
        return render(
            request,
            "appeals/staff/queue.html",
            {"form": form, "scopes": forms_staff.SCOPES, "scope": forms_staff.DEFAULT_SCOPE},
            status=400,
        )
    if export_format:
        appeals = _queue_appeals(user, form, action=Action.EXPORT)
        return table_export_response(
            filename=_("appeals"),
            columns=export_columns(),
            rows=_export_rows(appeals),
            export_format=export_format,
        )
    appeals = _queue_appeals(user, form)
    page = Paginator(appeals, APPEALS_PER_PAGE).get_page(request.GET.get("page"))
    query = _filter_query(request)
    geojson_url = reverse("appeals:queue_geojson") + (f"?{query}" if query else "")
    return render(
        request,
        "appeals/staff/queue.html",
        {
            "form": form,
            "scopes": forms_staff.SCOPES,
            "scope": form.chosen_scope,
            "page": page,
            "today": clock.today(),
            "may_export": may_export,
            "assign_form": forms_staff.BulkAssignForm(viewer=user),
            "geojson_url": geojson_url,
            "back": request.get_full_path(),
            "filtered": any(
                value for name, value in request.GET.items() if name not in ("scope", "page")
            ),
        },
    )


def _appeal_feature(appeal: Appeal, today) -> dict:
    timeliness = appeal.timeliness(today)
    url = reverse("appeals:detail", kwargs={"code": appeal.code_display})
    return {
        "type": "Feature",
        "id": appeal.code_display,
        "geometry": {"type": "Point", "coordinates": [appeal.longitude, appeal.latitude]},
        "properties": {
            "code": appeal.code_display,
            # map.js titles a point's tooltip and popup with `name`.
            "name": f"{appeal.code_display} · {appeal.category.name}",
            "status": appeal.status,
            "status_label": appeal.get_status_display(),
            "category": appeal.category.name,
            "due": appeal.answer_due.isoformat(),
            "timeliness": timeliness,
            # Coloured by how late it is (staff-appeals.css: --map-late, --map-very-late).
            "style_class": "" if timeliness == Timeliness.ON_TIME else timeliness.replace("_", "-"),
            "url": url,
        },
    }


def _geojson_response(payload: dict, *, status: int = 200) -> JsonResponse:
    response = JsonResponse(
        payload,
        status=status,
        content_type=GEOJSON_CONTENT_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )
    # Computed with the viewer's permissions: no shared cache may keep it.
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@staff_page
def queue_geojson(request):
    """The queue's filtered list as points (those with a place on the map)."""
    form = forms_staff.QueueFilterForm(request.GET, viewer=request.user)
    if not form.is_valid():
        errors = {name: [str(e) for e in messages_] for name, messages_ in form.errors.items()}
        return JsonResponse(
            {"error": _("The filters are not valid."), "fields": errors},
            status=400,
            json_dumps_params={"ensure_ascii": False},
        )
    appeals = _queue_appeals(request.user, form).filter(latitude__isnull=False)
    found = list(appeals[: MAP_POINTS_LIMIT + 1])
    today = clock.today()
    return _geojson_response(
        {
            "type": "FeatureCollection",
            "features": [_appeal_feature(appeal, today) for appeal in found[:MAP_POINTS_LIMIT]],
            # More appeals than the map draws: the list has them all.
            "truncated": len(found) > MAP_POINTS_LIMIT,
        }
    )


def _back_to_queue(request) -> str:
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return back
    return reverse("appeals:queue")


@require_POST
@staff_page
def bulk_assign(request):
    """Assign the appeals ticked in the queue to one officer: all of them or none."""
    user = request.user
    back = _back_to_queue(request)
    form = forms_staff.BulkAssignForm(request.POST, viewer=user)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    assignee, codes = form.cleaned_data["assignee"], form.cleaned_data["codes"]
    action = Action.CHANGE if assignee.pk == user.pk else Action.ASSIGN
    problems: list[str] = []
    try:
        with transaction.atomic():
            appeals = []
            for code in codes:
                try:
                    appeals.append(access_appeal(user, code, action=action, for_update=True))
                except Http404:
                    problems.append(
                        _("%(code)s: there is no such appeal that you may assign.")
                        % {"code": code[:20]}
                    )
            # Each refusal named with its appeal, before anything is written.
            for appeal in appeals:
                if not handling.action_allowed(appeal, "assign"):
                    problems.append(
                        _("%(code)s: an appeal that is “%(status)s” cannot be assigned.")
                        % {"code": appeal.code_display, "status": appeal.get_status_display()}
                    )
                elif not handling.assignable(assignee, appeal):
                    problems.append(
                        _("%(code)s: %(name)s may not work on this appeal.")
                        % {"code": appeal.code_display, "name": assignee}
                    )
            if not problems:
                handling.appeals_assign(appeals=appeals, assignee=assignee, actor=user)
    except PermissionDenied:
        raise Http404(_("There is no such appeal.")) from None
    except ValidationError as error:
        problems.extend(error.messages)
    if problems:
        messages.error(request, _("Nothing was assigned."))
        for problem in problems:
            messages.error(request, problem)
    else:
        messages.success(
            request,
            ngettext(
                "%(count)s appeal is now with %(name)s.",
                "%(count)s appeals are now with %(name)s.",
                len(codes),
            )
            % {"count": len(codes), "name": assignee},
        )
    return redirect(back)


# --- one appeal ---------------------------------------------------------------------------


@dataclass
class ActionPanel:
    name: str
    spec: StaffAction
    form: forms_staff.AppealActionForm
    failed: bool = False

    @property
    def url(self) -> str:
        return reverse(
            "appeals:act", kwargs={"code": self.form.appeal.code_display, "action": self.name}
        )


def _event_summary(event: AppealEvent) -> str:
    """What the history says beside the kind of an event, from its details."""
    details = event.details or {}
    summaries: dict[str, Callable[[], str]] = {
        EventKind.ASSIGNED: lambda: (
            _("To %(new)s, before with %(old)s.")
            % {"new": details.get("assignee") or "—", "old": details["previous"]}
            if details.get("previous")
            else _("To %(new)s.") % {"new": details.get("assignee") or "—"}
        ),
        EventKind.REGISTERED: lambda: (
            _("Answer due by %(date)s.") % {"date": _date(details.get("answer_due"))}
        ),
        EventKind.EXTENDED: lambda: (
            _("By %(days)s working days: answer due by %(date)s instead of %(before)s.")
            % {
                "days": details.get("days"),
                "date": _date(details.get("answer_due")),
                "before": _date(details.get("previous_due")),
            }
        ),
        EventKind.CLARIFICATION_RECEIVED: lambda: (
            _("The deadline waited %(days)s working days: answer due by %(date)s.")
            % {"days": details.get("waited_days", 0), "date": _date(details.get("answer_due"))}
        ),
        EventKind.REDIRECTED: lambda: (
            _("From %(from)s to %(to)s.")
            % {
                "from": event.organisation.name if event.organisation_id else "—",
                "to": event.to_organisation.name if event.to_organisation_id else "—",
            }
        ),
        EventKind.MERGED: lambda: _("Into %(code)s.") % {"code": _code(details.get("into"))},
        EventKind.DUPLICATE_RECEIVED: lambda: (
            _("%(code)s was merged into this appeal.") % {"code": _code(details.get("duplicate"))}
        ),
        EventKind.REJECTED: lambda: str(
            RejectionGround(details["ground"]).label if details.get("ground") else ""
        ),
        EventKind.RATED: lambda: _("%(stars)s of 5.") % {"stars": details.get("rating")},
        EventKind.REOPENED: lambda: (
            _("New answer due by %(date)s.") % {"date": _date(details.get("answer_due"))}
        ),
    }
    summary = summaries.get(event.kind)
    return summary() if summary else ""


def _date(iso: str | None) -> str:
    if not iso:
        return "—"
    return date_format(date.fromisoformat(iso), "SHORT_DATE_FORMAT")


def _code(code: str | None) -> str:
    return tracking_code_format(code) if code else "—"


def _reporter_context(user, appeal: Appeal) -> dict:
    reporter = access_reporter(user, appeal)
    if reporter is not None:
        return {"reporter": reporter}
    if appeal.anonymous:
        return {"reporter_note": _("Anonymous")}
    return {
        "reporter_note": _("The reporter's details are visible to the handling organisation only.")
    }


def _detail_render(request, appeal: Appeal, *, failed: ActionPanel | None = None, status=200):
    user = request.user
    panels = []
    for name, spec in ACTIONS.items():
        if not action_offered(user, appeal, spec):
            # A failed action no longer offered (the status moved on) shows its errors
            # above the page only.
            continue
        if failed is not None and failed.name == name:
            panels.append(failed)
        else:
            panels.append(
                ActionPanel(name, spec, spec.form(appeal=appeal, actor=user, action=name))
            )
    offered = {panel.name for panel in panels}
    layers = []
    if geo_selectors.unit_has_boundary(appeal.unit):
        layers.append(reverse("geo:unit_geojson", kwargs={"code": appeal.unit.code}))
    if appeal.latitude is not None:
        layers.append(
            reverse("appeals:queue_geojson")
            + "?"
            + urlencode({"scope": "all", "q": appeal.code_display})
        )
    events = list(selectors.appeal_events_for_staff(appeal))
    return render(
        request,
        "appeals/staff/detail.html",
        {
            "appeal": appeal,
            "timeliness": appeal.timeliness(),
            **_reporter_context(user, appeal),
            "attachments": list(appeal.attachments.all()),
            "history": [(event, _event_summary(event)) for event in events],
            "duplicates": duplicates.possible_duplicates(
                appeal, selectors.duplicate_candidates_for(user)
            ),
            "merge_url": reverse(
                "appeals:act", kwargs={"code": appeal.code_display, "action": "merge"}
            )
            if "merge" in offered
            else "",
            "panels": panels,
            "failed": failed,
            "geojson_urls": " ".join(layers),
            "map_fit_from": len(layers) - 1 if appeal.latitude is not None else 0,
        },
        status=status,
    )


@require_GET
@staff_page
def detail(request, code: str):
    appeal = access_appeal(request.user, code)
    return _detail_render(request, appeal)


def _errors_add(form, error: ValidationError) -> None:
    """A service's refusal beside the field it is about, or above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@require_POST
@staff_page
def act(request, code: str, action: str):
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404(_("There is no such action."))
    user = request.user
    with transaction.atomic():
        appeal = access_appeal(user, code, action=spec.permission, for_update=True)
        form = spec.form(request.POST, appeal=appeal, actor=user, action=action)
        if form.is_valid():
            try:
                spec.service(appeal=appeal, actor=user, **form.service_kwargs())
            except PermissionDenied:
                raise Http404(_("There is no such appeal.")) from None
            except ValidationError as error:
                _errors_add(form, error)
                if getattr(error, "code", None) == "taken":
                    form.ask_take_over()
            else:
                messages.success(request, spec.done)
                return redirect("appeals:detail", code=appeal.code_display)
    # Not done: the appeal as it is now, with this form, its errors and the current version
    # (the page shows what changed, so a second try is an informed one).
    appeal = access_appeal(user, code)
    form.data = form.data.copy()
    form.data["version"] = appeal.version
    failed = ActionPanel(action, spec, form, failed=True)
    return _detail_render(request, appeal, failed=failed, status=400)


@require_GET
@staff_page
def attachment(request, code: str, attachment_id: int):
    """A file sent with an appeal, to those who may see the appeal. Photos show in the page;
    anything else downloads, and nothing is ever sniffed into something runnable."""
    appeal = access_appeal(request.user, code)
    item = appeal.attachments.filter(pk=attachment_id).first()
    if item is None:
        raise Http404(_("There is no such file."))
    inline = item.content_type.startswith("image/")
    response = FileResponse(
        item.file.open("rb"),
        content_type=item.content_type,
        as_attachment=not inline,
        filename=item.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
