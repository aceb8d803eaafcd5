"""The resident's forms: the appeal form, finding an appeal by its code, and the tracking
page's reply, reopening and rating.

The appeal form carries what the resident typed to appeals.services.submission, which judges
it (text, contacts, files by their content) and says what is wrong per field; the form itself
checks only what needs no service (a choice from the list, something written) so that an
empty form gets all its messages at once, and turns the place fields into the arguments of
`appeal_place_resolve`. A browser sends files again only when they are chosen again, so the
form remembers that some were chosen, to say so beside the file field.
"""

import secrets

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ishenim.appeals import config
from ishenim.appeals.enums import AppealKind
from ishenim.appeals.models import AppealCategory
from ishenim.appeals.services.submission import (
    AppealPlace,
    ReporterDetails,
    Upload,
    appeal_place_resolve,
)
from ishenim.core.codes import EXAMPLE, InvalidTrackingCode, tracking_code_parse
from ishenim.geo import selectors as geo_selectors
from ishenim.geo.models import AdminUnit, Settlement, settlement_search_text

ACCEPTED_FILES = "image/jpeg,image/png,image/webp,application/pdf"
# How many villages the form offers when a typed name matches several.
SETTLEMENT_CANDIDATES = 12
# The kinds in the order a resident thinks of them; "request" first and chosen by default,
# being the neutral word: it asks for something without presuming a fault or a crime.
KIND_ORDER = (
    AppealKind.REQUEST,
    AppealKind.COMPLAINT,
    AppealKind.INCIDENT_REPORT,
    AppealKind.TIP,
    AppealKind.PROPOSAL,
    AppealKind.GRATITUDE,
)
# Where the service's messages go on the form; the rest are the form's own.
SERVICE_FIELDS = {
    "text": "text",
    "category": "category",
    "kind": "kind",
    "place": "place",
    "latitude": "place",
    "longitude": "place",
    "full_name": "full_name",
    "phone": "phone",
    "email": "email",
    "files": "files",
}


def client_key_new() -> str:
    """The submission key a rendered form carries: sending it twice gives one appeal."""
    return secrets.token_urlsafe(24)


