"""Writes of the statistics, split by aggregate: datasets, areas, record imports (police.uk
and generic CSV, sharing services/importing.py), rollups, reference categories, exports."""

from ishenim.stats.services.areas import areas_import
from ishenim.stats.services.csvfiles import CsvMapping, MappingError, csv_import, csv_mapping_read
from ishenim.stats.services.datasets import (
    UNCHANGED,
    dataset_create,
    dataset_delete,
    dataset_ensure,
    dataset_recategorise,
    dataset_update,
)
from ishenim.stats.services.importing import ImportFileError, row_digest
from ishenim.stats.services.policeuk import POLICE_UK_MAPPING, policeuk_import
from ishenim.stats.services.rollups import rollups_refresh

__all__ = [
    "POLICE_UK_MAPPING",
    "UNCHANGED",
    "CsvMapping",
    "ImportFileError",
    "MappingError",
    "areas_import",
    "csv_import",
    "csv_mapping_read",
    "dataset_create",
    "dataset_delete",
    "dataset_ensure",
    "dataset_recategorise",
    "dataset_update",
    "policeuk_import",
    "rollups_refresh",
    "row_digest",
]
