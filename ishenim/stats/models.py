"""Crime statistics: imported datasets, their records, and the counts every statistic is
served from.

An imported dataset (police.uk, a ministry's spreadsheet) is kept apart from the operational
register (incidents, appeals): it has its own source, licence, country and area codes, and its
records are never edited one by one. Records carry their ICCS category (UNODC's International
Classification of Crime for Statistical Purposes) beside the category the source gave, and
`CountRollup` holds the counts per area × month × category that pages, exports and the
analytics engine read, so that no page scans raw records.

Sensitivity: a dataset has one; its records and counts carry a copy of it (kept in step by
`services.dataset_update`), because orgs.policy reads a record's own field and decides in one
SQL condition, without a join per row.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ishenim.core.enums import Sensitivity
from ishenim.core.models import TranslatedName
from ishenim.geo.models import AdminUnit
from ishenim.stats.enums import CategoryClassification, CategoryLevel, ImportKind, ImportStatus
from ishenim.stats.reasons import reason_text


class OffenceCategory(TranslatedName):
    """A category of the ICCS (section "05", division "0502") or, for what a source records
    that is not a crime in ICCS terms, a category of its own outside it ("ASB")."""

    code = models.CharField(_("code"), max_length=8, unique=True)
    classification = models.CharField(
        _("classification"),
        max_length=16,
        choices=CategoryClassification.choices,
        default=CategoryClassification.ICCS,
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=CategoryLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("section"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    source = models.TextField(_("source"), blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("offence category")
        verbose_name_plural = _("offence categories")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self):
        if (self.level == CategoryLevel.SECTION) != (self.parent_id is None):
            raise ValidationError(
                {"parent": _("A section has no parent; a division belongs to a section.")}
            )


_COUNTRY_CODE = RegexValidator(r"^[A-Z]{2}$", _("Give the two-letter ISO 3166-1 code, e.g. KG."))


class Dataset(models.Model):
    """An imported body of crime records with its own source, licence and area codes."""

    name = models.SlugField(
        _("name"),
        max_length=100,
        unique=True,
        help_text=_("Short name used on the command line, e.g. west-yorkshire."),
    )
    title = models.CharField(_("title"), max_length=200)
    source = models.TextField(_("source"), blank=True)
    licence = models.CharField(_("licence"), max_length=200, blank=True)
    country_code = models.CharField(_("country"), max_length=2, validators=[_COUNTRY_CODE])
    # What the area codes of its records mean: "LSOA 2011", "SOATE 2025".
    area_scheme = models.CharField(_("area scheme"), max_length=100, blank=True)
    # Whose category names the records use, when a shared mapping to ICCS exists for them
    # ("police.uk"); the dataset's own mappings take precedence.
    category_scheme = models.CharField(_("category scheme"), max_length=50, blank=True)
    # For a dataset of the platform's own country: the part of it the data covers, which is
    # whose jurisdiction sees it. Empty: national, or another country's data.
    unit = models.ForeignKey(
        AdminUnit,
        verbose_name=_("covers"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    sensitivity = models.CharField(
        _("sensitivity"),
        max_length=16,
        choices=Sensitivity.choices,
        default=Sensitivity.INTERNAL,
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    # Describing a dataset is not personal data, whatever its records are: the audit log keeps
    # these in clear even for a restricted dataset.
    AUDIT_CLEAR_FIELDS = (
        "name",
        "title",
        "source",
        "licence",
        "country_code",
        "area_scheme",
        "category_scheme",
        "unit",
        "sensitivity",
    )

    class Meta:
        verbose_name = _("dataset")
        verbose_name_plural = _("datasets")
        ordering = ["title", "name"]

    def __str__(self) -> str:
        return self.title or self.name

    @property
    def in_platform_country(self) -> bool:
        return self.country_code == settings.ISHENIM_COUNTRY

    def clean(self):
        if self.unit_id is not None and not self.in_platform_country:
            raise ValidationError(
                {"unit": _("Only a dataset of this platform's country can cover one of its units.")}
            )


class DatasetArea(models.Model):
    """An area of a dataset's own scheme (an LSOA, a district), with its population."""

    dataset = models.ForeignKey(
        Dataset, verbose_name=_("dataset"), on_delete=models.CASCADE, related_name="areas"
    )
    code = models.CharField(_("code"), max_length=50)
    name = models.CharField(_("name"), max_length=200, blank=True)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    population_year = models.PositiveSmallIntegerField(_("population year"), null=True, blank=True)

    class Meta:
        verbose_name = _("dataset area")
        verbose_name_plural = _("dataset areas")
        ordering = ["dataset", "code"]
        constraints = [
            models.UniqueConstraint(fields=["dataset", "code"], name="stats_area_unique_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()


class CategoryMapping(models.Model):
    """A source's category name → an offence category. Shared by every dataset of a scheme
    (police.uk's crime types, shipped as reference data) or one dataset's own; the dataset's
    own mapping wins. Names match whatever their case and surrounding spaces."""

    scheme = models.CharField(_("scheme"), max_length=50, blank=True)
    dataset = models.ForeignKey(
        Dataset,
        verbose_name=_("dataset"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="category_mappings",
    )
    source_category = models.CharField(_("category in the source"), max_length=200)
    category = models.ForeignKey(
        OffenceCategory, verbose_name=_("offence category"), on_delete=models.PROTECT
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("category mapping")
        verbose_name_plural = _("category mappings")
        ordering = ["scheme", "dataset", "source_category"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(dataset__isnull=True) & ~Q(scheme=""))
                | (Q(dataset__isnull=False) & Q(scheme="")),
                name="stats_mapping_scheme_or_dataset",
            ),
            models.UniqueConstraint(
                fields=["scheme", "source_category"],
                condition=Q(dataset__isnull=True),
                name="stats_mapping_unique_in_scheme",
            ),
            models.UniqueConstraint(
                fields=["dataset", "source_category"],
                condition=Q(dataset__isnull=False),
                name="stats_mapping_unique_in_dataset",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_category} → {self.category.code}"

    def clean(self):
        if (self.dataset_id is None) == (not self.scheme):
            raise ValidationError(
                _("A mapping belongs either to a scheme (such as police.uk) or to one dataset.")
            )


class RowProgress:
    """The progress of long work that goes row by row (an import, an open data build), from
    its `status`, `rows_done` and `rows_total`, for the pages' progress bars."""

    @property
    def progress(self) -> float:
        """From 0 to 1: nothing while queued, the whole once it has ended."""
        if self.status == ImportStatus.QUEUED:
            return 0.0
        if self.status != ImportStatus.RUNNING:
            return 1.0
        return min(self.rows_done / self.rows_total, 1.0) if self.rows_total else 0.0


class ImportRun(RowProgress, models.Model):
    """One file read into a dataset: what was read, imported, skipped as already there, and
    refused (each refused row with its line number and reason)."""

    dataset = models.ForeignKey(
        Dataset, verbose_name=_("dataset"), on_delete=models.CASCADE, related_name="imports"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ImportKind.choices)
    file_name = models.CharField(_("file"), max_length=300)
    file_sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.RUNNING
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # When a running import last committed progress: one that has said nothing for a long
    # time has lost its worker (services.importing_uploads.imports_abandoned_fail).
    progressed_at = models.DateTimeField(_("last progress"), null=True, blank=True)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    rows_imported = models.PositiveIntegerField(_("rows imported"), default=0)
    rows_duplicate = models.PositiveIntegerField(_("rows already imported"), default=0)
    rows_rejected = models.PositiveIntegerField(_("rows rejected"), default=0)
    # Every refused row: {"line", "code", "params", "reason"}; `reason` as written at import,
    # `code` and `params` so that error_list() can say it in the reader's language.
    errors = models.JSONField(_("rejected rows"), default=list, blank=True)
    # Why the whole file failed (unreadable, a column missing), when it did.
    failure = models.TextField(_("failure"), blank=True)
    # Progress, committed as the import goes, for a page or a second terminal to show.
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    rows_total = models.PositiveIntegerField(_("rows in the file"), default=0)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # A file uploaded on the import page, kept in the default storage: what the background
    # task reads, and what a retry reads again. Empty for an import from the command line,
    # which reads the analyst's own file.
    upload = models.FileField(
        _("uploaded file"), upload_to="stats/imports/%Y/%m/", max_length=300, blank=True
    )
    # The TOML column mapping of an uploaded generic CSV file, as uploaded.
    mapping = models.TextField(_("column mapping"), blank=True)
    # The failed import this one tries again.
    retry_of = models.ForeignKey(
        "self",
        verbose_name=_("retry of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="retries",
    )

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.dataset.name}: {self.file_name} ({self.get_status_display()})"

    def error_list(self) -> list[dict]:
        """[{"line", "reason"}] in the active language."""
        return [
            {"line": error["line"], "reason": reason_text(error, fallback=error.get("reason", ""))}
            for error in self.errors
        ]


class CrimeRecord(models.Model):
    """One row of an imported dataset. Written only by the importers, in bulk.

    Its foreign keys are not database constraints (db_constraint=False), and neither are
    CountRollup's: checking five references for each of 30,000 rows doubled the time of an
    import on PostgreSQL (its checks run one by one at commit). The importers take every id
    from the database in the same transaction, nothing else writes these two tables, and the
    ORM still cascades and protects on delete.
    """

    dataset = models.ForeignKey(
        Dataset,
        verbose_name=_("dataset"),
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="records",
        # The unique (dataset, row_digest) index serves every lookup by dataset.
        db_index=False,
    )
    # Deleting an import deletes what it added. Not indexed: that is rare, and every index
    # is paid for on every imported row.
    import_run = models.ForeignKey(
        ImportRun,
        verbose_name=_("import"),
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="records",
        db_index=False,
    )
    source_id = models.TextField(_("id in the source"), blank=True)
    month = models.DateField(_("month"))
    # The day, when the source gives one (a generic CSV with dates; police.uk has months).
    occurred_on = models.DateField(_("date"), null=True, blank=True)
    # Empty where the source gives no place (police.uk publishes some rows without one).
    latitude = models.FloatField(
        _("latitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.FloatField(
        _("longitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    # Empty (NULL, like the coordinates) where the row has no place.
    h3_r7 = models.CharField(_("H3 cell, resolution 7"), max_length=16, null=True, blank=True)  # noqa: DJ001
    h3_r8 = models.CharField(_("H3 cell, resolution 8"), max_length=16, null=True, blank=True)  # noqa: DJ001
    h3_r9 = models.CharField(_("H3 cell, resolution 9"), max_length=16, null=True, blank=True)  # noqa: DJ001
    h3_r10 = models.CharField(_("H3 cell, resolution 10"), max_length=16, null=True, blank=True)  # noqa: DJ001
    # Not indexed on its own either: records are read within a dataset, whose indexes lead,
    # and the index cost 5 % of an import (an area is deleted only with its dataset).
    area = models.ForeignKey(
        DatasetArea,
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="records",
        db_index=False,
    )
    # Filled for datasets of the platform's own country: the deepest unit holding the point
    # (or, without a point, the unit whose code the row's area code is). Not indexed on its
    # own: records are always read within a dataset, whose indexes lead.
    unit = models.ForeignKey(
        AdminUnit,
        verbose_name=_("administrative unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_constraint=False,
        related_name="+",
        db_index=False,
    )
    category = models.ForeignKey(
        OffenceCategory,
        verbose_name=_("offence category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_constraint=False,
        related_name="+",
        db_index=False,
    )
    source_category = models.TextField(_("category in the source"), blank=True)
    location = models.TextField(_("location"), blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    context = models.TextField(_("context"), blank=True)
    # What makes re-importing a file add nothing: 128 bits of SHA-256, as bytes (see
    # services/importing.py, row_digest()).
    row_digest = models.BinaryField(_("row digest"), max_length=16)
    # The dataset's sensitivity, copied (see the module docstring).
    sensitivity = models.CharField(
        _("sensitivity"), max_length=16, choices=Sensitivity.choices, editable=False
    )

    class Meta:
        verbose_name = _("crime record")
        verbose_name_plural = _("crime records")
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "row_digest"], name="stats_record_unique_digest"
            ),
        ]
        indexes = [models.Index(fields=["dataset", "month"], name="stats_record_month")]

    def __str__(self) -> str:
        return f"{self.dataset_id}:{self.source_id or bytes(self.row_digest[:6]).hex()}"


class CountRollup(models.Model):
    """How many records fall in one area × month × category: what statistics are read from.

    Rebuilt for the months an import touched (services.rollups_refresh), by one GROUP BY over
    the records. `area` is the dataset's area, `unit` the platform's administrative unit where
    known. A row with an empty dataset belongs to the operational register (incidents and
    appeals), whose apps fill it by unit the same way.
    """

    dataset = models.ForeignKey(
        Dataset,
        verbose_name=_("dataset"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="rollups",
        db_index=False,
    )
    area = models.ForeignKey(
        DatasetArea,
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="rollups",
        db_index=False,
    )
    unit = models.ForeignKey(
        AdminUnit,
        verbose_name=_("administrative unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_constraint=False,
        related_name="+",
    )
    month = models.DateField(_("month"))
    category = models.ForeignKey(
        OffenceCategory,
        verbose_name=_("offence category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_constraint=False,
        related_name="+",
        db_index=False,
    )
    source_category = models.TextField(_("category in the source"), blank=True)
    count = models.PositiveIntegerField(_("count"))
    sensitivity = models.CharField(
        _("sensitivity"), max_length=16, choices=Sensitivity.choices, editable=False
    )

    class Meta:
        verbose_name = _("count")
        verbose_name_plural = _("counts")
        indexes = [
            models.Index(fields=["dataset", "month"], name="stats_rollup_month"),
            models.Index(fields=["dataset", "area", "month"], name="stats_rollup_area"),
            # Everything the dashboard groups and filters by, and the count: its queries read
            # this index alone (benchmarked in docs/benchmarks.md, "Dashboard").
            models.Index(
                fields=["dataset", "month", "sensitivity", "area", "unit", "category", "count"],
                name="stats_rollup_dashboard",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dataset_id} {self.month:%Y-%m} {self.source_category}: {self.count}"


class OpenDataBuild(RowProgress, models.Model):
    """One building of a public dataset's open data files (services/open_data_files.py): its
    progress while a background task writes them, then the files themselves.

    The files a reader downloads are those of the dataset's newest finished build; a build
    writes into a folder of its own and becomes the newest only when every file is stored,
    so a download never meets a half-written file."""

    dataset = models.ForeignKey(
        Dataset,
        verbose_name=_("dataset"),
        on_delete=models.CASCADE,
        related_name="open_data_builds",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    queued_at = models.DateTimeField(_("queued"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # Progress, committed as the files are written: rows of records and counts.
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    rows_total = models.PositiveIntegerField(_("rows to write"), default=0)
    # What the files hold, for the list of open datasets: published records, and their months.
    record_count = models.PositiveIntegerField(_("records published"), default=0)
    first_month = models.DateField(_("first month"), null=True, blank=True)
    last_month = models.DateField(_("last month"), null=True, blank=True)
    # How they were anonymised, for the dataset's page: {"anchor_method", "anchors",
    # "counts", "counts_suppressed"}.
    facts = models.JSONField(_("facts"), default=dict, blank=True)
    # The stored files: [{"kind", "name", "path", "size", "sha256"}], filled when done.
    files = models.JSONField(_("files"), default=list, blank=True)
    failure = models.TextField(_("failure"), blank=True)
    # Who asked for it ("Build again"); empty when an import or a change of sensitivity did.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("open data build")
        verbose_name_plural = _("open data builds")
        ordering = ["-pk"]
        indexes = [models.Index(fields=["dataset", "status"], name="stats_open_build_status")]

    def __str__(self) -> str:
        return f"{self.dataset.name}: {self.get_status_display()}"
