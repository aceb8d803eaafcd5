"""Shared pytest fixtures: the real Kyrgyz geography for the whole suite, and the test cast.

- The test database is migrated and the shipped reference geography loaded once per test
  session (once per pytest-xdist worker): every test sees the real units and boundaries,
  and each test's own writes roll back.
- `transactional_db` tests (live_server, browser tests) end by emptying every table, the
  geography with them; the autouse `reference_geography` fixture loads it again before the
  next test that uses the database, so test order never matters.
- `cast` builds Aida, Bakyt, Chynara, Dilnoza, Erlan and an administrator (orgs.testing).
- `client_for(user)` is a Django test client signed in as `user`. For users who must show a
  second factor (administrators, superusers) it also gives them a confirmed TOTP device and
  stores it in the session as django_otp.login() would, so the session counts as verified
  and the two-factor middleware lets the test through. Tests of the two-factor flow itself
  use a plain `client` and real codes instead.
"""

import os

import pytest
from django.test import Client

from ishenim.orgs.testing import Cast, cast_create

_DB_FIXTURES = {"db", "transactional_db", "live_server", "django_db_reset_sequences"}


def _reference_load_if_missing() -> None:
    from ishenim.geo.models import AdminUnit
    from ishenim.geo.services import reference_load

    if not AdminUnit.objects.exists():
        reference_load()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        _reference_load_if_missing()


@pytest.fixture(autouse=True)
def reference_geography(request):
    """Puts the geography back after a transactional test emptied the tables."""
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if marker is None and not names & _DB_FIXTURES:
        return
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
        names & {"transactional_db", "live_server"}
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    _reference_load_if_missing()


@pytest.fixture
def cast(db) -> Cast:
    return cast_create()


@pytest.fixture
def aida(cast):
    return cast.aida


@pytest.fixture
def bakyt(cast):
    return cast.bakyt


@pytest.fixture
def chynara(cast):
    return cast.chynara


@pytest.fixture
def dilnoza(cast):
    return cast.dilnoza


@pytest.fixture
def erlan(cast):
    return cast.erlan


@pytest.fixture
def administrator(cast):
    return cast.administrator


@pytest.fixture
def client_for(db):
    def signed_in(user) -> Client:
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from ishenim.orgs import policy

        client = Client()
        client.force_login(user)
        if policy.requires_two_factor(user):
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            if device is None:
                device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
        return client

    return signed_in


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium through Playwright, once per test module (`make test` installs it:
    ishenim.core.browser_setup)."""
    from playwright.sync_api import sync_playwright

    from ishenim.core.browser_setup import CHROMIUM, CHROMIUM_ARGS

    # Playwright's sync API runs an event loop in this thread; Django would take the ORM
    # calls of the test for async ones although nothing else touches the connection.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    try:
        yield chromium
    finally:
        chromium.close()
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous
