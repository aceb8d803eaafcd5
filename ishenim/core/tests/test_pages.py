import re
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.template import Context, Template
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views import defaults

from ishenim.core import home

pytestmark = pytest.mark.django_db

LANGUAGES = ("ky", "ru", "en")
PAGES = ("/{lang}/", "/{lang}/about/")


@pytest.fixture
def isolated_home(monkeypatch):
    monkeypatch.setattr(home._home, "parts", dict(home._home.parts))


@pytest.fixture
def resident():
    return get_user_model().objects.create_user(
        email="aida@example.kg", password="pw-aida-123", full_name="Aida Resident"
    )


def html_lang(page: str) -> str:
    return re.search(r'<html lang="([^"]+)">', page).group(1)


def language_links(page: str) -> dict[str, str]:
    nav = re.search(r'<nav class="languages".*?</nav>', page, re.S).group(0)
    return {code: href for href, code in re.findall(r'<a href="([^"]*)" hreflang="([a-z]+)"', nav)}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("pattern", PAGES)
def test_each_public_page_renders_in_each_language(client, lang, pattern):
    response = client.get(pattern.format(lang=lang))

    assert response.status_code == 200
    page = response.text
    assert html_lang(page) == lang
    assert 'class="skip-link" href="#main"' in page
    assert '<main id="main"' in page
    assert "<footer" in page


@pytest.mark.parametrize("lang", LANGUAGES)
def test_my_work_renders_in_each_language(client, resident, lang):
    client.force_login(resident)

    response = client.get(f"/{lang}/work/")

    assert response.status_code == 200
    assert html_lang(response.text) == lang


def test_the_skip_link_is_the_first_link_on_the_page(client):
    page = client.get("/en/").text

    first_link = re.search(r"<a [^>]*>", page).group(0)
    assert 'href="#main"' in first_link


def test_the_language_switcher_links_to_the_same_page_in_each_language(client):
    page = client.get("/ru/about/?tab=licence").text

    assert language_links(page) == {
        "ky": "/ky/about/?tab=licence",
        "ru": "/ru/about/?tab=licence",
        "en": "/en/about/?tab=licence",
    }


def test_the_language_switcher_names_each_language_in_itself_and_marks_the_current_one(client):
    page = client.get("/ru/").text

    assert '<a href="/ky/" hreflang="ky" lang="ky">Кыргызча</a>' in page
    assert '<a href="/ru/" hreflang="ru" lang="ru" aria-current="true">Русский</a>' in page
    assert '<a href="/en/" hreflang="en" lang="en">English</a>' in page


def test_an_anonymous_visitor_gets_a_sign_in_link_that_comes_back(client):
    with translation.override("en"):
        login = reverse("orgs:login")

    page = client.get("/en/about/").text

    assert f'href="{login}?next=/en/about/"' in page
    assert "Sign out" not in page


def test_sign_out_is_a_posted_form_with_a_csrf_token(client, resident):
    client.force_login(resident)
    with translation.override("en"):
        logout = reverse("orgs:logout")

    page = client.get("/en/").text

    form = re.search(r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', page, re.S)
    assert form.group(1) == logout
    assert 'name="csrfmiddlewaretoken"' in form.group(2)
    assert "Sign out" in form.group(2)
    assert f'href="{logout}"' not in page


def test_pages_carry_no_inline_script_or_style_for_the_content_security_policy(client, resident):
    client.force_login(resident)

    for url in ("/en/", "/en/work/", "/en/about/"):
        page = client.get(url).text
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), url
        assert "style=" not in page, url
        assert "<style" not in page, url


def test_the_home_page_offers_my_work_to_staff_only(client, resident):
    with override_settings(ISHENIM_STAFF_PREDICATE="ishenim.core.tests.test_pages.nobody"):
        client.force_login(resident)
        assert "Go to My work" not in client.get("/en/").text
    with override_settings(ISHENIM_STAFF_PREDICATE="ishenim.core.tests.test_pages.everybody"):
        assert "Go to My work" in client.get("/en/").text


def nobody(user) -> bool:
    return False


def everybody(user) -> bool:
    return True


class Unit(SimpleNamespace):
    def get_absolute_url(self) -> str:
        return f"/units/{self.code}/"


def country_overview(request) -> dict:
    return {
        "units": [
            Unit(code="KG-B", name="Batken oblast", population=605283, population_year=2026),
            Unit(code="KG-Y", name="Ysyk-Kul oblast", population=None, population_year=None),
        ],
        "geojson_url": "/en/geo/units.geojson?level=oblast",
        "export_url": "/en/geo/units/?level=oblast",
    }


@pytest.mark.usefixtures("isolated_home")
def test_a_home_section_shows_its_units_as_a_table_beside_the_map(client):
    home.home_section(
        key="country",
        title=_("Oblasts and cities"),
        template="core/sections/country_overview.html",
        order=10,
        context=country_overview,
    )

    page = client.get("/en/").text

    assert '<h2 id="section-country">Oblasts and cities</h2>' in page
    assert 'data-geojson-url="/en/geo/units.geojson?level=oblast"' in page
    assert '<a href="/units/KG-B/">Batken oblast</a>' in page
    assert "605,283" in page
    assert "2026" in page and "2,026" not in page
    assert 'href="/en/geo/units/?level=oblast&amp;format=csv"' in page
    assert 'href="/en/geo/units/?level=oblast&amp;format=xlsx"' in page


