from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.http import Http404
from django.utils.translation import gettext as _

from ishenim.stats.access import access_open_dataset
from ishenim.stats.management.progress import ProgressBar
from ishenim.stats.services.open_data_files import (
    OPEN_FORMATS,
    OPEN_WHATS,
    open_file_for,
    open_file_text,
    open_rows_total,
)


class Command(BaseCommand):
    help = (
        "Write a public dataset's open data — its anonymised records (police.uk CSV, GeoJSON,"
        " HXL-tagged CSV) or its counts with small ones suppressed (CSV, GeoJSON, HXL) — to"
        " standard output unless --output names a file; progress on standard error. A dataset"
        " that is not public is refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dataset", required=True, help="the dataset's short name")
        parser.add_argument("--what", choices=OPEN_WHATS, default="records")
        parser.add_argument("--format", choices=OPEN_FORMATS, default="csv")
        parser.add_argument("--output", type=Path, help="the file to write")

    def handle(self, *args, dataset, what, format, output, **options):
        try:
            target = access_open_dataset(dataset)
        except Http404:
            raise CommandError(
                _("%(name)s is not a public dataset: only public datasets are published.")
                % {"name": dataset}
            ) from None
        open_file = open_file_for(what, format)
        total = open_rows_total(target, what)
        bar = ProgressBar(self.stderr, [open_file.filename(target)])
        bar(0, total)

        def progress(done: int) -> None:
            bar(done, total)

        text = open_file_text(target, open_file, progress=progress)
        if output is None:
            self._to_stdout(text)
        else:
            self._to_file(text, output)
        bar.close()
        if output is not None:
            self.stderr.write(
                _("%(rows)d rows written to %(file)s.") % {"rows": total, "file": output}
            )

    def _to_stdout(self, text) -> None:
        # In blocks: one write per row would cost more than writing the row.
        block: list[str] = []
        for part in text:
            block.append(part)
            if len(block) >= 1000:
                self.stdout.write("".join(block), ending="")
                block.clear()
        self.stdout.write("".join(block), ending="")
        self.stdout.flush()

    def _to_file(self, text, output: Path) -> None:
        """Streamed into the file; a file left half-written by an error is removed."""
        try:
            with open(output, "w", encoding="utf-8", newline="") as handle:
                for part in text:
                    handle.write(part)
        except BaseException:
            output.unlink(missing_ok=True)
            raise
