"""The appeal form in a real browser (Debian's Chromium through Playwright) at a small phone's
width: with JavaScript a tap on the map puts the pin; without it the district list says
where; either way the resident ends on the confirmation with the tracking code, and a form
sent back for corrections keeps what was typed."""

import pytest

from ishenim.appeals.enums import PlaceKind
from ishenim.appeals.models import Appeal
from ishenim.orgs.testing import BALYKCHY

PHONE = {"width": 360, "height": 740}
TEXT = "Cars race along the lake road every night after eleven."

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def no_tiles(settings):
    # No background tiles: a test never reaches out to the internet.
    settings.ISHENIM_MAP_TILES_URL = ""


def _phone_page(browser, *, javascript: bool):
    context = browser.new_context(viewport=PHONE, locale="en-GB", java_script_enabled=javascript)
    context.set_default_timeout(10000)
    page = context.new_page()
    page.problems = []
    page.on(
        "console",
        lambda message: page.problems.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    return page


def _the_appeal(page) -> Appeal:
    code = page.locator("[data-tracking-code]").inner_text()
    return Appeal.objects.get(code=code.replace("-", ""))


def test_on_a_phone_a_tap_on_the_map_puts_the_pin_and_the_appeal_is_sent(browser, live_server):
    page = _phone_page(browser, javascript=True)
    page.goto(f"{live_server.url}/en/appeal/")

    pin = page.locator("[data-pin-map]")
    pin.wait_for(state="visible")
    frame = page.locator("[data-pin-map-frame]")
    box = frame.bounding_box()
    # The middle of the country's frame: inside Kyrgyzstan.
    frame.click(position={"x": box["width"] / 2, "y": box["height"] / 2})
    assert page.locator("#id_latitude").input_value()
    assert page.locator("#id_longitude").input_value()
    assert pin.get_attribute("data-pinned") == "true"
    assert "The pin is at" in page.locator("[data-pin-status]").inner_text()

    page.get_by_label("Complaint").check()
    page.get_by_label("What is it about?").select_option(label="Road safety")
    page.get_by_label("What happened, or what do you ask for?").fill(TEXT)
    page.get_by_label("Your name").fill("Gulnara Abdyldaeva")
    page.get_by_label("Phone").fill("0555 200 300")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_role("button", name="Send the appeal").click()

    page.get_by_role("heading", name="Your appeal is sent").wait_for()
    appeal = _the_appeal(page)
    assert appeal.place_kind == PlaceKind.POINT
    assert appeal.text == TEXT
    assert page.locator("[data-tracking-code]").bounding_box()["width"] <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.get_by_role("link", name="Follow your appeal").click()
    assert appeal.code_display in page.get_by_role("heading", level=1).inner_text()
    assert page.problems == []
    page.context.close()


def test_the_pin_can_be_removed_again(browser, live_server):
    page = _phone_page(browser, javascript=True)
    page.goto(f"{live_server.url}/en/appeal/")
    page.locator("[data-pin-map]").wait_for(state="visible")
    clear = page.get_by_role("button", name="Remove the pin")
    assert not clear.is_visible()

    page.locator("[data-pin-map-frame]").click(position={"x": 150, "y": 120})
    clear.click()

    assert page.locator("#id_latitude").input_value() == ""
    assert page.locator("#id_longitude").input_value() == ""
    assert not clear.is_visible()
    page.context.close()


def test_without_javascript_the_district_list_says_where_and_the_appeal_is_sent(
    browser, live_server, cast
):
    page = _phone_page(browser, javascript=False)
    page.goto(f"{live_server.url}/en/appeal/")
    assert not page.locator("[data-pin-map]").is_visible()

    page.get_by_label("What is it about?").select_option(label="Public order")
    page.get_by_label("What happened, or what do you ask for?").fill(TEXT)
    page.get_by_label("District or city").select_option(BALYKCHY)
    page.get_by_label("Address or landmark").fill("The lake road by the port")
    page.get_by_label("I want to stay anonymous").check()
    page.get_by_role("button", name="Send the appeal").click()

    page.get_by_role("heading", name="Your appeal is sent").wait_for()
    appeal = _the_appeal(page)
    assert appeal.place_kind == PlaceKind.UNIT
    assert appeal.unit.code == BALYKCHY
    assert appeal.anonymous
    assert "Balykchy City Police Department" in page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.context.close()


def test_without_javascript_a_form_sent_back_keeps_the_text_and_says_what_to_correct(
    browser, live_server
):
    page = _phone_page(browser, javascript=False)
    page.goto(f"{live_server.url}/en/appeal/")
    page.get_by_label("What happened, or what do you ask for?").fill(TEXT)
    page.get_by_role("button", name="Send the appeal").click()

    summary = page.locator(".error-summary")
    assert "Choose a category from the list." in summary.inner_text()
    assert "Say where" in summary.inner_text()
    assert page.get_by_label("What happened, or what do you ask for?").input_value() == TEXT
    assert Appeal.objects.count() == 0

    page.get_by_label("What is it about?").select_option(label="Public order")
    page.get_by_label("District or city").select_option(BALYKCHY)
    page.get_by_label("I want to stay anonymous").check()
    page.get_by_role("button", name="Send the appeal").click()

    page.get_by_role("heading", name="Your appeal is sent").wait_for()
    assert _the_appeal(page).text == TEXT
    page.context.close()
