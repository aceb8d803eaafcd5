"""The web shell in a real browser: Debian's Chromium, driven by Playwright, at a small
phone's size. `python -m ishenim.core.browser_setup` (run by `make test`) installs Chromium."""

import re

import pytest
from django.contrib.auth import get_user_model

PHONE = {"width": 360, "height": 740}

pytestmark = [
    pytest.mark.browser,
    # One worker runs them all, so that Chromium starts once per run, not once per worker.
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def page(browser, settings):
    # No background tiles: a test never reaches out to the internet.
    settings.ISHENIM_MAP_TILES_URL = ""
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    # A failing step should fail in seconds, not after Playwright's default half minute.
    context.set_default_timeout(5000)
    page = context.new_page()
    page.csp_violations = []
    page.on(
        "console",
        lambda message: (
            page.csp_violations.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    yield page
    context.close()


def has_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def focused(page) -> dict:
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return {tag: e.tagName, cls: e.className, text: e.textContent.trim(),"
        " lang: e.getAttribute('lang')}; }"
    )


def test_the_home_page_fits_a_small_phone_without_horizontal_scroll(page, live_server):
    page.goto(f"{live_server.url}/en/")

    assert not has_horizontal_scroll(page)
    page.get_by_text("Menu", exact=True).click()
    assert page.get_by_role("link", name="Home").is_visible()
    assert not has_horizontal_scroll(page)
    assert page.csp_violations == []


def test_tab_reaches_the_skip_link_first_then_the_language_switcher(page, live_server):
    page.goto(f"{live_server.url}/en/")

    page.keyboard.press("Tab")
    assert focused(page)["cls"] == "skip-link"
    assert page.locator(".skip-link").bounding_box()["y"] >= 0  # shown when focused

    page.keyboard.press("Tab")
    assert focused(page) | {"cls": ""} == {"tag": "A", "cls": "", "text": "Кыргызча", "lang": "ky"}

    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_the_menu_opens_and_closes_with_the_keyboard(page, live_server):
    page.goto(f"{live_server.url}/en/")
    home_link = page.locator(".main-nav").get_by_role("link", name="Home")
    assert not home_link.is_visible()

    for _step in range(10):
        page.keyboard.press("Tab")
        if focused(page)["tag"] == "SUMMARY":
            break
    assert focused(page)["text"] == "Menu"

    page.keyboard.press("Enter")
    assert home_link.is_visible()
    assert home_link.get_attribute("aria-current") == "page"

    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Home"
    page.keyboard.press("Escape")
    assert not home_link.is_visible()
    assert focused(page)["tag"] == "SUMMARY"


def test_switching_to_russian_shows_the_page_in_russian(page, live_server):
    page.goto(f"{live_server.url}/en/about/")

    page.get_by_role("link", name="Русский").click()

    assert page.url == f"{live_server.url}/ru/about/"
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.get_by_role("link", name="Русский").get_attribute("aria-current") == "true"
    assert re.search("[А-Яа-яЁё]", page.locator(".skip-link").text_content())
    # The choice is remembered: the site's bare address now opens in Russian.
    page.goto(f"{live_server.url}/")
    assert page.url == f"{live_server.url}/ru/"


def test_a_user_signs_in_from_the_menu_and_finds_my_work(page, live_server):
    get_user_model().objects.create_user(
        email="bakyt@example.kg", password="correct-horse-battery", full_name="Bakyt Sadykov"
    )
    page.goto(f"{live_server.url}/en/about/")

    page.get_by_text("Menu", exact=True).click()
    page.locator(".account").get_by_role("link", name="Sign in").click()
    page.locator('input[name="login"]').fill("bakyt@example.kg")
    page.locator('input[name="password"]').fill("correct-horse-battery")
    page.locator('input[name="password"]').press("Enter")

    # Back where they started, now signed in.
    page.wait_for_url(f"{live_server.url}/en/about/")
    page.get_by_text("Menu", exact=True).click()
    assert page.get_by_text("Signed in as Bakyt Sadykov").is_visible()
    page.locator(".main-nav").get_by_role("link", name="My work").click()

    page.wait_for_url(f"{live_server.url}/en/work/")
    assert page.get_by_role("heading", name="My work", level=1).is_visible()
    assert page.get_by_text("Nothing waits for you.").is_visible()
    assert page.get_by_text("bakyt@example.kg").is_visible()
    assert not has_horizontal_scroll(page)


def test_without_javascript_the_menu_still_opens_and_the_table_replaces_the_map(
    browser, live_server
):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    context.set_default_timeout(5000)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/en/")

        page.get_by_text("Menu", exact=True).click()
        assert page.locator(".main-nav").get_by_role("link", name="Home").is_visible()
        assert page.locator(".account").get_by_role("link", name="Sign in").is_visible()
        assert not has_horizontal_scroll(page)
    finally:
        context.close()


def test_htmx_requests_carry_the_pages_csrf_token(page, live_server):
    page.goto(f"{live_server.url}/en/")
    page.route("**/probe/", lambda route: route.fulfill(status=204))
    page.wait_for_function("() => typeof htmx !== 'undefined'")

    with page.expect_request("**/probe/") as probe:
        page.evaluate("htmx.ajax('POST', '/en/probe/', {target: 'main', swap: 'none'})")

    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    headers = probe.value.headers
    assert token
    assert headers.get("x-csrftoken") == token
    assert headers.get("hx-request") == "true"
