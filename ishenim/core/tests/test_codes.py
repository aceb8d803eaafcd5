import contextlib
import itertools
import re
from collections import Counter

import pytest
from django.utils import translation

from ishenim.core.codes import (
    ALPHABET,
    EXAMPLE,
    InvalidTrackingCode,
    _check_character,
    tracking_code_format,
    tracking_code_new,
    tracking_code_parse,
)

# Fixed codes, so that these tests are the same on every run.
SAMPLES = ["7KQ3M9XPM", "22222222" + "2", "ZZZZZZZZ" + "Z"]


def _valid(body: str) -> str:
    """The one valid code for eight characters, found by trying every check character."""
    matches = []
    for check in ALPHABET:
        with contextlib.suppress(InvalidTrackingCode):
            matches.append(tracking_code_parse(body + check))
    assert len(matches) == 1
    return matches[0]


def test_the_check_character_of_new_codes_is_the_one_parse_accepts():
    for body in ("7KQ3M9XP", "22222222", "ZZZZZZZZ", "Z2Z2Z2Z2"):
        assert _valid(body) == body + _check_character(body)


def test_a_new_code_is_nine_characters_of_the_alphabet_and_parses_back_to_itself():
    for _ in range(200):
        code = tracking_code_new()

        assert len(code) == 9
        assert set(code) <= set(ALPHABET)
        assert tracking_code_parse(code) == code


def test_the_displayed_form_has_hyphen_separated_groups_and_round_trips():
    code = tracking_code_new()

    shown = tracking_code_format(code)

    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]", shown)
    assert tracking_code_parse(shown) == code


def test_the_example_in_messages_is_itself_a_valid_code():
    assert tracking_code_format(EXAMPLE) == EXAMPLE


@pytest.mark.parametrize(
    "typed",
    ["7kq3-m9xp-m", "7KQ3M9XPM", "7kq3 m9xp m", " 7KQ3-M9XP-M ", "7KQ3–M9XP–M", "7Kq3M9-xPm"],
)
def test_a_code_is_accepted_in_any_case_with_or_without_hyphens_and_spaces(typed):
    assert tracking_code_parse(typed) == "7KQ3M9XPM"


def test_cyrillic_letters_that_look_latin_are_read_as_the_latin_ones():
    # What a resident types on a Russian layout when reading "7KQ3-M9XP-M" off a slip.
    assert tracking_code_parse("7КQ3-М9ХР-М") == "7KQ3M9XPM"


def test_ambiguous_characters_never_appear_in_new_codes():
    seen = set()
    for _ in range(2000):
        seen.update(tracking_code_new())

    assert not seen & set("0O1I")
    assert seen == set(ALPHABET)


def test_no_character_is_favoured_in_any_position():
    draws = 6400
    codes = [tracking_code_new() for _ in range(draws)]
    expected = draws / len(ALPHABET)  # 200 per character and position
    for position in range(8):
        counts = Counter(code[position] for code in codes)
        # Chi-square with 31 degrees of freedom: above 70 has a probability below 1 in 10,000
        # for a fair draw, while a character drawn twice as often pushes it past 190.
        chi_square = sum((counts[c] - expected) ** 2 / expected for c in ALPHABET)
        assert chi_square < 70, (position, counts.most_common(3))


@pytest.mark.parametrize("code", SAMPLES)
def test_every_single_character_substitution_is_detected(code):
    code = _valid(code[:8])
    for position, wrong in itertools.product(range(9), ALPHABET):
        if code[position] == wrong:
            continue
        typo = code[:position] + wrong + code[position + 1 :]

        with pytest.raises(InvalidTrackingCode):
            tracking_code_parse(typo)


def test_every_swap_of_two_neighbours_is_detected_for_every_pair_of_characters():
    # Luhn mod 32 would let "2Z" ↔ "Z2" through; the check character must not.
    for first, second in itertools.permutations(ALPHABET, 2):
        for position in range(8):
            body = ("7KQ3M9XP" * 2)[:8]
            body = body[:position] + first + second + body[position + 2 :]
            code = body[:8] + _check_character(body[:8])
            swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
            if swapped == code:
                continue

            with pytest.raises(InvalidTrackingCode):
                tracking_code_parse(swapped)


@pytest.mark.parametrize(
    ("typed", "fragment"),
    [
        ("7KQ3-M9XP", "this one has 8 characters"),
        ("7KQ3-M9XP-MM", "this one has 10 characters"),
        ("", "this one has 0 characters"),
        ("7KQ3-M9XP-0", "“0” never appears"),
        ("7KQ3-19XP-M", "“1” never appears"),
        ("7KQ3-M9XP-N", "typing error"),
    ],
)
def test_a_wrong_code_is_refused_with_a_message_that_says_why(typed, fragment):
    with translation.override("en"), pytest.raises(InvalidTrackingCode) as raised:
        tracking_code_parse(typed)

    assert fragment in str(raised.value)
    assert isinstance(raised.value, ValueError)


def test_a_taken_code_is_drawn_again_until_a_free_one_comes():
    asked = []

    def taken(code):
        asked.append(code)
        return len(asked) <= 3

    code = tracking_code_new(taken=taken)

    assert len(asked) == 4
    assert code == asked[-1]
    assert len(set(asked)) == 4


def test_a_registry_that_says_every_code_is_taken_stops_instead_of_looping_forever():
    with pytest.raises(RuntimeError):
        tracking_code_new(taken=lambda code: True)
