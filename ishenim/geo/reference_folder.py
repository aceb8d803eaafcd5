"""Reading a country's reference folder: the unit tree and the boundaries, checked row by row.

A folder holds `country.json` (the root of the tree), `admin_units.csv` (every other unit,
with its parent's code; an empty parent means "directly under the country") and any number
of `*.geojson` files whose features carry a unit's `code` in their properties. Nothing here
knows which country it reads: another country is another folder of the same shape.

This module touches no database and no settings (the benchmark builds a Locator from it
without Django); geo.services.reference_load writes what it returns.
"""

import csv
import functools
import hashlib
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from ishenim.geo.enums import UnitLevel

COUNTRY_FILE = "country.json"
UNITS_FILE = "admin_units.csv"
REQUIRED_COLUMNS = ("code", "parent_code", "level", "name_en", "name_ru", "name_ky")
# The lengths of the AdminUnit columns these values go into.
TEXT_LIMITS = {
    "code": 32,
    "name_en": 200,
    "name_ru": 200,
    "name_ky": 200,
    "iso_3166_2": 10,
    "cod_pcode": 32,
    "unit_type": 32,
}
NUMBER_COLUMNS = ("population", "population_year")
POLYGONAL = ("Polygon", "MultiPolygon")


@dataclass(frozen=True)
class UnitRow:
    """One unit as the folder gives it, with its place in the tree worked out."""

    code: str
    parent_code: str  # empty only for the country
    level: str
    depth: int
    path: str
    name_en: str = ""
    name_ru: str = ""
    name_ky: str = ""
    unit_type: str = ""
    iso_3166_2: str = ""
    cod_pcode: str = ""
    population: int | None = None
    population_year: int | None = None
    source: str = ""
    notes: str = ""
    origin: str = ""  # "admin_units.csv, line 7": where an error about this unit points


@dataclass(frozen=True)
class BoundaryShape:
    code: str
    geometry: BaseGeometry
    geojson: dict
    source: str
    origin: str


@dataclass(frozen=True)
class ReferenceFolder:
    directory: Path
    # The country first, then parents before their children.
    units: tuple[UnitRow, ...]
    boundaries: tuple[BoundaryShape, ...]

    @property
    def country(self) -> UnitRow:
        return self.units[0]


@dataclass
class _Problems:
    """Every problem found, so that one run of the loader names them all."""

    messages: list[str] = field(default_factory=list)

    def add(self, message: str) -> None:
        self.messages.append(message)

    def raise_any(self) -> None:
        if self.messages:
            raise ValidationError(self.messages)


def reference_folder_read(directory: Path) -> ReferenceFolder:
    """The folder's units and boundaries, or a ValidationError listing every bad file, row
    and feature by name and number."""
    directory = Path(directory).resolve()
    return _folder_read(directory, _fingerprint(directory))


def _fingerprint(directory: Path) -> str:
    """A digest of the folder's files, names and contents: what the cache below keys on (a
    change time can stay the same across a quick rewrite; the bytes cannot)."""
    digest = hashlib.sha256()
    if directory.is_dir():
        for path in sorted(directory.iterdir()):
            if path.is_file():
                digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


# Parsing and checking the files is most of a load's time; a process that loads the same
# unchanged folder again (a second `load-reference`, the test suite) reuses the result. The
# result is frozen dataclasses and shapely geometries, which nothing changes.
@functools.lru_cache(maxsize=4)
def _folder_read(directory: Path, fingerprint: str) -> ReferenceFolder:
    problems = _Problems()
    for name in (COUNTRY_FILE, UNITS_FILE):
        if not (directory / name).is_file():
            problems.add(
                _("%(file)s is missing from the reference folder %(folder)s.")
                % {"file": name, "folder": directory}
            )
    problems.raise_any()
    country = _country_read(directory / COUNTRY_FILE, problems)
    problems.raise_any()
    rows = _unit_rows_read(directory / UNITS_FILE, country, problems)
    problems.raise_any()
    units = _tree_build(country, rows, problems)
    problems.raise_any()
    known = {unit.code for unit in units}
    boundaries = _boundaries_read(sorted(directory.glob("*.geojson")), known, problems)
    problems.raise_any()
    country_boundary = _country_boundary(units, boundaries, problems)
    problems.raise_any()
    if country_boundary is not None:
        boundaries.append(country_boundary)
    return ReferenceFolder(directory=directory, units=tuple(units), boundaries=tuple(boundaries))