@pytest.mark.usefixtures("isolated_home")
def test_populations_use_the_readers_thousands_separator(client):
    home.home_section(
        key="country",
        title=_("Oblasts and cities"),
        template="core/sections/country_overview.html",
        order=10,
        context=country_overview,
    )

    russian = client.get("/ru/").text

    assert "605\xa0283" in russian


@pytest.mark.usefixtures("isolated_home")
def test_a_home_section_whose_context_is_none_is_left_out(client):
    home.home_section(
        key="hidden",
        title=_("Hidden section"),
        template="core/sections/country_overview.html",
        order=10,
        context=lambda request: None,
    )

    assert "Hidden section" not in client.get("/en/").text


def test_the_home_page_reads_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        assert client.get("/en/").status_code == 200


def test_export_links_keep_the_filters_and_drop_the_page_number():
    template = Template('{% include "core/_export_links.html" %}')
    request = RequestFactory().get("/en/units/", {"level": "oblast", "page": "3"})

    html = template.render(Context({"request": request}))

    assert 'href="?level=oblast&amp;format=csv"' in html
    assert 'href="?level=oblast&amp;format=xlsx"' in html


def test_health_check_answers_ok_when_the_database_answers(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.text == "ok\n"


def test_health_check_answers_503_when_the_database_fails(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise ConnectionError("database is down")

    monkeypatch.setattr(connection, "cursor", broken_cursor)

    response = client.get("/healthz")

    assert response.status_code == 503


def test_the_root_follows_the_language_cookie(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"

    response = client.get("/", headers={"accept-language": "en"})

    assert response.status_code == 302
    assert response["Location"] == "/ru/"


def test_the_root_follows_the_browsers_language_without_a_cookie(client):
    response = client.get("/", headers={"accept-language": "en-GB,en;q=0.9"})

    assert response["Location"] == "/en/"


def test_the_root_defaults_to_the_configured_language(client, settings):
    assert client.get("/")["Location"] == f"/{settings.LANGUAGE_CODE}/"
    assert settings.LANGUAGE_CODE == "ky"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_missing_page_answers_404_in_the_readers_language(client, lang):
    response = client.get(f"/{lang}/no-such-page/")

    assert response.status_code == 404
    assert html_lang(response.text) == lang
    assert f'href="/{lang}/"' in response.text


def test_the_not_found_page_reads_in_english_for_an_english_reader(client):
    page = client.get("/en/no-such-page/").text

    assert "Page not found" in page


@pytest.mark.parametrize(
    ("handler", "status", "heading"),
    [
        (defaults.bad_request, 400, "Bad request"),
        (defaults.permission_denied, 403, "Access denied"),
    ],
)
def test_error_pages_render_their_own_message(handler, status, heading):
    request = RequestFactory().get("/en/anything/")
    with translation.override("en"):
        response = handler(request, Exception("boom"))

    assert response.status_code == status
    assert heading in response.content.decode()


def test_the_server_error_page_renders_without_a_request_context():
    with translation.override("ru"):
        response = defaults.server_error(RequestFactory().get("/ru/"))

    page = response.content.decode()
    assert response.status_code == 500
    assert html_lang(page) == "ru"
    assert 'href="/ru/"' in page


def test_a_form_posted_without_a_csrf_token_gets_the_expired_form_page():
    client = Client(enforce_csrf_checks=True)

    response = client.post("/en/", {"anything": "1"})

    assert response.status_code == 403
    assert "The form has expired" in response.text
    assert html_lang(response.text) == "en"


def test_the_sign_in_page_offers_no_second_sign_in_link(client):
    with translation.override("en"):
        login = reverse("orgs:login")

    page = client.get(login).text

    assert f'href="{login}?next=' not in page


@override_settings(ISHENIM_SITE_NAME="Community Safety Osh")
def test_the_server_error_page_carries_the_configured_site_name():
    page = defaults.server_error(RequestFactory().get("/en/")).content.decode()

    assert "Community Safety Osh" in page


def test_a_bad_request_of_ours_tells_the_reader_what_was_wrong(client):
    page = client.get("/en/geo/units.geojson?level=galaxy")

    assert page.status_code == 400
    assert "“galaxy” is not a level of the tree." in page.text


def test_a_security_refusal_keeps_its_technical_reason_out_of_the_page():
    from django.core.exceptions import SuspiciousOperation

    from ishenim.core.views import bad_request

    with translation.override("en"):
        response = bad_request(RequestFactory().get("/en/"), SuspiciousOperation("Invalid HOST"))

    assert response.status_code == 400
    assert "Invalid HOST" not in response.content.decode()


@pytest.mark.parametrize(
    ("lang", "title", "sign_in"),
    [
        ("ky", "Жамааттык коопсуздук — биргеликте", "Кирүү"),
        ("ru", "Вместе за безопасность", "Войти"),
        ("en", "Community safety, together", "Sign in"),
    ],
)
def test_the_home_page_speaks_the_language_of_its_address(client, lang, title, sign_in):
    """The compiled catalogues reach the page: `make` builds them before the suite runs."""
    page = client.get(f"/{lang}/").text

    assert f"<title>{title}" in page
    assert sign_in in page
