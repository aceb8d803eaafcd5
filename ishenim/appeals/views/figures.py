"""The appeals' figures per area and period: how many came in, where they stand, how many
were answered on time and how fast, how many are late now, how residents rated the answers;
by category, channel and area. Staff pages: the figures count the appeals of the viewer's
jurisdiction whatever their sensitivity (selectors.appeals_in_jurisdiction), so an analyst
sees how their oblast is doing without reading any appeal. Every table downloads as CSV or
XLSX for those whose role may export."""

from datetime import date, timedelta

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from ishenim.appeals import selectors
from ishenim.appeals.enums import AppealStatus
from ishenim.appeals.forms_entry import jurisdiction_root
from ishenim.appeals.models import Appeal
from ishenim.core import clock
from ishenim.core.exports import Column, export_format_from, table_export_response
from ishenim.geo import selectors as geo_selectors
from ishenim.geo.models import AdminUnit
from ishenim.orgs import policy
from ishenim.orgs.enums import Action

DATE_INPUT = "%Y-%m-%d"


def _year_before(day: date) -> date:
    """The day after the same day a year earlier: a period of twelve whole months to `day`."""
    try:
        start = day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        start = day.replace(year=day.year - 1, day=28)
    return start + timedelta(days=1)


class FiguresFilterForm(forms.Form):
    """Which area (a unit of the viewer's jurisdiction) and which period; empty fields take
    the viewer's whole area and the last twelve months."""

    area = forms.ChoiceField(label=gettext_lazy("Area"), required=False)
    received_from = forms.DateField(
        label=gettext_lazy("Received from"),
        required=False,
        input_formats=[DATE_INPUT, "%d.%m.%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format=DATE_INPUT),
    )
    received_to = forms.DateField(
        label=gettext_lazy("to"),
        required=False,
        input_formats=[DATE_INPUT, "%d.%m.%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format=DATE_INPUT),
    )

    def __init__(self, data, *, viewer):
        self.units = {
            unit.code: unit
            for unit in AdminUnit.objects.filter(
                pk__in=policy.jurisdiction_unit_ids(viewer, Action.VIEW)
            ).order_by("path")
        }
        root = geo_selectors.unit_root()
        national = root is not None and root.code in self.units
        default = root if national else jurisdiction_root(viewer, Action.VIEW)
        today = clock.today()
        defaults = {
            "area": default.code if default else "",
            "received_from": _year_before(today).strftime(DATE_INPUT),
            "received_to": today.strftime(DATE_INPUT),
        }
        given = {key: value for key, value in data.items() if str(value).strip()}
        super().__init__({**defaults, **given}, label_suffix="")
        depth = min((unit.depth for unit in self.units.values()), default=0)
        self.fields["area"].choices = [("", _("All of my area"))] + [
            (code, "\u2003" * (unit.depth - depth) + unit.name) for code, unit in self.units.items()
        ]

    def clean_area(self) -> AdminUnit | None:
        return self.units.get(self.cleaned_data["area"])

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("received_from"), cleaned.get("received_to")
        if start and end and start > end:
            raise ValidationError(_("The period must start before it ends."))
        return cleaned


def _percent(value: float | None):
    return None if value is None else round(value, 1)


def _tables(figures: selectors.AppealFigures, areas: list[selectors.AreaFigures]) -> dict:
    """Each table of the page as (columns, rows): the page and the downloads show the same."""
    names = {c.code: c.name for c in selectors.category_list(active_only=False)}
    summary = [
        (_("Received"), figures.received),
        (_("Answered"), figures.answered),
        (_("Answered on time"), figures.answered_on_time),
        # xgettext:no-python-format
        (_("Answered on time (%)"), _percent(figures.on_time_percent)),
        (_("Median working days to answer"), figures.median_working_days),
        (_("Overdue now"), figures.overdue_open),
        (_("Very late now"), figures.very_late_open),
        (_("Reopened"), figures.reopened),
        (_("Rated"), figures.rated),
        (_("Mean rating (1 to 5)"), _percent(figures.mean_rating)),
    ]
    # xgettext:no-python-format
    share = _("Share (%)")
    return {
        "summary": (
            [Column("figure", _("Figure")), Column("value", _("Value"))],
            [{"figure": label, "value": value} for label, value in summary],
        ),
        "statuses": (
            [Column("status", _("Status")), Column("count", _("Appeals"))],
            [
                {"status": AppealStatus(status).label, "count": count}
                for status, count in figures.by_status.items()
            ],
        ),
        "ratings": (
            [Column("stars", _("Rating")), Column("count", _("Appeals")), Column("share", share)],
            [
                {
                    "stars": stars,
                    "count": count,
                    "share": _percent(100 * count / figures.rated) if figures.rated else None,
                }
                for stars, count in sorted(figures.ratings.items(), reverse=True)
            ],
        ),
        "categories": (
            [
                Column("code", _("Code")),
                Column("name", _("Category")),
                Column("count", _("Appeals")),
            ],
            [
                {"code": code, "name": names.get(code, code), "count": count}
                for code, count in figures.by_category
            ],
        ),
        "channels": (
            [Column("channel", _("Channel")), Column("count", _("Appeals"))],
            [{"channel": label, "count": count} for label, count in figures.by_channel],
        ),
        "areas": (
            [
                Column("code", _("Code")),
                Column("name", _("Area")),
                Column("received", _("Received")),
                Column("answered", _("Answered")),
                # xgettext:no-python-format
                Column("on_time_percent", _("Answered on time (%)")),
                Column("median_working_days", _("Median working days to answer")),
                Column("overdue_open", _("Overdue now")),
                Column("very_late_open", _("Very late now")),
                Column("reopened", _("Reopened")),
                Column("rated", _("Rated")),
                Column("mean_rating", _("Mean rating (1 to 5)")),
            ],
            [
                {
                    "code": area.unit.code,
                    "name": area.unit.name
                    if area.whole
                    else _("%(unit)s, no smaller area given") % {"unit": area.unit.name},
                    "whole": area.whole,
                    "received": area.received,
                    "answered": area.answered,
                    "on_time_percent": _percent(area.on_time_percent),
                    "median_working_days": area.median_working_days,
                    "overdue_open": area.overdue_open,
                    "very_late_open": area.very_late_open,
                    "reopened": area.reopened,
                    "rated": area.rated,
                    "mean_rating": _percent(area.mean_rating),
                }
                for area in areas
            ],
        ),
    }


@login_required
@require_GET
def figures(request):
    if not policy.is_staff(request.user):
        raise PermissionDenied(_("The appeals' figures are for staff."))
    form = FiguresFilterForm(request.GET, viewer=request.user)
    export_format = export_format_from(request)
    may_export = policy.can(request.user, Action.EXPORT, Appeal)
    if not form.is_valid():
        if export_format:
            raise BadRequest(" ".join(m for errors in form.errors.values() for m in errors))
        return render(request, "appeals/figures/figures.html", {"form": form}, status=400)
    area = form.cleaned_data["area"]
    period = {
        "received_from": form.cleaned_data["received_from"],
        "received_to": form.cleaned_data["received_to"],
    }
    figures_ = selectors.appeal_figures(request.user, unit=area, **period)
    areas = selectors.appeal_figures_by_area(request.user, unit=area, **period)
    tables = _tables(figures_, areas)
    if export_format:
        if not may_export:
            raise PermissionDenied(_("Your role may not download the figures."))
        table = request.GET.get("table", "summary")
        if table not in tables:
            raise BadRequest(_("There is no table “%(table)s” here.") % {"table": table[:40]})
        columns, rows = tables[table]
        return table_export_response(
            filename=_("appeal-figures-%(table)s") % {"table": table},
            columns=columns,
            rows=rows,
            export_format=export_format,
        )
    ratings = [
        {**row, "fraction": row["count"] / figures_.rated if figures_.rated else 0}
        for row in tables["ratings"][1]
    ]
    return render(
        request,
        "appeals/figures/figures.html",
        {
            "form": form,
            "area": area,
            "period": period,
            "figures": figures_,
            "tables": {name: rows for name, (_columns, rows) in tables.items()},
            "ratings": ratings,
            "may_export": may_export,
        },
    )
