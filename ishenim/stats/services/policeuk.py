"""police.uk street-level crime files (data.police.uk, "street" CSV), one month of one force
per file:

    Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,
    Crime type,Last outcome category,Context

Areas are the LSOAs (Lower Layer Super Output Areas) the file names; crime types go to ICCS
through the police.uk mapping shipped in stats/reference (or the dataset's own mappings).
Rows without coordinates (police.uk publishes some, "No Location") are imported without a
place and without an area, not refused. "Reported by" and "Falls within" name the force,
which the dataset already says, and are not kept per row.
"""

from pathlib import Path

from ishenim.stats.enums import ImportKind
from ishenim.stats.models import Dataset, ImportRun
from ishenim.stats.services.areas import areas_import
from ishenim.stats.services.csvfiles import CsvMapping, file_import
from ishenim.stats.services.datasets import dataset_authorise_import
from ishenim.stats.services.importing import Progress

POLICE_UK_COLUMNS = (
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
)

POLICE_UK_MAPPING = CsvMapping(
    columns={
        "id": "Crime ID",
        "month": "Month",
        "longitude": "Longitude",
        "latitude": "Latitude",
        "location": "Location",
        "area_code": "LSOA code",
        "area_name": "LSOA name",
        "category": "Crime type",
        "outcome": "Last outcome category",
        "context": "Context",
    },
    month_format="%Y-%m",
    # Without month, place and crime type a row means nothing; a trimmed file may lack the rest.
    optional=frozenset({"id", "location", "area_code", "area_name", "outcome", "context"}),
)


def policeuk_import(
    *,
    dataset: Dataset,
    files: list[Path | str],
    population_csv: Path | str | None = None,
    population_year: int | None = None,
    actor,
    progress: Progress | None = None,
) -> list[ImportRun]:
    """Import police.uk street-level files into `dataset`, after its areas' populations when
    `population_csv` is given (services.areas_import). One ImportRun per file, in order;
    `progress(done, total)` is called with done=0 when each file starts and after each batch.
    A file that cannot be read fails alone: the others' runs stand."""
    dataset_authorise_import(dataset, actor)
    runs = []
    if population_csv is not None:
        runs.append(
            areas_import(
                dataset=dataset,
                file=population_csv,
                population_year=population_year,
                actor=actor,
                progress=progress,
            )
        )
    for path in files:
        runs.append(
            file_import(
                dataset=dataset,
                path=Path(path),
                mapping=POLICE_UK_MAPPING,
                kind=ImportKind.POLICE_UK,
                actor=actor,
                progress=progress,
            )
        )
    return runs
