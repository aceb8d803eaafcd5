"""The staff's forms: the queue's filters, bulk assignment, and one form per action on an
appeal. An action form knows which appeal and which officer it is for (to offer only the
officers, organisations and levels that make sense) and hands the service exactly the
keywords it takes (`service_kwargs`); views.staff pairs each with its service in a table.

Every action form carries the appeal's `version` as the page showed it: the service refuses a
form sent from a page older than the appeal's last change.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ishenim.appeals import selectors
from ishenim.appeals.access import access_appeal
from ishenim.appeals.enums import AppealStatus, Channel, RejectionGround, Timeliness
from ishenim.appeals.models import Appeal
from ishenim.appeals.selectors import QueueFilter
from ishenim.appeals.services import deadlines, handling
from ishenim.core.enums import SENSITIVITY_ORDER, Sensitivity
from ishenim.geo.models import AdminUnit
from ishenim.orgs import policy
from ishenim.orgs.enums import Action, Role
from ishenim.orgs.models import Organisation, User

SCOPES = {
    "mine": gettext_lazy("Mine"),
    "organisation": gettext_lazy("My organisation's"),
    "all": gettext_lazy("All I may see"),
}
DEFAULT_SCOPE = "organisation"
# Not registered yet: what the duty unit has to take in (the My work panel counts these).
UNREGISTERED = "unregistered"
UNREGISTERED_STATUSES = (AppealStatus.SUBMITTED, AppealStatus.REDIRECTED)


def _text_area(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


# --- the queue ----------------------------------------------------------------------------


class QueueFilterForm(forms.Form):
    """The queue's GET filters. Every field may be empty: a bare link shows the default tab."""

    scope = forms.ChoiceField(
        label=gettext_lazy("Show"),
        required=False,
        choices=list(SCOPES.items()),
        widget=forms.HiddenInput,
    )
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    category = forms.ChoiceField(label=gettext_lazy("Category"), required=False)
    area = forms.ChoiceField(label=gettext_lazy("Area"), required=False)
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), required=False)
    timeliness = forms.ChoiceField(label=gettext_lazy("Deadline"), required=False)
    received_from = forms.DateField(
        label=gettext_lazy("Received from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    received_to = forms.DateField(
        label=gettext_lazy("Received until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    q = forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Words of the text or the address, or a tracking code."),
        widget=forms.TextInput(attrs={"type": "search"}),
    )

    def __init__(self, data, *, viewer):
        super().__init__(data, label_suffix="")
        self.viewer = viewer
        self.fields["status"].choices = [
            ("", _("Any status")),
            ("open", _("Open (an answer is owed)")),
            (UNREGISTERED, _("Not registered yet")),
            *AppealStatus.choices,
        ]
        self.fields["category"].choices = [("", _("All categories"))] + [
            (category.code, category.name)
            for category in selectors.category_list(active_only=False)
        ]
        self.units = {unit.code: unit for unit in self._units()}
        top = min((unit.depth for unit in self.units.values()), default=0)
        self.fields["area"].choices = [("", _("Everywhere"))] + [
            (code, "\u2003" * (unit.depth - top) + unit.name) for code, unit in self.units.items()
        ]
        self.fields["channel"].choices = [("", _("Any channel")), *Channel.choices]
        self.fields["timeliness"].choices = [
            ("", _("Any")),
            (Timeliness.LATE, _("Late (very late included)")),
            (Timeliness.VERY_LATE, _("Very late")),
        ]

    def _units(self):
        # The units of the viewer's jurisdiction, in tree order: the whole country for a
        # national one.
        ids = policy.jurisdiction_unit_ids(self.viewer, Action.VIEW)
        return (
            AdminUnit.objects.filter(pk__in=ids)
            .order_by("path")
            .only("id", "code", "name_ky", "name_ru", "name_en", "depth", "path")
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("received_from"), data.get("received_to")
        if start and end and start > end:
            self.add_error("received_to", _("The end of the period comes before its start."))
        return data

    @property
    def chosen_scope(self) -> str:
        data = getattr(self, "cleaned_data", {})
        return data.get("scope") or DEFAULT_SCOPE

    @property
    def unregistered(self) -> bool:
        return getattr(self, "cleaned_data", {}).get("status") == UNREGISTERED

    def queue_filter(self) -> QueueFilter:
        data = self.cleaned_data
        status = data.get("status") or ""
        return QueueFilter(
            scope=self.chosen_scope,
            # "Not registered yet" is two statuses: the view narrows the list to them.
            status="" if status == UNREGISTERED else status,
            category=data.get("category") or "",
            unit=self.units.get(data.get("area") or ""),
            channel=data.get("channel") or "",
            timeliness=data.get("timeliness") or "",
            received_from=data.get("received_from"),
            received_to=data.get("received_to"),
            query=data.get("q") or "",
        )


def _organisations_below(ids: set[int]) -> set[int]:
    """The organisations and every one below them (a department's stations)."""
    found, frontier = set(ids), set(ids)
    while frontier:
        children = set(
            Organisation.objects.filter(parent_id__in=frontier, is_active=True).values_list(
                "id", flat=True
            )
        )
        frontier = children - found
        found |= frontier
    return found


def _members_of(organisation_ids: set[int]):
    """The active people working (in a role other than resident) in these organisations."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__is_active=True,
            memberships__organisation_id__in=organisation_ids,
        )
        .exclude(memberships__role=Role.RESIDENT)
        .distinct()
        .order_by("full_name", "pk")
    )


def may_assign_others(viewer) -> bool:
    """Whether some role of the viewer hands work to others (duty officer, supervisor)."""
    return policy.can(viewer, Action.ASSIGN, Appeal)


def officers_for_queue(viewer) -> list[User]:
    """Whom the queue's bulk assignment offers: the viewer, and for those who assign work,
    the people of their organisations and of those below. The service still asks, appeal by
    appeal, whether each may work on it."""
    officers = [viewer]
    if may_assign_others(viewer):
        ids = _organisations_below({seat.organisation_id for seat in policy.seats(viewer)})
        officers += [user for user in _members_of(ids) if user.pk != viewer.pk]
    return officers


def officers_for_appeal(appeal: Appeal) -> list[User]:
    """Who may be given this appeal: the people of its handling organisations and of those
    below them whom the policy lets work on it."""
    handlers = {appeal.organisation_id, appeal.co_organisation_id} - {None}
    if not handlers:
        return []
    return [
        user
        for user in _members_of(_organisations_below(handlers))
        if handling.assignable(user, appeal)
    ]


class BulkAssignForm(forms.Form):
    codes = forms.MultipleChoiceField(
        label=gettext_lazy("Appeals"),
        error_messages={"required": gettext_lazy("Choose at least one appeal.")},
    )
    assignee = forms.TypedChoiceField(
        label=gettext_lazy("Assign to"),
        coerce=int,
        error_messages={"required": gettext_lazy("Choose whom to assign them to.")},
    )

    def __init__(self, data=None, *, viewer, officers=None, **kwargs):
        super().__init__(data, label_suffix="", **kwargs)
        self.viewer = viewer
        self.officers = {officer.pk: officer for officer in officers or officers_for_queue(viewer)}
        self.fields["assignee"].choices = [("", _("Choose…"))] + [
            (pk, _("Myself") if pk == viewer.pk else str(officer))
            for pk, officer in self.officers.items()
        ]
        # The codes are checked by the gate, one by one, in the view.
        self.fields["codes"].choices = [
            (code, code) for code in (data.getlist("codes") if data is not None else [])
        ]

    def clean_codes(self):
        codes = self.cleaned_data["codes"]
        if len(codes) > 500:
            raise ValidationError(_("Assign at most 500 appeals at once."))
        return list(dict.fromkeys(codes))

    def clean_assignee(self):
        return self.officers[self.cleaned_data["assignee"]]


# --- the actions on one appeal --------------------------------------------------------------


class AppealActionForm(forms.Form):
    """What every action form shares: the appeal, the officer, and the page's version."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, data=None, *, appeal: Appeal, actor, action: str, **kwargs):
        super().__init__(
            data,
            auto_id=f"id_{action}_%s",
            label_suffix="",
            initial={"version": appeal.version, **self.initial_for(appeal)},
            **kwargs,
        )
        self.appeal = appeal
        self.actor = actor
        self.action = action

    def initial_for(self, appeal: Appeal) -> dict:
        return {}

    def service_kwargs(self) -> dict:
        """The keywords of the service call (besides appeal and actor)."""
        return {"version": self.cleaned_data["version"]}


class RegisterForm(AppealActionForm):
    pass


class StartForm(AppealActionForm):
    pass


class AssignForm(AppealActionForm):
    assignee = forms.TypedChoiceField(label=gettext_lazy("Assign to"), coerce=int)
    comment = forms.CharField(
        label=gettext_lazy("Comment"), required=False, max_length=2000, widget=_text_area(2)
    )
    # Shown once the service said someone else handles the appeal: passing it on is a
    # decision the officer confirms.
    take_over = forms.BooleanField(
        label=gettext_lazy("Yes, take it over from them"),
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        actor = self.actor
        officers = [actor] if policy.can(actor, Action.CHANGE, self.appeal) else []
        if policy.can(actor, Action.ASSIGN, self.appeal):
            officers += [user for user in officers_for_appeal(self.appeal) if user.pk != actor.pk]
        self.officers = {officer.pk: officer for officer in officers}
        self.fields["assignee"].choices = [
            (pk, _("Take it myself") if pk == actor.pk else str(officer))
            for pk, officer in self.officers.items()
        ]

    def initial_for(self, appeal: Appeal) -> dict:
        return {"take_over": False}

    def ask_take_over(self) -> None:
        self.fields["take_over"].widget = forms.CheckboxInput()

    @property
    def asks_take_over(self) -> bool:
        return isinstance(self.fields["take_over"].widget, forms.CheckboxInput)

    def clean_assignee(self):
        return self.officers[self.cleaned_data["assignee"]]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            **super().service_kwargs(),
            "assignee": data["assignee"],
            "comment": data["comment"],
            "take_over": data["take_over"],
        }


class ClarificationForm(AppealActionForm):
    question = forms.CharField(
        label=gettext_lazy("What should the resident clarify?"),
        max_length=5000,
        widget=_text_area(),
        help_text=gettext_lazy(
            "The resident reads this on the tracking page. The deadline stops until they reply."
        ),
    )

    def service_kwargs(self) -> dict:
        return {**super().service_kwargs(), "question": self.cleaned_data["question"]}


class ExtendForm(AppealActionForm):
    days = forms.IntegerField(label=gettext_lazy("More working days"), min_value=1)
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=2000,
        widget=_text_area(3),
        help_text=gettext_lazy("The resident is told of the extension and its reason."),
    )

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        rule = deadlines.deadline_rule_for(self.appeal.organisation)
        self.days_left = deadlines.extension_days_left(self.appeal, rule)
        self.limit = rule.extension_limit_working_days
        self.fields["days"].help_text = _(
            "At most %(left)s more working days: the deadline may reach %(limit)s working days"
            " from receipt."
        ) % {"left": self.days_left, "limit": self.limit}
        if self.days_left:
            self.fields["days"].widget.attrs["max"] = self.days_left

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {**super().service_kwargs(), "days": data["days"], "reason": data["reason"]}


class RedirectForm(AppealActionForm):
    organisation = forms.ModelChoiceField(
        label=gettext_lazy("Send to"), queryset=Organisation.objects.none()
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=2000,
        widget=_text_area(3),
        help_text=gettext_lazy("The resident sees where the appeal went and why."),
    )

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        field = self.fields["organisation"]
        field.queryset = Organisation.objects.filter(is_active=True).exclude(
            pk=self.appeal.organisation_id
        )
        field.label_from_instance = lambda organisation: organisation.name

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            **super().service_kwargs(),
            "organisation": data["organisation"],
            "reason": data["reason"],
        }


