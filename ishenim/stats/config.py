"""Reference data of the statistics: the offence categories and the police.uk mapping.

The ICCS categories and the police.uk crime types are files in `reference/` (see its
README for where they come from); categories that a source records but ICCS does not class
as crimes are listed here. `services.categories_seed` loads them all on every `migrate`.
"""

from pathlib import Path

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
ICCS_FILE = REFERENCE_DIR / "iccs.csv"
POLICE_UK_MAPPING_FILE = REFERENCE_DIR / "policeuk_categories.csv"
# The scheme of police.uk's "Crime type" column, whose mapping to ICCS ships in the file above.
POLICE_UK_SCHEME = "police.uk"

# Categories of their own, outside ICCS: code, names (en, ru, ky), note. Their codes are
# letters, so they can never collide with ICCS's digits.
OUTSIDE_ICCS_CATEGORIES = [
    (
        "ASB",
        "Anti-social behaviour",
        "Антиобщественное поведение",
        "Коомго жат жүрүм-турум",
        "police.uk records anti-social behaviour beside crimes; it is not a crime in ICCS, so it"
        " is counted under a category of its own and never inside a crime section.",
    ),
]
