import csv
import json
import shutil
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from shapely.geometry import shape

from ishenim.core.models import AuditEntry
from ishenim.geo.models import AdminUnit, Boundary
from ishenim.geo.services import reference_load
from ishenim.geo.tests.conftest import (
    BALYKCHY,
    BISHKEK,
    BISHKEK_LENIN,
    ISSYK_KUL_OBLAST,
    KG,
    KOK_JANGAK,
    KYRGYZSTAN,
    OSH_CITY,
    SUZAK,
    TOY_UNITS,
    square,
    toy_write,
)

pytestmark = pytest.mark.django_db


def test_the_kyrgyz_data_loads_as_one_tree_under_the_country(kg):
    country = kg[KYRGYZSTAN]
    assert country.parent is None and country.depth == 0 and country.level == "country"
    assert country.name_en == "Kyrgyzstan" and country.population == 7404329
    assert len(kg) == 69  # the country and the 68 rows of admin_units.csv
    top = AdminUnit.objects.filter(parent=country)
    assert top.count() == 9  # 7 oblasts, Bishkek and Osh
    assert {u.level for u in top} == {"oblast", "city"}
    issyk_kul = kg[ISSYK_KUL_OBLAST]
    assert issyk_kul.iso_3166_2 == "KG-Y" and issyk_kul.cod_pcode == "KG02000000000"
    assert issyk_kul.population == 554296 and issyk_kul.population_year == 2026
    balykchy = kg[BALYKCHY]
    assert balykchy.parent == issyk_kul and balykchy.depth == 2
    assert balykchy.path == f"/{KYRGYZSTAN}/{ISSYK_KUL_OBLAST}/{BALYKCHY}/"
    assert balykchy.unit_type == "city_oblast" and balykchy.name_ru == "г. Балыкчы"
    assert "COD2018" in balykchy.source


def test_kok_jangak_city_hangs_under_suzak_district_one_level_deeper(kg):
    assert kg[KOK_JANGAK].parent == kg[SUZAK]
    assert kg[KOK_JANGAK].depth == 3


def test_boundaries_come_from_both_files_once_each_plus_the_country(kg):
    # 9 top-level and 55 district-level features, Bishkek and Osh city in both files.
    assert Boundary.objects.count() == 9 + 55 - 2 + 1
    assert Boundary.objects.filter(unit__code__in=[BISHKEK, OSH_CITY]).count() == 2
    assert not Boundary.objects.filter(unit__code=BISHKEK_LENIN).exists()  # no polygon shipped


def test_the_country_outline_keeps_the_lake_and_the_enclaves_out(kg):
    country = shape(Boundary.objects.get(unit__code=KYRGYZSTAN).geometry)
    assert country.contains(shape({"type": "Point", "coordinates": [76.19, 42.46]}))  # Balykchy
    assert not country.contains(shape({"type": "Point", "coordinates": [77.3, 42.4]}))  # Issyk-Kul
    assert not country.contains(shape({"type": "Point", "coordinates": [71.13, 39.96]}))  # Sokh
    boundary = Boundary.objects.get(unit__code=KYRGYZSTAN)
    assert (boundary.min_lon, boundary.max_lat) == pytest.approx(country.bounds[0::3])


def test_loading_twice_changes_nothing_the_second_time(kg):
    before = {b.unit_id: b.updated_at for b in Boundary.objects.all()}
    audit_entries = AuditEntry.objects.count()

    summary = reference_load()

    assert not summary.changed
    assert summary.units_unchanged == 69 and summary.boundaries_unchanged == 63
    assert {b.unit_id: b.updated_at for b in Boundary.objects.all()} == before
    assert AuditEntry.objects.count() == audit_entries


def test_a_load_is_one_audit_entry_with_the_counts(empty_geography):
    summary = reference_load()

    entry = AuditEntry.objects.filter(action="reference_loaded").last()
    assert summary.units_created == 69 and summary.boundaries_created == 63
    assert entry.actor_kind == "system"
    assert entry.object_id == KYRGYZSTAN
    assert entry.changes["units_created"] == 69
    assert entry.changes["boundaries_created"] == 63
    assert entry.changes["folder"] == KG.name


def test_a_changed_row_updates_its_unit_in_place(toy, toy_folder):
    units = [dict(row) for row in TOY_UNITS]
    units[0] = {**units[0], "name_en": "Northern Oblast", "population": "1200"}
    toy_write(toy_folder, units=units)

    summary = reference_load(directory=toy_folder)

    north = AdminUnit.objects.get(code="N")
    assert north.pk == toy["N"].pk
    assert (north.name_en, north.population) == ("Northern Oblast", 1200)
    assert (summary.units_updated, summary.units_created, summary.boundaries_updated) == (1, 0, 0)
    assert AuditEntry.objects.filter(action="reference_loaded").last().changes["units_updated"] == 1


def test_a_unit_moved_in_the_tree_gets_a_new_path_and_depth(toy, toy_folder):
    units = [dict(row) for row in TOY_UNITS]
    units[4] = {**units[4], "parent_code": "N"}  # Port moves up from West District to North
    toy_write(toy_folder, units=units)

    summary = reference_load(directory=toy_folder)

    port = AdminUnit.objects.get(code="PORT")
    assert port.parent.code == "N" and port.depth == 2 and port.path == "/T0/N/PORT/"
    # Its outline is saved again so that every process's Locator learns the new depth.
    assert summary.boundaries_updated == 1


