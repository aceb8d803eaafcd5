import sqlite3

import pytest
from django.conf import settings as django_settings
from django.core import checks
from django.db.utils import ConnectionHandler

from ishenim.core.checks import (
    deploy_environment_check,
    deploy_https_check,
    deploy_mail_check,
    sqlite_durability_check,
)


def _sqlite_handler(path, init_command: str) -> ConnectionHandler:
    return ConnectionHandler(
        {
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": str(path),
                "OPTIONS": {"init_command": init_command},
            }
        }
    )


def _project_init_command() -> str:
    """The settings' own pragmas when the suite runs on SQLite; on PostgreSQL, their text."""
    default = django_settings.DATABASES["default"]
    if default["ENGINE"].endswith("sqlite3"):
        return default["OPTIONS"]["init_command"]
    return "PRAGMA journal_mode=WAL;PRAGMA synchronous=FULL;PRAGMA foreign_keys=ON;"


@pytest.fixture
def scratch_database(django_db_blocker):
    """Connections of our own to files in tmp_path, not to the test database."""
    with django_db_blocker.unblock():
        yield


def _ids(messages) -> set[str]:
    return {message.id for message in messages}


def test_the_projects_sqlite_options_pass_the_durability_check(tmp_path, scratch_database):
    project = _sqlite_handler(tmp_path / "ishenim.sqlite3", _project_init_command())
    try:
        assert sqlite_durability_check(databases=["default"], connection_handler=project) == []
    finally:
        project.close_all()


def test_a_sqlite_database_without_wal_or_full_sync_is_warned_about(tmp_path, scratch_database):
    # A file that was never switched to WAL, opened with SQLite's default synchronous=FULL
    # turned down to NORMAL, as an overridden init_command would.
    handler = _sqlite_handler(tmp_path / "plain.sqlite3", "PRAGMA synchronous=NORMAL;")
    try:
        messages = sqlite_durability_check(databases=["default"], connection_handler=handler)
    finally:
        handler.close_all()

    assert _ids(messages) == {"core.W001", "core.W002"}
    assert all(isinstance(message, checks.Warning) for message in messages)


def test_wal_mode_alone_is_not_enough_without_full_sync(tmp_path, scratch_database):
    path = tmp_path / "wal.sqlite3"
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA journal_mode=WAL")
    handler = _sqlite_handler(path, "PRAGMA synchronous=NORMAL;")
    try:
        messages = sqlite_durability_check(databases=["default"], connection_handler=handler)
    finally:
        handler.close_all()

    assert _ids(messages) == {"core.W002"}


def test_the_in_memory_test_database_is_left_alone(db):
    assert sqlite_durability_check(databases=["default"]) == []


def test_the_durability_check_is_a_database_check_run_only_when_databases_are_given():
    registered = checks.registry.registry.get_checks()

    assert sqlite_durability_check in registered
    assert checks.Tags.database in sqlite_durability_check.tags


def test_deploy_checks_are_registered_for_deploy_only():
    deploy_only = set(checks.registry.registry.get_checks(include_deployment_checks=True)) - set(
        checks.registry.registry.get_checks()
    )

    assert {deploy_environment_check, deploy_https_check, deploy_mail_check} <= deploy_only


def test_deploy_check_warns_when_the_environment_is_not_production(settings):
    settings.ISHENIM_ENV = "development"

    assert _ids(deploy_environment_check()) == {"core.W101"}


@pytest.fixture
def production(settings):
    settings.ISHENIM_ENV = "production"
    settings.SECURE_SSL_REDIRECT = True
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.TRUSTED_PROXY_COUNT = 0
    settings.CSRF_TRUSTED_ORIGINS = ["https://ishenim.example.kg"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    return settings


def test_a_production_configured_for_https_passes_the_deploy_checks(production):
    assert deploy_environment_check() == []
    assert deploy_https_check() == []
    assert deploy_mail_check() == []


def test_production_without_https_settings_warns_naming_them(production):
    production.SECURE_SSL_REDIRECT = False
    production.SESSION_COOKIE_SECURE = False

    messages = deploy_https_check()

    assert _ids(messages) == {"core.W102"}
    assert "SECURE_SSL_REDIRECT" in messages[0].msg
    assert "SECURE_COOKIES" in messages[0].msg
    assert "SECURE_HSTS_SECONDS" not in messages[0].msg


def test_a_tls_proxy_the_platform_is_not_told_about_would_redirect_forever(production):
    production.TRUSTED_PROXY_COUNT = 1

    assert _ids(deploy_https_check()) == {"core.W103"}

    production.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert deploy_https_check() == []


def test_plain_http_csrf_origins_are_warned_about_in_production(production):
    production.CSRF_TRUSTED_ORIGINS = ["http://ishenim.example.kg"]

    assert _ids(deploy_https_check()) == {"core.W104"}


def test_production_mail_to_the_console_is_warned_about(production):
    production.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

    assert _ids(deploy_mail_check()) == {"core.W105"}
