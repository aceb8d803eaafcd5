import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory, override_settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ishenim.core import navigation

STAFF_EMAIL = "officer@example.kg"


def staff_by_email(user) -> bool:
    """Stands in for orgs' predicate: these tests are about the menu, not about roles."""
    return user.email == STAFF_EMAIL


pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("isolated_menu", "english"),
]


@pytest.fixture
def english():
    # The requests below are built by hand, so no middleware activates their language.
    with translation.override("en"):
        yield


@pytest.fixture
def isolated_menu(monkeypatch):
    # The registry is process-wide; each test works on a copy of what the apps registered.
    monkeypatch.setattr(navigation, "_entries", dict(navigation._entries))


@pytest.fixture
def officer():
    return get_user_model().objects.create_user(
        email=STAFF_EMAIL, password="pw-officer-123", full_name="Bakyt Officer"
    )


@pytest.fixture
def resident():
    return get_user_model().objects.create_user(
        email="resident@example.kg", password="pw-resident-123", full_name="Aida Resident"
    )


def request_for(user, path="/en/"):
    request = RequestFactory().get(path)
    request.user = user
    return request


def labels(links):
    return [str(link.label) for link in links]


@override_settings(ISHENIM_STAFF_PREDICATE="ishenim.core.tests.test_navigation.staff_by_email")
def test_staff_entries_are_shown_to_staff_only(officer, resident):
    navigation.nav_entry(
        url_name="admin:index", label=_("Administration"), order=50, audience="staff"
    )

    assert "Administration" in labels(navigation.nav_for(request_for(officer)))
    assert "Administration" not in labels(navigation.nav_for(request_for(resident)))
    assert "Administration" not in labels(navigation.nav_for(request_for(AnonymousUser())))


def test_signed_in_entries_are_hidden_from_anonymous_visitors(resident):
    anonymous = labels(navigation.nav_for(request_for(AnonymousUser())))
    signed_in = labels(navigation.nav_for(request_for(resident)))

    assert "My work" not in anonymous
    assert "My work" in signed_in
    assert "Home" in anonymous


def test_a_callable_audience_decides_per_user(officer, resident):
    navigation.nav_entry(
        url_name="core:about",
        label=_("Only for Aida"),
        order=60,
        audience=lambda user: user.full_name.startswith("Aida"),
    )

    assert "Only for Aida" in labels(navigation.nav_for(request_for(resident)))
    assert "Only for Aida" not in labels(navigation.nav_for(request_for(officer)))


def test_links_come_in_their_registered_order(resident):
    navigation.nav_entry(url_name="core:about", label=_("Late"), order=99)
    navigation.nav_entry(url_name="admin:index", label=_("Early"), order=-5)

    names = labels(navigation.nav_for(request_for(resident)))

    assert names.index("Early") < names.index("Home") < names.index("My work") < names.index("Late")


def test_the_page_being_read_is_marked_current(resident):
    links = navigation.nav_for(request_for(resident, path="/en/work/"))

    current = [link.url_name for link in links if link.current]
    assert current == ["core:my_work"]


def test_registering_an_entry_again_replaces_it_instead_of_showing_it_twice(resident):
    navigation.nav_entry(url_name="core:home", label=_("Start"), order=0)

    names = labels(navigation.nav_for(request_for(resident)))

    assert names.count("Start") == 1
    assert "Home" not in names


def test_menus_are_kept_apart_by_group(resident):
    footer = labels(navigation.nav_for(request_for(resident), group="footer"))

    assert "About Ishenim" in footer
    assert "Home" not in footer


def test_an_unknown_audience_is_refused():
    with pytest.raises(ValueError, match="audience"):
        navigation.nav_entry(url_name="core:home", label=_("Home"), order=0, audience="officers")


def test_the_system_check_names_an_entry_whose_url_does_not_exist():
    navigation.nav_entry(url_name="nowhere:page", label=_("Nowhere"), order=1)

    errors = navigation.check_nav_entries(None)

    assert [error.id for error in errors] == ["ishenim.core.E101"]
    assert "nowhere:page" in errors[0].msg


def test_the_registered_core_entries_all_resolve():
    assert navigation.check_nav_entries(None) == []


@override_settings(ISHENIM_STAFF_PREDICATE="ishenim.core.tests.test_navigation.staff_by_email")
def test_the_page_shows_staff_links_to_staff_only(client, officer, resident):
    navigation.nav_entry(
        url_name="admin:index", label=_("Administration"), order=50, audience="staff"
    )

    client.force_login(resident)
    assert "Administration" not in client.get("/en/").text
    client.force_login(officer)
    assert "Administration" in client.get("/en/").text
