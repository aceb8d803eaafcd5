"""Paper registers into appeals: the journal a duty unit keeps by hand, typed into a
spreadsheet and saved as CSV, imported in two steps (docs/appeals-register-import.md).

1. `register_import_preview` reads the file and checks every row with the functions
   `appeal_submit` checks with (text, reporter, place, category, the date of receipt) and the
   policy (may the importer register an appeal of this category in this place?). It writes
   nothing: the clerk sees each row's problems, by line and column, before anything is kept.
2. `register_import_commit` checks the same file again and takes every valid row in through
   `appeal_submit` (channel "paper register", registered at once, received when the register
   says). Rows with problems are left out and listed, so that the clerk corrects them and
   imports the corrected rows later: a register is kept day by day, and one illegible line
   must not hold back a hundred good ones.

Each row's register number becomes the appeal's client key, "register:<organisation>:<year
of receipt>:<number>": importing the same register again, or a longer copy of it next week,
creates nothing twice. The year is part of the key because registers are numbered afresh
every calendar year (the record-keeping rule of state bodies), so "No. 15" of 2024 and of 2025
are two appeals.

The entry forms share two things from here: the village looked up by its name, and whether
the person typing may register the appeal themselves (`appeal_registration_allowed`).
"""

from dataclasses import dataclass, field, replace
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ishenim.appeals import selectors
from ishenim.appeals.enums import AppealKind, Channel
from ishenim.appeals.models import Appeal, AppealCategory
from ishenim.appeals.services import routing
from ishenim.appeals.services.register_format import (
    KIND_NAMES,
    LEVEL_WORDS,
    PLACE_COLUMNS,
    RegisterTable,
    header_key,
    language_parse,
    received_parse,
    register_table_read,
    yes_no_parse,
)
from ishenim.appeals.services.submission import (
    LANGUAGES,
    AppealPlace,
    ReporterDetails,
    _clean_reporter,
    _clean_text,
    appeal_place_resolve,
    appeal_submit,
    sensitivity_for,
)
from ishenim.core import clock
from ishenim.geo import selectors as geo_selectors
from ishenim.geo.models import AdminUnit, Settlement, settlement_search_text
from ishenim.orgs import policy
from ishenim.orgs.enums import Action, Role
from ishenim.orgs.models import Organisation

NUMBER_MAX_CHARACTERS = 40
# Rows taken in per transaction (register_import_commit says why not all at once).
COMMIT_BATCH_ROWS = 50


@dataclass(frozen=True)
class RowProblem:
    """Why a row cannot be imported: the line of the file, the column as the file names it
    (empty for the row as a whole), and the message in the reader's language."""

    line: int
    column: str
    message: str


@dataclass
class RegisterRow:
    line: int
    # The cells as the file has them, for the table of rejected rows to correct.
    cells: list[str]
    number: str = ""
    received_at: datetime | None = None
    category: AppealCategory | None = None
    kind: str = ""
    text: str = ""
    language: str = ""
    place: AppealPlace | None = None
    reporter: ReporterDetails | None = None
    anonymous: bool = False
    client_key: str = ""
    # The organisation the appeal goes to, as routing finds it.
    organisation: Organisation | None = None
    problems: list[RowProblem] = field(default_factory=list)
    # The tracking code of the appeal an earlier import made from this row.
    imported_as: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems and not self.imported_as

    @property
    def text_start(self) -> str:
        return self.text if len(self.text) <= 120 else self.text[:119] + "…"


@dataclass
class RegisterPreview:
    organisation: Organisation
    # The file's first line and format (its records are read into `rows`).
    table: RegisterTable
    rows: list[RegisterRow]

    @property
    def ok_rows(self) -> list[RegisterRow]:
        return [row for row in self.rows if row.ok]

    @property
    def rejected_rows(self) -> list[RegisterRow]:
        return [row for row in self.rows if row.problems]

    @property
    def imported_rows(self) -> list[RegisterRow]:
        return [row for row in self.rows if row.imported_as and not row.problems]

    @property
    def problems(self) -> list[RowProblem]:
        return [problem for row in self.rows for problem in row.problems]

    @property
    def counts(self) -> dict[str, int]:
        return {
            "rows": len(self.rows),
            "ok": len(self.ok_rows),
            "rejected": len(self.rejected_rows),
            "imported": len(self.imported_rows),
        }


