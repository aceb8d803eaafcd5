"""What the analysis commands share: the dataset, area, period and category named on the
command line, checked, with the same messages as the pages; and progress on standard error."""

import time

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from ishenim.stats import selectors
from ishenim.stats.models import Dataset, OffenceCategory
from ishenim.stats.services import analysis


def dataset_named(name: str) -> Dataset:
    try:
        return selectors.dataset_get(name)
    except Dataset.DoesNotExist:
        raise CommandError(_("There is no dataset named %(name)s.") % {"name": name}) from None


def area_named(dataset: Dataset, code: str | None):
    try:
        return analysis.area_scope_resolve(dataset, code)
    except analysis.AnalysisError as error:
        raise CommandError(str(error)) from None


def period_named(text: str | None):
    try:
        return analysis.period_parse(text)
    except analysis.AnalysisError as error:
        raise CommandError(str(error)) from None


def category_named(code: str | None) -> OffenceCategory | None:
    if not code:
        return None
    category = OffenceCategory.objects.filter(code=code.strip()).first()
    if category is None:
        raise CommandError(
            _("“%(code)s” is no offence category (see the ICCS codes in the admin).")
            % {"code": code}
        )
    return category


class Steps:
    """One line per step on standard error, then how long it took: the slow analyses show
    where they are, and standard output stays the result."""

    def __init__(self, stream):
        self.stream = stream
        self.started: float | None = None

    def __call__(self, text: str) -> None:
        self.finish()
        self.started = time.perf_counter()
        self.stream.write(text)
        self.stream.flush()

    def finish(self) -> None:
        if self.started is not None:
            seconds = time.perf_counter() - self.started
            self.stream.write(_("  done in %(seconds).2f s") % {"seconds": seconds})
            self.stream.flush()
            self.started = None
