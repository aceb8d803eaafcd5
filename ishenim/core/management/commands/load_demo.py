from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ishenim.core.demo import DEMO_PASSWORD, demo_is_loaded, demo_load


class Command(BaseCommand):
    help = (
        "Load the demonstration data set: fictional organisations, people and records on the"
        " real geography, the same every time. Prints the demo sign-ins."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", type=int, default=1, help="multiply the volume (for benchmarks)"
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing when the database already has accounts (what `make run` uses)",
        )

    def handle(self, *args, scale, if_empty, **options):
        if scale < 1:
            raise CommandError("--scale must be at least 1.")
        printout = settings.DATA_DIR / "demo-logins.txt"
        if demo_is_loaded():
            if if_empty:
                self.stdout.write("Demo data: the database already has accounts; left as it is.")
                if printout.exists():
                    self.stdout.write(printout.read_text(encoding="utf-8"))
                return
            raise CommandError(
                "The database already has accounts. The demo is loaded only into an empty"
                " database (make a new ISHENIM_DATA_DIR, or drop the database)."
            )
        demo = demo_load(scale=scale)
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded (scale {scale})."))
        text = logins_text(demo.logins)
        self.stdout.write(text)
        # Kept beside the database, so that every later `make run` can show them again.
        printout.parent.mkdir(parents=True, exist_ok=True)
        printout.write_text(text, encoding="utf-8")


def logins_text(logins) -> str:
    if not logins:
        return ""
    width_role = max(len(item.role) for item in logins)
    width_login = max(len(item.login) for item in logins)
    lines = ["", f"Demo sign-ins (password for all: {DEMO_PASSWORD}):"]
    for item in logins:
        line = f"  {item.role.ljust(width_role)}  {item.login.ljust(width_login)}  {item.name}"
        line += f", {item.where}" if item.where else ""
        lines.append(line + (f"\n  {'':{width_role}}  {item.note}" if item.note else ""))
    return "\n".join([*lines, ""])
