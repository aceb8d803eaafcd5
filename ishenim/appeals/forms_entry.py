"""The staff's entry form (a phone call, a walk-in, a mobile reception unit, a Prevention
Centre) and the paper-register upload. The entry form is typed while the caller talks: its
fields come in the order of the conversation (what about, what kind, what happened, where,
who), a district preselected when the officer's area is one, villages suggested by the
browser from a list (no script), the point pasted as "latitude, longitude".

The form checks what the person typing can correct at once; `appeal_submit` checks the rest
with the same messages the resident's form shows.
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ishenim.appeals import selectors
from ishenim.appeals.config import TEXT_MAX_CHARACTERS
from ishenim.appeals.enums import AppealKind, Channel
from ishenim.appeals.models import AppealCategory
from ishenim.appeals.services.register_format import REGISTER_MAX_BYTES
from ishenim.appeals.services.register_import import settlement_find
from ishenim.appeals.services.submission import appeal_place_resolve
from ishenim.core import clock
from ishenim.geo import selectors as geo_selectors
from ishenim.geo.models import AdminUnit, Settlement
from ishenim.orgs import policy
from ishenim.orgs.enums import Action

# The channels of an appeal staff take in themselves (the web form, the API and the paper
# register have their own ways in).
ENTRY_CHANNELS = (Channel.PHONE, Channel.WALK_IN, Channel.MOBILE_UNIT, Channel.PREVENTION_CENTRE)
# Villages offered as suggestions; more than this (a national account) and the officer types
# the name, which is looked up all the same.
VILLAGES_SUGGESTED = 2000
_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")
DATETIME_INPUT = "%Y-%m-%dT%H:%M"


def _point_parse(text: str) -> tuple[str, str]:
    """ "42.4606, 76.1870", "42,4606; 76,1870" or "42.4606 76.1870" as a phone's map app
    copies it: two numbers, decimal points or commas."""
    numbers = _NUMBER.findall(text)
    if len(numbers) != 2 or _NUMBER.sub("", text).strip(" ,;\t") != "":
        raise ValidationError(
            _("Write the point as latitude and longitude, e.g. 42.4606, 76.1870."), code="point"
        )
    return numbers[0].replace(",", "."), numbers[1].replace(",", ".")


def jurisdiction_root(user, action: Action = Action.CREATE) -> AdminUnit | None:
    """The one unit holding all of the user's area for `action`, when there is one below the
    country: the district preselected on the entry form."""
    ids = policy.jurisdiction_unit_ids(user, action)
    if not ids:
        return None
    roots = list(AdminUnit.objects.filter(pk__in=ids).exclude(parent_id__in=ids)[:2])
    if len(roots) != 1 or roots[0].parent_id is None:
        return None
    return roots[0]


def district_choices() -> list:
    """Every unit below the country, grouped by oblast (and republican city), the oblast
    itself first: a select an officer types the first letters of."""
    groups, current = [], None
    for unit in geo_selectors.unit_list():
        if unit.depth == 0:
            continue
        if unit.depth == 1:
            current = (unit.name, [(unit.code, _("%(unit)s (whole)") % {"unit": unit.name})])
            groups.append(current)
        elif current is not None:
            current[1].append((unit.code, "\u2003" * (unit.depth - 2) + unit.name))
    return [("", "—"), *groups]


def villages_for(user) -> list[Settlement]:
    """The villages and towns of the user's area, for the browser's suggestions."""
    settlements = Settlement.objects.select_related("unit").order_by("name_en", "pk")
    root = geo_selectors.unit_root()
    ids = policy.jurisdiction_unit_ids(user, Action.CREATE)
    if root is None or root.pk not in ids:
        settlements = settlements.filter(unit_id__in=ids)
    return list(settlements[:VILLAGES_SUGGESTED])


class AppealEntryForm(forms.Form):
    channel = forms.ChoiceField(
        label=gettext_lazy("Taken in through"),
        choices=[(channel.value, channel.label) for channel in ENTRY_CHANNELS],
    )
    received_at = forms.DateTimeField(
        label=gettext_lazy("Received"),
        input_formats=[DATETIME_INPUT, "%Y-%m-%dT%H:%M:%S", "%d.%m.%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT),
        help_text=gettext_lazy("Now, unless you are entering a visit or a call of earlier."),
    )
    category = forms.ChoiceField(label=gettext_lazy("Category"))
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=[("", "—"), *AppealKind.choices])
    text = forms.CharField(
        label=gettext_lazy("What happened or what is asked"),
        # The service refuses longer texts with its own message; the browser stops there too.
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": TEXT_MAX_CHARACTERS}),
        strip=False,
    )
    district = forms.ChoiceField(label=gettext_lazy("District or city"), required=False)
    village = forms.CharField(
        label=gettext_lazy("Village, town or neighbourhood"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"list": "entry-villages", "autocomplete": "off"}),
    )
    address = forms.CharField(
        label=gettext_lazy("Address or landmark"), required=False, max_length=300
    )
    point = forms.CharField(
        label=gettext_lazy("Point (optional)"),
        required=False,
        max_length=80,
        help_text=gettext_lazy(
            "Latitude and longitude, if the caller can read them from a phone: 42.4606, 76.1870."
        ),
    )
    full_name = forms.CharField(label=gettext_lazy("Caller's name"), required=False, max_length=200)
    phone = forms.CharField(label=gettext_lazy("Phone"), required=False, max_length=40)
    email = forms.CharField(label=gettext_lazy("Email"), required=False, max_length=254)
    consent_to_contact = forms.BooleanField(
        label=gettext_lazy("Agrees to be contacted about the appeal"), required=False
    )
    anonymous = forms.BooleanField(
        label=gettext_lazy("Wishes to stay anonymous"),
        required=False,
        help_text=gettext_lazy(
            "Their name and contacts, if given, are then seen by the handling organisation only."
        ),
    )
    register = forms.BooleanField(
        label=gettext_lazy("Register it now"),
        required=False,
        initial=True,
        help_text=gettext_lazy(
            "When your organisation handles it. Otherwise it goes to the organisation that"
            " does, which registers it."
        ),
    )
    client_key = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.categories = {category.code: category for category in selectors.category_list()}
        self.fields["category"].choices = [("", "—")] + [
            (code, category.name) for code, category in self.categories.items()
        ]
        self.fields["district"].choices = district_choices()
        if not self.is_bound:
            # The next caller: typing starts at the category.
            self.fields["category"].widget.attrs["autofocus"] = True

    def clean_category(self) -> AppealCategory:
        category = self.categories.get(self.cleaned_data["category"])
        if category is None:
            raise ValidationError(_("Choose a category from the list."))
        return category

    def clean_received_at(self):
        received_at = self.cleaned_data["received_at"]
        if received_at > clock.now():
            raise ValidationError(_("The date of receipt cannot be in the future."))
        return received_at

    def clean_district(self) -> AdminUnit | None:
        code = self.cleaned_data["district"]
        return AdminUnit.objects.filter(code=code).first() if code else None

    def clean(self):
        cleaned = super().clean()
        if "district" in cleaned:
            self._place_clean(cleaned)
        return cleaned

    def _place_clean(self, cleaned: dict) -> None:
        unit, village = cleaned["district"], cleaned.get("village", "").strip()
        address, point = cleaned.get("address", ""), cleaned.get("point", "").strip()
        # The field the officer filled in last answers for the place.
        field = "point" if point else "village" if village else "district"
        where: dict = {"address": address}
        try:
            if point:
                where["latitude"], where["longitude"] = _point_parse(point)
            elif village:
                where["settlement_id"] = settlement_find(village, within=unit).pk
            elif unit is not None:
                where["unit_code"] = unit.code
            else:
                raise ValidationError(_("Say where: choose the district, or write the village."))
            cleaned["place"] = appeal_place_resolve(**where)
        except ValidationError as error:
            for message in error.messages:
                self.add_error(field, message)

    def service_errors_add(self, error: ValidationError) -> None:
        """appeal_submit's messages on the fields they are about (its keys are the resident's
        form's: the point is one field here)."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for key, messages in error.message_dict.items():
            field = {"latitude": "point", "longitude": "point", "place": "district"}.get(key, key)
            for message in messages:
                self.add_error(field if field in self.fields else None, message)


class RegisterUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("The register as a CSV file"),
        widget=forms.FileInput(attrs={"accept": ".csv,.txt,text/csv,text/plain"}),
        help_text=gettext_lazy(
            "Saved from Excel as CSV (comma or semicolon separated; UTF-8 or Windows-1251),"
            " at most 5 MB."
        ),
    )
    organisation = forms.ChoiceField(label=gettext_lazy("Whose register it is"), required=False)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.organisations = {str(organisation.pk): organisation for organisation in organisations}
        self.fields["organisation"].choices = [
            (key, str(organisation)) for key, organisation in self.organisations.items()
        ]
        if len(self.organisations) == 1:
            self.fields["organisation"].widget = forms.HiddenInput()
            self.fields["organisation"].initial = next(iter(self.organisations))

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > REGISTER_MAX_BYTES:
            raise ValidationError(
                _("The file is larger than %(limit)d MB: split the register into several files.")
                % {"limit": REGISTER_MAX_BYTES // (1024 * 1024)}
            )
        return upload.read()

    def clean_organisation(self):
        key = self.cleaned_data["organisation"]
        if not key and len(self.organisations) == 1:
            key = next(iter(self.organisations))
        if key not in self.organisations:
            raise ValidationError(_("Choose the organisation whose register this is."))
        return self.organisations[key]
