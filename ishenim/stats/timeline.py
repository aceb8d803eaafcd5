"""The history of the statistics' data, one function per event, called only by stats' services.
Each writes its audit entry inside the service's transaction.

An import is one entry with its counts, not one per row: the file (named by its SHA-256) is
the record, and a month of police.uk data would otherwise add 30,000 entries to the log.
"""

from ishenim.core.audit import audit_record
from ishenim.stats.models import Dataset, ImportRun, OpenDataBuild


def _import_changes(run: ImportRun) -> dict:
    return {
        "dataset": run.dataset.name,
        "kind": run.kind,
        "file": run.file_name,
        "sha256": run.file_sha256,
        "status": run.status,
        "rows_read": run.rows_read,
        "rows_imported": run.rows_imported,
        "rows_duplicate": run.rows_duplicate,
        "rows_rejected": run.rows_rejected,
    }


def import_finished(*, run: ImportRun, actor) -> None:
    audit_record(
        action="stats_import_finished", actor=actor, record=run, changes=_import_changes(run)
    )


def import_failed(*, run: ImportRun, actor) -> None:
    audit_record(
        action="stats_import_failed",
        actor=actor,
        record=run,
        changes={**_import_changes(run), "failure": run.failure},
    )


def import_queued(*, run: ImportRun, actor) -> None:
    """A file uploaded on the import page (or a failed import tried again), waiting for the
    task worker: who asked for it, which file, and which run it retries."""
    audit_record(
        action="stats_import_queued",
        actor=actor,
        record=run,
        changes={
            "dataset": run.dataset.name,
            "kind": run.kind,
            "file": run.file_name,
            "retry_of": run.retry_of_id,
        },
    )


def dataset_created(*, dataset: Dataset, values: dict, actor) -> None:
    audit_record(action="dataset_created", actor=actor, record=dataset, changes=values)


def dataset_updated(*, dataset: Dataset, changes: dict, actor) -> None:
    audit_record(action="dataset_updated", actor=actor, record=dataset, changes=changes)


def dataset_deleted(*, dataset: Dataset, values: dict, actor) -> None:
    audit_record(action="dataset_deleted", actor=actor, record=dataset, changes=values)


def dataset_recategorised(*, dataset: Dataset, counts: dict, actor) -> None:
    audit_record(action="dataset_recategorised", actor=actor, record=dataset, changes=counts)


def open_data_build_queued(*, build: OpenDataBuild, actor) -> None:
    """A public dataset's open data files to be built again: asked for by a person ("Build
    again"), or by the platform after an import or when the dataset became public."""
    audit_record(
        action="stats_open_data_build_queued",
        actor=actor,
        record=build,
        changes={"dataset": build.dataset.name},
    )
