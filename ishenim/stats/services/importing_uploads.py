"""Imports of files uploaded on a page: queued as an ImportRun, run by a background task.

    import_queue(...)       the page: store the file, create the run (queued), enqueue the task
    import_run_execute(...) the task (stats.tasks.stats_import_run): run the queued import
    import_retry(...)       the page: a failed import's file again, as a new queued run

Who may: importing into a dataset is changing it, which the dataset's policy scope makes
administration (Action.MANAGE, see stats/scopes.py), and creating one on the way is creating
a dataset (also MANAGE); both are asked of the person who uploads, when they upload and again
when the task runs (their roles may have changed in between). The task runs with the
uploader's permissions, never the platform's.

The uploaded file is kept in the default storage (ImportRun.upload): the task reads it there
(copied to a local temporary file, as the importers read files by path and the storage may be
remote), a retry reads it again, and it stays as the record of what was imported (its SHA-256
is in the run and the audit log). Deleting a dataset deletes its runs, not their files: old
uploads are removed by an administrator from the media folder.
"""

import contextlib
import logging
import shutil
import tempfile
import tomllib
from datetime import datetime, timedelta
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ishenim.stats import timeline
from ishenim.stats.enums import ImportKind, ImportStatus
from ishenim.stats.models import Dataset, ImportRun, OffenceCategory
from ishenim.stats.services.csvfiles import (
    CsvMapping,
    MappingError,
    csv_import,
    csv_mapping_read,
    file_import,
)
from ishenim.stats.services.datasets import dataset_authorise_import, dataset_create
from ishenim.stats.services.policeuk import POLICE_UK_MAPPING

logger = logging.getLogger(__name__)

# What a page may upload: a police.uk street file or a CSV with a column mapping.
UPLOAD_KINDS = (ImportKind.POLICE_UK, ImportKind.CSV)


