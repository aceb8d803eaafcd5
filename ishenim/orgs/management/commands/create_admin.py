"""`ishenim createadmin`: the first account of a new installation, or a spare key."""

import getpass
import os
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from ishenim.orgs import selectors, services
from ishenim.orgs.enums import Role

PASSWORD_ENV = "ISHENIM_ADMIN_PASSWORD"  # noqa: S105  (the variable's name, not a password)


class Command(BaseCommand):
    help = (
        "Create a superuser who signs in with an email address or a phone number. The password"
        " is asked twice, or read from --password-file or the ISHENIM_ADMIN_PASSWORD"
        " environment variable (for automation). When a national organisation exists, the"
        " account also becomes one of its administrators."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", help="email address to sign in with")
        parser.add_argument("--phone", help="phone number to sign in with")
        parser.add_argument("--name", required=True, help="full name")
        parser.add_argument(
            "--password-file", type=Path, help="read the password from this file's first line"
        )

    def handle(self, *args, email=None, phone=None, name, password_file=None, **options):
        if not email and not phone:
            raise CommandError(_("Give --email or --phone (or both)."))
        password = self._password(password_file)
        try:
            with transaction.atomic():
                user = services.superuser_create(
                    full_name=name, email=email, phone=phone, password=password, actor=None
                )
                organisation = selectors.organisation_national_for_administrators()
                if organisation is not None:
                    services.membership_grant(
                        user=user, organisation=organisation, role=Role.ADMINISTRATOR, actor=None
                    )
        except (ValidationError, PermissionDenied) as error:
            messages = error.messages if isinstance(error, ValidationError) else [str(error)]
            raise CommandError(" ".join(messages)) from None
        if organisation is not None:
            done = _("Created superuser %(login)s, administrator of %(organisation)s.") % {
                "login": user.get_username(),
                "organisation": organisation,
            }
        else:
            done = _("Created superuser %(login)s.") % {"login": user.get_username()}
        self.stdout.write(done)
        self.stdout.write(_("They must set up two-factor sign-in when they first sign in."))

    def _password(self, password_file: Path | None) -> str:
        if password_file is not None:
            try:
                lines = password_file.read_text(encoding="utf-8").splitlines()
            except OSError as error:
                raise CommandError(
                    _("Cannot read %(file)s: %(error)s") % {"file": password_file, "error": error}
                ) from None
            if not lines or not lines[0]:
                raise CommandError(
                    _("%(file)s holds no password on its first line.") % {"file": password_file}
                )
            return lines[0]
        if os.environ.get(PASSWORD_ENV):
            return os.environ[PASSWORD_ENV]
        if not os.isatty(0):
            raise CommandError(
                _("No terminal to ask for the password: use --password-file or %(variable)s.")
                % {"variable": PASSWORD_ENV}
            )
        first = getpass.getpass(_("Password: "))
        second = getpass.getpass(_("Password (again): "))
        if first != second:
            raise CommandError(_("The two passwords differ."))
        if not first:
            raise CommandError(_("The password is empty."))
        return first
