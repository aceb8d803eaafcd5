"""Tracking codes: what a resident writes down or reads over the phone to follow an appeal.

`7KQ3-M9XP-M`: eight random characters (40 bits, so guessing a valid code is hopeless) from an
alphabet without the look-alikes 0/O and 1/I, and one check character, so that a code misheard
or mistyped by one character, or with two neighbours swapped, is refused as a typing error
instead of finding somebody else's appeal. Stored in its canonical form, without hyphens.

The check character is Damm's algorithm over GF(32), not Luhn mod 32: Luhn mod N misses the
swap of the alphabet's first and last characters ("2Z" ↔ "Z2"), Damm misses no swap of
neighbours and no single substitution (see the tests, which try them all).
"""

import secrets
from collections.abc import Callable

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
RANDOM_LENGTH = 8
CODE_LENGTH = RANDOM_LENGTH + 1
EXAMPLE = "7KQ3-M9XP-M"
_BITS_PER_CHARACTER = 5  # 32 characters
_VALUE = {character: value for value, character in enumerate(ALPHABET)}
# x^5 + x^2 + 1, a primitive polynomial: GF(32) built on it is the quasigroup Damm needs.
_GF32_MODULUS = 0b100101
# Residents on a Russian or Kyrgyz keyboard type the Cyrillic letter that looks like the
# Latin one they read; those letters are the same key for this purpose.
_LOOKALIKES = str.maketrans("АВЕКМНРСТХУҮ", "ABEKMHPCTXYY")
_SEPARATORS = str.maketrans("", "", " -\u2010\u2011\u2012\u2013\u2014\u2212\u00a0\t")
_MAX_ATTEMPTS = 100


class InvalidTrackingCode(ValueError):
    """The text is not a tracking code; the message says why, in the reader's language."""


def _times_x(value: int) -> int:
    """value·x in GF(32): the operation a∘b = x·a + b is totally anti-symmetric."""
    value <<= 1
    return value ^ _GF32_MODULUS if value & 0b100000 else value


def _interim(values) -> int:
    interim = 0
    for value in values:
        interim = _times_x(interim) ^ value
    return interim


def _check_character(body: str) -> str:
    # The character that brings the running value back to zero.
    return ALPHABET[_times_x(_interim(_VALUE[c] for c in body))]


def tracking_code_new(*, taken: Callable[[str], bool] = lambda code: False) -> str:
    """A fresh code in canonical form; `taken(code)` says whether one is already in use."""
    for _attempt in range(_MAX_ATTEMPTS):
        # One 40-bit draw cut into 5-bit groups: each character exactly uniform.
        number = secrets.randbits(RANDOM_LENGTH * _BITS_PER_CHARACTER)
        body = "".join(
            ALPHABET[(number >> (_BITS_PER_CHARACTER * i)) & 0b11111] for i in range(RANDOM_LENGTH)
        )
        code = body + _check_character(body)
        if not taken(code):
            return code
    # 40 bits make a real collision a one-in-a-trillion event; this many means `taken` is wrong.
    raise RuntimeError(f"No free tracking code after {_MAX_ATTEMPTS} attempts.")


def tracking_code_parse(text: str) -> str:
    """The canonical code from what a person typed: any case, hyphens and spaces optional."""
    code = (text or "").translate(_SEPARATORS).upper().translate(_LOOKALIKES)
    if len(code) != CODE_LENGTH:
        raise InvalidTrackingCode(
            ngettext(
                "A tracking code has 9 characters, like %(example)s; this one has %(count)d"
                " character.",
                "A tracking code has 9 characters, like %(example)s; this one has %(count)d"
                " characters.",
                len(code),
            )
            % {"count": len(code), "example": EXAMPLE}
        )
    for character in code:
        if character not in _VALUE:
            raise InvalidTrackingCode(
                _("“%(character)s” never appears in a tracking code.") % {"character": character}
            )
    if _interim(_VALUE[c] for c in code) != 0:
        raise InvalidTrackingCode(
            _("This tracking code has a typing error: please check it character by character.")
        )
    return code


def tracking_code_format(code: str) -> str:
    """Upper case in groups of four, four and the check character (7KQ3-M9XP-M), for reading
    aloud and printing."""
    code = tracking_code_parse(code)
    return f"{code[:4]}-{code[4:8]}-{code[8]}"
