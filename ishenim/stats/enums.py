from django.db import models
from django.utils.translation import gettext_lazy as _


class CategoryClassification(models.TextChoices):
    """Where an offence category comes from."""

    # UNODC's International Classification of Crime for Statistical Purposes, v1.0 (2015).
    ICCS = "iccs", _("ICCS")
    # Recorded by a source but not a crime in ICCS terms (police.uk's anti-social behaviour):
    # kept as a category of its own so that it is counted, never mixed into a crime section.
    OUTSIDE_ICCS = "outside_iccs", _("Outside ICCS")


class CategoryLevel(models.IntegerChoices):
    SECTION = 1, _("Section")
    DIVISION = 2, _("Division")


class ImportStatus(models.TextChoices):
    # Uploaded on a page and waiting for a task worker (stats.tasks.stats_import_run).
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ImportKind(models.TextChoices):
    POLICE_UK = "policeuk", _("police.uk street-level CSV")
    CSV = "csv", _("CSV with a column mapping")
    AREAS = "areas", _("Areas and populations")


class CountKey(models.TextChoices):
    """What counts can be grouped by (selectors.counts_by, `ishenim export-counts --by`)."""

    AREA = "area", _("Area")
    UNIT = "unit", _("Administrative unit")
    CATEGORY = "category", _("Category")
    SOURCE_CATEGORY = "source_category", _("Category in the source")
    MONTH = "month", _("Month")