def mapping_from_text(text: str) -> CsvMapping:
    """The column mapping of an upload, from the TOML text; MappingError says what is wrong,
    a [categories] code that names no offence category included: the importer would refuse
    it only when the task runs, and the person is still on the upload page now."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise MappingError(
            _("The mapping file is not valid TOML: %(error)s") % {"error": error}
        ) from None
    mapping = csv_mapping_read(document)
    codes = set(mapping.categories.values())
    unknown = sorted(
        codes - set(OffenceCategory.objects.filter(code__in=codes).values_list("code", flat=True))
    )
    if unknown:
        raise MappingError(
            _("[categories] names codes that are no offence category: %(codes)s.")
            % {"codes": ", ".join(unknown)}
        )
    return mapping


@transaction.atomic
def import_queue(
    *,
    kind: str,
    file: UploadedFile,
    actor,
    dataset: Dataset | None = None,
    new_dataset: dict | None = None,
    mapping: str = "",
) -> ImportRun:
    """Queue the import of an uploaded file into `dataset`, or into a dataset made now from
    `new_dataset` (services.dataset_create's arguments). `mapping`: the TOML text of a
    generic CSV's column mapping. PermissionDenied, ValidationError (a new dataset's values)
    or MappingError when it cannot be queued; nothing is stored then."""
    if kind not in UPLOAD_KINDS:
        raise ValueError(f"An upload is one of {UPLOAD_KINDS}, not {kind!r}.")
    if (dataset is None) == (new_dataset is None):
        raise ValueError("Give either a dataset or the values of a new one.")
    if kind == ImportKind.CSV:
        mapping_from_text(mapping)
    else:
        mapping = ""
    if dataset is None:
        dataset = dataset_create(actor=actor, **new_dataset)
    dataset_authorise_import(dataset, actor)
    run = ImportRun(
        dataset=dataset,
        kind=kind,
        file_name=Path(file.name).name[:300],
        status=ImportStatus.QUEUED,
        mapping=mapping,
        actor=actor,
    )
    run.upload.save(Path(file.name).name, file, save=False)
    try:
        run.save()
        timeline.import_queued(run=run, actor=actor)
        _enqueue(run)
    except BaseException:
        # Nothing is queued: the stored file must not stay behind either.
        with contextlib.suppress(OSError):
            run.upload.storage.delete(run.upload.name)
        raise
    return run


@transaction.atomic
def import_retry(*, run: ImportRun, actor) -> ImportRun:
    """Queue a failed import's uploaded file again, as a new run that names the failed one.
    Rows the failed run committed stay and count as already there."""
    # Permission first: whoever may not import learns nothing about the run's file.
    dataset_authorise_import(run.dataset, actor)
    refusal = import_retry_refusal(run)
    if refusal:
        raise ValueError(refusal)
    retry = ImportRun.objects.create(
        dataset=run.dataset,
        kind=run.kind,
        file_name=run.file_name,
        status=ImportStatus.QUEUED,
        upload=run.upload.name,
        mapping=run.mapping,
        retry_of=run,
        actor=actor,
    )
    timeline.import_queued(run=retry, actor=actor)
    _enqueue(retry)
    return retry


def import_retry_refusal(run: ImportRun) -> str:
    """Why `run` cannot be tried again, in the reader's language ("" when it can): only a
    failed import of an uploaded file whose file is still stored can."""
    if run.status != ImportStatus.FAILED or not run.upload:
        return _("Only a failed import of an uploaded file can be tried again.")
    if not run.upload.storage.exists(run.upload.name):
        return _("The uploaded file is no longer stored; upload it again.")
    return ""


def _enqueue(run: ImportRun) -> None:
    from ishenim.stats.tasks import stats_import_run

    # The failure of a whole file is stored as a sentence, written in the language of the
    # page it was uploaded (or retried) on, not in the worker's default one.
    language = translation.get_language() or ""
    # After the commit: the worker must find the run, and a rolled-back upload runs nothing.
    transaction.on_commit(lambda: stats_import_run.enqueue(run.pk, language))


def import_run_execute(*, import_run_id: int, language: str = "") -> ImportRun | None:
    """Run a queued import (the background task). Claimed first, so that a task delivered
    twice runs it once; an import that is not queued any more is left alone (None).

    Whatever breaks the import off leaves the run failed with the reason, in `language`
    (the worker's when empty): rows of batches committed before stay (importing
    the file again adds only the rest)."""
    now = timezone.now()
    claimed = ImportRun.objects.filter(pk=import_run_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, started_at=now, progressed_at=now
    )
    if not claimed:
        return None
    run = ImportRun.objects.select_related("dataset", "actor").get(pk=import_run_id)
    with translation.override(language) if language else contextlib.nullcontext():
        try:
            return _execute(run)
        except Exception as error:
            logger.exception("Import %s stopped", run.pk)
            _fail_if_running(run, _("The import stopped: %(error)s") % {"error": error})
            raise


def _execute(run: ImportRun) -> ImportRun:
    actor = run.actor
    if actor is None:
        return _fail_if_running(
            run, _("The account that uploaded the file no longer exists; upload it again.")
        )
    try:
        dataset_authorise_import(run.dataset, actor)
    except PermissionDenied:
        return _fail_if_running(
            run, _("The person who uploaded the file may no longer import into this dataset.")
        )
    with _local_copy(run) as path:
        if path is None:
            return _fail_if_running(run, _("The uploaded file is no longer stored."))
        if run.kind == ImportKind.CSV:
            try:
                return csv_import(
                    dataset=run.dataset,
                    file=path,
                    mapping=mapping_from_text(run.mapping),
                    actor=actor,
                    run=run,
                    file_name=run.file_name,
                )
            except MappingError as error:
                return _fail_if_running(run, str(error))
        return file_import(
            dataset=run.dataset,
            path=path,
            mapping=POLICE_UK_MAPPING,
            kind=ImportKind.POLICE_UK,
            actor=actor,
            progress=None,
            run=run,
            file_name=run.file_name,
        )


@contextlib.contextmanager
def _local_copy(run: ImportRun):
    """The upload as a local file for the importers, removed afterwards (None if gone)."""
    storage = run.upload.storage
    if not run.upload or not storage.exists(run.upload.name):
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="ishenim-import-") as folder:
        path = Path(folder) / "upload.csv"
        with storage.open(run.upload.name, "rb") as source, open(path, "wb") as target:
            shutil.copyfileobj(source, target, 1 << 20)
        yield path


def _fail_if_running(run: ImportRun, reason: str) -> ImportRun:
    """Mark the run failed with `reason` unless the importer already finished it."""
    with transaction.atomic():
        current = ImportRun.objects.select_for_update().get(pk=run.pk)
        if current.status in (ImportStatus.DONE, ImportStatus.FAILED):
            return current
        current.status = ImportStatus.FAILED
        current.failure = reason
        current.finished_at = timezone.now()
        current.save(update_fields=["status", "failure", "finished_at"])
        timeline.import_failed(run=current, actor=current.actor)
    return current


# A running import commits its progress at least every batch of 50,000 rows, within seconds:
# one silent this long has lost the worker (or the terminal) that ran it.
ABANDONED_AFTER = timedelta(minutes=30)


def imports_abandoned_fail(*, now: datetime | None = None) -> int:
    """Mark failed, with the reason, the imports still "running" that have committed no
    progress for ABANDONED_AFTER (their worker was stopped or killed mid-file): their page
    says so and a stored upload can be tried again. Rows committed before stay. Returns how
    many were failed."""
    cutoff = (now or timezone.now()) - ABANDONED_AFTER
    stale = ImportRun.objects.filter(status=ImportStatus.RUNNING).annotate(
        last_sign=Coalesce("progressed_at", "started_at")
    )
    failed = 0
    for run in stale.filter(last_sign__lt=cutoff).select_related("dataset", "actor"):
        reason = _(
            "The import stopped without finishing: the worker running it stopped. Rows"
            " committed before stay; try the file again."
        )
        if _fail_if_running(run, reason).status == ImportStatus.FAILED:
            failed += 1
    return failed
