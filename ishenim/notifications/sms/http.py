"""A generic HTTP SMS gateway: one request per message, described by settings.

    SMS_HTTP_URL           where to send it, https:// (or http:// on a private network)
    SMS_HTTP_METHOD        POST (default), PUT or GET (GET sends no body)
    SMS_HTTP_BODY          the body, with the placeholders {to}, {text} and {sender}
    SMS_HTTP_CONTENT_TYPE  its Content-Type; also says how the values are escaped
    SMS_HTTP_TOKEN         sent as "Authorization: Bearer <token>" (or SMS_HTTP_TOKEN_FILE)
    SMS_SENDER             the sender name registered with the operators

Each placeholder is replaced by its value escaped for where it stands: inside a JSON string
for a JSON body (the template supplies the quotes: "{text}"), URL-encoded for a form body,
as XML character data for an XML body, unchanged for anything else; in the URL always
URL-encoded, for gateways that take the message in the query string. Values are substituted
in one pass, so a message that contains "{to}" is sent as written.

A 2xx answer is success. Anything else (a redirect included: following it would carry the
token elsewhere) and every network error is an SmsFailure whose short reason is kept, with
the token and the URL taken out.
"""

import http.client
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from xml.sax.saxutils import escape as xml_escape

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from ishenim.notifications.sms.base import SmsBackend, SmsFailure

TIMEOUT_SECONDS = 10
# How much of a refusal's body is kept: gateways explain themselves in it.
DETAIL_LENGTH = 200
_PLACEHOLDER = re.compile(r"\{(to|text|sender)\}")
_FORM = "application/x-www-form-urlencoded"


def _json_string_content(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)[1:-1]


def _xml_text(value: str) -> str:
    return xml_escape(value, {'"': "&quot;", "'": "&apos;"})


def body_escaper(content_type: str) -> Callable[[str], str]:
    """How a value is escaped in a body of this Content-Type."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type.endswith("json"):  # application/json, text/json, application/…+json
        return _json_string_content
    if media_type == _FORM:
        return urllib.parse.quote_plus
    if media_type.endswith("xml"):
        return _xml_text
    return str


def _filled(template: str, values: dict[str, str], escape: Callable[[str], str]) -> str:
    return _PLACEHOLDER.sub(lambda match: escape(values[match.group(1)]), template)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        # None makes urllib raise the 3xx as an HTTPError: a failure, never a second
        # request carrying the Authorization header to another address.
        return None


class HttpSmsBackend(SmsBackend):
    def __init__(
        self,
        *,
        url: str,
        method: str = "POST",
        body: str = "",
        content_type: str = "application/json",
        token: str = "",
        sender: str = "",
        timeout: float = TIMEOUT_SECONDS,
    ):
        if urllib.parse.urlsplit(url).scheme.lower() not in ("http", "https"):
            raise ImproperlyConfigured("SMS_HTTP_URL must start with https:// or http://.")
        self.url = url
        self.method = method.upper()
        self.body = body
        self.content_type = content_type
        self.token = token
        self.sender = sender
        self.timeout = timeout

    @classmethod
    def from_settings(cls) -> "HttpSmsBackend":
        return cls(
            url=settings.SMS_HTTP_URL,
            method=settings.SMS_HTTP_METHOD,
            body=settings.SMS_HTTP_BODY,
            content_type=settings.SMS_HTTP_CONTENT_TYPE,
            token=settings.SMS_HTTP_TOKEN,
            sender=settings.SMS_SENDER,
        )

    def request(self, *, to: str, text: str) -> urllib.request.Request:
        """The request that sends `text` to `to`."""
        values = {"to": to, "text": text, "sender": self.sender}
        url = _filled(self.url, values, lambda value: urllib.parse.quote(value, safe=""))
        headers = {"User-Agent": "Ishenim"}
        data = None
        if self.method != "GET":
            data = _filled(self.body, values, body_escaper(self.content_type)).encode("utf-8")
            headers["Content-Type"] = self.content_type
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        # The scheme is checked in __init__: only http and https, never file:.
        return urllib.request.Request(url, data=data, headers=headers, method=self.method)  # noqa: S310

    def send(self, *, to: str, text: str) -> None:
        request = self.request(to=to, text=text)
        opener = urllib.request.build_opener(_NoRedirects)
        try:
            with opener.open(request, timeout=self.timeout) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            raise SmsFailure(self._refusal(error.code, self._detail(error))) from None
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as error:
            reason = getattr(error, "reason", None) or error
            message = _("The SMS gateway could not be reached: %(reason)s") % {
                "reason": str(reason) or type(error).__name__
            }
            raise SmsFailure(self._redacted(message)) from None
        if not 200 <= status < 300:
            raise SmsFailure(self._refusal(status, ""))

    def _detail(self, error: urllib.error.HTTPError) -> str:
        try:
            raw = error.read(DETAIL_LENGTH * 4)
        except (OSError, http.client.HTTPException):
            raw = b""
        text = " ".join(raw.decode("utf-8", "replace").split()) or str(error.reason or "")
        return text[:DETAIL_LENGTH]

    def _refusal(self, status: int, detail: str) -> str:
        message = _("The SMS gateway answered HTTP %(status)d: %(detail)s") % {
            "status": status,
            "detail": detail or "-",
        }
        return self._redacted(message)

    def _redacted(self, message: str) -> str:
        for secret in (self.token, self.url):
            if secret:
                message = message.replace(secret, "***")
        return message
