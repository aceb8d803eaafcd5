from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ishenim.appeals.services.register_import import (
    register_import_commit,
    register_import_preview,
    register_organisations_for,
)
from ishenim.orgs import selectors as orgs_selectors


class Command(BaseCommand):
    help = (
        "Import a paper register of appeals from a CSV file (docs/appeals-register-import.md)"
        " as the person who keeps it: the valid rows become registered appeals, rows imported"
        " before are skipped, rows with problems are listed with their line and left out."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="the CSV file")
        parser.add_argument(
            "--as",
            dest="login",
            required=True,
            help="email or phone of the account importing (its policy applies)",
        )
        parser.add_argument(
            "--organisation",
            type=int,
            help="id of the organisation whose register it is (when the account has several)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check every row and report; write nothing"
        )

    def handle(self, *args, file, login, organisation, dry_run, **options):
        if not file.is_file():
            raise CommandError(_("%(file)s is not a file.") % {"file": file})
        actor = orgs_selectors.account_for_login(login)
        if actor is None or not actor.is_active:
            raise CommandError(_("There is no active account %(login)s.") % {"login": login})
        chosen = None
        if organisation is not None:
            chosen = next(
                (o for o in register_organisations_for(actor) if o.pk == organisation), None
            )
            if chosen is None:
                raise CommandError(
                    _("%(login)s may not import the register of organisation %(id)d.")
                    % {"login": login, "id": organisation}
                )
        service = register_import_preview if dry_run else register_import_commit
        try:
            outcome = service(content=file.read_bytes(), actor=actor, organisation=chosen)
        except (ValidationError, PermissionDenied) as error:
            messages = error.messages if isinstance(error, ValidationError) else [str(error)]
            raise CommandError(" ".join(messages)) from None
        if dry_run:
            counts = outcome.counts
            rejected = outcome.rejected_rows
            self.stdout.write(
                ngettext(
                    "%(rows)d row: %(ok)d ready, %(rejected)d with problems, %(imported)d"
                    " imported before.",
                    "%(rows)d rows: %(ok)d ready, %(rejected)d with problems, %(imported)d"
                    " imported before.",
                    counts["rows"],
                )
                % counts
            )
        else:
            rejected = outcome.rejected
            created = len(outcome.created)
            self.stdout.write(
                self.style.SUCCESS(
                    ngettext("%(count)d appeal imported.", "%(count)d appeals imported.", created)
                    % {"count": created}
                )
            )
            if outcome.already:
                self.stdout.write(
                    ngettext(
                        "%(count)d row was imported before.",
                        "%(count)d rows were imported before.",
                        outcome.already,
                    )
                    % {"count": outcome.already}
                )
        for row in rejected:
            for problem in row.problems:
                where = f"{problem.column}: " if problem.column else ""
                self.stderr.write(
                    _("line %(line)d: %(problem)s")
                    % {"line": problem.line, "problem": where + problem.message}
                )