def _rows(folder):
    with (folder / "admin_units.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _write_rows(folder, rows):
    with (folder / "admin_units.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture
def kg_copy(tmp_path):
    return shutil.copytree(KG, tmp_path / "kg")


def test_an_unknown_parent_is_named_with_its_file_and_line_and_nothing_is_loaded(
    empty_geography, kg_copy
):
    audit_entries = AuditEntry.objects.count()
    rows = _rows(kg_copy)
    rows[9]["parent_code"] = "41799999000000"
    _write_rows(kg_copy, rows)

    with pytest.raises(ValidationError) as caught:
        reference_load(directory=kg_copy)

    assert caught.value.messages == [
        "admin_units.csv, line 11: the parent 41799999000000 is not in the file."
    ]
    assert not AdminUnit.objects.exists() and not Boundary.objects.exists()
    assert AuditEntry.objects.count() == audit_entries


def test_a_duplicate_code_is_named_with_both_lines(db, kg_copy):
    rows = _rows(kg_copy)
    rows[5]["code"] = rows[2]["code"]
    _write_rows(kg_copy, rows)

    with pytest.raises(ValidationError) as caught:
        reference_load(directory=kg_copy)

    assert caught.value.messages == [
        f"admin_units.csv, line 7: the code {rows[2]['code']} is already used on line 4."
    ]


def test_every_bad_row_is_reported_at_once(db, toy_folder):
    units = [dict(row) for row in TOY_UNITS]
    units[1] = {**units[1], "level": "province", "population": "about 300"}
    units[2] = {**units[2], "name_en": "", "name_ru": "", "name_ky": ""}
    toy_write(toy_folder, units=units)

    with pytest.raises(ValidationError) as caught:
        reference_load(directory=toy_folder)

    assert caught.value.messages == [
        "admin_units.csv, line 3: the level “province” is not one of oblast, city, district,"
        " municipality.",
        "admin_units.csv, line 3: population must be a whole number, not “about 300”.",
        "admin_units.csv, line 4: the unit NW has no name.",
    ]


def test_a_parent_cycle_is_reported(db, toy_folder):
    units = [dict(row) for row in TOY_UNITS]
    units[0] = {**units[0], "parent_code": "NW"}  # North inside its own district
    toy_write(toy_folder, units=units)

    with pytest.raises(ValidationError) as caught:
        reference_load(directory=toy_folder)

    assert "admin_units.csv, line 2: the unit N is its own ancestor." in caught.value.messages


def test_a_bad_geometry_is_named_with_its_file_and_feature_and_nothing_is_loaded(toy, toy_folder):
    bow_tie = {"type": "Polygon", "coordinates": [[[0, 0], [10, 10], [10, 0], [0, 10], [0, 0]]]}
    lower = [("NW", square(0, 0, 5, 10)), ("NE", bow_tie)]
    units = [dict(row) for row in TOY_UNITS]
    units[0] = {**units[0], "name_en": "Renamed"}  # a change that must not be half-written
    toy_write(toy_folder, units=units, lower=lower)

    with pytest.raises(ValidationError) as caught:
        reference_load(directory=toy_folder)

    [message] = caught.value.messages
    assert message.startswith("lower.geojson, feature 2 (NE): the geometry is not valid: ")
    assert "Self-intersection" in message
    assert AdminUnit.objects.get(code="N").name_en == "North"


def test_a_feature_for_a_unit_missing_from_the_csv_is_reported(db, toy_folder):
    toy_write(toy_folder, lower=[("NW", square(0, 0, 5, 10)), ("XX", square(5, 0, 10, 10))])

    with pytest.raises(ValidationError) as caught:
        reference_load(directory=toy_folder)

    assert caught.value.messages == [
        "lower.geojson, feature 2: the unit XX is not in admin_units.csv."
    ]


def test_one_unit_with_two_different_outlines_is_reported(db, toy_folder):
    toy_write(toy_folder, lower=[("N", square(0, 0, 9, 9))])

    with pytest.raises(ValidationError) as caught:
        reference_load(directory=toy_folder)

    assert caught.value.messages == [
        "top.geojson, feature 1: the unit N has another outline in lower.geojson, feature 1."
    ]


def test_a_folder_without_its_files_is_reported(db, tmp_path):
    with pytest.raises(ValidationError) as caught:
        reference_load(directory=tmp_path)

    assert caught.value.messages == [
        f"country.json is missing from the reference folder {tmp_path}.",
        f"admin_units.csv is missing from the reference folder {tmp_path}.",
    ]


def test_the_command_prints_a_summary_and_skips_a_loaded_database_with_if_empty(
    empty_geography, toy_folder
):
    out = StringIO()
    call_command("load_reference", "--directory", str(toy_folder), stdout=out)
    assert out.getvalue().strip() == (
        "Units: 6 created, 0 updated, 0 unchanged. Boundaries: 6 created, 0 updated, 0 unchanged."
    )

    out = StringIO()
    call_command("load_reference", "--if-empty", stdout=out)
    assert "already loaded" in out.getvalue()
    assert not AdminUnit.objects.filter(code=KYRGYZSTAN).exists()


def test_the_command_fails_with_the_rows_at_fault(db, toy_folder):
    units = [dict(row) for row in TOY_UNITS]
    units[3] = {**units[3], "parent_code": "NOPE"}
    toy_write(toy_folder, units=units)

    with pytest.raises(CommandError, match="line 5: the parent NOPE is not in the file"):
        call_command("load_reference", "--directory", str(toy_folder), stdout=StringIO())


def test_the_toy_country_outline_is_the_union_of_its_oblasts(toy):
    country = shape(Boundary.objects.get(unit=toy["T0"]).geometry)
    assert country.area == pytest.approx(200 - 4)  # 20 × 10 minus the 2 × 2 lake
    assert json.loads(json.dumps(Boundary.objects.get(unit=toy["T0"]).geometry))["type"] == (
        "Polygon"
    )