def _country_read(path: Path, problems: _Problems) -> dict:
    try:
        country = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        problems.add(_("%(file)s cannot be read: %(error)s") % {"file": path.name, "error": error})
        return {}
    if not isinstance(country, dict):
        problems.add(_("%(file)s must hold one JSON object.") % {"file": path.name})
        return {}
    for key in ("code", "name_en"):
        if not str(country.get(key) or "").strip():
            problems.add(
                _("%(file)s: the field %(field)s is missing.") % {"file": path.name, "field": key}
            )
    for key in NUMBER_COLUMNS:
        value = country.get(key)
        if value is not None and (not isinstance(value, int) or value < 0):
            problems.add(
                _("%(file)s: %(field)s must be a whole number, not “%(value)s”.")
                % {"file": path.name, "field": key, "value": value}
            )
    return country


def _unit_rows_read(path: Path, country: dict, problems: _Problems) -> list[dict]:
    rows: list[dict] = []
    first_line: dict[str, int] = {str(country["code"]).strip(): 0}
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                problems.add(
                    _("%(file)s: the columns %(columns)s are missing.")
                    % {"file": path.name, "columns": ", ".join(missing)}
                )
                return []
            for raw in reader:
                row = _unit_row_check(path.name, reader.line_num, raw, first_line, problems)
                if row is not None:
                    rows.append(row)
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        problems.add(_("%(file)s cannot be read: %(error)s") % {"file": path.name, "error": error})
    return rows


def _unit_row_check(
    file: str, line: int, raw: dict, first_line: dict[str, int], problems: _Problems
) -> dict | None:
    values = {key: (value or "").strip() for key, value in raw.items() if key is not None}
    where = {"file": file, "line": line}
    code = values.get("code", "")
    if not code:
        problems.add(_("%(file)s, line %(line)d: the code is empty.") % where)
        return None
    if code in first_line:
        problems.add(
            _("%(file)s, line %(line)d: the code %(code)s is already used on line %(first)d.")
            % {**where, "code": code, "first": first_line[code]}
        )
        return None
    first_line[code] = line
    allowed = [level for level in UnitLevel.values if level != UnitLevel.COUNTRY]
    if values["level"] not in allowed:
        problems.add(
            _("%(file)s, line %(line)d: the level “%(level)s” is not one of %(levels)s.")
            % {**where, "level": values["level"], "levels": ", ".join(allowed)}
        )
    if not (values["name_en"] or values["name_ru"] or values["name_ky"]):
        problems.add(
            _("%(file)s, line %(line)d: the unit %(code)s has no name.")
            % {
                **where,
                "code": code,
            }
        )
    for column, limit in TEXT_LIMITS.items():
        if len(values.get(column, "")) > limit:
            problems.add(
                _("%(file)s, line %(line)d: %(column)s is longer than %(limit)d characters.")
                % {**where, "column": column, "limit": limit}
            )
    for column in NUMBER_COLUMNS:
        text = values.get(column, "")
        if text and not text.isdigit():
            problems.add(
                _("%(file)s, line %(line)d: %(column)s must be a whole number, not “%(value)s”.")
                % {**where, "column": column, "value": text}
            )
    values["line"] = line
    return values


def _number(text: str | None) -> int | None:
    return int(text) if text else None


