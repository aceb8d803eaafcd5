"""Gates for records fetched from user input. Units and settlements are public records, so
the gates only turn a missing record into the same 404 every other gate gives."""

from django.http import Http404
from django.utils.translation import gettext as _

from ishenim.geo import selectors as geo_selectors
from ishenim.geo.models import AdminUnit, Settlement


def access_unit(actor, code: str) -> AdminUnit:
    try:
        return geo_selectors.unit_get(str(code))
    except AdminUnit.DoesNotExist:
        raise Http404(_("There is no administrative unit with this code.")) from None


def access_settlement(actor, settlement_id, *, for_update: bool = False) -> Settlement:
    settlements = Settlement.objects.select_related("unit")
    if for_update:
        settlements = settlements.select_for_update()
    try:
        return settlements.get(pk=int(settlement_id))
    except (Settlement.DoesNotExist, TypeError, ValueError):
        raise Http404(_("There is no such settlement.")) from None
