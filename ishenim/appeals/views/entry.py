"""Staff taking appeals in: the entry form (a phone call, a walk-in, a mobile reception unit,
a Prevention Centre) and the paper-register import. Staff pages; the policy decides who may
enter appeals (CREATE on appeals in some unit) and who may register what they enter.

The entry form's page, after a save, shows the tracking code to read out and the form again
for the next caller (the channel kept): a duty officer takes one call after another. The
register import keeps the uploaded file in the session between its preview and its
confirmation (compressed; at most 5 MB of CSV), and until the next file or "start again", so
that the rejected rows can still be downloaded after the import.
"""

import base64
import hashlib
import secrets
import zlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ishenim.appeals import selectors
from ishenim.appeals.forms_entry import (
    ENTRY_CHANNELS,
    AppealEntryForm,
    RegisterUploadForm,
    jurisdiction_root,
    villages_for,
)
from ishenim.appeals.models import Appeal
from ishenim.appeals.services.register_format import (
    REGISTER_MAX_BYTES,
    REGISTER_MAX_ROWS,
    text_language,
)
from ishenim.appeals.services.register_import import (
    appeal_registration_allowed,
    register_import_commit,
    register_import_preview,
    register_organisations_for,
)
from ishenim.appeals.services.submission import ReporterDetails, appeal_submit
from ishenim.core import clock
from ishenim.core.codes import InvalidTrackingCode, tracking_code_parse
from ishenim.core.exports import Column, export_format_from, table_export_response
from ishenim.orgs import policy
from ishenim.orgs.enums import Action

CHANNEL_KEY = "appeals_entry_channel"
SAVED_KEY = "appeals_entry_saved"
# The appeals just saved whose result page the session may show again (a reload, "back").
SAVED_KEPT = 20
UPLOAD_KEY = "appeals_register_upload"
RESULT_KEY = "appeals_register_result"
ROWS_SHOWN = 200
PROBLEMS_PER_PAGE = 100


def _may_enter(user) -> bool:
    return policy.is_staff(user) and policy.can(user, Action.CREATE, Appeal)


def _gate(request) -> None:
    if not _may_enter(request.user):
        raise PermissionDenied(_("Entering appeals is for staff who take them in."))


# --- the entry form ---------------------------------------------------------------------------


def _fresh_form(request) -> AppealEntryForm:
    root = jurisdiction_root(request.user)
    return AppealEntryForm(
        initial={
            "channel": request.session.get(CHANNEL_KEY, ENTRY_CHANNELS[0].value),
            "received_at": clock.now(),
            "district": root.code if root else "",
            "register": True,
            # One per form shown: sent twice (a double click, a reload), it makes one appeal.
            "client_key": f"entry:{secrets.token_urlsafe(18)}",
        }
    )


def _saved(request) -> dict | None:
    """The appeal this session just saved, named in ?saved=, with what the page says of it;
    None for a code this session did not save (the page is no way to look appeals up)."""
    try:
        code = tracking_code_parse(request.GET.get("saved", ""))
    except InvalidTrackingCode:
        return None
    entry = next((e for e in request.session.get(SAVED_KEY, []) if e["code"] == code), None)
    appeal = selectors.appeal_get(code) if entry else None
    if appeal is None:
        return None
    return {
        "appeal": appeal,
        "replayed": entry["replayed"],
        "register_refused": entry["register_refused"],
        "may_open": policy.can(request.user, Action.VIEW, appeal),
        # The address residents reach the site at, as the text messages give it.
        "track_url": settings.ISHENIM_PUBLIC_URL
        + reverse("appeals:track", kwargs={"code": appeal.code_display}),
    }


def _remember(request, appeal: Appeal, *, replayed: bool, register_refused: bool) -> None:
    kept = [e for e in request.session.get(SAVED_KEY, []) if e["code"] != appeal.code]
    entry = {"code": appeal.code, "replayed": replayed, "register_refused": register_refused}
    request.session[SAVED_KEY] = [entry, *kept][:SAVED_KEPT]
    request.session[CHANNEL_KEY] = appeal.channel


