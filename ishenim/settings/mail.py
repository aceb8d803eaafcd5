"""EMAIL_URL, one variable for the mail backend: smtp://, smtps://, console://, file:///path.

    smtp://user:password@mail.example.kg:587?tls=1   STARTTLS on the submission port
    smtps://user:password@mail.example.kg            TLS from the start, port 465
    smtp://relay.local                               a local relay, port 25, no login
    console://                                       print mail to the console (development)
    file:///var/lib/ishenim/mail                     one file per message

A user name or password with @, : or / in it is percent-encoded (p%40ss for p@ss).
`?timeout=N` sets how many seconds a silent mail server may keep a request waiting
(default 10). Errors never repeat the URL: it holds the password.
"""

from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

DEFAULT_TIMEOUT_SECONDS = 10
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)).geturl()


def _flag(query: dict, name: str, url: str) -> bool:
    value = query.get(name, [""])[-1].strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"EMAIL_URL's {name}= must be 1/0, true/false, yes/no or on/off; got {value!r}"
        f" in {_redacted(url)!r}"
    )


def _timeout(query: dict, url: str) -> int:
    raw = query.get("timeout", [str(DEFAULT_TIMEOUT_SECONDS)])[-1]
    try:
        seconds = int(raw)
    except ValueError:
        seconds = 0
    if seconds < 1:
        raise ImproperlyConfigured(
            f"EMAIL_URL's timeout= must be a whole number of seconds; got {raw!r}"
            f" in {_redacted(url)!r}"
        )
    return seconds


def email_settings(url: str) -> dict:
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme == "file":
        path = unquote(parts.path)
        if not path:
            raise ImproperlyConfigured(f"EMAIL_URL {url!r} names no folder: file:///path/to/folder")
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": path,
        }
    if scheme in ("smtp", "smtps"):
        query = parse_qs(parts.query, keep_blank_values=True)
        try:
            port = parts.port
        except ValueError:
            raise ImproperlyConfigured(
                f"EMAIL_URL has a port that is not a number: {_redacted(url)!r}"
            ) from None
        use_tls = _flag(query, "tls", url)
        if scheme == "smtps" and use_tls:
            # Django refuses both at once; smtps already speaks TLS from the first byte.
            raise ImproperlyConfigured(
                "EMAIL_URL: smtps:// is TLS already; use smtp://...?tls=1 for STARTTLS instead."
            )
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parts.hostname or "localhost",
            "EMAIL_PORT": port or (465 if scheme == "smtps" else 25),
            "EMAIL_HOST_USER": unquote(parts.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
            "EMAIL_USE_SSL": scheme == "smtps",
            "EMAIL_USE_TLS": use_tls,
            "EMAIL_TIMEOUT": _timeout(query, url),
        }
    raise ImproperlyConfigured(
        "EMAIL_URL must start with smtp://, smtps://, console:// or file://; "
        f"got {_redacted(url)!r}"
    )
