import random
from datetime import date

import pytest

from ishenim.core.demo import DemoContext
from ishenim.geo.demo import DEMO_SETTLEMENTS, demo_build
from ishenim.geo.tests.conftest import BATKEN_DISTRICT

pytestmark = pytest.mark.django_db


def test_the_demo_villages_lie_in_their_districts_and_are_marked_as_demo(kg):
    demo = DemoContext(scale=1, today=date(2026, 3, 21), rng=random.Random(1))

    demo_build(demo)

    assert len(demo.made) == len(DEMO_SETTLEMENTS)
    tash_tumshuk = demo.made["settlement:tash_tumshuk"]
    assert tash_tumshuk.unit.code == BATKEN_DISTRICT and tash_tumshuk.is_demo
    assert demo.made["settlement:ak_sai"].unit.code == BATKEN_DISTRICT
    assert demo.made["settlement:tamchy"].unit.name_en == "Issyk-Kul District"
    assert demo.made["settlement:sokuluk"].unit.name_en == "Sokuluk District"
    assert all(settlement.is_demo for settlement in demo.made.values())
