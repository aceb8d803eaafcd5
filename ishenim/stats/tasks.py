"""Background tasks of the statistics, thin and named after what they call.

Task names are module paths (ishenim.stats.tasks.stats_import_run); the `stats_` prefix keeps
them apart from other apps' imports in the worker's logs and task table.
"""

from datetime import timedelta

from django_tasks import task

from ishenim.core.schedule import periodic
from ishenim.stats.services.importing_uploads import import_run_execute, imports_abandoned_fail


@task()
def stats_import_run(import_run_id: int, language: str = "") -> dict | None:
    """Run the queued import `import_run_id` (a file uploaded on the import page); its
    progress is committed on the ImportRun as it goes, which the import page shows.
    `language`: the uploader's, in which a failure is written."""
    run = import_run_execute(import_run_id=import_run_id, language=language)
    if run is None:
        return None
    return {
        "status": run.status,
        "rows_read": run.rows_read,
        "rows_imported": run.rows_imported,
        "rows_duplicate": run.rows_duplicate,
        "rows_rejected": run.rows_rejected,
    }


@task()
def stats_open_data_build(build_id: int) -> dict | None:
    """Build the open data files of build `build_id` (services/open_data_files.py); its
    progress is committed on the OpenDataBuild as it goes, which the open data page shows."""
    from ishenim.stats.services.open_data_files import open_build_run

    build = open_build_run(build_id=build_id)
    if build is None:
        return None
    return {"status": build.status, "rows_done": build.rows_done, "rows_total": build.rows_total}


@periodic("stats_imports_abandoned_fail", every=timedelta(minutes=10))
@task()
def stats_imports_abandoned_fail() -> dict:
    """Imports left "running" by a worker that stopped mid-file: failed, so they can be
    tried again (services.importing_uploads.imports_abandoned_fail)."""
    return {"failed": imports_abandoned_fail()}
