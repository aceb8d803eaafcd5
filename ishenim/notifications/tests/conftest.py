"""Fixtures of the notifications' tests: their own message templates, and an SMS gateway
that is a real HTTP server on the loopback interface, so that the http backend is tested
down to the bytes it sends (the process edge), without the internet."""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ishenim.notifications import services

TEMPLATES_DIR = Path(__file__).parent / "templates"
# notifications/tests/message.{subject,email,sms}.txt: subject and texts say "Russian"
# through the catalogue (Орусча, Русский, Russian) and show {{ code }} and {{ name }}.
MESSAGE = "tests/message"
GATEWAY_TOKEN = "gateway-token-7f3a9c"


@pytest.fixture(autouse=True)
def notification_templates(settings):
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [TEMPLATES_DIR]}]


@dataclass
class GatewayRequest:
    method: str
    path: str
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Gateway:
    """What the fake gateway received, and what it answers next."""

    url: str
    requests: list[GatewayRequest] = field(default_factory=list)
    status: int = 200
    answer: bytes = b'{"ok": true}'
    headers: dict = field(default_factory=dict)
    delay: float = 0.0

    def respond(self, status: int, answer: bytes = b"", *, headers=None, delay: float = 0.0):
        self.status, self.answer, self.headers, self.delay = status, answer, headers or {}, delay


@pytest.fixture
def gateway():
    state = Gateway(url="")

    class Handler(BaseHTTPRequestHandler):
        def _handle(self):
            length = int(self.headers.get("Content-Length") or 0)
            state.requests.append(
                GatewayRequest(
                    method=self.command,
                    path=self.path,
                    headers={key.lower(): value for key, value in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
            )
            if state.delay:
                time.sleep(state.delay)
            self.send_response(state.status)
            for key, value in state.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(state.answer)))
            self.end_headers()
            self.wfile.write(state.answer)

        do_GET = do_POST = do_PUT = _handle

        def log_message(self, format, *args):  # the test output stays quiet
            pass

    class Server(ThreadingHTTPServer):
        def handle_error(self, request, client_address):
            # A client that gave up waiting (the timeout test) closed the socket: expected.
            pass

    server = Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def live_gateway(settings, gateway):
    """OUTBOUND_DELIVERY=live with text messages going to the fake gateway."""
    settings.OUTBOUND_DELIVERY = "live"
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = f"{gateway.url}/send"
    settings.SMS_HTTP_METHOD = "POST"
    settings.SMS_HTTP_BODY = '{"to": "{to}", "text": "{text}", "sender": "{sender}"}'
    settings.SMS_HTTP_CONTENT_TYPE = "application/json"
    settings.SMS_HTTP_TOKEN = GATEWAY_TOKEN
    settings.SMS_SENDER = "Ishenim"
    return gateway


def send(*, email=None, phone=None, language="ru", template=MESSAGE, context=None, actor=None):
    """notification_send with the test message, as the appeals app would call it."""
    return services.notification_send(
        template=template,
        context=context if context is not None else {"code": "ABCD-EFGH-7", "name": "Aida"},
        language=language,
        email=email,
        phone=phone,
        subject_object=("appeals.appeal", "42"),
        actor=actor,
    )
