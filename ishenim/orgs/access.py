"""The gates: every organisation, account or membership fetched from user input comes
through here. Missing and forbidden give the same 404, so ids cannot be probed."""

from django.http import Http404
from django.utils.translation import gettext as _

from ishenim.orgs import policy
from ishenim.orgs.enums import Action
from ishenim.orgs.models import Membership, Organisation, User


def _access(model, actor, pk, *, action: Action, for_update: bool, message: str):
    queryset = model._default_manager.all()
    if for_update:
        queryset = queryset.select_for_update()
    try:
        record = queryset.get(pk=int(pk))
    except (model.DoesNotExist, TypeError, ValueError):
        raise Http404(message) from None
    if not policy.can(actor, action, record):
        raise Http404(message)
    return record


def access_organisation(
    actor, pk, *, action: Action = Action.VIEW, for_update: bool = False
) -> Organisation:
    return _access(
        Organisation,
        actor,
        pk,
        action=action,
        for_update=for_update,
        message=_("No such organisation."),
    )


def access_user(actor, pk, *, action: Action = Action.VIEW, for_update: bool = False) -> User:
    return _access(
        User, actor, pk, action=action, for_update=for_update, message=_("No such account.")
    )


def access_membership(
    actor, pk, *, action: Action = Action.VIEW, for_update: bool = False
) -> Membership:
    return _access(
        Membership,
        actor,
        pk,
        action=action,
        for_update=for_update,
        message=_("No such membership."),
    )