@dataclass
class RegisterImportResult:
    preview: RegisterPreview
    created: list[Appeal]
    # Rows whose appeal was there already (imported before, or by a second click at once).
    already: int
    rejected: list[RegisterRow]


# --- shared with the entry form -------------------------------------------------------------


def appeal_registration_allowed(
    *, actor, category: AppealCategory, text: str, place: AppealPlace
) -> tuple[bool, Organisation | None]:
    """Whether `actor` may register this appeal as soon as it is taken in, and the
    organisation routing gives it to. Registering is the handling organisation's act: the
    policy is asked whether the actor may change the appeal as it will be routed, so that an
    officer taking a call about another district, or a confidential case of the department
    above, hands it on unregistered for that organisation to register."""
    route = routing.route_find(category=category, unit=place.unit)
    probe = Appeal(
        category=category,
        unit=place.unit,
        sensitivity=sensitivity_for(category=category, text=text),
        organisation=route.organisation,
        co_organisation=route.co_organisation,
    )
    return policy.can(actor, Action.CHANGE, probe), route.organisation


def settlement_find(name: str, *, within: AdminUnit | None = None) -> Settlement:
    """The village or town with this name (in any of its languages, any case) inside
    `within`, or anywhere when the name is the country's only one. ValidationError keyed
    "village" when there is none or more than one."""
    folded = settlement_search_text(name.strip())
    candidates = [
        settlement
        for settlement in geo_selectors.settlement_list(unit=within, query=name.strip())
        if folded in settlement.search_text.split("\n")
    ]
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        if within is not None:
            message = _("There is no village or town “%(name)s” in %(unit)s.") % {
                "name": name,
                "unit": within.name,
            }
        else:
            message = _("There is no village or town “%(name)s”.") % {"name": name}
        raise ValidationError({"village": message}, code="unknown")
    raise ValidationError(
        {
            "village": _(
                "“%(name)s” is the name of more than one place (%(units)s): choose the"
                " district too."
            )
            % {"name": name, "units": ", ".join(sorted({s.unit.name for s in candidates}))}
        },
        code="ambiguous",
    )


def register_organisations_for(actor) -> list[Organisation]:
    """The organisations whose register `actor` may import: those where a role of theirs may
    create appeals (every active organisation for a superuser)."""
    organisations = Organisation.objects.filter(is_active=True)
    if getattr(actor, "is_superuser", False) and getattr(actor, "is_active", False):
        return list(organisations.order_by("name_en", "pk"))
    ids = {
        seat.organisation_id
        for seat in policy.seats(actor)
        if seat.role != Role.RESIDENT and Action.CREATE in seat.grant.actions
    }
    return list(organisations.filter(pk__in=ids).order_by("name_en", "pk"))


def _register_organisation(actor, organisation: Organisation | None) -> Organisation:
    allowed = register_organisations_for(actor)
    if not allowed:
        raise PermissionDenied(_("You may not import registers of appeals."))
    if organisation is None:
        if len(allowed) > 1:
            raise ValidationError(
                {"organisation": _("Choose the organisation whose register this is.")}
            )
        return allowed[0]
    if organisation.pk not in {candidate.pk for candidate in allowed}:
        raise PermissionDenied(_("You may not import the register of this organisation."))
    return organisation


# --- checking one row -----------------------------------------------------------------------


