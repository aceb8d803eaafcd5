from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ishenim.core.models import TranslatedName
from ishenim.geo.enums import SettlementKind, UnitLevel

H3_RESOLUTIONS = (7, 8, 9, 10)


class AdminUnit(TranslatedName):
    """A node of the administrative tree: the country, its oblasts and republican cities,
    their districts and cities, and municipalities where the data has them."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    level = models.CharField(_("level"), max_length=16, choices=UnitLevel.choices)
    # The finer type the data gives (rayon, city_oblast, city_in_rayon, ...).
    unit_type = models.CharField(_("unit type"), max_length=32, blank=True)
    # Codes of the ancestors and the unit itself, "/417.../417.../", so that a unit's whole
    # subtree is one indexed prefix query.
    path = models.CharField(_("path"), max_length=500, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("depth"), editable=False)
    iso_3166_2 = models.CharField(_("ISO 3166-2 code"), max_length=10, blank=True)
    cod_pcode = models.CharField(_("COD P-code"), max_length=32, blank=True)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    population_year = models.PositiveSmallIntegerField(_("population year"), null=True, blank=True)
    source = models.TextField(_("source"), blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")
        ordering = ["path"]

    def get_absolute_url(self) -> str:
        return reverse("geo:unit_detail", kwargs={"code": self.code})


class Boundary(models.Model):
    """The outline of a unit as a GeoJSON geometry (WGS84), kept apart from the unit row so that
    listing units never loads a megabyte of coordinates."""

    unit = models.OneToOneField(
        AdminUnit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="boundary"
    )
    geometry = models.JSONField(_("geometry"))
    min_lon = models.FloatField()
    min_lat = models.FloatField()
    max_lon = models.FloatField()
    max_lat = models.FloatField()
    source = models.TextField(_("source"), blank=True)
    # Every process keeps a Locator built from these rows; the newest change time (with the
    # row count) tells it that another process has loaded new boundaries since.
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("boundary")
        verbose_name_plural = _("boundaries")

    def __str__(self) -> str:
        return str(self.unit)


class Located(models.Model):
    """A record with a place: the point, the deepest unit containing it and its H3 cells.
    Filled only through geo.services.place_resolve, never by hand."""

    latitude = models.FloatField(
        _("latitude"), validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    longitude = models.FloatField(
        _("longitude"), validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    unit = models.ForeignKey(
        AdminUnit,
        verbose_name=_("administrative unit"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    h3_r7 = models.CharField(_("H3 cell, resolution 7"), max_length=16, db_index=True)
    h3_r8 = models.CharField(_("H3 cell, resolution 8"), max_length=16, db_index=True)
    h3_r9 = models.CharField(_("H3 cell, resolution 9"), max_length=16, db_index=True)
    h3_r10 = models.CharField(_("H3 cell, resolution 10"), max_length=16, db_index=True)

    class Meta:
        abstract = True


class Settlement(TranslatedName, Located):
    """A village, town or city neighbourhood: a named point inside its unit, the gazetteer that
    residents and officers choose their place from."""

    kind = models.CharField(_("kind"), max_length=16, choices=SettlementKind.choices)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    source = models.TextField(_("source"), blank=True)
    is_demo = models.BooleanField(
        _("demo data"), default=False, help_text=_("Made up for the demonstration data set.")
    )
    # The three names case-folded in Python: SQLite's LIKE and lower() fold ASCII only, so
    # "ак-сай" would never find "Ак-Сай" there without a column folded beforehand.
    search_text = models.TextField(editable=False, blank=True, default="")

    class Meta:
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        ordering = ["name_en"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "name_en"], name="settlement_unique_name_in_unit"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.search_text = settlement_search_text(self.name_ky, self.name_ru, self.name_en)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)

    @property
    def other_names(self) -> list[str]:
        """Its names in the other languages, each once, when they differ from `name`."""
        shown = self.name
        names = []
        for value in (self.name_ky, self.name_ru, self.name_en):
            if value and value != shown and value not in names:
                names.append(value)
        return names


def settlement_search_text(*names: str) -> str:
    """The form names are searched in: case-folded, ё read as е (as most people type it)."""
    return "\n".join(name.casefold().replace("ё", "е") for name in names if name)
