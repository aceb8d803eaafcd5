"""The settings module, imported as a server would import it: in a fresh process, from the
environment only."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

import ishenim
from ishenim.settings.env import env_bool, env_int, env_secret
from ishenim.settings.mail import email_settings

PROJECT_DIR = Path(ishenim.__file__).resolve().parent.parent
GOOD_KEY = "k" * 30 + "-production-key-" + "z" * 20


def _import_settings(tmp_path, **environment) -> subprocess.CompletedProcess:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("ISHENIM_", "DJANGO_", "SECRET_KEY", "DATABASE_"))
        and name not in ("DEBUG", "ALLOWED_HOSTS", "EMAIL_URL")
    }
    env["ISHENIM_DATA_DIR"] = str(tmp_path / "data")
    env.update(environment)
    return subprocess.run(
        [sys.executable, "-c", "import ishenim.settings"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _production(**overrides) -> dict:
    return {
        "ISHENIM_ENV": "production",
        "SECRET_KEY": GOOD_KEY,
        "ALLOWED_HOSTS": "ishenim.example.kg",
        **overrides,
    }


def test_a_correct_production_environment_imports(tmp_path):
    result = _import_settings(tmp_path, **_production())

    assert result.returncode == 0, result.stderr


def test_production_refuses_debug(tmp_path):
    result = _import_settings(tmp_path, **_production(DEBUG="1"))

    assert result.returncode != 0
    assert "DEBUG must be off in production" in result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    environment = _production()
    del environment["SECRET_KEY"]

    result = _import_settings(tmp_path, **environment)

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    "key",
    ["dev-" + "x" * 60, "django-insecure-" + "x" * 50, "short-but-not-dev"],
    ids=["development", "django-insecure", "too-short"],
)
def test_production_refuses_a_development_or_weak_key(tmp_path, key):
    result = _import_settings(tmp_path, **_production(SECRET_KEY=key))

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_the_key_generated_for_development(tmp_path):
    # A laptop's data folder copied to a server brings its development key along.
    (tmp_path / "data").mkdir()
    generated = "k" * 70
    (tmp_path / "data" / "secret_key").write_text(generated)

    result = _import_settings(tmp_path, **_production(SECRET_KEY=generated))

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_reads_the_key_from_a_file(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text(GOOD_KEY + "\n")
    environment = _production(SECRET_KEY_FILE=str(key_file))
    del environment["SECRET_KEY"]

    assert _import_settings(tmp_path, **environment).returncode == 0


def test_production_refuses_to_start_without_allowed_hosts(tmp_path):
    environment = _production()
    del environment["ALLOWED_HOSTS"]

    result = _import_settings(tmp_path, **environment)

    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_a_malformed_boolean_stops_the_start_naming_the_variable(tmp_path):
    result = _import_settings(tmp_path, **_production(SECURE_SSL_REDIRECT="maybe"))

    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT" in result.stderr


def test_development_generates_its_key_once_into_the_data_folder(tmp_path):
    assert _import_settings(tmp_path).returncode == 0
    key_file = tmp_path / "data" / "secret_key"
    first = key_file.read_text()

    assert _import_settings(tmp_path).returncode == 0

    assert first.startswith("dev-")
    assert key_file.read_text() == first
    assert key_file.stat().st_mode & 0o077 == 0  # readable by its owner only


# --- The readers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), ("true", True), ("YES", True), (" on ", True), ("0", False), ("off", False)],
)
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("ISHENIM_TEST_FLAG", raw)

    assert env_bool("ISHENIM_TEST_FLAG", default=not expected) is expected


def test_env_bool_gives_the_default_when_the_variable_is_unset(monkeypatch):
    monkeypatch.delenv("ISHENIM_TEST_FLAG", raising=False)

    assert env_bool("ISHENIM_TEST_FLAG", default=True) is True


@pytest.mark.parametrize("raw", ["maybe", "2", "yes please", "ture"])
def test_env_bool_fails_loudly_on_anything_else(monkeypatch, raw):
    monkeypatch.setenv("ISHENIM_TEST_FLAG", raw)

    with pytest.raises(ImproperlyConfigured) as raised:
        env_bool("ISHENIM_TEST_FLAG", default=False)

    assert "ISHENIM_TEST_FLAG" in str(raised.value)
    assert raw in str(raised.value)


def test_env_int_fails_loudly_on_a_word(monkeypatch):
    monkeypatch.setenv("ISHENIM_TEST_NUMBER", "ten")

    with pytest.raises(ImproperlyConfigured):
        env_int("ISHENIM_TEST_NUMBER", 1)


def test_env_secret_reads_the_file_named_by_name_file(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n")
    monkeypatch.delenv("ISHENIM_TEST_SECRET", raising=False)
    monkeypatch.setenv("ISHENIM_TEST_SECRET_FILE", str(secret))

    assert env_secret("ISHENIM_TEST_SECRET") == "s3cret"


def test_env_secret_fails_loudly_on_an_unreadable_file(monkeypatch, tmp_path):
    monkeypatch.delenv("ISHENIM_TEST_SECRET", raising=False)
    monkeypatch.setenv("ISHENIM_TEST_SECRET_FILE", str(tmp_path / "missing"))

    with pytest.raises(ImproperlyConfigured):
        env_secret("ISHENIM_TEST_SECRET")


# --- EMAIL_URL ------------------------------------------------------------------------------


def test_email_url_smtp_with_starttls_and_an_encoded_password():
    mail = email_settings("smtp://ishenim%40mail.kg:p%40ss%3Aword@mail.example.kg:587?tls=1")

    assert mail["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert mail["EMAIL_HOST"] == "mail.example.kg"
    assert mail["EMAIL_PORT"] == 587
    assert mail["EMAIL_HOST_USER"] == "ishenim@mail.kg"
    assert mail["EMAIL_HOST_PASSWORD"] == "p@ss:word"
    assert mail["EMAIL_USE_TLS"] is True
    assert mail["EMAIL_USE_SSL"] is False
    assert mail["EMAIL_TIMEOUT"] == 10


def test_email_url_smtps_defaults_to_port_465_and_ssl():
    mail = email_settings("smtps://user:secret@mail.example.kg?timeout=30")

    assert (mail["EMAIL_PORT"], mail["EMAIL_USE_SSL"], mail["EMAIL_USE_TLS"]) == (465, True, False)
    assert mail["EMAIL_TIMEOUT"] == 30


def test_email_url_plain_smtp_relay_defaults_to_port_25_without_login():
    mail = email_settings("smtp://relay.local")

    assert (mail["EMAIL_HOST"], mail["EMAIL_PORT"], mail["EMAIL_HOST_USER"]) == (
        "relay.local",
        25,
        "",
    )


def test_email_url_console_and_file():
    assert email_settings("console://")["EMAIL_BACKEND"].endswith("console.EmailBackend")
    mail = email_settings("file:///var/lib/ishenim/mail")
    assert mail["EMAIL_BACKEND"].endswith("filebased.EmailBackend")
    assert mail["EMAIL_FILE_PATH"] == "/var/lib/ishenim/mail"


@pytest.mark.parametrize(
    "url",
    [
        "sendmail://localhost",
        "smtp://user:hunter2@mail.example.kg:abc",
        "smtp://user:hunter2@mail.example.kg?tls=maybe",
        "smtps://user:hunter2@mail.example.kg?tls=1",
        "smtp://user:hunter2@mail.example.kg?timeout=soon",
    ],
)
def test_a_malformed_email_url_fails_loudly_without_repeating_the_password(url):
    with pytest.raises(ImproperlyConfigured) as raised:
        email_settings(url)

    assert "hunter2" not in str(raised.value)
