"""`ishenim`: the platform's one command. Its own subcommands are listed by `ishenim --help`;
any other Django management command passes through (`ishenim shell`, `ishenim dbshell`)."""

import os
import sys

# CLI name → (management command, one line of help). Management commands follow the house
# naming <verb>_<noun>; the CLI keeps the short names operators type.
SUBCOMMANDS = {
    "serve": ("serve", "serve the platform: gunicorn with --workers N, or --dev to autoreload"),
    "migrate": ("migrate", "create or update the database tables"),
    "load-reference": (
        "load_reference",
        "load administrative units and boundaries from the reference data folder",
    ),
    "load-demo": ("load_demo", "load the demonstration data set (--scale N for benchmarks)"),
    "createadmin": ("create_admin", "create an administrator account (asks for a password)"),
    "worker": ("run_worker", "run background tasks and the periodic jobs' timetable"),
    "verify-audit": ("verify_audit", "check the audit log's hash chain; non-zero if broken"),
    "check": ("check", "check the configuration (add --deploy for production)"),
    "import-settlements": ("import_settlements", "add villages and towns from a CSV file"),
    "import-policeuk": (
        "import_policeuk",
        "import police.uk street-level crime files into a dataset (--dataset NAME)",
    ),
    "import-csv": (
        "import_csv",
        "import crime records from CSV with a TOML column mapping (--mapping FILE)",
    ),
    "export-counts": (
        "export_counts",
        "a dataset's counts by area, category, month as CSV, XLSX or JSON",
    ),
    "export-open-data": (
        "export_open_data",
        "a public dataset's anonymised records or counts as CSV, GeoJSON or HXL",
    ),
    "hotspots": (
        "hotspots",
        "hot and cold spots (Gi*) on H3 hexagons as GeoJSON (--resolution R --output FILE)",
    ),
    "near-repeat": ("near_repeat", "the Knox near-repeat test: tables by distance and time band"),
    "change": ("change", "an area's change between two periods, tested (--from P1 --to P2)"),
}


def usage() -> str:
    width = max(len(name) for name in SUBCOMMANDS)
    lines = [
        "usage: ishenim <command> [options]",
        "",
        "Ishenim, the community-safety platform. Commands:",
        "",
        *(f"  {name.ljust(width)}  {text}" for name, (_c, text) in SUBCOMMANDS.items()),
        "",
        "`ishenim <command> --help` explains one command. Any other Django management",
        "command runs too: `ishenim shell`, `ishenim dbshell`, `ishenim help` lists them all.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ishenim.settings")
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(usage())
        return
    name = argv[1]
    command = SUBCOMMANDS.get(name, (name, ""))[0]
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["ishenim", command, *argv[2:]])
    except BrokenPipeError:
        # The reader went away (`ishenim export-counts ... | head`): as any Unix tool, stop
        # quietly, without the finalisers of half-read query cursors complaining at exit
        # (what was written is committed; an open transaction is rolled back by the database).
        sys.stderr.flush()
        os._exit(1)


if __name__ == "__main__":
    main()
