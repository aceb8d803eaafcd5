import csv

import pytest
from django.core.management.sql import emit_post_migrate_signal
from django.utils import translation

from ishenim.stats.config import ICCS_FILE, POLICE_UK_MAPPING_FILE, POLICE_UK_SCHEME
from ishenim.stats.enums import CategoryClassification
from ishenim.stats.models import CategoryMapping, OffenceCategory
from ishenim.stats.services.reference import categories_seed, category_rows
from ishenim.stats.tests.conftest import STREET_CSV, real_data_or_skip

pytestmark = pytest.mark.django_db

SHARED_ICCS = STREET_CSV.parents[1] / "kg" / "iccs.csv"


def _seed() -> dict:
    return categories_seed(category_model=OffenceCategory, mapping_model=CategoryMapping)


def test_the_migrated_database_has_every_shipped_category_and_the_police_uk_mapping():
    assert OffenceCategory.objects.filter(classification=CategoryClassification.ICCS).count() == 58
    assert OffenceCategory.objects.filter(level=1, parent__isnull=True).count() == 11 + 1
    assert OffenceCategory.objects.get(code="0502").parent.code == "05"
    asb = OffenceCategory.objects.get(code="ASB")
    assert asb.classification == CategoryClassification.OUTSIDE_ICCS
    assert CategoryMapping.objects.filter(scheme=POLICE_UK_SCHEME).count() == 16


def test_every_category_has_a_name_in_kyrgyz_russian_and_english():
    for row in category_rows():
        assert row["name_ky"] and row["name_ru"] and row["name_en"], row["code"]

    burglary = OffenceCategory.objects.get(code="0501")
    names = {}
    for language in ("ky", "ru", "en"):
        with translation.override(language):
            names[language] = burglary.name
    assert names == {"ky": "Бузуп кирип уурдоо", "ru": "Кража со взломом", "en": "Burglary"}


def test_the_shipped_iccs_file_keeps_the_shared_files_codes_tree_and_english_names():
    if not SHARED_ICCS.exists():
        pytest.skip(f"The shared reference data is not here: {SHARED_ICCS}")
    with open(SHARED_ICCS, encoding="utf-8", newline="") as handle:
        shared = {row["code"]: row for row in csv.DictReader(handle)}
    with open(ICCS_FILE, encoding="utf-8", newline="") as handle:
        shipped = {row["code"]: row for row in csv.DictReader(handle)}

    assert shipped.keys() == shared.keys()
    for code, row in shared.items():
        assert (shipped[code]["level"], shipped[code]["parent"]) == (row["level"], row["parent"])
        assert shipped[code]["source"] == row["source"]
        if row["name_en"]:
            assert shipped[code]["name_en"] == row["name_en"]
        else:
            # The titles the shared file lacks are filled in and flagged for checking.
            assert shipped[code]["name_en"]
            assert "verify" in shipped[code]["note"]


def test_seeding_again_changes_nothing():
    assert _seed() == {"created": 0, "updated": 0, "mappings_added": 0}


def test_seeding_restores_a_category_but_keeps_an_administrators_mapping():
    OffenceCategory.objects.filter(code="0401").update(name_en="Mugging")
    mapping = CategoryMapping.objects.get(scheme=POLICE_UK_SCHEME, source_category="Other crime")
    mapping.category = OffenceCategory.objects.get(code="0703")
    mapping.save()

    counts = _seed()

    assert counts["updated"] == 1
    assert OffenceCategory.objects.get(code="0401").name_en == "Robbery"
    mapping.refresh_from_db()
    assert mapping.category.code == "0703"


def test_every_crime_type_of_the_real_month_has_a_mapping():
    real_data_or_skip()
    with open(STREET_CSV, encoding="utf-8", newline="") as handle:
        types = {row["Crime type"] for row in csv.DictReader(handle)}
    with open(POLICE_UK_MAPPING_FILE, encoding="utf-8", newline="") as handle:
        mapped = {row["source_category"] for row in csv.DictReader(handle)}

    assert types <= mapped


def test_migrate_and_flush_put_back_missing_categories_and_mappings():
    CategoryMapping.objects.filter(category__code="ASB").delete()
    OffenceCategory.objects.filter(code="ASB").delete()

    # What `migrate` and `flush` send when they are done.
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")

    assert OffenceCategory.objects.filter(code="ASB").exists()
    assert (
        CategoryMapping.objects.get(
            scheme=POLICE_UK_SCHEME, source_category="Anti-social behaviour"
        ).category.code
        == "ASB"
    )
