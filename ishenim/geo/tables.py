"""The columns of the geography's tables as they are downloaded (CSV, XLSX), with HXL
hashtags so that humanitarian tools read the administrative hierarchy without a mapping."""

from collections.abc import Iterable

from django.utils.translation import gettext as _

from ishenim.core.exports import Column
from ishenim.geo.models import AdminUnit


def unit_export_columns(max_depth: int) -> list[Column]:
    columns = [
        Column("name", _("Name"), "#loc+name"),
        Column("name_ky", _("Name (Kyrgyz)"), "#loc+name+i_ky"),
        Column("name_ru", _("Name (Russian)"), "#loc+name+i_ru"),
        Column("name_en", _("Name (English)"), "#loc+name+i_en"),
        Column("level", _("Level"), "#loc+type"),
        Column("unit_type", _("Type in the source data"), "#loc+type+source"),
        Column("code", _("Code"), "#loc+code"),
        Column("iso_3166_2", _("ISO 3166-2 code"), "#loc+code+iso"),
        Column("cod_pcode", _("COD P-code"), "#loc+code+pcode"),
        Column("population", _("Population"), "#population+total"),
        Column("population_year", _("Population year"), "#date+year"),
        Column("parent_code", _("Parent code"), "#loc+code+parent"),
        Column("country_code", _("Country code"), "#country+code"),
        Column("country_name", _("Country"), "#country+name"),
    ]
    # One pair of columns per level of the tree: the HXL way of writing a hierarchy, each row
    # filling the levels down to its own.
    for depth in range(1, max_depth + 1):
        columns.append(
            Column(
                f"adm{depth}_code",
                _("Administrative level %(depth)d code") % {"depth": depth},
                f"#adm{depth}+code",
            )
        )
        columns.append(
            Column(
                f"adm{depth}_name",
                _("Administrative level %(depth)d name") % {"depth": depth},
                f"#adm{depth}+name",
            )
        )
    return columns


def unit_export_rows(units: Iterable[AdminUnit], all_units: dict[str, AdminUnit]) -> list[dict]:
    """Rows for unit_export_columns; `all_units` maps codes to units for the ancestors."""
    rows = []
    for unit in units:
        row = {
            "name": unit.name,
            "name_ky": unit.name_ky,
            "name_ru": unit.name_ru,
            "name_en": unit.name_en,
            "level": unit.get_level_display(),
            "unit_type": unit.unit_type,
            "code": unit.code,
            "iso_3166_2": unit.iso_3166_2,
            "cod_pcode": unit.cod_pcode,
            "population": unit.population,
            "population_year": unit.population_year,
            "parent_code": "",
        }
        chain = [all_units[code] for code in unit.path.strip("/").split("/") if code in all_units]
        for ancestor in chain:
            if ancestor.depth == 0:
                row["country_code"], row["country_name"] = ancestor.code, ancestor.name
            else:
                row[f"adm{ancestor.depth}_code"] = ancestor.code
                row[f"adm{ancestor.depth}_name"] = ancestor.name
        if len(chain) > 1:
            row["parent_code"] = chain[-2].code
        rows.append(row)
    return rows


def settlement_export_columns() -> list[Column]:
    return [
        Column("name_ky", _("Name (Kyrgyz)"), "#loc+name+i_ky"),
        Column("name_ru", _("Name (Russian)"), "#loc+name+i_ru"),
        Column("name_en", _("Name (English)"), "#loc+name+i_en"),
        Column("get_kind_display", _("Kind"), "#loc+type"),
        Column("latitude", _("Latitude"), "#geo+lat"),
        Column("longitude", _("Longitude"), "#geo+lon"),
        Column("unit.code", _("Unit code"), "#loc+code+unit"),
        Column("unit.name", _("Unit"), "#loc+name+unit"),
        Column("population", _("Population"), "#population+total"),
        Column("h3_r7", _("H3 cell, resolution 7"), "#geo+h3+r7"),
        Column("source", _("Source"), "#meta+source"),
        Column("is_demo", _("Demo data"), "#meta+demo"),
    ]