class MergeForm(AppealActionForm):
    into = forms.CharField(
        label=gettext_lazy("Merge into the appeal"),
        max_length=20,
        help_text=gettext_lazy("The tracking code of the appeal to keep, such as ABCD-EFGH-2."),
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment"), required=False, max_length=2000, widget=_text_area(2)
    )

    def clean_into(self):
        try:
            # The appeal kept is named in a form: it goes through its gate like one in a URL.
            return access_appeal(self.actor, self.cleaned_data["into"], action=Action.CHANGE)
        except Http404:
            raise ValidationError(
                _("There is no appeal with this code that you may merge into."), code="into"
            ) from None

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {**super().service_kwargs(), "into": data["into"], "comment": data["comment"]}


class RejectForm(AppealActionForm):
    ground = forms.ChoiceField(
        label=gettext_lazy("Legal ground"), choices=[("", "—"), *RejectionGround.choices]
    )
    explanation = forms.CharField(
        label=gettext_lazy("Explanation to the resident"), max_length=20000, widget=_text_area()
    )

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            **super().service_kwargs(),
            "ground": data["ground"],
            "explanation": data["explanation"],
        }


class AnswerForm(AppealActionForm):
    answer = forms.CharField(
        label=gettext_lazy("Answer to the resident"),
        max_length=20000,
        widget=_text_area(8),
        help_text=gettext_lazy("Started from the category's answer template: edit it first."),
    )

    def initial_for(self, appeal: Appeal) -> dict:
        # The template in the language the resident wrote in.
        return {"answer": appeal.category.answer_template(appeal.language)}

    def service_kwargs(self) -> dict:
        return {**super().service_kwargs(), "answer": self.cleaned_data["answer"]}


