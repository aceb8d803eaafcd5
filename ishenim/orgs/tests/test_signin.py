"""Signing in: email or phone, Argon2, the throttle, the audit trail, safe redirects."""

import logging
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from ishenim.core.models import AuditEntry
from ishenim.orgs import services
from ishenim.orgs.models import LoginAttempt

LOGIN = "/en/accounts/login/"


def _sign_in(client, login, password, **extra):
    return client.post(LOGIN, {"login": login, "password": password}, **extra)


def _signed_in_as(client):
    return client.session.get(SESSION_KEY)


def _actions(user) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_type="orgs.user", object_id=str(user.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


def test_the_real_settings_hash_passwords_with_argon2_first():
    import ishenim.settings as real

    assert real.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_the_login_page_shows_one_field_for_email_or_phone(client, db):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert b"Email or phone number" in response.content
    assert b'name="login"' in response.content
    assert b'name="password"' in response.content


@pytest.mark.parametrize("login", ["bakyt@example.org", "BAKYT@Example.ORG", " bakyt@example.org "])
def test_sign_in_with_email_in_any_case(client, cast, login):
    response = _sign_in(client, login, cast.password)
    assert response.status_code == 302
    assert response["Location"] == reverse("core:my_work")
    assert _signed_in_as(client) == str(cast.bakyt.pk)


@pytest.mark.parametrize(
    "login", ["+996 555 100 002", "0555 100002", "996555100002", "555-10-00-02", "(0555) 10 00 02"]
)
def test_sign_in_with_phone_in_any_spelling(client, cast, login):
    response = _sign_in(client, login, cast.password)
    assert response.status_code == 302
    assert _signed_in_as(client) == str(cast.bakyt.pk)


def test_a_successful_sign_in_is_recorded_and_audited(client, cast):
    _sign_in(client, "bakyt@example.org", cast.password, REMOTE_ADDR="10.1.2.3")
    attempt = LoginAttempt.objects.get(user=cast.bakyt)
    assert attempt.succeeded
    assert attempt.ip == "10.1.2.3"
    assert "signed_in" in _actions(cast.bakyt)
    entry = AuditEntry.objects.filter(action="signed_in").last()
    # Bakyt is staff: his address is kept with the entry.
    assert entry.ip == "10.1.2.3"


def test_a_wrong_password_is_refused_logged_and_audited(client, cast, caplog):
    with caplog.at_level(logging.WARNING, logger="ishenim.orgs.signin"):
        response = _sign_in(client, "bakyt@example.org", "not-the-password")
    assert response.status_code == 200
    assert b"do not match an active account" in response.content
    assert _signed_in_as(client) is None
    assert LoginAttempt.objects.filter(user=cast.bakyt, succeeded=False).count() == 1
    assert "sign_in_failed" in _actions(cast.bakyt)
    assert "Failed sign-in" in caplog.text
    # Neither the login nor the password is written to the log.
    assert "bakyt@example.org" not in caplog.text
    assert "not-the-password" not in caplog.text


def test_an_unknown_login_is_refused_like_a_wrong_password(client, cast):
    response = _sign_in(client, "nobody@example.org", cast.password)
    assert b"do not match an active account" in response.content
    attempt = LoginAttempt.objects.get()
    assert attempt.user is None and not attempt.succeeded


def test_the_login_is_stored_only_as_a_digest(client, cast):
    _sign_in(client, "Bakyt@example.org", "wrong")
    _sign_in(client, "+996 555 100 002", "wrong")
    digests = set(LoginAttempt.objects.values_list("login_digest", flat=True))
    assert len(next(iter(digests))) == 64
    assert "bakyt" not in "".join(digests)
    # Different spellings of one login count as one.
    assert services.login_digest("BAKYT@example.org ") == services.login_digest("bakyt@example.org")
    assert services.login_digest("0555 100 002") == services.login_digest("+996555100002")


def test_a_deactivated_account_cannot_sign_in(client, cast):
    services.user_deactivate(user=cast.bakyt, actor=None)
    _sign_in(client, "bakyt@example.org", cast.password)
    assert _signed_in_as(client) is None


@override_settings(LOGIN_FAILURE_LIMIT=3, LOGIN_FAILURE_WINDOW_MINUTES=15)
def test_after_too_many_failures_even_the_right_password_is_refused(client, cast, caplog):
    for _attempt in range(3):
        _sign_in(client, "bakyt@example.org", "wrong")
    with caplog.at_level(logging.WARNING, logger="ishenim.orgs.signin"):
        response = _sign_in(client, "0555 100 002", cast.password)
    assert response.status_code == 200
    assert b"Too many failed attempts. Try again in 15 minutes." in response.content
    assert _signed_in_as(client) is None
    assert "sign_in_throttled" in _actions(cast.bakyt)
    assert "Sign-in refused" in caplog.text
    # Another account is not affected.
    assert _sign_in(Client(), "erlan@example.org", cast.password).status_code == 302


@override_settings(LOGIN_FAILURE_LIMIT=3, LOGIN_FAILURE_WINDOW_MINUTES=15)
def test_failures_older_than_the_window_do_not_count(client, cast):
    long_ago = timezone.now() - timedelta(minutes=16)
    for _attempt in range(5):
        LoginAttempt.objects.create(
            at=long_ago,
            login_digest=services.login_digest("bakyt@example.org"),
            user=cast.bakyt,
            succeeded=False,
        )
    assert _sign_in(client, "bakyt@example.org", cast.password).status_code == 302


@override_settings(LOGIN_FAILURE_LIMIT=3, LOGIN_FAILURE_WINDOW_MINUTES=15)
def test_the_wait_shortens_as_failures_leave_the_window(client, cast):
    digest = services.login_digest("bakyt@example.org")
    for minutes_ago in (12, 11, 10):
        LoginAttempt.objects.create(
            at=timezone.now() - timedelta(minutes=minutes_ago),
            login_digest=digest,
            user=cast.bakyt,
            succeeded=False,
        )
    response = _sign_in(client, "bakyt@example.org", cast.password)
    # The oldest of the three leaves the window in three minutes.
    assert b"Try again in 3 minutes." in response.content


@override_settings(LOGIN_FAILURE_LIMIT=2, LOGIN_FAILURE_WINDOW_MINUTES=15)
def test_one_address_guessing_at_many_accounts_is_throttled(cast):
    guesser = Client(REMOTE_ADDR="203.0.113.9")
    logins = [f"person{n}@example.org" for n in range(8)]  # 4 × the limit of 2
    for login in logins:
        _sign_in(guesser, login, "123456")
    response = _sign_in(guesser, "erlan@example.org", cast.password)
    assert b"Too many failed attempts" in response.content
    assert _signed_in_as(guesser) is None
    # Erlan himself, from elsewhere, still gets in.
    assert (
        _sign_in(Client(REMOTE_ADDR="198.51.100.7"), "erlan@example.org", cast.password).status_code
        == 302
    )


@override_settings(LOGIN_FAILURE_LIMIT=3, LOGIN_FAILURE_WINDOW_MINUTES=15)
def test_a_success_resets_its_own_login_but_not_the_others(cast):
    office = Client(REMOTE_ADDR="192.0.2.50")
    _sign_in(office, "bakyt@example.org", "wrong")
    _sign_in(office, "bakyt@example.org", "wrong")
    _sign_in(office, "erlan@example.org", "wrong")
    _sign_in(office, "erlan@example.org", "wrong")
    assert _sign_in(office, "bakyt@example.org", cast.password).status_code == 302
    # Bakyt starts afresh after his success...
    elsewhere = Client(REMOTE_ADDR="192.0.2.51")
    _sign_in(elsewhere, "bakyt@example.org", "wrong")
    _sign_in(elsewhere, "bakyt@example.org", "wrong")
    assert _sign_in(Client(), "bakyt@example.org", cast.password).status_code == 302
    # ...but Erlan's two failures still count: one more and he must wait.
    _sign_in(elsewhere, "erlan@example.org", "wrong")
    response = _sign_in(Client(), "erlan@example.org", cast.password)
    assert b"Too many failed attempts" in response.content


@override_settings(LOGIN_FAILURE_LIMIT=2, LOGIN_FAILURE_WINDOW_MINUTES=15)
def test_a_success_does_not_reset_the_count_of_its_address(cast):
    guesser = Client(REMOTE_ADDR="203.0.113.10")
    for n in range(7):
        _sign_in(guesser, f"victim{n}@example.org", "guess")
    # The guesser's own account signs in fine...
    assert _sign_in(guesser, "aida@example.org", cast.password).status_code == 302
    guesser.post(reverse("orgs:logout"))
    _sign_in(guesser, "victim7@example.org", "guess")
    # ...but does not buy more guesses from this address.
    response = _sign_in(guesser, "erlan@example.org", cast.password)
    assert b"Too many failed attempts" in response.content


def test_next_is_honoured_when_it_stays_on_the_site(client, cast):
    response = client.post(
        f"{LOGIN}?next=/en/organisations/",
        {"login": "bakyt@example.org", "password": cast.password, "next": "/en/organisations/"},
    )
    assert response["Location"] == "/en/organisations/"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/steal", "javascript:alert(1)"]
)
def test_next_pointing_away_from_the_site_is_refused(client, cast, target):
    response = client.post(
        LOGIN, {"login": "bakyt@example.org", "password": cast.password, "next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("core:my_work")


def test_the_login_page_refuses_an_empty_form(client, db):
    response = client.post(LOGIN, {"login": "", "password": ""})
    assert response.status_code == 200
    assert b"This field is required." in response.content
    assert not LoginAttempt.objects.exists()


def test_signing_out_is_post_only(client_for, cast):
    client = client_for(cast.bakyt)
    assert client.get(reverse("orgs:logout")).status_code == 405
    assert _signed_in_as(client) == str(cast.bakyt.pk)
    response = client.post(reverse("orgs:logout"))
    assert response.status_code == 302
    assert _signed_in_as(client) is None


def test_the_admin_site_sends_people_to_the_platforms_sign_in_page(client, db):
    response = client.get("/en/admin/")
    assert response.status_code == 302
    follow = client.get(response["Location"])
    assert follow.status_code == 302
    assert follow["Location"].startswith("/en/accounts/login/?next=")
