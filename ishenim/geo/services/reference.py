"""Loading a reference folder into the unit tree and its boundaries."""

from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ishenim.geo import selectors as geo_selectors
from ishenim.geo import timeline
from ishenim.geo.models import AdminUnit, Boundary
from ishenim.geo.reference_folder import (
    BoundaryShape,
    ReferenceFolder,
    UnitRow,
    reference_folder_read,
)

UNIT_FIELDS = (
    "name_en",
    "name_ru",
    "name_ky",
    "level",
    "unit_type",
    "iso_3166_2",
    "cod_pcode",
    "population",
    "population_year",
    "source",
    "notes",
    "path",
    "depth",
)


@dataclass(frozen=True)
class ReferenceLoadSummary:
    units_created: int = 0
    units_updated: int = 0
    units_unchanged: int = 0
    boundaries_created: int = 0
    boundaries_updated: int = 0
    boundaries_unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(
            self.units_created
            + self.units_updated
            + self.boundaries_created
            + self.boundaries_updated
        )

    def __str__(self) -> str:
        return _(
            "Units: %(units_created)d created, %(units_updated)d updated, %(units_unchanged)d"
            " unchanged. Boundaries: %(boundaries_created)d created, %(boundaries_updated)d"
            " updated, %(boundaries_unchanged)d unchanged."
        ) % asdict(self)


@transaction.atomic
def reference_load(*, directory: Path | None = None, actor=None) -> ReferenceLoadSummary:
    """Bring the units and boundaries in line with the reference folder (by default
    settings.ISHENIM_REFERENCE_DIR).

    Idempotent: a second run changes nothing and writes no audit entry. A changed row updates
    its unit in place, so records that point at it stay valid; units that are no longer in
    the folder are left alone (records may point at them). The folder is read and checked
    whole before anything is written, and the writes are one transaction: a bad row
    (ValidationError naming its file and line) leaves the database as it was.
    """
    folder = reference_folder_read(Path(directory or settings.ISHENIM_REFERENCE_DIR))
    units, unit_counts, moved = _units_write(folder)
    boundary_counts = _boundaries_write(folder, units, moved)
    summary = ReferenceLoadSummary(*unit_counts, *boundary_counts)
    if summary.changed:
        timeline.reference_loaded(
            country_code=folder.country.code,
            folder_name=folder.directory.name,
            counts=asdict(summary),
            actor=actor,
        )
        transaction.on_commit(geo_selectors.locator_reset)
    return summary


def _unit_values(row: UnitRow) -> dict:
    return {name: getattr(row, name) for name in UNIT_FIELDS}


def _units_write(folder: ReferenceFolder) -> tuple[dict[str, AdminUnit], tuple, set[str]]:
    """The units by code after the write, the counts, and the codes whose depth changed."""
    existing = {unit.code: unit for unit in AdminUnit.objects.all()}
    created = updated = unchanged = 0
    moved: set[str] = set()
    units: dict[str, AdminUnit] = {}
    # Parents come before their children in folder.units, so each parent is saved first.
    for row in folder.units:
        parent = units.get(row.parent_code) if row.parent_code else None
        values = _unit_values(row)
        unit = existing.get(row.code)
        if unit is None:
            unit = AdminUnit(code=row.code, parent=parent, **values)
            _unit_save(unit, row)
            created += 1
        elif unit.parent_id != (parent.pk if parent else None) or any(
            getattr(unit, name) != value for name, value in values.items()
        ):
            if unit.depth != row.depth:
                moved.add(row.code)
            unit.parent = parent
            for name, value in values.items():
                setattr(unit, name, value)
            _unit_save(unit, row)
            updated += 1
        else:
            unchanged += 1
        units[row.code] = unit
    return units, (created, updated, unchanged), moved


def _unit_save(unit: AdminUnit, row: UnitRow) -> None:
    try:
        unit.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise ValidationError(
            [
                _("%(origin)s: %(field)s: %(message)s")
                % {"origin": row.origin, "field": field, "message": message}
                for field, messages in error.message_dict.items()
                for message in messages
            ]
        ) from None
    unit.save()


def _boundaries_write(
    folder: ReferenceFolder, units: dict[str, AdminUnit], moved: set[str]
) -> tuple[int, int, int]:
    existing = {b.unit_id: b for b in Boundary.objects.filter(unit__in=units.values())}
    created = updated = unchanged = 0
    for shape in folder.boundaries:
        unit = units[shape.code]
        values = _boundary_values(shape)
        boundary = existing.get(unit.pk)
        if boundary is None:
            Boundary.objects.create(unit=unit, **values)
            created += 1
        elif shape.code in moved or any(
            getattr(boundary, name) != value for name, value in values.items()
        ):
            # A unit that moved in the tree keeps its outline but not its depth: saving the
            # boundary tells every process's Locator to rebuild (see locator_current).
            for name, value in values.items():
                setattr(boundary, name, value)
            boundary.save()
            updated += 1
        else:
            unchanged += 1
    return created, updated, unchanged


def _boundary_values(shape: BoundaryShape) -> dict:
    min_lon, min_lat, max_lon, max_lat = shape.geometry.bounds
    return {
        "geometry": shape.geojson,
        "min_lon": min_lon,
        "min_lat": min_lat,
        "max_lon": max_lon,
        "max_lat": max_lat,
        "source": shape.source,
    }
