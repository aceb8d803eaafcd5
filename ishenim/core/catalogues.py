"""Check that the Kyrgyz, Russian and English catalogues are complete.

`python -m ishenim.core.catalogues` extracts every translatable string from the source (with
Django's makemessages, into a scratch folder, so the tree is not touched) and fails when a
string is missing from a catalogue, untranslated in Kyrgyz or Russian, or marked fuzzy.
`python -m ishenim.core.catalogues --update` refreshes the catalogues from the source instead
(makemessages for each language), which is how new strings get into them for translators.
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

PACKAGE_DIR = Path(__file__).resolve().parent.parent
LOCALE_DIR = PACKAGE_DIR / "locale"
LANGUAGES = ("ky", "ru", "en")
# English is the source language: an empty msgstr shows the msgid, which is the English text.
MUST_TRANSLATE = ("ky", "ru")
IGNORE = ["tests/*", "*/tests/*", "locale/*"]


def _makemessages(locale_dir: Path, languages: tuple[str, ...]) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        settings_file = Path(scratch) / "catalogue_settings.py"
        settings_file.write_text(
            f"from ishenim.settings.test import *  # noqa\nLOCALE_PATHS = [{str(locale_dir)!r}]\n",
            encoding="utf-8",
        )
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([scratch, str(PACKAGE_DIR.parent)]),
            "DJANGO_SETTINGS_MODULE": "catalogue_settings",
        }
        command = [sys.executable, "-m", "django", "makemessages", "--no-wrap", "--no-obsolete"]
        command += ["--verbosity", "0"]
        command += [f"--locale={code}" for code in languages]
        command += [f"--ignore={pattern}" for pattern in IGNORE]
        subprocess.run(command, cwd=PACKAGE_DIR, env=env, check=True)  # noqa: S603


def _keys(catalogue: polib.POFile) -> set[tuple[str | None, str]]:
    return {(entry.msgctxt, entry.msgid) for entry in catalogue if not entry.obsolete}


def _is_translated(entry: polib.POEntry) -> bool:
    if entry.msgid_plural:
        return bool(entry.msgstr_plural) and all(entry.msgstr_plural.values())
    return bool(entry.msgstr)


def catalogue_problems() -> list[str]:
    # makemessages files each source under the first LOCALE_PATHS entry whose parent folder
    # contains it, so the scratch catalogue must sit directly inside the package.
    with tempfile.TemporaryDirectory(dir=PACKAGE_DIR, prefix=".catalogue-check-") as scratch:
        _makemessages(Path(scratch), ("en",))
        source = _keys(polib.pofile(str(Path(scratch) / "en" / "LC_MESSAGES" / "django.po")))
    problems = []
    for code in LANGUAGES:
        path = LOCALE_DIR / code / "LC_MESSAGES" / "django.po"
        if not path.exists():
            problems.append(f"{code}: no catalogue at {path.relative_to(PACKAGE_DIR.parent)}")
            continue
        catalogue = polib.pofile(str(path))
        if catalogue.metadata_is_fuzzy:
            problems.append(f"{code}: the header is marked fuzzy")
        missing = source - _keys(catalogue)
        problems += [f"{code}: missing {msgid!r}" for _ctx, msgid in sorted(missing, key=str)]
        for entry in catalogue:
            if entry.obsolete or (entry.msgctxt, entry.msgid) not in source:
                continue
            if "fuzzy" in entry.flags:
                problems.append(f"{code}: fuzzy {entry.msgid!r}")
            elif code in MUST_TRANSLATE and not _is_translated(entry):
                problems.append(f"{code}: untranslated {entry.msgid!r}")
    return problems


def main(argv: list[str]) -> int:
    if "--update" in argv:
        _makemessages(LOCALE_DIR, LANGUAGES)
        print(f"Catalogues refreshed in {LOCALE_DIR}; translate the new entries.")
        return 0
    problems = catalogue_problems()
    if problems:
        print(f"Translation catalogues are incomplete ({len(problems)} problems):")
        for line in problems[:200]:
            print("  " + line)
        print("Run `python -m ishenim.core.catalogues --update`, then translate.")
        return 1
    print("Translation catalogues complete: ky, ru, en.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
