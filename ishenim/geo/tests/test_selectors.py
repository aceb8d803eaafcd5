import pytest
from django.http import Http404

from ishenim.geo import selectors as geo_selectors
from ishenim.geo.access import access_unit
from ishenim.geo.models import AdminUnit
from ishenim.geo.services import settlement_create
from ishenim.geo.tests.conftest import (
    BATKEN_DISTRICT,
    BATKEN_OBLAST,
    BISHKEK,
    BISHKEK_LENIN,
    ISSYK_KUL_OBLAST,
    KOK_JANGAK,
    KYRGYZSTAN,
    SUZAK,
)

pytestmark = pytest.mark.django_db


def test_a_subtree_holds_the_units_and_everything_inside_them_in_one_query(
    kg, django_assert_num_queries
):
    with django_assert_num_queries(1):
        ids = geo_selectors.unit_subtree_ids([kg[SUZAK], kg[BISHKEK]])

    codes = set(AdminUnit.objects.filter(pk__in=ids).values_list("code", flat=True))
    assert codes == {SUZAK, KOK_JANGAK, BISHKEK, *(f"4171120{n}000000" for n in range(1, 5))}


def test_a_subtree_of_a_queryset_is_one_query_too(kg, django_assert_num_queries):
    units = AdminUnit.objects.filter(code__in=[BATKEN_OBLAST, BISHKEK_LENIN])

    with django_assert_num_queries(1):
        ids = geo_selectors.unit_subtree_ids(units)

    expected = geo_selectors.unit_subtree_ids([kg[BATKEN_OBLAST], kg[BISHKEK_LENIN]])
    assert ids == expected
    assert len(ids) == 1 + 3 + 3 + 1  # the oblast, 3 districts, 3 cities, Lenin District


def test_a_subtree_of_nothing_is_empty(kg, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert geo_selectors.unit_subtree_ids([]) == set()
    assert geo_selectors.unit_subtree_ids(AdminUnit.objects.none()) == set()


def test_the_prefix_of_a_code_is_not_its_parent(toy):
    # "N" is a prefix of "NE" and "NW" as text; only the path's slashes make them children.
    north_like = AdminUnit.objects.create(
        code="NX", parent=toy["T0"], level="oblast", path="/T0/NX/", depth=1, name_en="Nx"
    )
    assert north_like.pk not in geo_selectors.unit_subtree_ids([toy["N"]])


def test_ancestors_run_from_the_country_down_to_the_parent(kg):
    chain = geo_selectors.unit_ancestors(kg[KOK_JANGAK])
    assert [unit.code for unit in chain] == [KYRGYZSTAN, "41703000000000", SUZAK]
    assert geo_selectors.unit_ancestors(kg[KYRGYZSTAN]) == []


def test_children_are_the_units_directly_under_a_unit(kg):
    children = geo_selectors.unit_children(kg[BATKEN_OBLAST])
    assert [unit.name_en for unit in children] == [
        "Batken District",
        "Leilek District",
        "Kadamjai District",
        "Batken",
        "Sulukta",
        "Kyzyl-Kia",
    ]


def test_the_root_is_the_country(kg):
    assert geo_selectors.unit_root().code == KYRGYZSTAN


def test_the_unit_gate_gives_404_for_an_unknown_code(kg):
    assert access_unit(None, ISSYK_KUL_OBLAST) == kg[ISSYK_KUL_OBLAST]
    with pytest.raises(Http404):
        access_unit(None, "41799999999999")


@pytest.fixture
def villages(kg):
    made = {}
    for name_ky, name_ru, name_en, latitude, longitude in [
        ("Ак-Сай", "Ак-Сай", "Ak-Sai", 39.93, 70.72),
        ("Жаңы-Сай", "Жаны-Сай", "Jany-Sai", 39.72, 70.50),
        ("Сайкал", "Сайкал", "Saikal", 39.98, 70.80),
        ("Өрнөк", "Орнёк", "Ornok", 42.56, 76.65),
    ]:
        made[name_en] = settlement_create(
            name_ky=name_ky,
            name_ru=name_ru,
            name_en=name_en,
            kind="village",
            latitude=latitude,
            longitude=longitude,
            actor=None,
        )
    return made


def test_the_search_finds_a_name_in_any_language_and_case_with_prefixes_first(villages):
    found = geo_selectors.settlement_search("сай", limit=10)
    # "Сайкал" starts with the query; the two "-Сай" villages only contain it.
    assert [s.name_en for s in found] == ["Saikal", "Ak-Sai", "Jany-Sai"]
    assert [s.name_en for s in geo_selectors.settlement_search("SAI", limit=2)] == [
        "Saikal",
        "Ak-Sai",
    ]


def test_the_search_reads_kyrgyz_letters_and_yo_as_people_type_them(villages):
    assert [s.name_en for s in geo_selectors.settlement_search("ӨРНӨК")] == ["Ornok"]
    assert [s.name_en for s in geo_selectors.settlement_search("орнек")] == ["Ornok"]
    assert geo_selectors.settlement_search("   ") == []


def test_the_settlement_list_keeps_to_a_unit_and_its_parts(villages, kg):
    inside = geo_selectors.settlement_list(unit=kg[BATKEN_OBLAST])
    assert {s.name_en for s in inside} == {"Ak-Sai", "Jany-Sai", "Saikal"}
    assert all(s.unit.code == BATKEN_DISTRICT for s in inside)
    assert [s.name_en for s in geo_selectors.settlement_list(query="жаны")] == ["Jany-Sai"]
