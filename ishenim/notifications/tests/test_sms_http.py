"""The generic HTTP gateway: the bytes it sends for each kind of body, and how it fails.
Sent to a real HTTP server on the loopback interface (conftest.gateway)."""

import json
import socket
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation

from ishenim.notifications.sms import ConsoleSmsBackend, SmsFailure, sms_backend
from ishenim.notifications.sms.http import HttpSmsBackend

TOKEN = "sms-token-secret-42"
# Everything a body template must survive: quotes, a backslash, a newline, &, +, =, <,
# Kyrgyz letters, and a placeholder's spelling inside the text itself.
AWKWARD = 'Арыз "ABCD-EFGH-7" \\ катталды\n& 1+1=2 <ok> {to} {sender}'
PHONE = "+996555100001"


def _backend(gateway, **options) -> HttpSmsBackend:
    return HttpSmsBackend(url=f"{gateway.url}/send", token=TOKEN, sender="Ishenim", **options)


@pytest.fixture(autouse=True)
def english():
    # The failure reasons are translated; compared here in English.
    with translation.override("en"):
        yield


def test_a_json_body_carries_the_values_json_escaped(gateway):
    backend = _backend(
        gateway,
        body='{"messages": [{"recipient": "{to}", "body": "{text}"}], "from": "{sender}"}',
        content_type="application/json; charset=utf-8",
    )

    backend.send(to=PHONE, text=AWKWARD)

    (request,) = gateway.requests
    assert request.method == "POST"
    assert request.headers["content-type"] == "application/json; charset=utf-8"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert json.loads(request.body) == {
        "messages": [{"recipient": PHONE, "body": AWKWARD}],
        "from": "Ishenim",
    }


def test_a_form_body_carries_the_values_url_encoded(gateway):
    backend = _backend(
        gateway,
        body="to={to}&message={text}&from={sender}",
        content_type="application/x-www-form-urlencoded",
    )

    backend.send(to=PHONE, text=AWKWARD)

    (request,) = gateway.requests
    assert parse_qs(request.body.decode("ascii"), strict_parsing=True) == {
        "to": [PHONE],
        "message": [AWKWARD],
        "from": ["Ishenim"],
    }


def test_an_xml_body_carries_the_values_as_character_data(gateway):
    backend = _backend(
        gateway,
        body='<message><phone>{to}</phone><text>{text}</text><sender name="{sender}"/></message>',
        content_type="text/xml",
    )

    backend.send(to=PHONE, text=AWKWARD)

    root = ET.fromstring(gateway.requests[0].body)  # noqa: S314  (our own bytes)
    assert root.find("phone").text == PHONE
    assert root.find("text").text == AWKWARD
    assert root.find("sender").get("name") == "Ishenim"


def test_a_get_gateway_takes_the_values_url_encoded_in_the_query_string(gateway):
    backend = HttpSmsBackend(
        url=f"{gateway.url}/send?phone={{to}}&msg={{text}}&key=abc", method="get", body="x"
    )

    backend.send(to=PHONE, text=AWKWARD)

    (request,) = gateway.requests
    assert request.method == "GET"
    assert request.body == b""
    assert "authorization" not in request.headers
    query = parse_qs(urlsplit(request.path).query, strict_parsing=True)
    assert query == {"phone": [PHONE], "msg": [AWKWARD], "key": ["abc"]}


@pytest.mark.parametrize("status", [200, 201, 202, 204])
def test_any_2xx_answer_is_success(gateway, status):
    gateway.respond(status)
    _backend(gateway, body="{text}", content_type="text/plain").send(to=PHONE, text="hi")
    assert gateway.requests[0].body == b"hi"


def test_a_refusal_keeps_the_status_and_the_gateways_words_without_the_token(gateway):
    gateway.respond(
        401, f'{{"error": "bad token {TOKEN}",\n "url": "{gateway.url}/send"}}'.encode()
    )

    with pytest.raises(SmsFailure) as failure:
        _backend(gateway, body="{}").send(to=PHONE, text="hi")

    message = str(failure.value)
    assert message.startswith("The SMS gateway answered HTTP 401: ")
    assert "bad token ***" in message
    assert TOKEN not in message and f"{gateway.url}/send" not in message
    assert "\n" not in message


def test_a_long_refusal_is_cut_short(gateway):
    gateway.respond(500, b"x" * 5000)
    with pytest.raises(SmsFailure) as failure:
        _backend(gateway, body="{}").send(to=PHONE, text="hi")
    assert len(str(failure.value)) < 300


def test_a_redirect_is_a_failure_and_is_not_followed(gateway):
    gateway.respond(302, headers={"Location": f"{gateway.url}/elsewhere"})

    with pytest.raises(SmsFailure, match="HTTP 302"):
        _backend(gateway, body="{}").send(to=PHONE, text="hi")

    assert [request.path for request in gateway.requests] == ["/send"]


def test_a_gateway_that_cannot_be_reached_is_a_failure():
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    backend = HttpSmsBackend(url=f"http://127.0.0.1:{port}/send?key={TOKEN}", body="{}")

    with pytest.raises(SmsFailure) as failure:
        backend.send(to=PHONE, text="hi")

    assert str(failure.value).startswith("The SMS gateway could not be reached: ")
    assert TOKEN not in str(failure.value)


def test_a_gateway_that_does_not_answer_in_time_is_a_failure(gateway):
    gateway.respond(200, delay=1.0)
    with pytest.raises(SmsFailure, match="could not be reached"):
        _backend(gateway, body="{}", timeout=0.2).send(to=PHONE, text="hi")


def test_only_http_and_https_urls_are_accepted():
    with pytest.raises(ImproperlyConfigured):
        HttpSmsBackend(url="file:///etc/passwd")


def test_the_settings_choose_the_backend(settings, gateway):
    settings.SMS_BACKEND = "console"
    assert isinstance(sms_backend(), ConsoleSmsBackend)

    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = f"{gateway.url}/send"
    settings.SMS_HTTP_METHOD = "PUT"
    settings.SMS_HTTP_BODY = "{to}|{text}|{sender}"
    settings.SMS_HTTP_CONTENT_TYPE = "text/plain"
    settings.SMS_HTTP_TOKEN = TOKEN
    settings.SMS_SENDER = "Militsiya"
    sms_backend().send(to=PHONE, text="hi")

    (request,) = gateway.requests
    assert (request.method, request.body) == ("PUT", f"{PHONE}|hi|Militsiya".encode())
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
