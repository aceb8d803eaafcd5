"""The file format of a paper register (docs/appeals-register-import.md): which columns
it may have and under which names, how its text is decoded and split, and how its cells read
as dates, yes or no, and languages. Registers are typed by clerks in Excel, in Russian or
Kyrgyz as often as in English; everything here is lenient about spelling and strict about
meaning: a cell that cannot be read is a problem of its row, never a guess.
"""

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ishenim.appeals.enums import AppealKind
from ishenim.appeals.services.submission import LANGUAGES

# A month's register of a busy city department is a few dozen to a few hundred lines.
# Importing costs 30 to 55 ms a row (appeal_submit with its routing, history and audit; 2
# loaded cores, SQLite and PostgreSQL): 500 rows import in 15 to 30 seconds, well inside the
# web server's 60-second limit for a request (docs/appeals-register-import.md). A longer
# register is split into files.
REGISTER_MAX_BYTES = 5 * 1024 * 1024
REGISTER_MAX_ROWS = 500
# A receipt with a date and no time is put at the start of the working day.
DAY_STARTS_AT = time(9, 0)

# The columns a register may have, each under its English name or one of the names clerks
# write in Russian or Kyrgyz (compared case-folded, without punctuation at the ends).
COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "number": (
        "number",
        "register number",
        "no",
        "№",
        "n",
        "номер",
        "рег. номер",
        "рег номер",
        "регистрационный номер",
        "входящий номер",
        "вх. №",
        "№ п/п",
        "каттоо номери",
        "номери",
    ),
    "received": (
        "received",
        "date",
        "received at",
        "дата",
        "дата поступления",
        "дата и время поступления",
        "поступило",
        "келип түшкөн күнү",
        "келип түшкөн убактысы",
        "күнү",
        "датасы",
    ),
    "category": ("category", "категория", "категориясы"),
    "kind": ("kind", "type", "вид", "вид обращения", "түрү", "кайрылуунун түрү"),
    "text": (
        "text",
        "текст",
        "содержание",
        "краткое содержание",
        "суть обращения",
        "мазмуну",
        "кыскача мазмуну",
    ),
    "district": (
        "district",
        "unit",
        "район",
        "район или город",
        "район/город",
        "району",
        "район же шаар",
    ),
    "village": (
        "village",
        "settlement",
        "село",
        "населенный пункт",
        "айыл",
        "калктуу конуш",
    ),
    "address": ("address", "адрес", "дареги", "дарек"),
    "latitude": ("latitude", "lat", "широта", "кеңдик"),
    "longitude": ("longitude", "lon", "lng", "долгота", "узундук"),
    "name": (
        "name",
        "full name",
        "фио",
        "ф.и.о",
        "заявитель",
        "аты-жөнү",
        "кайрылуучу",
        "арыз ээси",
    ),
    "phone": ("phone", "телефон", "тел", "телефону"),
    "email": ("email", "e-mail", "электронная почта", "эл. почта", "электрондук почта"),
    "consent": ("consent", "согласие", "согласие на связь", "макулдук"),
    "anonymous": ("anonymous", "анонимно", "аноним", "анонимдүү"),
    "language": ("language", "язык", "тил"),
}
# The kinds as registers name them, beside their codes and their labels on the platform.
KIND_NAMES: dict[str, tuple[str, ...]] = {
    AppealKind.COMPLAINT: ("жалоба", "даттануу", "арыз-даттануу"),
    AppealKind.REQUEST: ("заявление", "просьба", "обращение", "арыз", "өтүнүч", "кайрылуу"),
    AppealKind.INCIDENT_REPORT: ("сообщение", "сообщение о происшествии", "билдирүү", "incident"),
    AppealKind.TIP: ("информация", "сигнал", "маалымат"),
    AppealKind.PROPOSAL: ("предложение", "сунуш"),
    AppealKind.GRATITUDE: ("благодарность", "ыраазычылык", "thanks"),
}
REQUIRED_COLUMNS = ("number", "received", "category", "text")
PLACE_COLUMNS = ("district", "village", "latitude", "longitude")

