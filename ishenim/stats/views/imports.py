"""The import pages: upload a file (it is imported by a background task), watch it go, read
every rejected row, try a failed one again. Staff pages: the gate is the policy (importing is
MANAGE on the dataset; seeing an import needs the run and its dataset, access_import_run)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ishenim.core.exports import Column, export_format_from, table_export_response
from ishenim.orgs import policy
from ishenim.orgs.enums import Action
from ishenim.stats import selectors
from ishenim.stats.access import access_import_run
from ishenim.stats.enums import ImportStatus
from ishenim.stats.exports import xlsx_refusal
from ishenim.stats.forms_imports import ImportUploadForm
from ishenim.stats.models import Dataset, ImportRun
from ishenim.stats.services.csvfiles import MappingError
from ishenim.stats.services.importing_uploads import (
    import_queue,
    import_retry,
    import_retry_refusal,
)

IMPORTS_PER_PAGE = 50
REJECTED_PER_PAGE = 100
# How often the import page asks for the progress while the import runs (htmx).
POLL_SECONDS = 2


def _may_import(user) -> bool:
    return policy.can(user, Action.MANAGE, Dataset)


def _import_columns() -> list[Column]:
    return [
        Column("pk", _("Import")),
        Column("started_at", _("Started")),
        Column("dataset.name", _("Dataset")),
        Column("file_name", _("File")),
        Column("get_kind_display", _("Kind")),
        Column("get_status_display", _("Status")),
        Column("rows_read", _("Rows read")),
        Column("rows_imported", _("Imported")),
        Column("rows_duplicate", _("Already there")),
        Column("rows_rejected", _("Rejected")),
        Column("actor", _("Started by")),
        Column("failure", _("Why it failed")),
    ]


@login_required
@require_GET
def import_list(request):
    runs = selectors.import_list_for_viewer(request.user)
    export_format = export_format_from(request)
    if export_format:
        refused = xlsx_refusal(request, runs.count(), export_format)
        if refused:
            return refused
        return table_export_response(
            filename=_("imports"), columns=_import_columns(), rows=runs, export_format=export_format
        )
    page = Paginator(runs, IMPORTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "stats/imports/import_list.html",
        {"page_obj": page, "runs": page.object_list, "may_import": _may_import(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_new(request):
    if not _may_import(request.user):
        raise PermissionDenied(_("Importing data is for the administrators of datasets."))
    datasets = list(selectors.datasets_for_import(request.user))
    form = ImportUploadForm(
        request.POST or None,
        request.FILES or None,
        datasets=datasets,
        initial={"dataset": request.GET.get("dataset", "")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            run = import_queue(
                kind=form.cleaned_data["kind"],
                file=form.cleaned_data["file"],
                mapping=form.cleaned_data["mapping_text"],
                dataset=form.target(),
                new_dataset=form.new_dataset(),
                actor=request.user,
            )
        except ValidationError as error:
            _errors_onto(form, error)
        except (PermissionDenied, MappingError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("%(file)s is uploaded; the import runs in the background.")
                % {"file": run.file_name},
            )
            return redirect("stats:import_detail", import_run_id=run.pk)
    return render(request, "stats/imports/import_new.html", {"form": form})


def _errors_onto(form: ImportUploadForm, error: ValidationError) -> None:
    """A new dataset's values refused by the service: on the form's fields of the same name."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages_ in error.message_dict.items():
        target = {"country_code": "country_code", "unit": "covers"}.get(field, field)
        form.add_error(target if target in form.fields else None, messages_)


def _rejected_columns() -> list[Column]:
    return [Column("line", _("Line")), Column("reason", _("Why the row was rejected"))]


def _progress_context(run: ImportRun) -> dict:
    running = run.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)
    # The bar shows the rows done, also of a failed import (which stopped part of the way;
    # ImportRun.progress counts any ended import as whole).
    share = min(run.rows_done / run.rows_total, 1.0) if run.rows_total else run.progress
    return {
        "run": run,
        "running": running,
        "percent": round(share * 100),
        "poll_seconds": POLL_SECONDS,
    }


@login_required
@require_GET
def import_detail(request, import_run_id: int):
    run = access_import_run(request.user, import_run_id)
    rejected = run.error_list()
    export_format = export_format_from(request)
    if export_format:
        refused = xlsx_refusal(request, len(rejected), export_format)
        if refused:
            return refused
        return table_export_response(
            filename=_("import-%(number)d-rejected-rows") % {"number": run.pk},
            columns=_rejected_columns(),
            rows=rejected,
            export_format=export_format,
        )
    page = Paginator(rejected, REJECTED_PER_PAGE).get_page(request.GET.get("page"))
    context = _progress_context(run)
    context.update(
        {
            "page_obj": page,
            "rejected": page.object_list,
            "retries": list(run.retries.order_by("pk")),
            "may_retry": not import_retry_refusal(run)
            and policy.can(request.user, Action.MANAGE, run.dataset),
        }
    )
    return render(request, "stats/imports/import_detail.html", context)


@login_required
@require_GET
def import_progress(request, import_run_id: int):
    """The progress part of the import page, which htmx asks for while the import runs. Once
    it has ended, an htmx request is told to reload the whole page (counts, rejected rows)."""
    run = access_import_run(request.user, import_run_id)
    response = render(request, "stats/imports/_progress.html", _progress_context(run))
    if getattr(request, "htmx", False) and run.status in (ImportStatus.DONE, ImportStatus.FAILED):
        response["HX-Refresh"] = "true"
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def import_retry_view(request, import_run_id: int):
    run = access_import_run(request.user, import_run_id)
    try:
        retry = import_retry(run=run, actor=request.user)
    except PermissionDenied:
        raise PermissionDenied(_("You may not import into this dataset.")) from None
    except ValueError as error:
        messages.error(request, str(error))
        return redirect("stats:import_detail", import_run_id=run.pk)
    messages.success(request, _("The file is queued again."))
    return redirect(reverse("stats:import_detail", kwargs={"import_run_id": retry.pk}))
