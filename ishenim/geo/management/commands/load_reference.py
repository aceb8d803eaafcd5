from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ishenim.geo import selectors as geo_selectors
from ishenim.geo.services import reference_load


class Command(BaseCommand):
    help = (
        "Load the administrative units and their boundaries from the reference data folder"
        " (settings.ISHENIM_REFERENCE_DIR). Safe to run again: only what changed is written."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--directory",
            type=Path,
            default=None,
            help="read this folder instead of ISHENIM_REFERENCE_DIR",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing when units are already loaded (what `make run` uses)",
        )

    def handle(self, *args, directory, if_empty, **options):
        if if_empty and geo_selectors.unit_root() is not None:
            self.stdout.write(_("Reference data: units are already loaded; left as they are."))
            return
        try:
            summary = reference_load(directory=directory)
        except ValidationError as error:
            raise CommandError("\n".join(error.messages)) from None
        self.stdout.write(self.style.SUCCESS(str(summary)))
