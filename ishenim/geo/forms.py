from django import forms
from django.utils.translation import gettext_lazy as _

from ishenim.geo.enums import UnitLevel
from ishenim.geo.models import AdminUnit


def _unit_choices(units: list[AdminUnit], empty_label) -> list[tuple[str, str]]:
    # Indented by depth, so that the tree reads in a plain <select>.
    return [("", empty_label)] + [
        (unit.code, "\u2003" * max(unit.depth - 1, 0) + unit.name) for unit in units
    ]


class UnitFilterForm(forms.Form):
    level = forms.ChoiceField(label=_("Level"), required=False)
    parent = forms.ChoiceField(label=_("Directly under"), required=False)

    def __init__(self, data, *, parents: list[AdminUnit]):
        super().__init__(data)
        self.fields["level"].choices = [("", _("All levels")), *UnitLevel.choices]
        self.fields["parent"].choices = _unit_choices(parents, _("Anywhere"))
        self._parents = {unit.code: unit for unit in parents}

    def filters(self) -> tuple[str, AdminUnit | None]:
        """(level, parent) chosen; nothing when the form has errors."""
        if not self.is_valid():
            return "", None
        return self.cleaned_data["level"], self._parents.get(self.cleaned_data["parent"])


class SettlementFilterForm(forms.Form):
    q = forms.CharField(label=_("Name"), required=False, max_length=100)
    unit = forms.ChoiceField(label=_("Inside"), required=False)

    def __init__(self, data, *, units: list[AdminUnit]):
        super().__init__(data)
        self.fields["unit"].choices = _unit_choices(units, _("Anywhere"))
        self._units = {unit.code: unit for unit in units}

    def filters(self) -> tuple[str, AdminUnit | None]:
        if not self.is_valid():
            return "", None
        return self.cleaned_data["q"], self._units.get(self.cleaned_data["unit"])
