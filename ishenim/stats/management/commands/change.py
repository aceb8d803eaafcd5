from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ishenim.stats.management.analysis import (
    area_named,
    category_named,
    dataset_named,
    period_named,
)
from ishenim.stats.management.tables import number, p_text, table_text
from ishenim.stats.services import analysis


class Command(BaseCommand):
    help = (
        "The change of an area's records from one period to another: the rate ratio with its"
        " 95% interval and the exact test's p-value, for the area, for each category and for"
        " each of its parts (q-values: the Benjamini-Hochberg false discovery rate across"
        " them)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dataset", required=True, help="the dataset's short name")
        parser.add_argument("--area", default="", help="an area code of the dataset, or a unit")
        parser.add_argument("--from", dest="period_from", required=True, help="e.g. 2022")
        parser.add_argument("--to", dest="period_to", required=True, help="e.g. 2023")
        parser.add_argument("--category", default="", help="an offence category code (ICCS)")

    def handle(self, *args, dataset, area, period_from, period_to, category, **options):
        target = dataset_named(dataset)
        first, second = period_named(period_from), period_named(period_to)
        if first is None or second is None:
            raise CommandError(_("Name both periods, --from and --to."))
        try:
            report = analysis.change_compute(
                dataset=target,
                area=area_named(target, area),
                period_from=first,
                period_to=second,
                category=category_named(category),
                viewer=analysis.PLATFORM,
            )
        except analysis.AnalysisError as error:
            raise CommandError(str(error)) from None
        where = report.area.name if report.area is not None else target.title
        self.stdout.write(
            _("%(area)s, %(first)s → %(second)s")
            % {"area": where, "first": first, "second": second}
        )
        headers = [
            _("code"),
            _("name"),
            str(first),
            str(second),
            _("ratio"),
            # xgettext:no-python-format
            _("95% interval"),
            _("p"),
            _("q"),
            _("change"),
        ]
        numeric = {2, 3, 4, 6, 7}

        def row(code: str, name: str, change: analysis.ChangeFigure) -> list[str]:
            return [
                code,
                name,
                number(change.before),
                number(change.after),
                number(change.ratio, 3),
                f"{number(change.lower, 3)}–{number(change.upper, 3)}",
                p_text(change.p_value),
                p_text(change.q_value),
                change.words,
            ]

        sections = [
            (_("Total"), [row(report.area.code if report.area else "", where, report.total)]),
            (
                _("By category (q: false discovery rate across the categories)"),
                [row(item.code, item.name, item.change) for item in report.categories],
            ),
            (
                _("By area (q: false discovery rate across the areas)"),
                [row(item.code, item.name, item.change) for item in report.parts],
            ),
        ]
        for title, rows in sections:
            if not rows:
                continue
            self.stdout.write("")
            self.stdout.write(title)
            for line in table_text(headers, rows, numeric=numeric):
                self.stdout.write(line)
