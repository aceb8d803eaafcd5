"""Settlements: the gazetteer of villages, towns and neighbourhoods, by hand or from CSV."""

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ishenim.core.audit import model_changes, model_snapshot
from ishenim.geo import selectors as geo_selectors
from ishenim.geo import timeline
from ishenim.geo.enums import SettlementKind
from ishenim.geo.models import AdminUnit, Boundary, Settlement
from ishenim.geo.services.places import (
    Place,
    coordinates_check,
    outside_error,
    place_apply,
    place_build,
    place_resolve,
)
from ishenim.orgs import policy
from ishenim.orgs.enums import Action

AUDITED_FIELDS = (
    "name_ky",
    "name_ru",
    "name_en",
    "kind",
    "latitude",
    "longitude",
    "unit",
    "population",
    "source",
    "is_demo",
)
IMPORT_REQUIRED = ("name_ky", "name_ru", "name_en", "kind", "latitude", "longitude")
IMPORT_OPTIONAL = ("unit_code", "population", "source")


class _Unchanged:
    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED = _Unchanged()


def _unit_for(place: Place, chosen: AdminUnit | None, *, chosen_has_boundary: bool) -> AdminUnit:
    """The unit a settlement goes in: the deepest unit containing its point, checked against
    the unit the person chose, if any.

    The point must lie inside the chosen unit. A chosen unit deeper than the boundaries reach
    (a Bishkek district has no outline in the data) is kept when the point lies in its
    parent's outline: it is the finer answer, and nothing can contradict it.
    """
    located = place.unit
    if chosen is None or located.path.startswith(chosen.path):
        return located
    if chosen.path.startswith(located.path) and not chosen_has_boundary:
        return chosen
    raise ValidationError(
        {"unit": _("This point is not inside %(unit)s.") % {"unit": chosen.name}},
        code="outside_unit",
    )


def _settlement_check(settlement: Settlement, *, validate_constraints: bool = True) -> None:
    if not settlement.name_en.strip():
        raise ValidationError(
            {
                "name_en": _(
                    "Give the name in English (Latin letters): it tells settlements apart"
                    " within their unit."
                )
            },
            code="name_en_required",
        )
    settlement.full_clean(validate_constraints=validate_constraints)


@transaction.atomic
def settlement_create(
    *,
    name_ky: str,
    name_ru: str,
    name_en: str,
    kind: str,
    latitude,
    longitude,
    actor,
    population: int | None = None,
    source: str = "",
    is_demo: bool = False,
    unit: AdminUnit | None = None,
) -> Settlement:
    """Add a settlement at a point; it goes in the deepest unit containing the point, which
    must lie inside `unit` when one is given."""
    place = place_resolve(latitude=latitude, longitude=longitude)
    settlement = Settlement(
        name_ky=name_ky.strip(),
        name_ru=name_ru.strip(),
        name_en=name_en.strip(),
        kind=kind,
        population=population,
        source=source.strip(),
        is_demo=is_demo,
    )
    place_apply(settlement, place)
    settlement.unit = _unit_for(
        place, unit, chosen_has_boundary=unit is not None and geo_selectors.unit_has_boundary(unit)
    )
    return _settlement_insert(settlement, actor)


def _settlement_authorise(settlement: Settlement, actor, action: Action) -> None:
    """The platform itself (actor None: imports, the demo) may always; a person needs a role
    that changes records in the district where the settlement lies."""
    if actor is not None and not policy.can(actor, action, settlement):
        raise PermissionDenied(
            _("You may not add or change settlements in %(unit)s.") % {"unit": settlement.unit}
        )


def _settlement_insert(settlement: Settlement, actor) -> Settlement:
    _settlement_authorise(settlement, actor, Action.CREATE)
    _settlement_check(settlement)
    settlement.save()
    timeline.settlement_created(
        settlement=settlement, values=model_snapshot(settlement, AUDITED_FIELDS), actor=actor
    )
    return settlement


@transaction.atomic
def settlement_update(
    *,
    settlement: Settlement,
    actor,
    name_ky=UNCHANGED,
    name_ru=UNCHANGED,
    name_en=UNCHANGED,
    kind=UNCHANGED,
    latitude=UNCHANGED,
    longitude=UNCHANGED,
    population=UNCHANGED,
    source=UNCHANGED,
    is_demo=UNCHANGED,
    unit=UNCHANGED,
) -> Settlement:
    """Change what is given; a new point or unit locates the settlement again."""
    # Checked where it stands now and again where it lands, so nobody moves a village out of
    # another district or into one.
    _settlement_authorise(settlement, actor, Action.CHANGE)
    before = model_snapshot(settlement, AUDITED_FIELDS)
    for name, value in (
        ("name_ky", name_ky),
        ("name_ru", name_ru),
        ("name_en", name_en),
        ("source", source),
    ):
        if value is not UNCHANGED:
            setattr(settlement, name, value.strip())
    for name, value in (("kind", kind), ("population", population), ("is_demo", is_demo)):
        if value is not UNCHANGED:
            setattr(settlement, name, value)
    if latitude is not UNCHANGED or longitude is not UNCHANGED or unit is not UNCHANGED:
        place = place_resolve(
            latitude=settlement.latitude if latitude is UNCHANGED else latitude,
            longitude=settlement.longitude if longitude is UNCHANGED else longitude,
        )
        chosen = None if unit is UNCHANGED else unit
        place_apply(settlement, place)
        settlement.unit = _unit_for(
            place,
            chosen,
            chosen_has_boundary=chosen is not None and geo_selectors.unit_has_boundary(chosen),
        )
    return _settlement_save_changes(settlement, before, actor)


