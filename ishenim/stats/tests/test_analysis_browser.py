"""The dashboard in a real browser (Debian's Chromium through Playwright) at a small phone's
size: the map draws the hexagons in the page's palette under the Content-Security-Policy,
the chart fits the screen, and the page still says everything without JavaScript."""

import pytest
from django.conf import settings as django_settings
from django.test import Client

from ishenim.stats.tests.analysis_data import BALYKCHY, balykchy_dataset

PHONE = {"width": 360, "height": 740}
HOT_99 = "#b2182b"  # --map-warm-3 in stats/stats.css

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
]


def _signed_in_page(browser, live_server, user, *, javascript: bool = True):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=PHONE, locale="en-GB", java_script_enabled=javascript)
    context.set_default_timeout(5000)
    context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.problems = []
    page.on(
        "console",
        lambda message: page.problems.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    return page


def test_the_dashboard_draws_hot_spots_in_the_palette_on_a_phone(
    browser, live_server, tmp_path, cast, settings
):
    # No background tiles: a test never reaches out to the internet.
    settings.ISHENIM_MAP_TILES_URL = ""
    dataset = balykchy_dataset(tmp_path)
    page = _signed_in_page(browser, live_server, cast.bakyt)

    page.goto(f"{live_server.url}/en/stats/{dataset.name}/?area={BALYKCHY}")
    page.wait_for_selector("[data-map][data-ready]")

    fills = page.eval_on_selector_all(
        ".leaflet-overlay-pane path", "paths => paths.map(p => p.getAttribute('fill'))"
    )
    assert HOT_99 in fills
    # Few records: drawn at once, as small dots of the "record" colour.
    assert page.locator(".leaflet-overlay-pane path[fill='#1b1f24']").count() == 40
    assert page.locator(".chart__svg").bounding_box()["width"] <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.problems == []
    page.context.close()


def test_without_javascript_the_dashboard_still_gives_its_figures(
    browser, live_server, tmp_path, cast
):
    dataset = balykchy_dataset(tmp_path)
    page = _signed_in_page(browser, live_server, cast.bakyt, javascript=False)

    page.goto(f"{live_server.url}/en/stats/{dataset.name}/?area={BALYKCHY}")

    assert page.locator(".figure__value").first.inner_text() == "40"
    assert page.locator(".chart__bar").count() == 24
    assert not page.locator("[data-map]").is_visible()
    page.context.close()
