"""Writes of the geography (and place resolution, which every located record goes through).

Split by aggregate: reference (the unit tree and its boundaries), places, settlements.
"""

from ishenim.geo.services.places import Place, place_apply, place_resolve
from ishenim.geo.services.reference import ReferenceLoadSummary, reference_load
from ishenim.geo.services.settlements import (
    UNCHANGED,
    ImportResult,
    RowError,
    settlement_create,
    settlement_import_csv,
    settlement_update,
)

__all__ = [
    "UNCHANGED",
    "ImportResult",
    "Place",
    "ReferenceLoadSummary",
    "RowError",
    "place_apply",
    "place_resolve",
    "reference_load",
    "settlement_create",
    "settlement_import_csv",
    "settlement_update",
]
