from django.conf import settings
from django.db import models

from ishenim.core.enums import Sensitivity


class CaseFile(models.Model):
    """Shaped like an appeal or an incident as far as the policy cares: a sensitivity, a place
    in the administrative tree, a handling organisation and the resident who filed it."""

    title = models.CharField(max_length=200)
    sensitivity = models.CharField(max_length=16, choices=Sensitivity.choices)
    unit = models.ForeignKey("geo.AdminUnit", null=True, blank=True, on_delete=models.PROTECT)
    organisation = models.ForeignKey(
        "orgs.Organisation", null=True, blank=True, on_delete=models.PROTECT
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )

    def __str__(self) -> str:
        return self.title
