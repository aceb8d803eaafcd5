"""The geography pages in a real browser (Debian's Chromium through Playwright) at a small
phone's size: the map draws under the Content-Security-Policy, and the page still says
everything without JavaScript."""

import pytest

from ishenim.geo.services import settlement_create
from ishenim.geo.tests.conftest import BATKEN_OBLAST

PHONE = {"width": 360, "height": 740}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
]


def open_page(browser, *, javascript: bool = True):
    context = browser.new_context(viewport=PHONE, locale="en-GB", java_script_enabled=javascript)
    context.set_default_timeout(5000)
    page = context.new_page()
    page.problems = []
    page.on(
        "console",
        lambda message: page.problems.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    return page


@pytest.fixture
def tash_tumshuk(settings):
    # No background tiles: a test never reaches out to the internet.
    settings.ISHENIM_MAP_TILES_URL = ""
    return settlement_create(
        name_ky="Таш-Тумшук",
        name_ru="Таш-Тумшук",
        name_en="Tash-Tumshuk",
        kind="village",
        latitude=39.98,
        longitude=70.80,
        actor=None,
    )


def test_a_unit_page_draws_its_outline_parts_and_settlements_on_a_phone(
    browser, live_server, tash_tumshuk
):
    page = open_page(browser)

    page.goto(f"{live_server.url}/en/geo/units/{BATKEN_OBLAST}/")
    page.wait_for_selector("[data-map][data-ready]")

    # The oblast, its six parts and one settlement, each an SVG path of Leaflet's.
    assert page.locator(".leaflet-overlay-pane path").count() == 1 + 6 + 1
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.problems == []
    page.context.close()


def test_without_javascript_the_map_frame_is_hidden_and_the_tables_say_it_all(
    browser, live_server, tash_tumshuk
):
    page = open_page(browser, javascript=False)

    page.goto(f"{live_server.url}/en/geo/units/{BATKEN_OBLAST}/")

    assert not page.locator("[data-map]").is_visible()
    assert page.get_by_role("link", name="Kadamjai District").is_visible()
    assert page.get_by_text("Tash-Tumshuk").is_visible()
    page.context.close()