_YES = {"1", "yes", "y", "true", "x", "+", "да", "д", "ооба", "ооба.", "v", "✓"}
_NO = {"", "0", "no", "n", "false", "-", "нет", "н", "жок"}
_LANGUAGE_NAMES = {
    "ky": ("ky", "kyrgyz", "кыргызский", "кыргызча", "кырг", "кыр"),
    "ru": ("ru", "russian", "русский", "орусча", "рус"),
    "en": ("en", "english", "английский", "англисче", "англ"),
}
# Day first, as registers in Kyrgyzstan are written; ISO 8601 as spreadsheets export.
_DATETIME_FORMATS = (
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%y %H:%M",
    "%d/%m/%Y %H:%M",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
)
_DATE_FORMATS = ("%d.%m.%Y", "%d.%m.%y", "%d/%m/%Y", "%Y-%m-%d")
_KYRGYZ_LETTERS = re.compile("[өүңӨҮҢ]")
_CYRILLIC = re.compile("[а-яёА-ЯЁ]")
_LATIN = re.compile("[a-zA-Z]")
# Words naming a unit's level, left out when a district is written without them
# ("Балыкчы" for "г. Балыкчы", "Баткен" for "Баткен району").
LEVEL_WORDS = frozenset(
    {"г", "г.", "город", "city", "ш", "ш.", "шаары", "район", "району", "district"}
    | {"oblast", "область", "облусу"}
)


def text_language(text: str, default: str = "ru") -> str:
    """The language a text is written in, near enough to write back to its author in it:
    Kyrgyz has letters Russian lacks (ө, ү, ң)."""
    if _KYRGYZ_LETTERS.search(text):
        return "ky"
    if _CYRILLIC.search(text):
        return "ru"
    if _LATIN.search(text):
        return "en"
    return default if default in LANGUAGES else "ru"


# --- reading the file -----------------------------------------------------------------------


def text_decoded(content: bytes) -> tuple[str, str]:
    """The text and its encoding: UTF-8 with or without its byte order mark, UTF-16 (Excel's
    "Unicode text"), or Windows-1251, which Excel in Russian and Kyrgyz writes by default."""
    if content.startswith(codecs.BOM_UTF8):
        encoding, content = "utf-8-sig", content[len(codecs.BOM_UTF8) :]
    elif content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        try:
            return content.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            encoding = "cp1251"
    try:
        return content.decode("utf-8" if encoding == "utf-8-sig" else encoding), encoding
    except UnicodeDecodeError:
        raise ValidationError(
            _("The file cannot be read as text: save it as CSV (UTF-8 or Windows-1251)."),
            code="encoding",
        ) from None


def delimiter_guess(header_line: str) -> str:
    counts = {delimiter: header_line.count(delimiter) for delimiter in (";", ",", "\t")}
    best = max(counts, key=lambda delimiter: (counts[delimiter], delimiter == ","))
    return best if counts[best] else ","


def header_key(name: str) -> str:
    text = name.replace("\ufeff", "").casefold().replace("ё", "е")
    return " ".join(text.split()).strip(" :*")


_COLUMN_BY_NAME = {
    header_key(alias): column for column, aliases in COLUMN_NAMES.items() for alias in aliases
}


def columns_find(header: list[str]) -> tuple[dict[str, int], list[str]]:
    found: dict[str, int] = {}
    ignored: list[str] = []
    for index, name in enumerate(header):
        column = _COLUMN_BY_NAME.get(header_key(name))
        if column is None:
            if name.strip():
                ignored.append(name.strip())
            continue
        if column in found:
            raise ValidationError(
                _("The columns “%(first)s” and “%(second)s” are both read as “%(column)s”.")
                % {"first": header[found[column]], "second": name, "column": column},
                code="column_twice",
            )
        found[column] = index
    missing = [column for column in REQUIRED_COLUMNS if column not in found]
    if missing:
        raise ValidationError(
            _(
                "The first line must name the columns; these are missing: %(columns)s. See the"
                " description of the format for the names."
            )
            % {"columns": ", ".join(missing)},
            code="columns",
        )
    if not any(column in found for column in PLACE_COLUMNS):
        raise ValidationError(
            _(
                "The file needs a column for the place: district, village, or latitude and"
                " longitude."
            ),
            code="columns",
        )
    return found, ignored


