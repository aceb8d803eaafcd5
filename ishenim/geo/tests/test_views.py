import csv
import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from openpyxl import load_workbook

from ishenim.geo.services import settlement_create
from ishenim.geo.tests.conftest import (
    BALYKCHY,
    BATKEN_OBLAST,
    BISHKEK,
    BISHKEK_LENIN,
    ISSYK_KUL_OBLAST,
    KYRGYZSTAN,
)

pytestmark = pytest.mark.django_db


def settle(name_en, latitude, longitude, **extra):
    return settlement_create(
        name_ky=extra.pop("name_ky", name_en),
        name_ru=extra.pop("name_ru", name_en),
        name_en=name_en,
        kind=extra.pop("kind", "village"),
        latitude=latitude,
        longitude=longitude,
        actor=None,
        **extra,
    )


@pytest.fixture
def villages(kg):
    return [
        settle(
            "Tash-Tumshuk", 39.85, 70.9, name_ky="Таш-Түмшүк", name_ru="Таш-Тумшук", is_demo=True
        ),
        settle("Ak-Sai", 39.93, 70.72, name_ky="Ак-Сай", name_ru="Ак-Сай", is_demo=True),
        settle("Balykchy Port", 42.46, 76.19, name_ru="Балыкчы Порт", kind="neighbourhood"),
    ]


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_the_unit_list_shows_the_tree_as_a_table_to_anyone(
    client, kg, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        response = client.get(reverse("geo:unit_list"))

    assert response.status_code == 200
    page = response.text
    assert "Ysyk-Kul oblast" in page and "Balykchy" in page
    assert "KG-Y" in page
    assert "554,296 (2026)" in page
    assert f'href="{reverse("geo:unit_detail", kwargs={"code": BALYKCHY})}"' in page
    assert "data-map" not in page  # the whole tree at once is a table, not a map


def test_the_unit_list_filters_by_level_and_parent_and_maps_the_result(client, kg):
    response = client.get(reverse("geo:unit_list"), {"level": "city", "parent": ISSYK_KUL_OBLAST})

    units = list(response.context["units"])
    assert [unit.name_en for unit in units] == ["Karakol", "Balykchy"]
    assert f"units.geojson?level=city&amp;parent={ISSYK_KUL_OBLAST}" in response.text


def test_an_unknown_level_is_shown_as_a_form_error_not_a_crash(client, kg):
    response = client.get(reverse("geo:unit_list"), {"level": "galaxy"})
    assert response.status_code == 200
    assert response.context["form"].errors["level"]


def test_the_unit_list_downloads_as_csv_with_hxl_hashtags_and_the_hierarchy(client, kg):
    response = client.get(reverse("geo:unit_list"), {"parent": ISSYK_KUL_OBLAST, "format": "csv"})

    header, hashtags, *rows = csv_rows(response)
    assert response["Content-Type"].startswith("text/csv")
    assert header[:2] == ["Name", "Name (Kyrgyz)"]
    assert {"#adm1+code", "#adm1+name", "#adm2+code", "#adm2+name", "#country+name"} <= set(
        hashtags
    )
    by_code = {row[hashtags.index("#loc+code")]: row for row in rows}
    balykchy = by_code[BALYKCHY]
    assert balykchy[hashtags.index("#adm1+code")] == ISSYK_KUL_OBLAST
    assert balykchy[hashtags.index("#adm1+name")] == "Ysyk-Kul oblast"
    assert balykchy[hashtags.index("#adm2+name")] == "Balykchy"
    assert balykchy[hashtags.index("#country+code")] == KYRGYZSTAN
    assert len(rows) == 7  # 5 districts and 2 cities


def test_the_unit_list_downloads_as_xlsx(client, kg):
    response = client.get(reverse("geo:unit_list"), {"level": "oblast", "format": "xlsx"})

    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = list(sheet.values)
    assert values[1][0] == "#loc+name"
    assert len(values) == 2 + 7


def test_a_unit_page_shows_its_names_chain_parts_settlements_and_map(
    client, villages, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        response = client.get(reverse("geo:unit_detail", kwargs={"code": BATKEN_OBLAST}))

    page = response.text
    assert "Баткен облусу" in page and "Баткенская область" in page and "Batken oblast" in page
    assert "Kyrgyzstan" in page  # the parent chain
    assert "Kadamjai District" in page  # a part
    assert "Tash-Tumshuk" in page and "Таш-Түмшүк" in page and "demo" in page
    assert "605,283 (in 2026)" in page
    assert "NSC_POP2026" in page  # the source
    urls = response.context["geojson_urls"].split()
    assert urls[0] == reverse("geo:unit_geojson", kwargs={"code": BATKEN_OBLAST})
    assert 'data-map data-geojson-url="' in page


def test_a_unit_page_for_an_unknown_code_is_404(client, kg):
    assert client.get(reverse("geo:unit_detail", kwargs={"code": "41799"})).status_code == 404


def test_the_units_layer_defaults_to_the_top_level_units(client, kg):
    response = client.get(reverse("geo:units_geojson"))

    assert response["Content-Type"] == "application/geo+json"
    collection = json.loads(response.content)
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == 9
    issyk_kul = next(f for f in collection["features"] if f["id"] == ISSYK_KUL_OBLAST)
    assert issyk_kul["geometry"]["type"] == "Polygon"
    assert issyk_kul["properties"] == {
        "code": ISSYK_KUL_OBLAST,
        "name": "Ysyk-Kul oblast",
        "name_ky": "Ысык-Көл облусу",
        "name_ru": "Иссык-Кульская область",
        "name_en": "Ysyk-Kul oblast",
        "level": "oblast",
        "population": 554296,
        "population_year": 2026,
        "url": reverse("geo:unit_detail", kwargs={"code": ISSYK_KUL_OBLAST}),
    }


def test_the_units_layer_names_units_in_the_language_of_the_address(client, kg):
    response = client.get(f"/ru/geo/units.geojson?parent={ISSYK_KUL_OBLAST}&level=city")
    names = {f["properties"]["name"] for f in json.loads(response.content)["features"]}
    assert names == {"г. Каракол", "г. Балыкчы"}


def test_the_units_layer_refuses_an_unknown_level_and_an_unknown_parent(client, kg):
    assert client.get(reverse("geo:units_geojson"), {"level": "galaxy"}).status_code == 400
    assert client.get(reverse("geo:units_geojson"), {"parent": "41799"}).status_code == 404


def test_the_units_layer_costs_a_fixed_number_of_queries(client, kg, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        response = client.get(reverse("geo:units_geojson"), {"level": "district"})
    # The 40 rayons; Bishkek's four districts have no outline in the data.
    assert len(json.loads(response.content)["features"]) == 40


def test_a_unit_without_an_outline_is_a_feature_with_a_null_geometry(client, kg):
    response = client.get(reverse("geo:unit_geojson", kwargs={"code": BISHKEK_LENIN}))
    feature = json.loads(response.content)
    assert feature["type"] == "Feature" and feature["geometry"] is None
    assert feature["properties"]["code"] == BISHKEK_LENIN


def test_one_unit_layer_holds_its_outline(client, kg):
    response = client.get(reverse("geo:unit_geojson", kwargs={"code": BISHKEK}))
    assert json.loads(response.content)["geometry"]["type"] == "Polygon"


def test_settlements_are_found_by_a_name_in_any_language_and_any_case(client, villages):
    response = client.get(reverse("geo:settlement_list"), {"q": "таш-тумш"})
    assert [s.name_en for s in response.context["settlements"]] == ["Tash-Tumshuk"]

    response = client.get(reverse("geo:settlement_list"), {"q": "AK-SAI"})
    assert [s.name_en for s in response.context["settlements"]] == ["Ak-Sai"]


def test_settlements_are_filtered_by_unit_including_its_parts(
    client, villages, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        response = client.get(reverse("geo:settlement_list"), {"unit": BATKEN_OBLAST})
    assert [s.name_en for s in response.context["settlements"]] == ["Ak-Sai", "Tash-Tumshuk"]
    assert f"settlements.geojson?unit={BATKEN_OBLAST}" in response.text


def test_the_settlement_list_downloads_as_csv(client, villages):
    response = client.get(reverse("geo:settlement_list"), {"format": "csv", "q": "ak-sai"})

    _header, hashtags, row = csv_rows(response)
    assert hashtags[:3] == ["#loc+name+i_ky", "#loc+name+i_ru", "#loc+name+i_en"]
    assert row[:4] == ["Ак-Сай", "Ак-Сай", "Ak-Sai", "Village"]
    assert row[hashtags.index("#meta+demo")] == "true"


def test_the_settlements_layer_holds_points(client, villages):
    response = client.get(reverse("geo:settlements_geojson"), {"unit": ISSYK_KUL_OBLAST})

    [feature] = json.loads(response.content)["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [76.19, 42.46]}
    assert feature["properties"]["unit_code"] == BALYKCHY
    assert feature["properties"]["kind"] == "neighbourhood"


def test_locate_answers_the_unit_its_ancestors_and_h3_cells(
    client, kg, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        response = client.get(reverse("geo:locate"), {"lat": "42.46", "lon": "76.19"})

    answer = response.json()
    assert answer["unit"]["code"] == BALYKCHY and answer["unit"]["name"] == "Balykchy"
    assert [a["code"] for a in answer["ancestors"]] == [KYRGYZSTAN, ISSYK_KUL_OBLAST]
    assert sorted(answer["h3"]) == ["10", "7", "8", "9"]
    assert answer["h3"]["9"] == "8920f59b333ffff"


def test_locate_answers_400_with_the_reason(client, kg):
    response = client.get(reverse("geo:locate"), {"lat": "42.4", "lon": "77.3"})
    assert response.status_code == 400
    assert response.json()["error"] == "This point is outside Kyrgyzstan."

    response = client.get(reverse("geo:locate"), {"lat": "north", "lon": "77.3"})
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "latitude": ["Latitude must be a number between -90 and 90."]
    }


def test_signed_in_users_see_the_same_public_pages(client, villages):
    user = get_user_model().objects.create_user(
        email="chynara@example.kg", password="pw-chynara-1", full_name="Chynara"
    )
    client.force_login(user)
    assert client.get(reverse("geo:unit_detail", kwargs={"code": BALYKCHY})).status_code == 200
    assert client.get(reverse("geo:settlement_list")).status_code == 200


def test_the_home_page_shows_the_country_overview_and_the_places_link(client, kg):
    page = client.get("/en/").text
    assert "Across the country" in page
    assert reverse("geo:unit_detail", kwargs={"code": ISSYK_KUL_OBLAST}) in page
    assert f'href="{reverse("geo:unit_list")}"' in page


def test_the_units_page_is_in_the_menu_and_says_what_to_do_when_empty(client, empty_geography):
    page = client.get(reverse("geo:unit_list")).text
    assert f'href="{reverse("geo:unit_list")}"' in page and ">Places<" in page
    assert "No administrative units match." in page
    assert "Across the country" not in client.get("/en/").text
