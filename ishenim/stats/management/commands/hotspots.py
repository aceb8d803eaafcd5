from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ishenim.analytics.hotspots import CLASS_NAMES
from ishenim.stats.management.analysis import (
    Steps,
    area_named,
    category_named,
    dataset_named,
    period_named,
)
from ishenim.stats.management.tables import table_text
from ishenim.stats.services import analysis


class Command(BaseCommand):
    help = (
        "Hot and cold spots (Getis-Ord Gi*) on H3 hexagons of a dataset, written as GeoJSON:"
        " one feature per hexagon of the study area with the properties h3, count, gi_z, gi_p"
        " and class (hot_99 ... not_significant ... cold_99, with the false discovery rate"
        " controlled). The study area is every hexagon whose centre lies inside --area's"
        " outline (a unit of this country), else the hexagons holding a record and their"
        " --k rings of neighbours."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dataset", required=True, help="the dataset's short name")
        parser.add_argument("--resolution", required=True, type=int, help="H3 resolution, 6 to 10")
        parser.add_argument("--k", type=int, default=1, help="rings of neighbours, 1 to 3")
        parser.add_argument("--area", default="", help="an area code of the dataset, or a unit")
        parser.add_argument("--period", default="", help="2018-07, 2022 or 2022-01..2022-06")
        parser.add_argument("--category", default="", help="an offence category code (ICCS)")
        parser.add_argument("--output", required=True, type=Path, help="the GeoJSON file")

    def handle(self, *args, dataset, resolution, k, area, period, category, output, **options):
        target = dataset_named(dataset)
        steps = Steps(self.stderr)
        try:
            hotspots = analysis.hotspots_compute(
                dataset=target,
                resolution=resolution,
                k=k,
                area=area_named(target, area),
                period=period_named(period),
                category=category_named(category),
                viewer=analysis.PLATFORM,
                progress=steps,
            )
            steps(_("Writing %(file)s…") % {"file": output})
            with open(output, "w", encoding="utf-8") as handle:
                written = analysis.hotspots_write(hotspots, handle)
            steps.finish()
        except analysis.AnalysisError as error:
            raise CommandError(str(error)) from None
        except OSError as error:
            raise CommandError(
                _("%(file)s cannot be written: %(error)s")
                % {"file": output, "error": error.strerror}
            ) from None
        cells = hotspots.cells
        self.stdout.write(
            _(
                "%(features)d hexagons of resolution %(resolution)d (%(study)s), %(records)d"
                " records counted, %(outside)d outside the study area."
            )
            % {
                "features": written,
                "resolution": cells.resolution,
                "study": _("inside the outline")
                if cells.study == analysis.Study.BOUNDARY
                else _("around the records, k = %(k)d") % {"k": cells.k},
                "records": cells.records,
                "outside": cells.outside,
            }
        )
        rows = [
            (CLASS_NAMES[level], analysis.class_label(level), count)
            for level, count in hotspots.class_counts().items()
        ]
        for line in table_text([_("class"), _("meaning"), _("hexagons")], rows, numeric={2}):
            self.stdout.write(line)
