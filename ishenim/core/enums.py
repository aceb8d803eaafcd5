from django.db import models
from django.utils.translation import gettext_lazy as _


class Sensitivity(models.TextChoices):
    """How widely a record may be seen; orgs.policy compares it with a role's clearance."""

    PUBLIC = "public", _("Public")
    INTERNAL = "internal", _("Internal")
    # Personal data of residents, victims, witnesses.
    RESTRICTED = "restricted", _("Restricted")
    # Family and sexual violence, juveniles, informants, complaints against the police.
    CONFIDENTIAL = "confidential", _("Confidential")

    @classmethod
    def rank(cls, value: str) -> int:
        return SENSITIVITY_ORDER.index(value)


SENSITIVITY_ORDER = [
    Sensitivity.PUBLIC,
    Sensitivity.INTERNAL,
    Sensitivity.RESTRICTED,
    Sensitivity.CONFIDENTIAL,
]


class ActorKind(models.TextChoices):
    USER = "user", _("User")
    SYSTEM = "system", _("System")
    ANONYMOUS = "anonymous", _("Anonymous")


class CalendarDayKind(models.TextChoices):
    DAY_OFF = "day_off", _("Day off")
    WORKING_DAY = "working_day", _("Working day")
