from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ishenim.stats.enums import ImportStatus
from ishenim.stats.management.progress import ProgressBar
from ishenim.stats.management.reports import import_report
from ishenim.stats.services import dataset_ensure, policeuk_import

OPEN_GOVERNMENT_LICENCE = "Open Government Licence v3.0"


class Command(BaseCommand):
    help = (
        "Import police.uk street-level crime files (CSV, one month of one force each) into a"
        " dataset, made if it does not exist yet. Rows already imported are skipped; bad rows"
        " are reported with their line numbers and the good ones imported."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path, help="police.uk street CSV files")
        parser.add_argument("--dataset", required=True, help="the dataset's short name")
        parser.add_argument(
            "--population",
            type=Path,
            help="CSV of the areas' populations (lsoa_code, lsoa_name, population)",
        )
        parser.add_argument("--population-year", type=int, help="the year they were counted")
        parser.add_argument("--title", default="", help="title of a new dataset")
        parser.add_argument("--licence", default=OPEN_GOVERNMENT_LICENCE)
        parser.add_argument("--source", default="data.police.uk")
        parser.add_argument("--area-scheme", default="LSOA 2011", help="what the LSOA codes are")
        parser.add_argument(
            "--all-errors", action="store_true", help="list every rejected row, not the first 20"
        )

    def handle(self, *args, files, dataset, population, population_year, **options):
        for path in [*files, *([population] if population else [])]:
            if not path.is_file():
                raise CommandError(_("%(file)s is not a file.") % {"file": path})
        target, created = dataset_ensure(
            name=dataset,
            actor=None,
            title=options["title"] or dataset,
            country_code="GB",
            source=options["source"],
            licence=options["licence"],
            area_scheme=options["area_scheme"],
            category_scheme="police.uk",
        )
        if created:
            self.stdout.write(_("Dataset %(name)s created.") % {"name": target.name})
        labels = [path.name for path in ([population] if population else []) + list(files)]
        progress = ProgressBar(self.stderr, labels)
        runs = policeuk_import(
            dataset=target,
            files=files,
            population_csv=population,
            population_year=population_year,
            actor=None,
            progress=progress,
        )
        progress.close()
        for run in runs:
            import_report(
                run, stdout=self.stdout, stderr=self.stderr, all_errors=options["all_errors"]
            )
        failed = [run.file_name for run in runs if run.status == ImportStatus.FAILED]
        if failed:
            raise CommandError(_("Not imported: %(files)s.") % {"files": ", ".join(failed)})
