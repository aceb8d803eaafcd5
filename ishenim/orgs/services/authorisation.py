from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from ishenim.orgs import policy
from ishenim.orgs.enums import Action


def authorise(actor, action: Action, record) -> None:
    """Refuse what orgs.policy does not allow. actor=None is the platform itself (imports, the
    demo, `ishenim createadmin`), which answers to whoever runs the command, not to a role."""
    if actor is None:
        return
    if not policy.can(actor, action, record):
        raise PermissionDenied(_("You are not allowed to do this."))


def is_superuser(actor) -> bool:
    return bool(actor is not None and actor.is_active and actor.is_superuser)