def _settlement_save_changes(settlement: Settlement, before: dict, actor) -> Settlement:
    changes = model_changes(before, settlement, AUDITED_FIELDS)
    if not changes:
        return settlement
    _settlement_authorise(settlement, actor, Action.CHANGE)
    _settlement_check(settlement)
    settlement.save()
    timeline.settlement_updated(settlement=settlement, changes=changes, actor=actor)
    return settlement


# --- CSV import ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    line: int
    messages: tuple[str, ...]

    def __str__(self) -> str:
        return _("Line %(line)d: %(messages)s") % {
            "line": self.line,
            "messages": " ".join(self.messages),
        }


@dataclass(frozen=True)
class ImportResult:
    """What an import did (or, with dry_run or errors, would do): nothing is written unless
    every row is valid."""

    created: int
    updated: int
    unchanged: int
    errors: tuple[RowError, ...]
    dry_run: bool

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    def __str__(self) -> str:
        counts = {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}
        if self.dry_run:
            return (
                _(
                    "Dry run, nothing written: %(created)d settlements would be created,"
                    " %(updated)d updated, %(unchanged)d unchanged."
                )
                % counts
            )
        return (
            _("Settlements: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
            % counts
        )


@dataclass
class _Row:
    line: int
    values: dict
    errors: list[str]
    chosen: AdminUnit | None = None
    latitude: float | None = None
    longitude: float | None = None


def _csv_text(file) -> str:
    """The file's text, whatever was handed in: a path, bytes, a text or binary file."""
    if isinstance(file, str | Path):
        file = Path(file).read_bytes()
    elif hasattr(file, "read"):
        if hasattr(file, "seek"):
            file.seek(0)
        file = file.read()
    if isinstance(file, bytes):
        # utf-8-sig: spreadsheets put a byte order mark in front of UTF-8 CSV files.
        return file.decode("utf-8-sig")
    return file.removeprefix("\ufeff")


@transaction.atomic
def settlement_import_csv(*, file, actor, dry_run: bool = False) -> ImportResult:
    """Add or update settlements from CSV: columns name_ky, name_ru, name_en, kind,
    latitude, longitude, and optionally unit_code, population, source.

    All rows or none: every row is checked first and each row's problems are reported with
    its line number; when any row fails nothing is written. A row whose (unit, name_en)
    already exists updates that settlement, so importing a file twice changes nothing.
    """
    try:
        text = _csv_text(file)
    except (OSError, UnicodeDecodeError) as error:
        message = _("The file cannot be read as UTF-8 text: %(error)s") % {"error": error}
        return ImportResult(0, 0, 0, (RowError(1, (message,)),), dry_run)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header_errors = _header_problems(reader.fieldnames or [])
    if header_errors:
        return ImportResult(0, 0, 0, (RowError(1, tuple(header_errors)),), dry_run)
    rows = _rows_read(reader)
    planned = _rows_plan(rows)
    errors = tuple(RowError(row.line, tuple(row.errors)) for row in rows if row.errors)
    created = sum(1 for _row, existing, _s in planned if existing is None)
    updated = sum(1 for _row, existing, s in planned if existing is not None and s is not None)
    unchanged = len(planned) - created - updated
    result = ImportResult(created, updated, unchanged, errors, dry_run)
    if not result.written:
        return result
    for _row, existing, settlement in planned:
        if settlement is None:
            continue
        if existing is None:
            _settlement_insert(settlement, actor)
        else:
            _settlement_save_changes(settlement, existing, actor)
    return result


def _header_problems(columns: list[str]) -> list[str]:
    problems = []
    missing = [column for column in IMPORT_REQUIRED if column not in columns]
    if missing:
        problems.append(_("The columns %(columns)s are missing.") % {"columns": ", ".join(missing)})
    unknown = [c for c in columns if c not in IMPORT_REQUIRED + IMPORT_OPTIONAL]
    if unknown:
        # A misspelt optional column would otherwise be dropped without a word.
        problems.append(
            _("The columns %(columns)s are not known; the known ones are %(known)s.")
            % {"columns": ", ".join(unknown), "known": ", ".join(IMPORT_REQUIRED + IMPORT_OPTIONAL)}
        )
    return problems


def _rows_read(reader: csv.DictReader) -> list[_Row]:
    """Each non-blank row with the problems that can be seen in the row alone."""
    rows = []
    for raw in reader:
        values = {key: (value or "").strip() for key, value in raw.items() if key}
        if not any(values.values()):
            continue
        rows.append(_Row(line=reader.line_num, values=values, errors=[]))
    units = AdminUnit.objects.in_bulk(
        {row.values.get("unit_code", "") for row in rows} - {""}, field_name="code"
    )
    kinds = SettlementKind.values
    for row in rows:
        values = row.values
        if values["kind"] not in kinds:
            row.errors.append(
                _("The kind “%(kind)s” is not one of %(kinds)s.")
                % {"kind": values["kind"], "kinds": ", ".join(kinds)}
            )
        try:
            row.latitude, row.longitude = coordinates_check(values["latitude"], values["longitude"])
        except ValidationError as error:
            row.errors.extend(error.messages)
        population = values.get("population", "")
        if population and not population.isdigit():
            row.errors.append(
                _("The population must be a whole number, not “%(value)s”.") % {"value": population}
            )
        code = values.get("unit_code", "")
        if code:
            row.chosen = units.get(code)
            if row.chosen is None:
                row.errors.append(_("There is no unit with the code %(code)s.") % {"code": code})
    return rows


def _rows_plan(rows: list[_Row]) -> list[tuple[_Row, dict | None, Settlement | None]]:
    """For each valid row: (row, the settlement's fields before or None when it is new, the
    settlement to save or None when nothing changes). Problems go into row.errors."""
    located = [row for row in rows if row.latitude is not None]
    unit_ids = geo_selectors.locator_current().locate_many(
        [row.latitude for row in located], [row.longitude for row in located]
    )
    units = AdminUnit.objects.in_bulk({int(i) for i in unit_ids if i >= 0})
    outlined = set(
        Boundary.objects.filter(unit__in=[row.chosen for row in rows if row.chosen]).values_list(
            "unit_id", flat=True
        )
    )
    outside_message = None
    places: dict[int, tuple[Place, AdminUnit]] = {}
    for row, unit_id in zip(located, unit_ids, strict=True):
        if unit_id < 0:
            outside_message = outside_message or outside_error().messages[0]
            row.errors.append(outside_message)
            continue
        place = place_build(row.latitude, row.longitude, units[int(unit_id)])
        try:
            unit = _unit_for(
                place,
                row.chosen,
                chosen_has_boundary=row.chosen is not None and row.chosen.pk in outlined,
            )
        except ValidationError as error:
            row.errors.extend(error.messages)
            continue
        places[row.line] = (place, unit)
    return _rows_match(rows, places)


def _rows_match(
    rows: list[_Row], places: dict[int, tuple[Place, AdminUnit]]
) -> list[tuple[_Row, dict | None, Settlement | None]]:
    first_line: dict[tuple[int, str], int] = {}
    for row in rows:
        if row.errors or row.line not in places:
            continue
        unit = places[row.line][1]
        key = (unit.pk, row.values["name_en"])
        if key in first_line:
            row.errors.append(
                _("Line %(first)d already has %(name)s in %(unit)s.")
                % {"first": first_line[key], "name": key[1], "unit": unit.name}
            )
        else:
            first_line[key] = row.line
    existing = {
        (settlement.unit_id, settlement.name_en): settlement
        for settlement in Settlement.objects.filter(
            unit_id__in={key[0] for key in first_line},
            name_en__in={key[1] for key in first_line},
        )
    }
    planned = []
    for row in rows:
        if row.errors or row.line not in places:
            continue
        place, unit = places[row.line]
        current = existing.get((unit.pk, row.values["name_en"]))
        before = model_snapshot(current, AUDITED_FIELDS) if current is not None else None
        settlement = current if current is not None else Settlement()
        _row_apply(settlement, row.values)
        place_apply(settlement, place)
        settlement.unit = unit
        try:
            # The (unit, name) rule was checked above against the file and the database.
            _settlement_check(settlement, validate_constraints=False)
        except ValidationError as error:
            row.errors.extend(error.messages)
            continue
        if before is not None and not model_changes(before, settlement, AUDITED_FIELDS):
            planned.append((row, before, None))
        else:
            planned.append((row, before, settlement))
    return planned


def _row_apply(settlement: Settlement, values: dict) -> None:
    for name in ("name_ky", "name_ru", "name_en", "kind"):
        setattr(settlement, name, values[name])
    # Optional columns change a settlement only when the file has them.
    if "population" in values:
        settlement.population = int(values["population"]) if values["population"] else None
    if "source" in values:
        settlement.source = values["source"]
    # What an import brings is real: a demo village it names becomes a real one.
    settlement.is_demo = False