class _Books:
    """Every lookup once per distinct value: a register names the same few districts and
    categories hundreds of times."""

    def __init__(self, actor):
        self.actor = actor
        self.categories = list(selectors.category_list(active_only=False))
        self.category_by_word = {}
        for category in self.categories:
            for word in (category.code, category.name_ky, category.name_ru, category.name_en):
                if word:
                    self.category_by_word.setdefault(header_key(word), category)
        self.kind_by_word = {}
        for language in LANGUAGES:
            with translation.override(language):
                for value, label in AppealKind.choices:
                    self.kind_by_word.setdefault(header_key(str(label)), value)
        for value in AppealKind.values:
            self.kind_by_word[header_key(value)] = value
            self.kind_by_word[header_key(value.replace("_", " "))] = value
        for value, words in KIND_NAMES.items():
            for word in words:
                self.kind_by_word.setdefault(header_key(word), value)
        self._units: dict[str, list[AdminUnit]] | None = None
        self.settlements: dict[tuple, Settlement | ValidationError] = {}
        self.places: dict[tuple, AppealPlace | ValidationError] = {}
        self.allowed: dict[tuple, tuple[bool, Organisation | None]] = {}

    def units(self, word: str) -> list[AdminUnit]:
        if self._units is None:
            self._units = {}
            for unit in AdminUnit.objects.all():
                keys = {unit.code}
                for name in (unit.name_ky, unit.name_ru, unit.name_en):
                    if name:
                        keys.add(header_key(name))
                        bare = [w for w in header_key(name).split() if w not in LEVEL_WORDS]
                        if bare:
                            keys.add(" ".join(bare))
                for key in keys:
                    self._units.setdefault(key, []).append(unit)
        return self._units.get(header_key(word), [])

    def settlement(self, name: str, unit: AdminUnit | None) -> Settlement:
        key = (settlement_search_text(name.strip()), unit.pk if unit else None)
        if key not in self.settlements:
            try:
                self.settlements[key] = settlement_find(name, within=unit)
            except ValidationError as error:
                self.settlements[key] = error
        found = self.settlements[key]
        if isinstance(found, ValidationError):
            raise found
        return found

    def place(self, *, address: str, **where) -> AppealPlace:
        """appeal_place_resolve's answer, asked once per place: only whether there is an
        address changes it (the country alone needs one), so each row's own goes in after."""
        key = (*sorted(where.items()), bool(address.strip()))
        if key not in self.places:
            try:
                self.places[key] = appeal_place_resolve(address="-" if key[-1] else "", **where)
            except ValidationError as error:
                self.places[key] = error
        found = self.places[key]
        if isinstance(found, ValidationError):
            raise found
        return replace(found, address=address.strip()[:300])

    def registration(self, *, category, text, place) -> tuple[bool, Organisation | None]:
        key = (category.pk, place.unit.pk, sensitivity_for(category=category, text=text))
        if key not in self.allowed:
            self.allowed[key] = appeal_registration_allowed(
                actor=self.actor, category=category, text=text, place=place
            )
        return self.allowed[key]


class _Row:
    """One row being checked: its cells by column, and the problems found so far."""

    def __init__(self, line: int, cells: list[str], columns: dict[str, int], header: list[str]):
        self.result = RegisterRow(line=line, cells=cells)
        self.columns = columns
        self.header = header

    def cell(self, column: str) -> str:
        index = self.columns.get(column)
        if index is None or index >= len(self.result.cells):
            return ""
        return self.result.cells[index].strip()

    def problem(self, column: str, message) -> None:
        name = self.header[self.columns[column]].strip() if column in self.columns else ""
        self.result.problems.append(RowProblem(self.result.line, name, str(message)))

    def check(self, column: str, function, *args, **kwargs):
        try:
            return function(*args, **kwargs)
        except ValidationError as error:
            for message in error.messages:
                self.problem(column, message)
            return None


