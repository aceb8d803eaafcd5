"""Two-factor sign-in with real TOTP codes computed from the device's key."""

import json
import time
from base64 import b32encode

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ishenim.core.models import AuditEntry
from ishenim.orgs import services
from ishenim.orgs.views import PENDING_SIGN_IN

LOGIN = "/en/accounts/login/"
ENROL = "/en/accounts/two-factor/"
VERIFY = "/en/accounts/two-factor/verify/"


def code_for(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """What the phone would show now (or `steps_ahead` periods later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    valid = {code_for(device, steps_ahead=step) for step in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)


def _device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def test_enrolment_shows_a_qr_code_and_the_key_and_confirms_with_a_real_code(client_for, cast):
    client = client_for(cast.bakyt)
    page = client.get(ENROL)
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=cast.bakyt)
    assert not device.confirmed
    secret = b32encode(device.bin_key).decode()
    html = page.content.decode()
    assert "<svg" in html
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in html
    assert 'style="' not in html  # the Content-Security-Policy forbids inline styles

    refused = client.post(ENROL, {"token": wrong_code(device)})
    assert refused.status_code == 200
    assert b"That code is not right" in refused.content
    device.refresh_from_db()
    assert not device.confirmed

    # The throttle of a wrong code delays the next try; a real user waits, the test rewinds.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    accepted = client.post(ENROL, {"token": code_for(device)})
    # The backup codes are shown once, right after the app is confirmed.
    assert accepted.status_code == 200
    codes = list(
        StaticToken.objects.filter(device__user=cast.bakyt).values_list("token", flat=True)
    )
    assert len(codes) == 10
    assert all(code in accepted.content.decode() for code in codes)
    assert f'href="{reverse("orgs:profile")}"' in accepted.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    entry = AuditEntry.objects.get(action="two_factor_enrolled")
    dumped = json.dumps(entry.changes) + entry.actor_label
    assert secret not in dumped and device.key not in dumped
    # The session that enrolled counts as verified.
    assert client.get(reverse("orgs:two_factor_enrol")).status_code == 200
    assert b"Signing in to your account asks for a code" in client.get(ENROL).content


def test_enrolment_needs_a_signed_in_user(client, db):
    response = client.get(ENROL)
    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/?next=")


def test_enrolment_rejects_a_malformed_code(client_for, cast):
    client = client_for(cast.bakyt)
    client.get(ENROL)
    response = client.post(ENROL, {"token": "12ab"})
    assert response.status_code == 200
    assert b"Type the six digits your app shows" in response.content


def test_only_the_owner_sets_up_their_two_factor(cast):
    with pytest.raises(PermissionDenied):
        services.two_factor_enrol_begin(user=cast.bakyt, actor=cast.administrator)


def test_with_a_device_signing_in_takes_the_password_then_the_code(client, cast):
    device = _device(cast.erlan)
    response = client.post(
        f"{LOGIN}?next=/en/organisations/",
        {"login": "erlan@example.org", "password": cast.password, "next": "/en/organisations/"},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    # Not signed in yet: only the pending step is remembered.
    assert SESSION_KEY not in client.session
    assert client.get(reverse("core:my_work")).status_code == 302

    page = client.get(response["Location"])
    assert page.status_code == 200
    refused = client.post(VERIFY, {"token": wrong_code(device), "next": "/en/organisations/"})
    assert b"That code is not right" in refused.content
    assert SESSION_KEY not in client.session

    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    done = client.post(VERIFY, {"token": code_for(device), "next": "/en/organisations/"})
    assert done.status_code == 302
    assert done["Location"] == "/en/organisations/"
    assert client.session[SESSION_KEY] == str(cast.erlan.pk)
    assert PENDING_SIGN_IN not in client.session
    entry = AuditEntry.objects.filter(action="signed_in").last()
    assert entry.changes == {"second_factor": True}


def test_a_code_cannot_be_used_twice(client, cast):
    device = _device(cast.erlan)
    code = code_for(device)
    client.post(LOGIN, {"login": "erlan@example.org", "password": cast.password})
    client.post(VERIFY, {"token": code})
    client.post(reverse("orgs:logout"))
    client.post(LOGIN, {"login": "erlan@example.org", "password": cast.password})
    replay = client.post(VERIFY, {"token": code})
    assert replay.status_code == 200
    assert SESSION_KEY not in client.session


def test_the_code_step_without_a_password_step_goes_back_to_sign_in(client, db):
    response = client.get(VERIFY)
    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/")


def test_a_pending_sign_in_expires(client, cast):
    device = _device(cast.erlan)
    client.post(LOGIN, {"login": "erlan@example.org", "password": cast.password})
    session = client.session
    session[PENDING_SIGN_IN]["at"] -= 3600
    session.save()
    response = client.post(VERIFY, {"token": code_for(device)})
    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/")
    assert SESSION_KEY not in client.session


@pytest.mark.parametrize("language", ["en", "ru", "ky"])
def test_administrators_without_a_device_are_sent_to_enrol(client, cast, language):
    client.post(LOGIN, {"login": "admin@example.org", "password": cast.password})
    assert client.session[SESSION_KEY] == str(cast.administrator.pk)
    response = client.get(f"/{language}/work/")
    assert response.status_code == 302
    assert response["Location"] == f"/{language}/accounts/two-factor/?next=%2F{language}%2Fwork%2F"
    # The enrolment page itself is exempt: no redirect loop, in any language.
    assert client.get(f"/{language}/accounts/two-factor/").status_code == 200
    assert client.get(f"/{language}/admin/").status_code == 302


def test_an_administrator_with_a_device_must_show_a_code_before_any_page(client, cast):
    device = _device(cast.administrator)
    client.force_login(cast.administrator)  # a session that skipped the code step
    response = client.get("/en/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    done = client.post(VERIFY, {"token": code_for(device), "next": "/en/admin/"})
    assert done["Location"] == "/en/admin/"
    assert client.get("/en/admin/").status_code == 200


def test_people_who_need_no_second_factor_are_not_redirected(client_for, cast):
    assert client_for(cast.bakyt).get("/en/work/").status_code == 200


def test_a_backup_code_signs_in_once_in_any_case_when_the_phone_is_lost(client, cast):
    _device(cast.erlan)
    codes = services.two_factor_backup_codes_renew(user=cast.erlan, actor=cast.erlan)

    client.post(LOGIN, {"login": "erlan@example.org", "password": cast.password})
    done = client.post(VERIFY, {"token": codes[0].upper()})
    assert done.status_code == 302
    assert client.session[SESSION_KEY] == str(cast.erlan.pk)

    client.post(reverse("orgs:logout"))
    client.post(LOGIN, {"login": "erlan@example.org", "password": cast.password})
    replay = client.post(VERIFY, {"token": codes[0]})
    assert replay.status_code == 200
    assert SESSION_KEY not in client.session
    assert StaticToken.objects.filter(device__user=cast.erlan).count() == len(codes) - 1


def test_new_backup_codes_replace_the_old_and_are_never_written_to_the_audit_log(cast):
    old = services.two_factor_backup_codes_renew(user=cast.erlan, actor=cast.erlan)
    new = services.two_factor_backup_codes_renew(user=cast.erlan, actor=cast.erlan)

    stored = set(
        StaticToken.objects.filter(device__user=cast.erlan).values_list("token", flat=True)
    )
    assert stored == set(new)
    assert not stored & set(old)
    entries = json.dumps(list(AuditEntry.objects.values()), default=str)
    assert not any(code in entries for code in old + new)


def test_making_new_backup_codes_needs_a_session_that_showed_a_second_factor(client_for, cast):
    client = client_for(cast.bakyt)  # signed in with the password only, no device yet
    refused = client.post(reverse("orgs:backup_codes_renew"))
    assert refused.status_code == 302
    assert not StaticToken.objects.filter(device__user=cast.bakyt).exists()

    _device(cast.administrator)
    verified = client_for(cast.administrator)
    page = verified.post(reverse("orgs:backup_codes_renew"))
    assert page.status_code == 200
    assert StaticToken.objects.filter(device__user=cast.administrator).count() == 10
    assert verified.get(reverse("orgs:backup_codes_renew")).status_code == 405
