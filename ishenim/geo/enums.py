from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitLevel(models.TextChoices):
    COUNTRY = "country", _("Country")
    OBLAST = "oblast", _("Oblast")
    # A city of republican, oblast or district significance; Bishkek and Osh sit directly
    # under the country, like oblasts.
    CITY = "city", _("City")
    DISTRICT = "district", _("District")
    # Aiyl aimaks and towns: the data has none yet (see geo/reference/kg/PROVENANCE.md).
    MUNICIPALITY = "municipality", _("Municipality")


class SettlementKind(models.TextChoices):
    VILLAGE = "village", _("Village")
    TOWN = "town", _("Town")
    NEIGHBOURHOOD = "neighbourhood", _("City neighbourhood")