def errors_onto(form: forms.Form, error: ValidationError, fields: dict[str, str]) -> None:
    """A service's ValidationError onto the form: per field where the form has that field,
    the rest above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, messages in error.message_dict.items():
        target = fields.get(name)
        form.add_error(target if target in form.fields else None, messages)


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class UploadsField(forms.Field):
    """Every file chosen, unjudged: the service checks count, size and content."""

    widget = MultipleFileInput

    def clean(self, value):
        return [upload for upload in (value or []) if upload is not None]


def unit_choices(units: list[AdminUnit]) -> list:
    """Districts and cities grouped by oblast (a republican city is a group of its own), for
    a plain <select>; each group starts with the whole oblast or city, for a resident who
    does not know the district."""
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    for unit in units:
        if unit.depth == 0:
            continue
        if unit.depth == 1:
            groups.append(
                (
                    unit.name,
                    [(unit.code, _("%(unit)s: district not known") % {"unit": unit.name})],
                )
            )
        elif groups:
            # A city inside a district is indented under it.
            groups[-1][1].append((unit.code, "\u2003" * (unit.depth - 2) + unit.name))
    for index, (label, options) in enumerate(groups):
        if len(options) == 1:
            # A city without districts (Osh): the city itself, plainly.
            groups[index] = (label, [(options[0][0], label)])
    return [("", gettext_lazy("Choose a district or city")), *groups]


class AppealForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("What is it?"),
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choose what kind of appeal this is."),
            "invalid_choice": gettext_lazy("Choose what kind of appeal this is."),
        },
    )
    category = forms.ChoiceField(
        label=gettext_lazy("What is it about?"),
        error_messages={
            "required": gettext_lazy("Choose a category from the list."),
            "invalid_choice": gettext_lazy("Choose a category from the list."),
        },
    )
    text = forms.CharField(
        label=gettext_lazy("What happened, or what do you ask for?"),
        # The service measures the length and says by how much it is over: a browser's
        # maxlength would cut a pasted text short without a word.
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": gettext_lazy("Write what happened or what you ask for.")},
    )
    # Where: a pin (filled by the map's script), a village, or a district with an address.
    place = forms.CharField(required=False, widget=forms.HiddenInput)
    latitude = forms.CharField(required=False, widget=forms.HiddenInput)
    longitude = forms.CharField(required=False, widget=forms.HiddenInput)
    unit = forms.ChoiceField(
        label=gettext_lazy("District or city"),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Choose a district or city from the list.")},
    )
    village = forms.CharField(
        label=gettext_lazy("Village or town"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("Its name, in any language; leave empty in a city."),
    )
    settlement = forms.ChoiceField(
        label=gettext_lazy("Which one?"),
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": gettext_lazy("Choose a village or town from the list.")},
    )
    address = forms.CharField(
        label=gettext_lazy("Address or landmark"),
        required=False,
        max_length=300,
        help_text=gettext_lazy("A street and house, or what is nearby."),
    )
    files = UploadsField(
        label=gettext_lazy("Choose files"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": ACCEPTED_FILES}),
    )
    anonymous = forms.BooleanField(label=gettext_lazy("I want to stay anonymous"), required=False)
    full_name = forms.CharField(
        label=gettext_lazy("Your name"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=gettext_lazy("Phone"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    email = forms.CharField(
        label=gettext_lazy("Email"),
        required=False,
        max_length=254,
        widget=forms.TextInput(attrs={"type": "email", "autocomplete": "email"}),
    )
    consent_to_contact = forms.BooleanField(
        label=gettext_lazy("You may call or write to me about this appeal"), required=False
    )
    client_key = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, categories: list[AppealCategory], units: list[AdminUnit], **kw):
        super().__init__(*args, **kw)
        self.categories = {str(category.pk): category for category in categories}
        self.fields["kind"].choices = [(kind.value, kind.label) for kind in KIND_ORDER]
        self.fields["category"].choices = [
            ("", gettext_lazy("Choose a category")),
            *((str(category.pk), category.name) for category in categories),
        ]
        self.fields["unit"].choices = unit_choices(units)
        self.fields["text"].help_text = _(
            "Up to %(limit)s characters. Write it in Kyrgyz, Russian or English."
        ) % {"limit": f"{config.TEXT_MAX_CHARACTERS:,}"}
        self.fields["files"].help_text = _(
            "Up to %(count)s files of %(size)s MB each: photos (JPEG, PNG, WebP) or PDF."
            " Photos are stored without the place and device they were taken with."
        ) % {"count": config.ATTACHMENTS_MAX, "size": config.ATTACHMENT_MAX_BYTES // 2**20}
        # Offered only when a typed village name matched several (see _settlement_for).
        self.settlement_candidates: list[Settlement] = []
        self.resolved_place: AppealPlace | None = None
        self.files_were_chosen = bool(self.files and any(self.files.getlist("files")))
        if self.is_bound:
            self._offer_posted_settlement()

    def _offer_posted_settlement(self) -> None:
        """The village chosen from the offered list is a valid choice when sent back."""
        chosen = self.data.get("settlement") or ""
        if chosen.isdigit():
            found = Settlement.objects.filter(pk=int(chosen)).select_related("unit").first()
            if found is not None:
                self._offer([found])

    def _offer(self, settlements: list[Settlement]) -> None:
        self.settlement_candidates = settlements
        self.fields["settlement"].choices = [
            *((str(s.pk), f"{s.name} ({s.unit.name})") for s in settlements),
            ("", _("None of these: use the district and the address")),
        ]

    @property
    def category_descriptions(self) -> list[AppealCategory]:
        return [category for category in self.categories.values() if category.description]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("anonymous") and not any(
            (cleaned.get(name) or "").strip() for name in ("full_name", "phone", "email")
        ):
            self.add_error(
                "full_name",
                _("Give your name and a way to reach you, or choose to stay anonymous."),
            )
        try:
            self.resolved_place = appeal_place_resolve(**self._place_arguments())
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                errors_onto(self, error, {**SERVICE_FIELDS, "settlement": "settlement"})
            else:
                # A point outside the country comes without a field: it is about the place.
                self.add_error("place", error.messages)
        return cleaned

    def _place_arguments(self) -> dict:
        data = self.cleaned_data
        unit_code = data.get("unit") or ""
        address = (data.get("address") or "").strip()
        arguments = {
            "latitude": (data.get("latitude") or "").strip() or None,
            "longitude": (data.get("longitude") or "").strip() or None,
            "settlement_id": data.get("settlement") or None,
            "unit_code": unit_code,
            "address": address,
        }
        village = (data.get("village") or "").strip()
        if arguments["latitude"] or arguments["longitude"] or arguments["settlement_id"]:
            return arguments
        if village:
            settlement = self._settlement_for(village, unit_code)
            if settlement is not None:
                arguments["settlement_id"] = settlement.pk
            else:
                # Not in the gazetteer (or not yet loaded there): the name still tells the
                # officer where, as the first part of the address.
                arguments["address"] = ", ".join(part for part in (village, address) if part)
                if not unit_code:
                    raise ValidationError(
                        {
                            "place": _(
                                "“%(name)s” is not in our list of villages and towns: choose"
                                " its district as well."
                            )
                            % {"name": village}
                        }
                    )
        return arguments

    def _settlement_for(self, name: str, unit_code: str) -> Settlement | None:
        """The village a typed name means: the one with exactly that name (in the chosen
        district), else the only one whose name contains it. Several: the resident chooses
        (ValidationError, with the candidates offered on the form)."""
        unit = None
        if unit_code:
            unit = AdminUnit.objects.filter(code=unit_code).first()
        matches = list(
            geo_selectors.settlement_list(unit=unit, query=name)[: SETTLEMENT_CANDIDATES + 1]
        )
        folded = settlement_search_text(name)
        exact = [s for s in matches if folded in s.search_text.split("\n")]
        if len(exact) == 1:
            return exact[0]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            return None
        self._offer((exact or matches)[:SETTLEMENT_CANDIDATES])
        raise ValidationError(
            {
                "settlement": _(
                    "Several villages and towns are called “%(name)s”: choose the one you mean."
                )
                % {"name": name}
            }
        )

    def reporter_details(self) -> ReporterDetails:
        data = self.cleaned_data
        return ReporterDetails(
            full_name=data.get("full_name") or "",
            phone=data.get("phone") or "",
            email=data.get("email") or "",
            consent_to_contact=bool(data.get("consent_to_contact")),
        )

    def uploads(self) -> list[Upload]:
        """The chosen files' bytes, each read no further than one byte past the limit: that
        is enough for the service to refuse it, and a 2 GB video is not read into memory."""
        files = self.cleaned_data.get("files") or []
        if len(files) > config.ATTACHMENTS_MAX:
            # Refused for their number alone (the service counts before it looks inside).
            return [Upload(name=upload.name, content=b"") for upload in files]
        uploads = []
        for upload in files:
            upload.seek(0)
            uploads.append(
                Upload(name=upload.name, content=upload.read(config.ATTACHMENT_MAX_BYTES + 1))
            )
        return uploads


class TrackFindForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Tracking code"),
        max_length=40,
        error_messages={"required": gettext_lazy("Write the tracking code.")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "placeholder": EXAMPLE,
            }
        ),
    )

    def clean_code(self) -> str:
        try:
            return tracking_code_parse(self.cleaned_data["code"])
        except InvalidTrackingCode as error:
            raise ValidationError(str(error), code="code") from None


class ReplyForm(forms.Form):
    # Required and length are the service's to judge (appeal_receive_clarification).
    reply = forms.CharField(
        label=gettext_lazy("Your reply"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )


class ReopenForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("What is still not resolved?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class RateForm(forms.Form):
    rating = forms.CharField(required=False)
    comment = forms.CharField(
        label=gettext_lazy("Comment (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    STARS = (1, 2, 3, 4, 5)
