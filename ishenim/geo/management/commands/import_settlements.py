from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ishenim.geo.services import settlement_import_csv


class Command(BaseCommand):
    help = (
        "Add or update settlements (villages, towns, neighbourhoods) from a UTF-8 CSV file with"
        " the columns name_ky, name_ru, name_en, kind, latitude, longitude and, optionally,"
        " unit_code, population, source. All rows or none: any bad row stops the import."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="the CSV file")
        parser.add_argument(
            "--dry-run", action="store_true", help="check every row and report; write nothing"
        )

    def handle(self, *args, file, dry_run, **options):
        if not file.is_file():
            raise CommandError(_("%(file)s is not a file.") % {"file": file})
        result = settlement_import_csv(file=file, actor=None, dry_run=dry_run)
        if result.errors:
            for error in result.errors:
                self.stderr.write(str(error))
            count = len(result.errors)
            raise CommandError(
                ngettext(
                    "%(count)d row has problems; nothing was written.",
                    "%(count)d rows have problems; nothing was written.",
                    count,
                )
                % {"count": count}
            )
        self.stdout.write(self.style.SUCCESS(str(result)))