def _place(row: _Row, books: _Books) -> AppealPlace | None:
    district, village = row.cell("district"), row.cell("village")
    latitude, longitude = row.cell("latitude"), row.cell("longitude")
    unit = None
    if district:
        units = books.units(district)
        if not units:
            row.problem(
                "district",
                _("There is no district or city “%(name)s”: write its name or its code.")
                % {"name": district},
            )
            return None
        if len(units) > 1:
            row.problem(
                "district",
                _(
                    "“%(name)s” names more than one unit (%(units)s): write the full name or"
                    " the code."
                )
                % {"name": district, "units": ", ".join(unit.name for unit in units)},
            )
            return None
        unit = units[0]
    settlement = None
    if village and not (latitude or longitude):
        settlement = row.check("village", books.settlement, village, unit)
        if settlement is None:
            return None
    try:
        return books.place(
            latitude=latitude.replace(",", ".") or None,
            longitude=longitude.replace(",", ".") or None,
            settlement_id=settlement.pk if settlement else None,
            unit_code=unit.code if unit else "",
            address=row.cell("address"),
        )
    except ValidationError as error:
        for key, messages in error.message_dict.items():
            column = {"latitude": "latitude", "longitude": "longitude"}.get(key, "district")
            if column not in row.columns:
                column = next((c for c in PLACE_COLUMNS if c in row.columns), "district")
            for message in messages:
                row.problem(column, message)
        return None


def _reporter(row: _Row) -> None:
    anonymous = row.check("anonymous", yes_no_parse, row.cell("anonymous"))
    consent = row.check("consent", yes_no_parse, row.cell("consent"))
    row.result.anonymous = bool(anonymous)
    details = ReporterDetails(
        full_name=row.cell("name"),
        phone=row.cell("phone"),
        email=row.cell("email"),
        consent_to_contact=bool(consent),
    )
    try:
        row.result.reporter = _clean_reporter(details, anonymous=row.result.anonymous)
    except ValidationError as error:
        for key, messages in error.message_dict.items():
            if key == "full_name":
                # The service's message speaks to the resident; this one to the clerk.
                messages = [_("Write the name of who made the appeal, or mark it anonymous.")]
            column = {"full_name": "name"}.get(key, key)
            for message in messages:
                row.problem(column if column in row.columns else "name", message)


def _row_checked(
    row: _Row, books: _Books, *, organisation: Organisation, now: datetime, seen: dict
) -> RegisterRow:
    result = row.result
    extra = result.cells[len(row.header) :]
    if any(cell.strip() for cell in extra):
        row.problem("", _("The row has more cells than the first line has columns."))

    number = row.cell("number")
    if not number:
        row.problem("number", _("Write the register number."))
    elif len(number) > NUMBER_MAX_CHARACTERS or not number.isprintable():
        row.problem(
            "number",
            _("A register number has at most %(limit)d characters.")
            % {"limit": NUMBER_MAX_CHARACTERS},
        )
    else:
        result.number = number

    result.received_at = row.check("received", received_parse, row.cell("received"), now)
    if result.received_at is not None and result.received_at > now:
        row.problem("received", _("The date of receipt cannot be in the future."))
        result.received_at = None

    word = row.cell("category")
    result.category = books.category_by_word.get(header_key(word)) if word else None
    if result.category is None or not result.category.is_active:
        codes = ", ".join(c.code for c in books.categories if c.is_active)
        if word:
            message = _("There is no category “%(value)s”: write one of %(codes)s, or its name.")
        else:
            message = _("Write the category: one of %(codes)s, or its name.")
        row.problem("category", message % {"value": word, "codes": codes})
        result.category = None

    word = row.cell("kind")
    # The law's general form of an appeal is a request (заявление): an empty kind is one.
    result.kind = books.kind_by_word.get(header_key(word), "") if word else AppealKind.REQUEST
    if not result.kind:
        row.problem(
            "kind",
            _("There is no kind of appeal “%(value)s”: write one of %(kinds)s.")
            % {"value": word, "kinds": ", ".join(AppealKind.values)},
        )

    result.text = row.check("text", _clean_text, row.cell("text")) or ""
    language = row.check("language", language_parse, row.cell("language"), result.text)
    result.language = language or "ru"
    result.place = _place(row, books)
    _reporter(row)

    if result.category is not None and result.place is not None and result.text:
        allowed, result.organisation = books.registration(
            category=result.category, text=result.text, place=result.place
        )
        if not allowed:
            row.problem(
                "district"
                if "district" in row.columns
                else next(c for c in PLACE_COLUMNS if c in row.columns),
                _(
                    "Appeals of this category here go to %(organisation)s, whose appeals you"
                    " may not register: it must enter this one itself."
                )
                % {"organisation": result.organisation or _("no organisation")},
            )

    if result.number and result.received_at is not None:
        year = timezone.localdate(result.received_at).year
        result.client_key = f"register:{organisation.pk}:{year}:{result.number}"
        if result.client_key in seen:
            row.problem(
                "number",
                _("Number %(number)s of %(year)d is on line %(line)d already.")
                % {"number": result.number, "year": year, "line": seen[result.client_key]},
            )
        else:
            seen[result.client_key] = result.line
    return result


