from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ishenim.geo.models import AdminUnit
from ishenim.stats.enums import ImportStatus
from ishenim.stats.management.progress import ProgressBar
from ishenim.stats.management.reports import import_report
from ishenim.stats.services import MappingError, csv_import, csv_mapping_read, dataset_ensure


class Command(BaseCommand):
    help = (
        "Import crime records from a CSV file whose columns a TOML mapping names (see"
        " docs/csv-import.md) into a dataset, made if it does not exist yet. Rows already"
        " imported are skipped; bad rows are reported with their line numbers and the good"
        " ones imported."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="the CSV file")
        parser.add_argument("--dataset", required=True, help="the dataset's short name")
        parser.add_argument("--mapping", required=True, type=Path, help="the TOML mapping")
        parser.add_argument("--title", default="", help="title of a new dataset")
        parser.add_argument("--licence", default="")
        parser.add_argument("--source", default="")
        parser.add_argument(
            "--country",
            default=settings.ISHENIM_COUNTRY,
            help="ISO 3166-1 code of the country the data is from (default: this platform's)",
        )
        parser.add_argument("--area-scheme", default="", help="what the area codes are")
        parser.add_argument(
            "--covers", default="", help="code of the administrative unit a new dataset covers"
        )
        parser.add_argument(
            "--all-errors", action="store_true", help="list every rejected row, not the first 20"
        )

    def handle(self, *args, file, dataset, mapping, **options):
        for path in (file, mapping):
            if not path.is_file():
                raise CommandError(_("%(file)s is not a file.") % {"file": path})
        try:
            columns = csv_mapping_read(mapping)
        except MappingError as error:
            raise CommandError(str(error)) from None
        unit = None
        if options["covers"]:
            unit = AdminUnit.objects.filter(code=options["covers"]).first()
            if unit is None:
                raise CommandError(
                    _("There is no unit with the code %(code)s.") % {"code": options["covers"]}
                )
        target, created = dataset_ensure(
            name=dataset,
            actor=None,
            title=options["title"] or dataset,
            country_code=options["country"],
            source=options["source"],
            licence=options["licence"],
            area_scheme=options["area_scheme"],
            unit=unit,
        )
        if created:
            self.stdout.write(_("Dataset %(name)s created.") % {"name": target.name})
        progress = ProgressBar(self.stderr, [file.name])
        try:
            run = csv_import(
                dataset=target, file=file, mapping=columns, actor=None, progress=progress
            )
        except MappingError as error:
            raise CommandError(str(error)) from None
        finally:
            progress.close()
        import_report(run, stdout=self.stdout, stderr=self.stderr, all_errors=options["all_errors"])
        if run.status == ImportStatus.FAILED:
            raise CommandError(_("Not imported: %(files)s.") % {"files": run.file_name})
