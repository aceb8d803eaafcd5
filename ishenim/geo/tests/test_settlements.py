from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import Http404

from ishenim.core.models import AuditEntry
from ishenim.geo.access import access_settlement
from ishenim.geo.models import AdminUnit, Settlement
from ishenim.geo.services import (
    UNCHANGED,
    settlement_create,
    settlement_import_csv,
    settlement_update,
)

pytestmark = pytest.mark.django_db


def village(**overrides) -> dict:
    values = {
        "name_ky": "Жаңы-Айыл",
        "name_ru": "Жаны-Айыл",
        "name_en": "Jany-Aiyl",
        "kind": "village",
        "latitude": 8,
        "longitude": 3,
        "actor": None,
    }
    return {**values, **overrides}


def test_a_settlement_goes_in_the_deepest_unit_under_its_point_and_is_audited(toy):
    settlement = settlement_create(**village(population=1200, source="survey 2025"))

    assert settlement.unit == toy["NW"]
    assert settlement.h3_r9 and settlement.population == 1200
    entry = AuditEntry.objects.get(action="settlement_created")
    assert entry.object_id == str(settlement.pk)
    assert entry.changes["name_en"] == "Jany-Aiyl" and entry.changes["unit"] == toy["NW"].pk


def test_a_point_outside_the_chosen_unit_is_refused(toy):
    with pytest.raises(ValidationError) as caught:
        settlement_create(**village(unit=toy["NE"]))
    assert caught.value.message_dict == {"unit": ["This point is not inside East District."]}
    assert not Settlement.objects.exists()


def test_a_point_inside_the_chosen_unit_goes_in_the_deepest_unit_there(toy):
    settlement = settlement_create(**village(latitude=1.5, longitude=1.5, unit=toy["N"]))
    assert settlement.unit == toy["PORT"]


def test_a_chosen_unit_without_an_outline_is_kept_when_the_point_is_in_its_parent(toy):
    # Like a Bishkek district: in the tree, without a polygon in the data.
    quarter = AdminUnit.objects.create(
        code="PORTQ",
        parent=toy["PORT"],
        level="district",
        path="/T0/N/NW/PORT/PORTQ/",
        depth=4,
        name_en="Harbour Quarter",
    )
    settlement = settlement_create(
        **village(kind="neighbourhood", latitude=1.5, longitude=1.5, unit=quarter)
    )
    assert settlement.unit == quarter


def test_a_point_outside_the_country_is_refused(toy):
    with pytest.raises(ValidationError, match=r"This point is outside Testland\."):
        settlement_create(**village(latitude=30, longitude=30))


def test_the_same_english_name_twice_in_one_unit_is_refused(toy):
    settlement_create(**village())
    with pytest.raises(ValidationError):
        settlement_create(**village(latitude=9, longitude=2))


def test_a_settlement_needs_an_english_name(toy):
    with pytest.raises(ValidationError) as caught:
        settlement_create(**village(name_en="  "))
    assert list(caught.value.message_dict) == ["name_en"]


def test_moving_a_settlement_locates_it_again_and_audits_the_change(toy):
    settlement = settlement_create(**village())

    settlement_update(settlement=settlement, latitude=8, longitude=7, actor=None)

    settlement.refresh_from_db()
    assert settlement.unit == toy["NE"]
    entry = AuditEntry.objects.get(action="settlement_updated")
    assert entry.changes["longitude"] == [3, 7]
    assert entry.changes["unit"] == [toy["NW"].pk, toy["NE"].pk]


def test_an_update_that_changes_nothing_writes_nothing(toy):
    settlement = settlement_create(**village())
    settlement_update(settlement=settlement, name_en="Jany-Aiyl", population=UNCHANGED, actor=None)
    assert not AuditEntry.objects.filter(action="settlement_updated").exists()


def test_the_gate_gives_404_for_a_missing_or_malformed_id(toy):
    settlement = settlement_create(**village())
    assert access_settlement(None, settlement.pk) == settlement
    for wrong in (settlement.pk + 1, "abc", None):
        with pytest.raises(Http404):
            access_settlement(None, wrong)


HEADER = "name_ky,name_ru,name_en,kind,latitude,longitude,unit_code,population,source\n"


def test_an_import_adds_every_row_and_a_second_import_changes_nothing(toy):
    text = (
        HEADER
        + "Жаңы-Айыл,Жаны-Айыл,Jany-Aiyl,village,8,3,,1200,survey\n"
        + 'Порт-Борбор,Порт-Центр,Port Centre,neighbourhood,"1,5",1.5,PORT,,\n'
    )

    result = settlement_import_csv(file=text.encode("utf-8-sig"), actor=None)

    assert (result.created, result.updated, result.errors) == (2, 0, ())
    assert Settlement.objects.get(name_en="Port Centre").unit == toy["PORT"]
    assert AuditEntry.objects.filter(action="settlement_created").count() == 2

    again = settlement_import_csv(file=StringIO(text), actor=None)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert Settlement.objects.count() == 2


def test_an_import_updates_a_settlement_of_the_same_name_in_the_same_unit(toy):
    settlement_create(**village(population=100))
    text = HEADER + "Жаңы-Айыл,Жаны-Айыл,Jany-Aiyl,village,8.5,3,,1300,census\n"

    result = settlement_import_csv(file=StringIO(text), actor=None)

    assert (result.created, result.updated) == (0, 1)
    settlement = Settlement.objects.get()
    assert (settlement.population, settlement.latitude, settlement.source) == (1300, 8.5, "census")


