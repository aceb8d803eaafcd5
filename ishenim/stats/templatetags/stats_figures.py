"""How the statistics' figures read on a page: signed percentages, p-values, rates, in the
reader's number format (a decimal comma in Russian and Kyrgyz)."""

import math

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

register = template.Library()

MINUS = "\u2212"


def _finite(value) -> bool:
    return value is not None and isinstance(value, int | float) and math.isfinite(value)


@register.filter
def signed_percent(value) -> str:
    """−21.5 %, +4.0 % ("—" for a change that cannot be stated, such as from nothing)."""
    if not _finite(value):
        return "—"
    text = number_format(abs(value), decimal_pos=1, force_grouping=True)
    sign = MINUS if value < -0.05 else ("+" if value > 0.05 else "")
    return f"{sign}{text}\u00a0%"


@register.filter
def share_percent(value) -> str:
    """0.383 → 38.3 %."""
    if not _finite(value):
        return "—"
    return f"{number_format(value * 100, decimal_pos=1, force_grouping=True)}\u00a0%"


@register.filter
def p_value(value) -> str:
    """p < 0.001, p = 0.04 (two significant digits above that)."""
    if not _finite(value):
        return "—"
    if value < 0.001:
        return _("p < %(limit)s") % {"limit": number_format(0.001, decimal_pos=3)}
    digits = 3 if value < 0.01 else 2
    return _("p = %(value)s") % {"value": number_format(value, decimal_pos=digits)}


@register.filter
def figure(value, decimals: int = 0) -> str:
    """A number with the reader's grouping and `decimals` places; "—" when there is none."""
    if not _finite(value):
        return "—"
    return number_format(value, decimal_pos=int(decimals), force_grouping=True)


@register.filter
def verdict_class(change) -> str:
    """The badge of a change: a real fall reads as good news, a real rise as bad."""
    if change is None:
        return "badge--muted"
    return {"fall": "badge--ok", "rise": "badge--danger"}.get(change.verdict, "badge--muted")