def _tree_build(country: dict, rows: list[dict], problems: _Problems) -> list[UnitRow]:
    """Rows with their depth and path, parents first; unknown parents and cycles named."""
    country_code = str(country["code"]).strip()
    by_code = {row["code"]: row for row in rows}
    parent_of = {row["code"]: row["parent_code"] or country_code for row in rows}
    units = [
        UnitRow(
            code=country_code,
            parent_code="",
            level=UnitLevel.COUNTRY,
            depth=0,
            path=f"/{country_code}/",
            name_en=str(country.get("name_en") or ""),
            name_ru=str(country.get("name_ru") or ""),
            name_ky=str(country.get("name_ky") or ""),
            population=country.get("population"),
            population_year=country.get("population_year"),
            source=str(country.get("source") or ""),
            notes=str(country.get("notes") or ""),
            origin=COUNTRY_FILE,
        )
    ]
    chains: dict[str, list[str]] = {}
    for row in rows:
        chain = _ancestry(row["code"], parent_of, country_code)
        where = {"file": UNITS_FILE, "line": row["line"], "code": row["code"]}
        if chain is None:
            problems.add(
                _("%(file)s, line %(line)d: the unit %(code)s is its own ancestor.") % where
            )
        elif chain[0] != country_code:
            problems.add(
                _("%(file)s, line %(line)d: the parent %(parent)s is not in the file.")
                % {**where, "parent": chain[0]}
            )
        else:
            chains[row["code"]] = chain
    for code, chain in chains.items():
        row = by_code[code]
        path = "/" + "/".join(chain) + "/"
        if len(path) > 500:
            problems.add(
                _("%(file)s, line %(line)d: the unit %(code)s lies too deep in the tree.")
                % {"file": UNITS_FILE, "line": row["line"], "code": code}
            )
        units.append(
            UnitRow(
                code=code,
                parent_code=parent_of[code],
                level=row["level"],
                depth=len(chain) - 1,
                path=path,
                name_en=row["name_en"],
                name_ru=row["name_ru"],
                name_ky=row["name_ky"],
                unit_type=row.get("unit_type", ""),
                iso_3166_2=row.get("iso_3166_2", ""),
                cod_pcode=row.get("cod_pcode", ""),
                population=_number(row.get("population")),
                population_year=_number(row.get("population_year")),
                source=row.get("source", ""),
                notes=row.get("notes", ""),
                origin=f"{UNITS_FILE}, line {row['line']}",
            )
        )
    # Stable within a depth: the file's own order.
    units.sort(key=lambda unit: unit.depth)
    return units


def _ancestry(code: str, parent_of: dict[str, str], root: str) -> list[str] | None:
    """[root, ..., code]; starts with a code that is not the root when a parent is unknown;
    None for a cycle."""
    chain = [code]
    seen = {code}
    while chain[0] != root:
        parent = parent_of.get(chain[0])
        if parent is None:
            return chain  # chain[0] is a parent nobody defines
        if parent in seen:
            return None
        seen.add(parent)
        chain.insert(0, parent)
    return chain


def _features(path: Path, problems: _Problems) -> Iterator[tuple[int, dict]]:
    try:
        collection = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        problems.add(_("%(file)s cannot be read: %(error)s") % {"file": path.name, "error": error})
        return
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        problems.add(_("%(file)s is not a GeoJSON FeatureCollection.") % {"file": path.name})
        return
    yield from enumerate(collection.get("features") or [], start=1)


