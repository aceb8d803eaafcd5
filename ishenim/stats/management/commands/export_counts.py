from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ishenim.stats import selectors
from ishenim.stats.exports import COUNT_FORMATS, counts_export
from ishenim.stats.models import Dataset
from ishenim.stats.periods import Period


class Command(BaseCommand):
    help = (
        "Write a dataset's counts, one row per combination of the --by keys (area, unit,"
        " category, source_category, month), with the rate per 100,000 where the population is"
        " known, as CSV, XLSX or JSON, to standard output unless --output names a file."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dataset", required=True, help="the dataset's short name")
        parser.add_argument(
            "--by", default="area,category,month", help="comma-separated keys to count by"
        )
        parser.add_argument("--format", choices=COUNT_FORMATS, default="csv")
        parser.add_argument("--output", type=Path, help="the file to write (XLSX needs one)")
        parser.add_argument("--period", default="", help="2018-07, 2022 or 2022-01..2022-06")

    def handle(self, *args, dataset, by, format, output, period, **options):
        if format == "xlsx" and output is None:
            raise CommandError(_("An XLSX workbook is not text: name a file with --output."))
        try:
            target = selectors.dataset_get(dataset)
        except Dataset.DoesNotExist:
            raise CommandError(
                _("There is no dataset named %(name)s.") % {"name": dataset}
            ) from None
        keys = [key.strip() for key in by.split(",") if key.strip()]
        try:
            selectors.count_keys(keys)
            chosen = Period.parse(period) if period else None
        except ValueError as error:
            raise CommandError(str(error)) from None
        try:
            if output is not None:
                rows = self._to_file(target, keys, format, output, chosen)
            else:
                sink = self._binary_stdout()
                rows = counts_export(
                    dataset=target, by=keys, export_format=format, output=sink, period=chosen
                )
                sink.flush()
        except ValueError as error:
            raise CommandError(str(error)) from None
        if output is not None:
            self.stderr.write(
                _("%(rows)d rows written to %(file)s.") % {"rows": rows, "file": output}
            )

    def _to_file(self, dataset, keys, export_format, output: Path, period) -> int:
        """Streamed into the file; a file left half-written by an error is removed."""
        try:
            with open(output, "wb") as handle:
                return counts_export(
                    dataset=dataset,
                    by=keys,
                    export_format=export_format,
                    output=handle,
                    period=period,
                )
        except BaseException:
            output.unlink(missing_ok=True)
            raise

    def _binary_stdout(self):
        """Standard output as bytes: the real one's buffer, or (a test's StringIO) text."""
        self.stdout.flush()
        buffer = getattr(self.stdout._out, "buffer", None)
        if buffer is not None:
            return buffer
        return _TextSink(self.stdout)


class _TextSink:
    """A binary file over a text stream (the rows are UTF-8)."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, data: bytes) -> int:
        self.stream.write(data.decode("utf-8"), ending="")
        return len(data)

    def flush(self) -> None:
        self.stream.flush()