def register_import_preview(
    *, content: bytes, actor, organisation: Organisation | None = None
) -> RegisterPreview:
    """Every row of the file checked as `appeal_submit` would check it, and against the
    appeals imported before; nothing is written. ValidationError for a file that cannot be
    read at all (its message says why); PermissionDenied when `actor` may not import."""
    organisation = _register_organisation(actor, organisation)
    table = register_table_read(content)
    books = _Books(actor)
    now = clock.now()
    seen: dict[str, int] = {}
    rows = [
        _row_checked(
            _Row(line, cells, table.columns, table.header),
            books,
            organisation=organisation,
            now=now,
            seen=seen,
        )
        for line, cells in table.records
    ]
    if not rows:
        raise ValidationError(_("The file has no rows under its first line."), code="empty")
    _mark_imported(rows)
    return RegisterPreview(organisation=organisation, table=table, rows=rows)


def _mark_imported(rows: list[RegisterRow]) -> None:
    keyed = {row.client_key: row for row in rows if row.client_key}
    keys = list(keyed)
    # In slices: SQLite limits the parameters of one statement.
    for start in range(0, len(keys), 500):
        for key, code in Appeal.objects.filter(
            client_key__in=keys[start : start + 500]
        ).values_list("client_key", "code"):
            keyed[key].imported_as = code


def register_import_commit(
    *, content: bytes, actor, organisation: Organisation | None = None
) -> RegisterImportResult:
    """Import every row that passes the preview's checks as a registered paper-register
    appeal received when the register says; rows with problems are left out and returned.
    Rows imported before are skipped (their client key).

    The rows go in transactions of COMMIT_BATCH_ROWS: every appeal's history passes through
    the audit chain's one lock (and, on SQLite, the database's one writer), which a single
    transaction over a whole register would hold for as long as the import takes, keeping
    residents' own appeals waiting. An import cut short leaves whole batches in; importing
    the same file again adds the rest and nothing twice."""
    preview = register_import_preview(content=content, actor=actor, organisation=organisation)
    created: list[Appeal] = []
    already = len(preview.imported_rows)
    rejected = preview.rejected_rows
    rows = preview.ok_rows
    for start in range(0, len(rows), COMMIT_BATCH_ROWS):
        with transaction.atomic():
            for row in rows[start : start + COMMIT_BATCH_ROWS]:
                try:
                    submission = _row_submit(row, actor)
                except ValidationError as error:
                    # Checked a moment ago and changed since (a category switched off).
                    row.problems.extend(RowProblem(row.line, "", m) for m in error.messages)
                    rejected.append(row)
                    continue
                if submission.created:
                    created.append(submission.appeal)
                else:
                    # A second confirmation of the same file at the same moment made it.
                    row.imported_as = submission.appeal.code
                    already += 1
    rejected.sort(key=lambda row: row.line)
    return RegisterImportResult(
        preview=preview, created=created, already=already, rejected=rejected
    )


def _row_submit(row: RegisterRow, actor):
    return appeal_submit(
        channel=Channel.PAPER_REGISTER,
        kind=row.kind,
        category=row.category,
        text=row.text,
        language=row.language,
        place=row.place,
        reporter=row.reporter,
        anonymous=row.anonymous,
        client_key=row.client_key,
        received_at=row.received_at,
        register=True,
        actor=actor,
    )
