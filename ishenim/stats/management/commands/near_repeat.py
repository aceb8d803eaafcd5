from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ishenim.stats.management.analysis import (
    Steps,
    area_named,
    category_named,
    dataset_named,
    period_named,
)
from ishenim.stats.management.tables import number, p_text, table_text
from ishenim.stats.services import analysis
from ishenim.stats.services.analysis import near_repeat as near_repeat_service


def _bands(edges) -> str:
    return ",".join(f"{edge:g}" for edge in edges)


class Command(BaseCommand):
    help = (
        "The Knox test for near repeats, as the Near Repeat Calculator runs it: pairs of"
        " records by distance band (metres) and time band (days), against permutations of the"
        " dates. Prints the observed pairs, the expected pairs, the Knox ratios and the"
        " p-values. Needs records with a day (not months only, as police.uk gives)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dataset", required=True, help="the dataset's short name")
        parser.add_argument(
            "--distance-bands",
            default=_bands(near_repeat_service.DEFAULT_DISTANCE_BANDS),
            help="upper edges in metres, e.g. 0,100,200 (0: the same location)",
        )
        parser.add_argument(
            "--time-bands",
            default=_bands(near_repeat_service.DEFAULT_TIME_BANDS),
            help="upper edges in days, e.g. 7,14,21",
        )
        parser.add_argument("--permutations", type=int, default=99)
        parser.add_argument("--seed", type=int, required=True, help="the same seed, the same table")
        parser.add_argument("--area", default="", help="an area code of the dataset, or a unit")
        parser.add_argument("--period", default="", help="2018-07, 2022 or 2022-01..2022-06")
        parser.add_argument("--category", default="", help="an offence category code (ICCS)")

    def handle(self, *args, **options):
        target = dataset_named(options["dataset"])
        steps = Steps(self.stderr)
        try:
            result = analysis.near_repeat_compute(
                dataset=target,
                viewer=analysis.PLATFORM,
                distance_bands_m=analysis.bands_parse(options["distance_bands"], kind="distance"),
                time_bands_days=analysis.bands_parse(options["time_bands"], kind="time"),
                permutations=options["permutations"],
                seed=options["seed"],
                area=area_named(target, options["area"]),
                period=period_named(options["period"]),
                category=category_named(options["category"]),
                progress=steps,
            )
            steps.finish()
        except analysis.AnalysisError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            _(
                "%(incidents)d records with a place and a day (%(without)d without a day left"
                " out); %(permutations)d permutations, seed %(seed)d."
            )
            % {
                "incidents": result.incidents,
                "without": result.without_day,
                "permutations": result.result.permutations,
                "seed": result.seed,
            }
        )
        tables = (
            (_("Pairs observed"), lambda cell: number(cell.observed)),
            (_("Pairs expected"), lambda cell: number(cell.expected, 1)),
            (_("Knox ratio (observed / expected)"), lambda cell: number(cell.ratio, 2)),
            (_("p-value (one-sided, more pairs than chance)"), lambda cell: p_text(cell.p_value)),
        )
        numeric = set(range(1, len(result.time_labels) + 1))
        for title, value in tables:
            self.stdout.write("")
            self.stdout.write(title)
            rows = [[row[0].distance] + [value(cell) for cell in row] for row in result.rows]
            for line in table_text([_("distance"), *result.time_labels], rows, numeric=numeric):
                self.stdout.write(line)
