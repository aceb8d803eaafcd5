"""The Locator, without a database: real places from the shipped data, and drawn shapes."""

import numpy as np
import pytest
from shapely.geometry import box

from ishenim.geo.locate import OUTSIDE, Locator, LocatorUnit
from ishenim.geo.reference_folder import reference_folder_read
from ishenim.geo.tests.conftest import (
    BALYKCHY,
    BATKEN_DISTRICT,
    BISHKEK,
    KG,
    KOK_JANGAK,
    OSH_CITY,
)


@pytest.fixture(scope="module")
def kg_locator() -> tuple[Locator, list[str]]:
    folder = reference_folder_read(KG)
    return Locator.from_reference_folder(KG), [unit.code for unit in folder.units]


def code_at(kg_locator, latitude, longitude):
    locator, codes = kg_locator
    unit_id = locator.locate(latitude, longitude)
    return None if unit_id is None else codes[unit_id]


@pytest.mark.parametrize(
    ("place", "latitude", "longitude", "code"),
    [
        ("Balykchy city centre", 42.46, 76.19, BALYKCHY),
        ("Batken District, south-east of Batken town", 39.84, 70.98, BATKEN_DISTRICT),
        ("Bishkek", 42.87, 74.59, BISHKEK),
        ("Osh city", 40.53, 72.80, OSH_CITY),
        ("Kok-Jangak", 41.03, 73.20, KOK_JANGAK),
        ("the middle of Issyk-Kul lake", 42.4, 77.3, None),
        ("the Sokh enclave (Uzbekistan)", 39.96, 71.13, None),
        ("Vorukh (Tajikistan)", 39.85, 70.58, None),
        ("Almaty (Kazakhstan)", 43.24, 76.95, None),
    ],
)
def test_a_real_place_is_found_in_its_deepest_unit_or_outside(
    kg_locator, place, latitude, longitude, code
):
    assert code_at(kg_locator, latitude, longitude) == code


def test_the_batch_form_agrees_with_the_single_form_on_random_points(kg_locator):
    locator, _codes = kg_locator
    rng = np.random.default_rng(20260321)
    # The country's bounding box: about half the points fall outside, many near borders.
    latitudes = rng.uniform(39.18, 43.27, 10_000)
    longitudes = rng.uniform(69.26, 80.23, 10_000)

    batch = locator.locate_many(latitudes, longitudes)

    single = [locator.locate(lat, lon) for lat, lon in zip(latitudes, longitudes, strict=True)]
    assert batch.tolist() == [OUTSIDE if unit is None else unit for unit in single]
    assert 0.3 < (batch != OUTSIDE).mean() < 0.7


def test_points_in_the_lake_and_in_the_enclaves_are_outside_in_the_batch_form(kg_locator):
    locator, codes = kg_locator
    ids = locator.locate_many([42.4, 39.96, 42.46], [77.3, 71.13, 76.19])
    assert ids[0] == OUTSIDE and ids[1] == OUTSIDE
    assert codes[ids[2]] == BALYKCHY


def test_not_a_number_is_outside_in_both_forms(kg_locator):
    locator, _codes = kg_locator
    assert locator.locate(float("nan"), 74.59) is None
    assert locator.locate_many([np.nan, 42.87], [74.59, np.inf]).tolist() == [OUTSIDE, OUTSIDE]


def test_the_batch_form_takes_empty_arrays_and_refuses_unequal_ones(kg_locator):
    locator, _codes = kg_locator
    assert locator.locate_many([], []).tolist() == []
    with pytest.raises(ValueError, match="same length"):
        locator.locate_many([42.0, 42.1], [74.0])


def drawn_locator() -> Locator:
    # A district (depth 2) with a city (depth 3) drawn inside it without a hole, an oblast
    # around both, and two districts that overlap along a sliver.
    return Locator(
        [
            LocatorUnit(1, "OBLAST", 1, box(0, 0, 10, 10)),
            LocatorUnit(2, "DISTRICT", 2, box(0, 0, 5, 10)),
            LocatorUnit(3, "CITY", 3, box(1, 1, 2, 2)),
            LocatorUnit(4, "OTHER", 2, box(4.9, 0, 10, 10)),
        ]
    )


def test_the_deepest_of_nested_units_wins_in_both_forms():
    locator = drawn_locator()
    # (lat, lon): inside the city, inside the district only, inside the other district.
    latitudes, longitudes = [1.5, 5.0, 5.0], [1.5, 3.0, 7.0]
    assert [locator.locate(lat, lon) for lat, lon in zip(latitudes, longitudes, strict=True)] == [
        3,
        2,
        4,
    ]
    assert locator.locate_many(latitudes, longitudes).tolist() == [3, 2, 4]


def test_an_overlap_of_equal_depth_goes_to_the_smaller_unit_whatever_the_order():
    forward = drawn_locator()
    backward = Locator(reversed([LocatorUnit(u, c, d, g) for u, c, d, g in _drawn_units()]))
    # lon 4.95 is in both districts; DISTRICT (5 × 10) is smaller than OTHER (5.1 × 10).
    assert forward.locate(5.0, 4.95) == backward.locate(5.0, 4.95) == 2
    assert forward.locate_many([5.0], [4.95]).tolist() == [2]


def _drawn_units():
    return [
        (1, "OBLAST", 1, box(0, 0, 10, 10)),
        (2, "DISTRICT", 2, box(0, 0, 5, 10)),
        (3, "CITY", 3, box(1, 1, 2, 2)),
        (4, "OTHER", 2, box(4.9, 0, 10, 10)),
    ]


def test_a_point_on_the_outer_edge_is_inside_and_just_beyond_it_is_outside():
    locator = drawn_locator()
    assert locator.locate(10.0, 7.0) == 4
    assert locator.locate(10.000001, 7.0) is None
    assert locator.locate_many([10.0, 10.000001], [7.0, 7.0]).tolist() == [4, OUTSIDE]


def test_codes_are_kept_beside_the_ids():
    assert drawn_locator().code(3) == "CITY"
    assert len(drawn_locator()) == 4
