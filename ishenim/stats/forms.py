"""The statistics pages' filters: which area, period and category, and each analysis's own
settings. They are GET forms: a missing or empty field takes its default, so that a plain link
to a page shows a sensible analysis, and every value is checked by the same functions the
services and commands use (their messages are translated)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ishenim.stats import selectors
from ishenim.stats.models import Dataset, OffenceCategory
from ishenim.stats.services import analysis
from ishenim.stats.services.analysis import near_repeat as near_repeat_service
from ishenim.stats.services.analysis.scope import resolution_checked, rings_checked

# More areas than this are offered as a text field with suggestions rather than a list.
AREA_SELECT_LIMIT = 300


def _whole_number(value: str):
    """The text as an int when it is one, else the text (the checks then refuse it)."""
    text = (value or "").strip()
    try:
        return int(text)
    except ValueError:
        return text


class AnalysisFilterForm(forms.Form):
    """Area, period and category, checked against the dataset and the viewer."""

    area = forms.CharField(label=gettext_lazy("Area"), required=False, max_length=60)
    period = forms.CharField(
        label=gettext_lazy("Period"),
        required=False,
        max_length=30,
        help_text=gettext_lazy("A month (2023-07), a year (2023) or months (2023-01..2023-06)."),
    )
    category = forms.ChoiceField(label=gettext_lazy("Category"), required=False)

    defaults: dict[str, str] = {}

    def __init__(self, data, *, dataset: Dataset, viewer):
        given = {key: value for key, value in data.items() if str(value).strip()}
        # Which fields the reader set: a default may depend on others (the resolution on the
        # area's size).
        self.given = set(given)
        # No colon after the labels: they stand above their fields.
        super().__init__({**self.defaults, **given}, label_suffix="")
        self.dataset = dataset
        self.viewer = viewer
        self.categories = {category.code: category for category in selectors.category_list()}
        self.fields["category"].choices = [("", _("All categories"))] + [
            (code, ("\u2003" if category.parent_id else "") + f"{code} {category.name}")
            for code, category in self.categories.items()
        ]

    def area_choices(self) -> list[tuple[str, str]]:
        return analysis.area_choices(self.dataset, self.viewer)

    def clean_area(self):
        try:
            return analysis.area_scope_resolve(self.dataset, self.cleaned_data["area"])
        except analysis.AnalysisError as error:
            raise ValidationError(str(error)) from None

    def clean_period(self):
        try:
            return analysis.period_parse(self.cleaned_data["period"])
        except analysis.AnalysisError as error:
            raise ValidationError(str(error)) from None

    def clean_category(self) -> OffenceCategory | None:
        return self.categories.get(self.cleaned_data["category"]) or None

    def query(self) -> dict[str, str]:
        """The filters as they were given, for links to other pages and layers."""
        return {
            name: str(self.data[name]).strip()
            for name in ("area", "period", "category")
            if str(self.data.get(name, "")).strip()
        }


class DashboardForm(AnalysisFilterForm):
    compare = forms.CharField(
        label=gettext_lazy("Compared with"),
        required=False,
        max_length=30,
        help_text=gettext_lazy("Empty: the same number of months just before."),
    )

    def clean_compare(self):
        try:
            return analysis.period_parse(self.cleaned_data["compare"])
        except analysis.AnalysisError as error:
            raise ValidationError(str(error)) from None


class HexagonForm(AnalysisFilterForm):
    """The filters and the H3 resolution of the hexagons."""

    resolution = forms.CharField(
        label=gettext_lazy("Hexagon resolution"),
        max_length=4,
        widget=forms.NumberInput(attrs={"min": 6, "max": 10}),
        help_text=gettext_lazy("6 (about 36 km² each) to 10 (about 0.015 km² each)."),
    )
    defaults = {"resolution": "9"}

    def clean_resolution(self) -> int:
        try:
            return resolution_checked(_whole_number(self.cleaned_data["resolution"]))
        except analysis.AnalysisError as error:
            raise ValidationError(str(error)) from None

    def clean(self):
        cleaned = super().clean()
        if "resolution" not in self.given and "area" in cleaned:
            cleaned["resolution"] = analysis.resolution_default(cleaned["area"], self.viewer)
            self.data = {**self.data, "resolution": str(cleaned["resolution"])}
        return cleaned


class HotspotForm(HexagonForm):
    k = forms.CharField(label=gettext_lazy("Rings of neighbours"), max_length=4)
    significant = forms.BooleanField(label=gettext_lazy("Only hot and cold spots"), required=False)
    defaults = {"resolution": "9", "k": "1"}

    def clean_k(self) -> int:
        try:
            return rings_checked(_whole_number(self.cleaned_data["k"]))
        except analysis.AnalysisError as error:
            raise ValidationError(str(error)) from None


class ConcentrationForm(HexagonForm):
    top = forms.IntegerField(
        label=gettext_lazy("Busiest hexagons listed"),
        min_value=1,
        max_value=100,
        error_messages={
            "invalid": gettext_lazy("List from 1 to 100 hexagons."),
            "min_value": gettext_lazy("List from 1 to 100 hexagons."),
            "max_value": gettext_lazy("List from 1 to 100 hexagons."),
        },
    )
    defaults = {"resolution": "9", "top": "10"}


def _bands_text(values) -> str:
    return ",".join(f"{value:g}" for value in values)


class NearRepeatForm(AnalysisFilterForm):
    distance_bands = forms.CharField(
        label=gettext_lazy("Distance bands (metres)"),
        max_length=200,
        help_text=gettext_lazy("Upper edges, separated by commas; 0 first for the same location."),
    )
    time_bands = forms.CharField(
        label=gettext_lazy("Time bands (days)"),
        max_length=200,
        help_text=gettext_lazy("Upper edges in whole days, separated by commas."),
    )
    permutations = forms.CharField(label=gettext_lazy("Permutations"), max_length=6)
    seed = forms.IntegerField(
        label=gettext_lazy("Seed"),
        min_value=0,
        max_value=2**31 - 1,
        help_text=gettext_lazy("The same seed gives the same table."),
        error_messages={
            "invalid": gettext_lazy("The seed is a whole number from 0 to 2147483647."),
            "min_value": gettext_lazy("The seed is a whole number from 0 to 2147483647."),
            "max_value": gettext_lazy("The seed is a whole number from 0 to 2147483647."),
        },
    )
    defaults = {
        "distance_bands": _bands_text(near_repeat_service.DEFAULT_DISTANCE_BANDS),
        "time_bands": _bands_text(near_repeat_service.DEFAULT_TIME_BANDS),
        "permutations": "99",
        "seed": "1",
    }

    def clean_distance_bands(self) -> list[float]:
        try:
            return analysis.bands_parse(self.cleaned_data["distance_bands"], kind="distance")
        except analysis.AnalysisError as error:
            raise ValidationError(str(error)) from None

    def clean_time_bands(self) -> list[float]:
        try:
            return analysis.bands_parse(self.cleaned_data["time_bands"], kind="time")
        except analysis.AnalysisError as error:
            raise ValidationError(str(error)) from None

    def clean_permutations(self) -> int:
        try:
            return near_repeat_service.permutations_checked(
                _whole_number(self.cleaned_data["permutations"])
            )
        except analysis.AnalysisError as error:
            raise ValidationError(str(error)) from None
