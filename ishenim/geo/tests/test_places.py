import h3
import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from ishenim.geo import selectors as geo_selectors
from ishenim.geo.models import Boundary, Settlement
from ishenim.geo.services import place_apply, place_resolve, reference_load
from ishenim.geo.tests.conftest import BALYKCHY, BISHKEK, OSH_CITY, square, toy_write

pytestmark = pytest.mark.django_db


def test_real_points_resolve_to_their_units_and_h3_cells(kg):
    for (latitude, longitude), code in [
        ((42.46, 76.19), BALYKCHY),
        ((42.87, 74.59), BISHKEK),
        ((40.53, 72.80), OSH_CITY),
    ]:
        place = place_resolve(latitude=latitude, longitude=longitude)
        assert place.unit.code == code
        assert (place.latitude, place.longitude) == (latitude, longitude)
        for resolution, cell in place.h3_cells.items():
            assert cell == h3.latlng_to_cell(latitude, longitude, resolution)
            assert cell == cell.lower() and h3.get_resolution(cell) == resolution
        assert h3.cell_to_parent(place.h3_r10, 7) == place.h3_r7


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [((42.4), (77.3)), (39.96, 71.13), (43.24, 76.95)],
    ids=["Issyk-Kul lake", "Sokh enclave", "Almaty"],
)
def test_a_point_outside_every_unit_is_refused_naming_the_country(kg, latitude, longitude):
    with pytest.raises(ValidationError) as caught:
        place_resolve(latitude=latitude, longitude=longitude)
    assert caught.value.messages == ["This point is outside Kyrgyzstan."]
    assert caught.value.code == "outside"


def test_the_outside_message_names_the_country_in_the_readers_language(toy):
    with translation.override("ru"), pytest.raises(ValidationError) as caught:
        place_resolve(latitude=30, longitude=30)
    # The message itself is translated by the catalogue; the name comes from the data.
    assert "Тестландия" in caught.value.messages[0]


@pytest.mark.parametrize(
    ("latitude", "longitude", "fields"),
    [
        ("north", 74.5, ["latitude"]),
        (float("nan"), 74.5, ["latitude"]),
        (42.8, float("inf"), ["longitude"]),
        (90.5, 74.5, ["latitude"]),
        (-91, 74.5, ["latitude"]),
        (42.8, 180.01, ["longitude"]),
        (42.8, -181, ["longitude"]),
        (None, None, ["latitude", "longitude"]),
        (True, 74.5, ["latitude"]),
        ("", "", ["latitude", "longitude"]),
    ],
)
def test_an_invalid_coordinate_is_refused_with_a_message_for_its_field(
    toy, latitude, longitude, fields
):
    with pytest.raises(ValidationError) as caught:
        place_resolve(latitude=latitude, longitude=longitude)
    assert sorted(caught.value.message_dict) == fields
    messages = {
        "latitude": "Latitude must be a number between -90 and 90.",
        "longitude": "Longitude must be a number between -180 and 180.",
    }
    for field in fields:
        assert caught.value.message_dict[field] == [messages[field]]


def test_text_coordinates_with_a_decimal_comma_are_read(toy):
    place = place_resolve(latitude=" 1,5 ", longitude="1.5")
    assert place.unit.code == "PORT"
    assert (place.latitude, place.longitude) == (1.5, 1.5)


def test_the_deepest_unit_wins_and_holes_are_outside(toy):
    assert place_resolve(latitude=1.5, longitude=1.5).unit.code == "PORT"  # city in district
    assert place_resolve(latitude=8, longitude=3).unit.code == "NW"
    assert place_resolve(latitude=5, longitude=15).unit.code == "S"  # oblast without districts
    with pytest.raises(ValidationError, match="outside Testland"):
        place_resolve(latitude=5, longitude=5)  # the lake


def test_place_apply_fills_a_located_record(toy):
    place = place_resolve(latitude=8, longitude=3)
    settlement = Settlement(name_en="Somewhere", kind="village")

    place_apply(settlement, place)

    assert (settlement.latitude, settlement.longitude, settlement.unit) == (8, 3, toy["NW"])
    assert [settlement.h3_r7, settlement.h3_r8, settlement.h3_r9, settlement.h3_r10] == [
        h3.latlng_to_cell(8, 3, resolution) for resolution in (7, 8, 9, 10)
    ]


def test_without_reference_data_a_point_is_refused_with_what_to_do(empty_geography):
    with pytest.raises(ValidationError) as caught:
        place_resolve(latitude=42.87, longitude=74.59)
    assert caught.value.messages == [
        "No administrative units are loaded yet: run “ishenim load-reference”."
    ]


def test_the_locator_is_built_once_and_rebuilt_when_boundaries_change(toy, toy_folder):
    first = geo_selectors.locator_current()
    assert geo_selectors.locator_current() is first

    # Another process loads a changed outline: South grows over the lake's latitude band.
    toy_write(
        toy_folder,
        top=[("N", square(0, 0, 10, 10, holes=[(4, 4, 6, 6)])), ("S", square(10, 0, 21, 10))],
    )
    reference_load(directory=toy_folder)

    assert geo_selectors.locator_current() is not first
    assert place_resolve(latitude=5, longitude=20.5).unit.code == "S"


def test_the_locator_follows_a_boundary_edited_in_the_admin(toy):
    geo_selectors.locator_current()
    boundary = Boundary.objects.get(unit=toy["S"])
    boundary.geometry = square(10, 0, 30, 10)
    boundary.save()

    assert place_resolve(latitude=5, longitude=25).unit.code == "S"


def test_resolving_a_point_costs_few_queries(toy, django_assert_max_num_queries):
    geo_selectors.locator_current()
    with django_assert_max_num_queries(2):
        place = place_resolve(latitude=8, longitude=3)
    assert place.unit == toy["NW"]
