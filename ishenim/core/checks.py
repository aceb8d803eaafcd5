"""System checks of the platform's own settings (`ishenim check`, `ishenim check --deploy`).

Registered in CoreConfig.ready(). The durability check reads the live database connection,
so it is tagged `database`: `ishenim migrate` runs it, and so does
`ishenim check --database default`.
"""

from django.conf import settings
from django.core.checks import Tags, Warning, register
from django.db import DatabaseError, connections

# PRAGMA synchronous answers a number: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA.
_SYNCHRONOUS_FULL = 2
_TEST_EMAIL_BACKENDS = (
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
)


def checks_register() -> None:
    register(sqlite_durability_check, Tags.database)
    register(deploy_environment_check, Tags.security, deploy=True)
    register(deploy_https_check, Tags.security, deploy=True)
    register(deploy_mail_check, Tags.security, deploy=True)


def _in_memory(settings_dict: dict) -> bool:
    name = str(settings_dict.get("NAME") or "")
    test_name = str((settings_dict.get("TEST") or {}).get("NAME") or "")
    return ":memory:" in (name, test_name) or "mode=memory" in name


def sqlite_durability_check(app_configs=None, databases=None, *, connection_handler=None, **kw):
    """A SQLite database must run in WAL mode with synchronous=FULL.

    WAL lets pages read while an appeal is written; FULL is what makes a commit survive a
    power cut, which NORMAL does not promise in WAL mode. A district office PC has no UPS.
    """
    handler = connection_handler or connections
    messages = []
    for alias in databases or ():
        connection = handler[alias]
        if connection.vendor != "sqlite" or _in_memory(connection.settings_dict):
            continue
        try:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA journal_mode")
                journal_mode = str(cursor.fetchone()[0]).lower()
                cursor.execute("PRAGMA synchronous")
                synchronous = int(cursor.fetchone()[0])
        except DatabaseError:
            # An unreachable database is reported by the commands that need it.
            continue
        if journal_mode != "wal":
            messages.append(
                Warning(
                    f"The SQLite database '{alias}' runs in journal mode {journal_mode!r}, "
                    "not WAL: readers wait for writers and pages stall.",
                    hint="Keep PRAGMA journal_mode=WAL in DATABASES OPTIONS init_command.",
                    id="core.W001",
                )
            )
        if synchronous < _SYNCHRONOUS_FULL:
            messages.append(
                Warning(
                    f"The SQLite database '{alias}' runs with synchronous={synchronous}, below "
                    "FULL (2): the last commits can be lost on a power cut.",
                    hint="Keep PRAGMA synchronous=FULL in DATABASES OPTIONS init_command.",
                    id="core.W002",
                )
            )
    return messages


def deploy_environment_check(app_configs=None, **kwargs):
    if settings.ISHENIM_ENV != "production":
        return [
            Warning(
                f"ISHENIM_ENV is {settings.ISHENIM_ENV!r}: the deployment checks assume "
                "production, whose defaults (HTTPS, secure cookies, live delivery) are not on.",
                hint="Set ISHENIM_ENV=production on a server that people use.",
                id="core.W101",
            )
        ]
    return []


def deploy_https_check(app_configs=None, **kwargs):
    """Production without HTTPS sends passwords, sessions and residents' appeals in clear."""
    if settings.ISHENIM_ENV != "production":
        return []
    messages = []
    missing = [
        variable
        for variable, on in (
            ("SECURE_SSL_REDIRECT", settings.SECURE_SSL_REDIRECT),
            ("SECURE_COOKIES", settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE),
            ("SECURE_HSTS_SECONDS", settings.SECURE_HSTS_SECONDS > 0),
        )
        if not on
    ]
    if missing:
        messages.append(
            Warning(
                "Production is configured without HTTPS protection: "
                f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} off.",
                hint="Serve the platform over HTTPS only and leave these at their production "
                "defaults (see docs/configuration.md).",
                id="core.W102",
            )
        )
    behind_proxy = settings.TRUSTED_PROXY_COUNT > 0
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if behind_proxy and settings.SECURE_SSL_REDIRECT and not proxy_header:
        messages.append(
            Warning(
                "TRUSTED_PROXY_COUNT says a proxy stands in front, but the platform is not told "
                "that the proxy speaks HTTPS: every request will be redirected to itself.",
                hint="Set BEHIND_TLS_PROXY=1 when the proxy terminates TLS and sends "
                "X-Forwarded-Proto.",
                id="core.W103",
            )
        )
    plain = [origin for origin in settings.CSRF_TRUSTED_ORIGINS if origin.startswith("http:")]
    if plain:
        messages.append(
            Warning(
                f"CSRF_TRUSTED_ORIGINS trusts plain-HTTP origins: {', '.join(plain)}.",
                hint="List https:// origins only.",
                id="core.W104",
            )
        )
    return messages


def deploy_mail_check(app_configs=None, **kwargs):
    if settings.ISHENIM_ENV == "production" and settings.EMAIL_BACKEND in _TEST_EMAIL_BACKENDS:
        return [
            Warning(
                "Production mail goes to the console or a file: password resets and "
                "notifications reach nobody.",
                hint="Set EMAIL_URL=smtp://user:password@host:587?tls=1 (or smtps://).",
                id="core.W105",
            )
        ]
    return []