def test_an_import_with_a_bad_row_writes_nothing_and_names_every_bad_line(toy):
    text = (
        HEADER
        + "Жакшы,Хороший,Good,village,8,3,,,\n"
        + "Көл,Озеро,Lake Village,village,5,5,,,\n"
        + "Тоо,Гора,Mountain,hamlet,91,3,,lots,\n"
        + "Жакшы,Хороший,Good,village,9,2,,,\n"
        + "Чыгыш,Восток,Eastern,village,8,3,NE,,\n"
        + "Жок,Нет,Nowhere,village,8,3,ZZ,,\n"
    )

    result = settlement_import_csv(file=StringIO(text), actor=None)

    assert not result.ok and not Settlement.objects.exists()
    assert [(error.line, error.messages) for error in result.errors] == [
        (3, ("This point is outside Testland.",)),
        (
            4,
            (
                "The kind “hamlet” is not one of village, town, neighbourhood.",
                "Latitude must be a number between -90 and 90.",
                "The population must be a whole number, not “lots”.",
            ),
        ),
        (5, ("Line 2 already has Good in West District.",)),
        (6, ("This point is not inside East District.",)),
        (7, ("There is no unit with the code ZZ.",)),
    ]
    assert str(result.errors[0]) == "Line 3: This point is outside Testland."


def test_a_dry_run_reports_what_would_happen_and_writes_nothing(toy):
    text = HEADER + "Жакшы,Хороший,Good,village,8,3,,,\n"

    result = settlement_import_csv(file=StringIO(text), actor=None, dry_run=True)

    assert (result.created, result.ok, result.written) == (1, True, False)
    assert not Settlement.objects.exists()
    assert str(result).startswith("Dry run, nothing written: 1 settlements would be created")


def test_missing_and_misspelt_columns_are_reported_on_the_header_line(toy):
    text = "name_ky,name_ru,name_en,kind,lattitude,longitude\nА,Б,C,village,8,3\n"

    result = settlement_import_csv(file=StringIO(text), actor=None)

    assert [(error.line, error.messages) for error in result.errors] == [
        (
            1,
            (
                "The columns latitude are missing.",
                "The columns lattitude are not known; the known ones are name_ky, name_ru,"
                " name_en, kind, latitude, longitude, unit_code, population, source.",
            ),
        )
    ]


def test_an_import_makes_a_demo_village_of_the_same_name_real(toy):
    settlement_create(**village(is_demo=True))
    settlement_import_csv(
        file=StringIO(HEADER + "Жаңы-Айыл,Жаны-Айыл,Jany-Aiyl,village,8,3,,,\n"), actor=None
    )
    assert Settlement.objects.get().is_demo is False


def test_the_command_imports_a_file_and_prints_a_summary(toy, tmp_path):
    path = tmp_path / "villages.csv"
    path.write_text(HEADER + "Жакшы,Хороший,Good,village,8,3,,,\n", encoding="utf-8")
    out = StringIO()

    call_command("import_settlements", str(path), stdout=out)

    assert out.getvalue().strip() == "Settlements: 1 created, 0 updated, 0 unchanged."
    assert Settlement.objects.filter(name_en="Good").exists()


def test_the_command_prints_the_row_errors_and_fails(toy, tmp_path):
    path = tmp_path / "villages.csv"
    path.write_text(HEADER + "Жакшы,Хороший,Good,village,50,50,,,\n", encoding="utf-8")
    err = StringIO()

    with pytest.raises(CommandError, match=r"1 row has problems; nothing was written\."):
        call_command("import_settlements", str(path), "--dry-run", stdout=StringIO(), stderr=err)

    assert err.getvalue().strip() == "Line 2: This point is outside Testland."


AK_SAI = {"latitude": 39.93, "longitude": 70.72}  # Batken District
BALYKCHY = {"latitude": 42.462, "longitude": 76.185}


def test_an_officer_adds_villages_in_her_own_district_only(cast):
    added = settlement_create(**village(**AK_SAI, actor=cast.chynara))
    assert added.unit.code == "41705214000000"
    assert AuditEntry.objects.filter(action="settlement_created", actor_id=cast.chynara.pk)

    with pytest.raises(PermissionDenied):
        settlement_create(**village(**BALYKCHY, name_en="Elsewhere", actor=cast.chynara))
    assert not Settlement.objects.filter(name_en="Elsewhere").exists()


def test_an_officer_cannot_move_a_village_out_of_another_district(cast):
    theirs = settlement_create(**village(**BALYKCHY, actor=None))

    with pytest.raises(PermissionDenied):
        settlement_update(settlement=theirs, actor=cast.chynara, **AK_SAI)
    mine = settlement_create(**village(**AK_SAI, name_en="Mine", actor=cast.chynara))
    with pytest.raises(PermissionDenied):
        settlement_update(settlement=mine, actor=cast.chynara, **BALYKCHY)
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert theirs.unit.code == "41702420000010" and mine.unit.code == "41705214000000"


def test_a_resident_cannot_add_a_village(cast):
    with pytest.raises(PermissionDenied):
        settlement_create(**village(**BALYKCHY, actor=cast.aida))