def _entry_page(request, form: AppealEntryForm, *, saved=None, status: int = 200):
    return render(
        request,
        "appeals/entry/entry.html",
        {
            "form": form,
            "saved": saved,
            "villages": villages_for(request.user),
            "may_import": bool(register_organisations_for(request.user)),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def entry(request):
    _gate(request)
    if request.method == "GET":
        form, saved = _fresh_form(request), _saved(request)
        if saved is not None:
            # The code to read out stays in view: the cursor must not scroll the page past it.
            form.fields["category"].widget.attrs.pop("autofocus", None)
        return _entry_page(request, form, saved=saved)
    form = AppealEntryForm(request.POST)
    if not form.is_valid():
        return _entry_page(request, form, status=400)
    data = form.cleaned_data
    register_refused = False
    if data["register"]:
        allowed, _organisation = appeal_registration_allowed(
            actor=request.user, category=data["category"], text=data["text"], place=data["place"]
        )
        register_refused = not allowed
    try:
        submission = appeal_submit(
            channel=data["channel"],
            kind=data["kind"],
            category=data["category"],
            text=data["text"],
            language=text_language(data["text"], default=request.LANGUAGE_CODE),
            place=data["place"],
            reporter=ReporterDetails(
                full_name=data["full_name"],
                phone=data["phone"],
                email=data["email"],
                consent_to_contact=data["consent_to_contact"],
            ),
            anonymous=data["anonymous"],
            client_key=data["client_key"],
            received_at=data["received_at"],
            register=data["register"] and not register_refused,
            actor=request.user,
        )
    except ValidationError as error:
        form.service_errors_add(error)
        return _entry_page(request, form, status=400)
    appeal = submission.appeal
    _remember(request, appeal, replayed=not submission.created, register_refused=register_refused)
    return redirect(reverse("appeals:entry") + "?" + urlencode({"saved": appeal.code_display}))


# --- the paper-register import ----------------------------------------------------------------


def _stored(content: bytes, *, name: str, organisation_id: int) -> dict:
    return {
        # CSV shrinks to a fifth or less: a 5 MB register is about 1 MB in the session.
        "content": base64.b64encode(zlib.compress(content, 6)).decode("ascii"),
        "name": name[:200],
        "sha256": hashlib.sha256(content).hexdigest(),
        "organisation": organisation_id,
    }


def _upload(request) -> tuple[dict, bytes] | None:
    stored = request.session.get(UPLOAD_KEY)
    if not stored:
        return None
    return stored, zlib.decompress(base64.b64decode(stored["content"]))


def _organisation(request, stored: dict):
    chosen = {o.pk: o for o in register_organisations_for(request.user)}
    organisation = chosen.get(stored["organisation"])
    if organisation is None:
        raise PermissionDenied(_("You may not import the register of this organisation."))
    return organisation


def _row_columns(preview) -> list[Column]:
    columns = [Column("line", _("Line"))]
    columns += [
        Column(f"cell_{index}", name or _("Column %(number)d") % {"number": index + 1})
        for index, name in enumerate(preview.table.header)
    ]
    return [*columns, Column("problems", _("Problems"))]


def _row_cells(preview, rows) -> list[dict]:
    """The rejected rows as the file had them, with their problems in a last column: the
    clerk corrects them in the spreadsheet and imports them again."""
    width = len(preview.table.header)
    return [
        {
            "line": row.line,
            **{f"cell_{i}": (row.cells[i] if i < len(row.cells) else "") for i in range(width)},
            "problems": "; ".join(
                f"{p.column}: {p.message}" if p.column else p.message for p in row.problems
            ),
        }
        for row in rows
    ]


def _import_page(request, *, form=None, status=200):
    upload = _upload(request)
    context = {
        "form": form,
        "max_rows": REGISTER_MAX_ROWS,
        "max_megabytes": REGISTER_MAX_BYTES // (1024 * 1024),
        "result": request.session.get(RESULT_KEY),
    }
    if upload is not None and form is None:
        stored, content = upload
        try:
            preview = register_import_preview(
                content=content, actor=request.user, organisation=_organisation(request, stored)
            )
        except (ValidationError, PermissionDenied) as error:
            # The file or the person's roles changed since it was uploaded: start again.
            request.session.pop(UPLOAD_KEY, None)
            problems = error.messages if isinstance(error, ValidationError) else [str(error)]
            messages.error(request, " ".join(problems))
            return redirect("appeals:register_import")
        export_format = export_format_from(request)
        if export_format:
            if request.GET.get("table", "rejected") != "rejected":
                raise BadRequest(_("There is no such table here."))
            return table_export_response(
                filename=_("register-rejected-rows"),
                columns=_row_columns(preview),
                rows=_row_cells(preview, preview.rejected_rows),
                export_format=export_format,
            )
        problems = Paginator(preview.problems, PROBLEMS_PER_PAGE).get_page(request.GET.get("page"))
        context.update(
            {
                "upload": stored,
                "preview": preview,
                "counts": preview.counts,
                "problems": problems,
                "rows_shown": preview.ok_rows[:ROWS_SHOWN],
            }
        )
    else:
        if export_format_from(request):
            raise BadRequest(_("There is no register on this page to download rows of."))
        context["form"] = form or RegisterUploadForm(
            organisations=register_organisations_for(request.user)
        )
    return render(request, "appeals/entry/register_import.html", context, status=status)


def _upload_step(request):
    form = RegisterUploadForm(
        request.POST, request.FILES, organisations=register_organisations_for(request.user)
    )
    if not form.is_valid():
        return _import_page(request, form=form, status=400)
    content, organisation = form.cleaned_data["file"], form.cleaned_data["organisation"]
    try:
        # Read once now, so that a file that is no register is told on the upload form.
        register_import_preview(content=content, actor=request.user, organisation=organisation)
    except ValidationError as error:
        form.add_error("file", error.messages)
        return _import_page(request, form=form, status=400)
    request.session[UPLOAD_KEY] = _stored(
        content, name=request.FILES["file"].name, organisation_id=organisation.pk
    )
    request.session.pop(RESULT_KEY, None)
    return redirect("appeals:register_import")


def _commit_step(request):
    upload = _upload(request)
    if upload is None or request.POST.get("sha256") != upload[0]["sha256"]:
        # Another tab uploaded another file since this preview was shown.
        messages.error(request, _("The file shown is no longer the one uploaded: look again."))
        return redirect("appeals:register_import")
    stored, content = upload
    try:
        result = register_import_commit(
            content=content, actor=request.user, organisation=_organisation(request, stored)
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("appeals:register_import")
    request.session[RESULT_KEY] = {
        "name": stored["name"],
        "created": len(result.created),
        "already": result.already,
        "rejected": len(result.rejected),
        "codes": [appeal.code_display for appeal in result.created[:ROWS_SHOWN]],
    }
    return redirect("appeals:register_import")


@login_required
@require_http_methods(["GET", "POST"])
def register_import(request):
    """GET: the upload form, or the preview of the uploaded file (?format=csv|xlsx: its
    rejected rows). POST step=upload: keep the file and show its preview; step=commit: import
    the previewed file's valid rows; step=discard: forget the file."""
    _gate(request)
    if not register_organisations_for(request.user):
        raise PermissionDenied(_("You may not import registers of appeals."))
    if request.method == "GET":
        return _import_page(request)
    step = request.POST.get("step")
    if step == "upload":
        return _upload_step(request)
    if step == "commit":
        return _commit_step(request)
    if step == "discard":
        request.session.pop(UPLOAD_KEY, None)
        request.session.pop(RESULT_KEY, None)
        return redirect("appeals:register_import")
    raise BadRequest(_("Upload a file, or confirm the import."))
