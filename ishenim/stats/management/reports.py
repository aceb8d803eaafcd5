"""What the import commands print when a file is done."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ishenim.stats.enums import ImportStatus
from ishenim.stats.models import ImportRun

SHOWN_ERRORS = 20


def import_report(run: ImportRun, *, stdout, stderr, all_errors: bool = False) -> None:
    """The file's counts on standard output; its rejected rows and failure on standard error
    (the first SHOWN_ERRORS unless all_errors)."""
    if run.status == ImportStatus.FAILED:
        stderr.write(
            _("%(file)s: not imported: %(reason)s") % {"file": run.file_name, "reason": run.failure}
        )
    stdout.write(
        _(
            "%(file)s: %(read)d rows read, %(imported)d imported, %(duplicate)d already there,"
            " %(rejected)d rejected."
        )
        % {
            "file": run.file_name,
            "read": run.rows_read,
            "imported": run.rows_imported,
            "duplicate": run.rows_duplicate,
            "rejected": run.rows_rejected,
        }
    )
    errors = run.error_list()
    shown = errors if all_errors else errors[:SHOWN_ERRORS]
    for error in shown:
        stderr.write(
            _("%(file)s, line %(line)d: %(reason)s")
            % {"file": run.file_name, "line": error["line"], "reason": error["reason"]}
        )
    hidden = len(errors) - len(shown)
    if hidden:
        stderr.write(
            ngettext(
                "… and %(count)d more; --all-errors lists them all.",
                "… and %(count)d more; --all-errors lists them all.",
                hidden,
            )
            % {"count": hidden}
        )
