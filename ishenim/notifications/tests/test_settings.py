"""The SMS settings, read as a server reads them: in a fresh process, from the environment."""

import json
import os
import subprocess
import sys
from pathlib import Path

import ishenim

PROJECT_DIR = Path(ishenim.__file__).resolve().parent.parent
_PRINT = (
    "import json, ishenim.settings as s; print(json.dumps({name: getattr(s, name) for name in"
    " ('SMS_BACKEND', 'SMS_HTTP_URL', 'SMS_HTTP_METHOD', 'SMS_HTTP_BODY',"
    " 'SMS_HTTP_CONTENT_TYPE', 'SMS_HTTP_TOKEN', 'SMS_SENDER')}))"
)


def _settings(tmp_path, **environment) -> subprocess.CompletedProcess:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("ISHENIM_", "DJANGO_", "SMS_", "OUTBOUND_", "DATABASE_"))
    }
    env.update(ISHENIM_DATA_DIR=str(tmp_path / "data"), SECRET_KEY="x" * 60, **environment)
    return subprocess.run(  # noqa: S603  (this interpreter, a fixed script)
        [sys.executable, "-c", _PRINT],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_text_messages_are_printed_unless_a_gateway_is_configured(tmp_path):
    result = _settings(tmp_path)

    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["SMS_BACKEND"] == "console"
    assert values["SMS_HTTP_METHOD"] == "POST"
    assert values["SMS_HTTP_CONTENT_TYPE"] == "application/json"
    assert values["SMS_HTTP_BODY"] == '{"to": "{to}", "text": "{text}", "sender": "{sender}"}'


def test_a_gateway_is_read_with_its_token_from_a_file(tmp_path):
    token_file = tmp_path / "sms_token"
    token_file.write_text("from-the-file\n", encoding="utf-8")

    result = _settings(
        tmp_path,
        SMS_BACKEND="http",
        SMS_HTTP_URL="https://sms.example.kg/api/send",
        SMS_HTTP_METHOD="put",
        SMS_HTTP_TOKEN_FILE=str(token_file),
        SMS_SENDER="Militsiya",
    )

    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["SMS_BACKEND"] == "http"
    assert values["SMS_HTTP_METHOD"] == "PUT"
    assert values["SMS_HTTP_TOKEN"] == "from-the-file"
    assert values["SMS_SENDER"] == "Militsiya"


def test_a_gateway_without_a_url_stops_the_start(tmp_path):
    result = _settings(tmp_path, SMS_BACKEND="http")
    assert result.returncode != 0
    assert "SMS_BACKEND=http needs SMS_HTTP_URL" in result.stderr


def test_a_url_that_is_not_http_stops_the_start_without_repeating_it(tmp_path):
    result = _settings(tmp_path, SMS_BACKEND="http", SMS_HTTP_URL="ftp://gw/?key=s3cret-key")
    assert result.returncode != 0
    assert "SMS_HTTP_URL must start with https:// or http://" in result.stderr
    assert "s3cret-key" not in result.stderr


def test_an_unknown_backend_or_method_stops_the_start(tmp_path):
    assert _settings(tmp_path, SMS_BACKEND="carrier-pigeon").returncode != 0
    assert _settings(tmp_path, SMS_HTTP_METHOD="delete").returncode != 0