def _boundaries_read(paths: list[Path], known: set[str], problems: _Problems) -> list:
    boundaries: dict[str, BoundaryShape] = {}
    for path in paths:
        first_in_file: dict[str, int] = {}
        for number, feature in _features(path, problems):
            boundary = _boundary_check(path.name, number, feature, known, problems)
            if boundary is None:
                continue
            where = {"file": path.name, "number": number, "code": boundary.code}
            if boundary.code in first_in_file:
                problems.add(
                    _(
                        "%(file)s, feature %(number)d: the unit %(code)s is already"
                        " feature %(first)d."
                    )
                    % {**where, "first": first_in_file[boundary.code]}
                )
                continue
            first_in_file[boundary.code] = number
            earlier = boundaries.get(boundary.code)
            if earlier is None:
                boundaries[boundary.code] = boundary
            elif not earlier.geometry.equals(boundary.geometry):
                # The same unit may sit in two files (a republican city is both a top-level
                # unit and a district-level one), but only with one outline.
                problems.add(
                    _(
                        "%(file)s, feature %(number)d: the unit %(code)s has another outline"
                        " in %(other)s."
                    )
                    % {**where, "other": earlier.origin}
                )
    return list(boundaries.values())


def _boundary_check(
    file: str, number: int, feature, known: set[str], problems: _Problems
) -> BoundaryShape | None:
    properties = feature.get("properties") if isinstance(feature, dict) else None
    code = str((properties or {}).get("code") or "").strip()
    where = {"file": file, "number": number, "code": code}
    if not code:
        problems.add(_("%(file)s, feature %(number)d: properties.code is missing.") % where)
        return None
    if code not in known:
        problems.add(
            _("%(file)s, feature %(number)d: the unit %(code)s is not in %(units)s.")
            % {**where, "units": UNITS_FILE}
        )
        return None
    geojson = feature.get("geometry")
    if not isinstance(geojson, dict) or geojson.get("type") not in POLYGONAL:
        problems.add(
            _("%(file)s, feature %(number)d (%(code)s): the geometry is not a polygon.") % where
        )
        return None
    try:
        geometry = shape(geojson)
    except (
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        AttributeError,
        shapely.errors.ShapelyError,
    ) as error:
        problems.add(
            _("%(file)s, feature %(number)d (%(code)s): the geometry cannot be read: %(error)s")
            % {**where, "error": error}
        )
        return None
    reason = _geometry_fault(geometry)
    if reason:
        problems.add(
            _("%(file)s, feature %(number)d (%(code)s): the geometry is not valid: %(reason)s")
            % {**where, "reason": reason}
        )
        return None
    return BoundaryShape(
        code=code,
        geometry=geometry,
        geojson=geojson,
        source=str(properties.get("geometry_source") or properties.get("source") or ""),
        origin=f"{file}, feature {number}",
    )


def _geometry_fault(geometry: BaseGeometry) -> str:
    if geometry.is_empty:
        return _("it is empty")
    min_lon, min_lat, max_lon, max_lat = geometry.bounds
    if not all(math.isfinite(v) for v in geometry.bounds):
        return _("a coordinate is not a number")
    if min_lon < -180 or max_lon > 180 or min_lat < -90 or max_lat > 90:
        return _("coordinates lie outside longitude -180…180 or latitude -90…90")
    if not geometry.is_valid:
        return shapely.is_valid_reason(geometry)
    return ""


def _country_boundary(
    units: list[UnitRow], boundaries: list[BoundaryShape], problems: _Problems
) -> BoundaryShape | None:
    """The country's outline as the union of its top-level units' outlines, so that it has
    exactly their holes (lakes, enclaves) and nothing of its own to disagree with them."""
    country = units[0]
    top = {unit.code for unit in units if unit.parent_code == country.code}
    parts = [b for b in boundaries if b.code in top]
    if not parts or any(b.code == country.code for b in boundaries):
        return None
    union = shapely.union_all([b.geometry for b in parts])
    if union.geom_type not in POLYGONAL or not union.is_valid:
        problems.add(
            _("The union of the top-level units' boundaries is not a valid polygon: %(reason)s")
            % {"reason": shapely.is_valid_reason(union)}
        )
        return None
    sources = sorted({b.source for b in parts if b.source})
    return BoundaryShape(
        code=country.code,
        geometry=union,
        geojson=json.loads(shapely.to_geojson(union)),
        source="; ".join(["union of the top-level units' boundaries", *sources]),
        origin="union of the top-level units' boundaries",
    )
