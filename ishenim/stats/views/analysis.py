"""The near-repeat and concentration pages: a form with sensible defaults, the results as
tables that download as CSV and XLSX."""

from django.core.exceptions import BadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from ishenim.core.exports import export_format_from, table_export_response
from ishenim.stats.forms import AREA_SELECT_LIMIT, ConcentrationForm, NearRepeatForm
from ishenim.stats.services import analysis
from ishenim.stats.views.common import dataset_page, form_errors
from ishenim.stats.views.tables import knox_table, top_cell_table

# Incidents × permutations a page computes (about three seconds); more is the command line's.
NEAR_REPEAT_PAGE_WORK = 5_000_000


def _render(request, template: str, context: dict, form, result):
    choices = form.area_choices()
    context.update(
        {
            "form": form,
            "result": result,
            "area_choices": choices,
            "area_select": len(choices) <= AREA_SELECT_LIMIT,
            "dashboard_url": reverse("stats:dashboard", kwargs={"name": context["dataset"].name})
            + ("?" + urlencode(form.query()) if form.query() else ""),
        }
    )
    # A plain visit whose defaults cannot be analysed (a dataset of months only, for near
    # repeat) is an answer; a query with something wrong in it is a bad request.
    status = 400 if result is None and form.given else 200
    return render(request, template, context, status=status)


@require_GET
@dataset_page
def near_repeat(request, dataset):
    form = NearRepeatForm(request.GET, dataset=dataset, viewer=request.user)
    export_format = export_format_from(request)
    result = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = analysis.near_repeat_compute(
                dataset=dataset,
                viewer=request.user,
                area=data["area"],
                period=data["period"],
                category=data["category"],
                distance_bands_m=data["distance_bands"],
                time_bands_days=data["time_bands"],
                permutations=data["permutations"],
                seed=data["seed"],
                max_work=NEAR_REPEAT_PAGE_WORK,
            )
        except analysis.AnalysisError as error:
            form.add_error(None, str(error))
    if export_format:
        if result is None:
            raise BadRequest(form_errors(form)[0])
        columns, rows = knox_table(result)
        return table_export_response(
            filename=f"{dataset.name}-near-repeat",
            columns=columns,
            rows=rows,
            export_format=export_format,
        )
    return _render(request, "stats/near_repeat.html", {"dataset": dataset}, form, result)


@require_GET
@dataset_page
def concentration(request, dataset):
    form = ConcentrationForm(request.GET, dataset=dataset, viewer=request.user)
    export_format = export_format_from(request)
    result = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = analysis.concentration_compute(
                dataset=dataset,
                viewer=request.user,
                resolution=data["resolution"],
                top=data["top"],
                area=data["area"],
                period=data["period"],
                category=data["category"],
            )
        except analysis.AnalysisError as error:
            form.add_error(None, str(error))
    if export_format:
        if result is None:
            raise BadRequest(form_errors(form)[0])
        columns, rows = top_cell_table(result)
        return table_export_response(
            filename=f"{dataset.name}-concentration",
            columns=columns,
            rows=rows,
            export_format=export_format,
        )
    return _render(request, "stats/concentration.html", {"dataset": dataset}, form, result)