class CloseForm(AppealActionForm):
    comment = forms.CharField(
        label=gettext_lazy("Comment"), required=False, max_length=2000, widget=_text_area(2)
    )

    def service_kwargs(self) -> dict:
        return {**super().service_kwargs(), "comment": self.cleaned_data["comment"]}


class NoteForm(AppealActionForm):
    comment = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=5000,
        widget=_text_area(3),
        help_text=gettext_lazy("For colleagues only: the resident never sees it."),
    )

    def service_kwargs(self) -> dict:
        # A note changes nothing of the appeal: appeal_note takes no version.
        return {"comment": self.cleaned_data["comment"]}


class ClassifyForm(AppealActionForm):
    sensitivity = forms.ChoiceField(label=gettext_lazy("Sensitivity"))
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=2000, widget=_text_area(2))

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        # Never below what the category asks for: a family-violence report stays
        # confidential.
        floor = Sensitivity.rank(self.appeal.category.sensitivity)
        self.fields["sensitivity"].choices = [
            (level, Sensitivity(level).label)
            for level in SENSITIVITY_ORDER
            if Sensitivity.rank(level) >= floor
        ]

    def initial_for(self, appeal: Appeal) -> dict:
        return {"sensitivity": appeal.sensitivity}

    def clean(self):
        # appeal_classify takes no version; a level chosen on an out-of-date page is refused
        # here, in the services' words.
        data = super().clean()
        if data.get("version") is not None and data["version"] != self.appeal.version:
            raise ValidationError(
                _(
                    "Someone changed this appeal after you opened it. Look at its history and"
                    " try again."
                ),
                code="stale",
            )
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {"sensitivity": data["sensitivity"], "reason": data["reason"]}
