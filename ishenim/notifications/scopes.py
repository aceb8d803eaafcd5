"""How orgs.policy reads the notifications. Called once from NotificationsConfig.ready()."""

from ishenim.core.enums import Sensitivity
from ishenim.orgs import policy
from ishenim.orgs.policy import Scope


def scopes_register() -> None:
    from ishenim.notifications.models import Notification

    # Addresses, phone numbers and what was said to them are personal data, and a
    # notification names no unit: only national administrators read them (restricted
    # clearance, national jurisdiction). Only the services write them.
    policy.register(
        Notification, Scope(sensitivity=Sensitivity.RESTRICTED, unit=None, read_only=True)
    )
