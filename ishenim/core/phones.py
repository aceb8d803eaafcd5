"""Phone numbers, stored in one spelling (E.164, "+996555123456") however they were typed."""

import re

from django.conf import settings
from django.utils.translation import gettext as _

_SEPARATORS = re.compile(r"[\s\-().]")


def phone_normalise(raw: str) -> str:
    """+996 555 12-34-56, 0555 123456, 996555123456 and 555123456 are one number.

    Raises ValueError with a translated message for anything that cannot be a number.
    """
    calling_code = settings.ISHENIM_PHONE_CALLING_CODE
    national_length = settings.ISHENIM_PHONE_NATIONAL_LENGTH
    text = _SEPARATORS.sub("", raw or "")
    if text.startswith("00"):
        text = "+" + text[2:]
    if text.startswith("+"):
        digits = text[1:]
    elif len(text) == national_length + 1 and text.startswith(settings.ISHENIM_PHONE_TRUNK_PREFIX):
        digits = calling_code + text[1:]
    elif len(text) == national_length:
        digits = calling_code + text
    else:
        digits = text
    if not digits.isdigit() or not 8 <= len(digits) <= 15:
        raise ValueError(_("“%(phone)s” is not a phone number.") % {"phone": raw})
    if digits.startswith(calling_code) and len(digits) != len(calling_code) + national_length:
        raise ValueError(
            _("A number starting with +%(code)s has %(length)d digits after the code.")
            % {"code": calling_code, "length": national_length}
        )
    return "+" + digits


def phone_display(number: str) -> str:
    """+996555123456 → +996 555 123 456, for reading aloud."""
    calling_code = settings.ISHENIM_PHONE_CALLING_CODE
    if number.startswith("+" + calling_code):
        rest = number[1 + len(calling_code) :]
        groups = [rest[i : i + 3] for i in range(0, len(rest), 3)]
        return " ".join(["+" + calling_code, *groups])
    return number
