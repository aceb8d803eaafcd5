from django import forms
from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ishenim.core.middleware import client_ip
from ishenim.geo.models import AdminUnit
from ishenim.orgs import selectors
from ishenim.orgs.enums import OrganisationKind


class SignInForm(forms.Form):
    login = forms.CharField(
        label=gettext_lazy("Email or phone number"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=gettext_lazy("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, request, *args, **kwargs):
        self.request = request
        self.user = None
        super().__init__(*args, **kwargs)

    def clean(self):
        login = self.cleaned_data.get("login")
        password = self.cleaned_data.get("password")
        if not login or not password:
            return self.cleaned_data
        self.user = authenticate(self.request, username=login, password=password)
        if self.user is None:
            wait = selectors.sign_in_wait(login=login, ip=client_ip(self.request))
            if wait is not None:
                minutes = max(1, -(-int(wait.total_seconds()) // 60))
                raise forms.ValidationError(
                    ngettext(
                        "Too many failed attempts. Try again in %(minutes)d minute.",
                        "Too many failed attempts. Try again in %(minutes)d minutes.",
                        minutes,
                    )
                    % {"minutes": minutes},
                    code="throttled",
                )
            raise forms.ValidationError(
                _("The email or phone number and password do not match an active account."),
                code="invalid_login",
            )
        return self.cleaned_data


class OneTimeCodeForm(forms.Form):
    token = forms.RegexField(
        label=gettext_lazy("Code from your authenticator app"),
        # Six digits from the app, or an eight-letter backup code.
        regex=r"^\s*(\d{6,8}|[A-Za-z2-7]{8})\s*$",
        error_messages={
            "invalid": gettext_lazy(
                "Type the six digits your app shows, or one of your eight-letter backup codes."
            )
        },
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autofocus": True,
                "size": 8,
            }
        ),
    )

    def clean_token(self):
        # Backup codes are stored in lower case; people copy them in any case.
        return self.cleaned_data["token"].strip().lower()


class OrganisationFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Type"),
        required=False,
        choices=[("", gettext_lazy("All types")), *OrganisationKind.choices],
    )
    unit = forms.ModelChoiceField(
        label=gettext_lazy("Serving"),
        required=False,
        queryset=AdminUnit.objects.order_by("path"),
        to_field_name="code",
        empty_label=gettext_lazy("Anywhere"),
    )
    query = forms.CharField(label=gettext_lazy("Name contains"), required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Indented by depth, so the select reads as the tree it is.
        self.fields["unit"].label_from_instance = lambda unit: (
            "\u2003" * max(unit.depth - 1, 0) + unit.name
        )
