"""Open data pages, for everyone (signed in or not): the public datasets, each one's files
and how they were anonymised, the downloads, and for the dataset's administrators "Build
again". The gate is stats.access.access_open_dataset: a dataset that is not public is not
found here, whoever asks."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.formats import number_format
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import condition, require_GET, require_POST, require_safe

from ishenim.core.exports import Column, export_format_from, table_export_response
from ishenim.orgs import policy
from ishenim.orgs.enums import Action
from ishenim.stats.access import access_open_dataset
from ishenim.stats.services import open_data
from ishenim.stats.services.open_data_files import (
    OPEN_FILE_KINDS,
    OPEN_FILES,
    open_build_current,
    open_build_queue,
    open_catalogue,
    open_entry,
    open_file_stored,
)

# How often the dataset's page asks for the progress while its files are built (htmx).
POLL_SECONDS = 3


def _months(build) -> str:
    if build is None or build.first_month is None:
        return ""
    return f"{build.first_month:%Y-%m} – {build.last_month:%Y-%m}"


def _files_text(build) -> str:
    if build is None:
        return ""
    return "; ".join(
        f"{item['name']} ({number_format(item['size'], force_grouping=True)} B)"
        for item in build.files
    )


def _catalogue_rows(entries) -> list[dict]:
    return [
        {
            "entry": entry,
            "name": entry.dataset.name,
            "title": entry.dataset.title,
            "source": entry.dataset.source,
            "licence": entry.dataset.licence,
            "months": _months(entry.current),
            "records": entry.current.record_count if entry.current else None,
            "built_at": entry.current.finished_at if entry.current else None,
            "files": _files_text(entry.current),
        }
        for entry in entries
    ]


def _catalogue_columns() -> list[Column]:
    return [
        Column("name", _("Name")),
        Column("title", _("Dataset")),
        Column("source", _("Source")),
        Column("licence", _("Licence")),
        Column("months", _("Months covered")),
        Column("records", _("Records")),
        Column("built_at", _("Files built")),
        Column("files", _("Files")),
    ]


@require_GET
def dataset_list(request):
    rows = _catalogue_rows(open_catalogue())
    export_format = export_format_from(request)
    if export_format:
        return table_export_response(
            filename=_("open-data"),
            columns=_catalogue_columns(),
            rows=rows,
            export_format=export_format,
        )
    return render(request, "stats/open_data/dataset_list.html", {"rows": rows})


def _file_rows(dataset, build) -> list[dict]:
    rows = []
    for open_file in OPEN_FILES:
        stored = open_file_stored(build, open_file) if build is not None else None
        if stored is None:
            continue
        rows.append(
            {
                "kind": open_file.kind,
                "label": open_file.label,
                "name": stored["name"],
                "size": stored["size"],
                "sha256": stored["sha256"],
                "built_at": build.finished_at,
            }
        )
    return rows


def _file_columns() -> list[Column]:
    return [
        Column("label", _("File")),
        Column("name", _("Name")),
        Column("size", _("Size in bytes")),
        Column("sha256", _("SHA-256")),
        Column("built_at", _("Built")),
    ]


def _progress_context(request, entry) -> dict:
    latest = entry.latest
    return {
        "entry": entry,
        "dataset": entry.dataset,
        "build": latest,
        "building": entry.building,
        "percent": round(latest.progress * 100) if latest is not None else 0,
        "poll_seconds": POLL_SECONDS,
        "may_build": request.user.is_authenticated
        and policy.can(request.user, Action.MANAGE, entry.dataset),
    }


@require_GET
def dataset_detail(request, name: str):
    dataset = access_open_dataset(name)
    entry = open_entry(dataset)
    files = _file_rows(dataset, entry.current)
    export_format = export_format_from(request)
    if export_format:
        return table_export_response(
            filename=_("%(name)s-files") % {"name": dataset.name},
            columns=_file_columns(),
            rows=files,
            export_format=export_format,
        )
    context = _progress_context(request, entry)
    context.update(
        {
            "summary": open_data.open_summary(dataset),
            "files": files,
            "facts": entry.current.facts if entry.current else {},
            "withheld": open_data.withheld_groups(),
            "anchor_min_places": open_data.ANCHOR_MIN_PLACES,
            "settlement_min_residents": open_data.SETTLEMENT_MIN_RESIDENTS,
            "count_threshold": open_data.COUNT_THRESHOLD,
            "count_suppressed_up_to": open_data.COUNT_THRESHOLD - 1,
            "outcome_min_records": open_data.OUTCOME_MIN_RECORDS,
        }
    )
    return render(request, "stats/open_data/dataset_detail.html", context)


@require_GET
def build_progress(request, name: str):
    """The progress part of the dataset's page, which htmx asks for while a build runs. Once
    it has ended, an htmx request is told to reload the page (the new files)."""
    dataset = access_open_dataset(name)
    entry = open_entry(dataset)
    response = render(request, "stats/open_data/_progress.html", _progress_context(request, entry))
    if getattr(request, "htmx", False) and not entry.building:
        response["HX-Refresh"] = "true"
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def build_again(request, name: str):
    dataset = access_open_dataset(name)
    try:
        open_build_queue(dataset=dataset, actor=request.user)
    except PermissionDenied:
        raise PermissionDenied(
            _("Only an administrator of this dataset may build its files again.")
        ) from None
    messages.success(request, _("The files are being built again in the background."))
    return redirect("open_data:dataset_detail", name=dataset.name)


def _stored(name: str, kind: str):
    """The stored file of that kind in the dataset's published build, or 404."""
    open_file = OPEN_FILE_KINDS.get(kind)
    if open_file is None:
        raise Http404(_("There is no such file."))
    dataset = access_open_dataset(name)
    build = open_build_current(dataset)
    stored = open_file_stored(build, open_file) if build is not None else None
    if stored is None:
        raise Http404(_("This file is not built yet."))
    return open_file, build, stored


def _etag(request, name: str, kind: str) -> str | None:
    try:
        return _stored(name, kind)[2]["sha256"]
    except Http404:
        return None


def _last_modified(request, name: str, kind: str):
    try:
        return _stored(name, kind)[1].finished_at
    except Http404:
        return None


@require_safe
@condition(etag_func=_etag, last_modified_func=_last_modified)
def download(request, name: str, kind: str):
    """The stored file, streamed from storage: no time limit whatever its size. A reader
    who has it already gets 304 (its SHA-256 is the ETag)."""
    open_file, _build, stored = _stored(name, kind)
    try:
        handle = default_storage.open(stored["path"], "rb")
    except FileNotFoundError:
        # Replaced by a newer build between the two reads: the reader asks again.
        raise Http404(_("This file is being replaced; try again in a moment.")) from None
    response = FileResponse(handle, content_type=open_file.content_type)
    response["Content-Disposition"] = content_disposition_header(True, stored["name"])
    response["Content-Length"] = str(stored["size"])
    # Public data, but a dataset can stop being public: shared caches must ask again.
    response["Cache-Control"] = "public, no-cache"
    return response