def records_read(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(first line, cells) of each non-empty record: a quoted cell may span lines."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    previous = 0
    try:
        for cells in reader:
            line, previous = previous + 1, reader.line_num
            if any(cell.strip() for cell in cells):
                yield line, cells
    except csv.Error as error:
        raise ValidationError(
            _("Line %(line)d cannot be read as CSV: %(error)s")
            % {"line": reader.line_num, "error": error},
            code="csv",
        ) from None


@dataclass
class RegisterTable:
    """A register file opened: its first line, which column is what, and its other records
    (line, cells), read as they are asked for."""

    header: list[str]
    columns: dict[str, int]
    ignored_columns: list[str]
    encoding: str
    delimiter: str
    records: Iterator[tuple[int, list[str]]]


def register_table_read(content: bytes) -> RegisterTable:
    """ValidationError, with the reason, for a file that is not a register at all: too large,
    not text, without the columns it needs; reading past REGISTER_MAX_ROWS rows raises it
    too."""
    if len(content) > REGISTER_MAX_BYTES:
        raise ValidationError(
            _("The file is larger than %(limit)d MB: split the register into several files.")
            % {"limit": REGISTER_MAX_BYTES // (1024 * 1024)},
            code="too_large",
        )
    text, encoding = text_decoded(content)
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    if not first_line:
        raise ValidationError(_("The file is empty."), code="empty")
    delimiter = delimiter_guess(first_line)
    records = records_read(text, delimiter)
    _line, header = next(records)
    columns, ignored = columns_find(header)
    return RegisterTable(
        header=[name.strip() for name in header],
        columns=columns,
        ignored_columns=ignored,
        encoding=encoding,
        delimiter=delimiter,
        records=_at_most(records, REGISTER_MAX_ROWS),
    )


def _at_most(records, limit: int):
    for count, record in enumerate(records, start=1):
        if count > limit:
            raise ValidationError(
                ngettext(
                    "The file has more than %(limit)d row: split the register into several files.",
                    "The file has more than %(limit)d rows: split the register into several files.",
                    limit,
                )
                % {"limit": limit},
                code="too_many_rows",
            )
        yield record


def received_parse(value: str, now: datetime) -> datetime:
    value = " ".join(value.split())
    if not value:
        raise ValidationError(_("Write the date of receipt."))
    for pattern in _DATETIME_FORMATS:
        try:
            moment = datetime.strptime(value, pattern)
        except ValueError:
            continue
        return timezone.make_aware(moment)
    for pattern in _DATE_FORMATS:
        try:
            day = datetime.strptime(value, pattern).date()
        except ValueError:
            continue
        return _start_of(day, now)
    raise ValidationError(
        _("“%(value)s” is not a date: write it as 25.03.2025 or 25.03.2025 14:30.")
        % {"value": value}
    )


def _start_of(day: date, now: datetime) -> datetime:
    moment = timezone.make_aware(datetime.combine(day, DAY_STARTS_AT))
    # Today's line before nine: received earlier today, not in the future.
    return min(moment, now) if day == timezone.localdate(now) else moment


def yes_no_parse(value: str) -> bool:
    word = header_key(value)
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise ValidationError(_("Write “yes” or “no”, not “%(value)s”.") % {"value": value})


def language_parse(value: str, text: str) -> str:
    word = header_key(value)
    if not word:
        return text_language(text)
    for language, names in _LANGUAGE_NAMES.items():
        if word in names:
            return language
    raise ValidationError(
        _("“%(value)s” is not a language of the platform: write ky, ru or en.") % {"value": value}
    )
