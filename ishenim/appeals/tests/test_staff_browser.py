"""The staff's pages in a real browser (Debian's Chromium through Playwright): an officer
opens the queue on a phone and on a desk screen, opens an appeal, takes it and answers it —
under the Content-Security-Policy, without the page growing wider than the screen."""

import pytest
from django.conf import settings as django_settings
from django.test import Client

from ishenim.appeals.enums import AppealStatus
from ishenim.appeals.models import Appeal
from ishenim.appeals.tests.factories import appeal_make

PHONE = {"width": 360, "height": 740}
DESK = {"width": 1280, "height": 800}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
]


def _signed_in_context(browser, live_server, user, viewport):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=viewport, locale="en-GB")
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
    return context


def _page(context):
    page = context.new_page()
    page.problems = []
    page.on(
        "console",
        lambda message: page.problems.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    return page


def test_an_officer_takes_and_answers_an_appeal_from_the_queue(
    browser, live_server, cast, settings
):
    # No background tiles: a test never reaches out to the internet.
    settings.ISHENIM_MAP_TILES_URL = ""
    appeal = appeal_make()
    appeal_make(text="Broken street lights on Lenin street, dark at night.")

    for viewport in (DESK, PHONE):
        context = _signed_in_context(browser, live_server, cast.bakyt, viewport)
        page = _page(context)
        # The live server's first request loads the process's caches: give it time.
        page.goto(f"{live_server.url}/en/appeals/?scope=all", timeout=60000)
        assert page.locator("table.queue tbody tr").count() == 2
        assert page.get_by_role("link", name=appeal.code_display).is_visible()
        # The map draws the two points (the queue's own GeoJSON layer, through map.js).
        page.wait_for_selector("[data-map][data-ready]")
        assert page.locator(".leaflet-overlay-pane path").count() == 2
        # The table scrolls in its box; the page itself never grows wider than the screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        assert page.problems == []
        context.close()

    context = _signed_in_context(browser, live_server, cast.bakyt, PHONE)
    page = _page(context)
    page.goto(f"{live_server.url}/en/appeals/?scope=all")
    page.get_by_role("link", name=appeal.code_display).click()
    page.wait_for_url(f"**/en/appeals/{appeal.code_display}/")
    assert page.get_by_role("heading", name=f"Appeal {appeal.code_display}").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.locator("#action-assign > summary").click()
    assert page.locator("#id_assign_assignee").input_value() == str(cast.bakyt.pk)
    page.locator("#action-assign").get_by_role("button", name="Assign").click()
    page.wait_for_selector(".message--success")
    assert "The appeal is assigned." in page.locator(".messages").inner_text()
    assert Appeal.objects.get(pk=appeal.pk).assignee == cast.bakyt

    page.locator("#action-answer > summary").click()
    page.locator("#id_answer_answer").fill("A patrol came twice this week; the group has gone.")
    page.get_by_role("button", name="Send the answer").click()
    page.wait_for_selector(".message--success")
    assert "The answer is sent to the resident." in page.locator(".messages").inner_text()
    answered = Appeal.objects.get(pk=appeal.pk)
    assert answered.status == AppealStatus.ANSWERED
    assert answered.answer == "A patrol came twice this week; the group has gone."
    assert (
        "A patrol came twice this week" in page.locator("#answer-title + .appeal-text").inner_text()
    )
    assert page.problems == []
    context.close()
