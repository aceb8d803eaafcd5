"""OUTBOUND_DELIVERY: log writes and sends nothing, redirect sends everything to one tester,
live sends to the recipient. Mail goes to Django's locmem outbox, text messages to the
console backend's standard output or to the fake gateway."""

import logging

import pytest
from django.core import mail
from django.utils import translation

from ishenim.notifications.enums import NotificationStatus
from ishenim.notifications.models import Notification
from ishenim.notifications.tests.conftest import GATEWAY_TOKEN, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivered(django_capture_on_commit_callbacks):
    """send(), then the commit: the immediate task backend delivers at once."""

    def send_and_commit(**arguments) -> list[Notification]:
        with django_capture_on_commit_callbacks(execute=True):
            notifications = send(**arguments)
        return [Notification.objects.get(pk=n.pk) for n in notifications]

    return send_and_commit


def test_log_mode_writes_the_message_to_the_log_and_sends_nothing(
    settings, delivered, caplog, capsys, gateway
):
    settings.SMS_BACKEND, settings.SMS_HTTP_URL = "http", f"{gateway.url}/send"
    assert settings.OUTBOUND_DELIVERY == "log"  # the test settings' own choice
    with caplog.at_level(logging.INFO, logger="ishenim.notifications"):
        email, sms = delivered(email="aida@example.org", phone="+996555100001")

    assert mail.outbox == []
    assert gateway.requests == []
    assert "SMS to" not in capsys.readouterr().out
    assert (email.status, sms.status) == (NotificationStatus.LOGGED, NotificationStatus.LOGGED)
    assert email.sent_at is not None and email.attempts == 1
    logged = [r.getMessage() for r in caplog.records if r.name == "ishenim.notifications"]
    assert any("aida@example.org" in line and "Русский: ABCD-EFGH-7" in line for line in logged)
    assert any("+996555100001" in line and "Русский ABCD-EFGH-7 Aida" in line for line in logged)


def test_live_mode_mails_and_texts_the_recipient(settings, delivered, capsys):
    settings.OUTBOUND_DELIVERY = "live"
    settings.SMS_SENDER = "Ishenim"

    email, sms = delivered(email="aida@example.org", phone="+996555100001")

    (message,) = mail.outbox
    assert message.to == ["aida@example.org"]
    assert message.subject == "Русский: ABCD-EFGH-7"
    assert message.body == email.body
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    printed = capsys.readouterr().out
    assert "--- SMS to +996555100001 from Ishenim ---\nРусский ABCD-EFGH-7 Aida\n" in printed
    assert (email.status, sms.status) == (NotificationStatus.SENT, NotificationStatus.SENT)


def test_live_mode_posts_the_text_to_the_http_gateway(delivered, live_gateway):
    (sms,) = delivered(phone="+996555100001", language="ky")

    (request,) = live_gateway.requests
    assert (request.method, request.path) == ("POST", "/send")
    assert request.headers["authorization"] == f"Bearer {GATEWAY_TOKEN}"
    assert request.headers["content-type"] == "application/json"
    assert request.json() == {
        "to": "+996555100001",
        "text": "Орусча ABCD-EFGH-7 Aida",
        "sender": "Ishenim",
    }
    assert sms.status == NotificationStatus.SENT


def test_redirect_to_an_address_mails_everything_there_saying_whom_it_was_for(
    settings, delivered, capsys
):
    settings.OUTBOUND_DELIVERY = "redirect"
    settings.OUTBOUND_REDIRECT_TO = "qa@example.org"

    email, sms = delivered(email="aida@example.org", phone="+996555100001", language="en")

    assert [message.to for message in mail.outbox] == [["qa@example.org"], ["qa@example.org"]]
    to_aida, text_to_aida = mail.outbox
    assert to_aida.subject == "Russian: ABCD-EFGH-7"
    assert to_aida.body.startswith("Meant for aida@example.org:\n\n")
    assert text_to_aida.subject == "Text message for +996555100001"
    assert text_to_aida.body == "Meant for +996555100001:\n\nRussian ABCD-EFGH-7 Aida"
    assert "SMS to" not in capsys.readouterr().out
    assert (email.status, sms.status) == (NotificationStatus.SENT, NotificationStatus.SENT)
    # The row still says who it was for.
    assert (email.recipient, sms.recipient) == ("aida@example.org", "+996555100001")


def test_redirect_to_a_phone_texts_everything_there(settings, delivered, live_gateway):
    settings.OUTBOUND_DELIVERY = "redirect"
    settings.OUTBOUND_REDIRECT_TO = "+996700000099"

    delivered(email="aida@example.org", phone="+996555100001", language="en")

    assert mail.outbox == []
    assert [request.json()["to"] for request in live_gateway.requests] == ["+996700000099"] * 2
    mail_as_text, text = (request.json()["text"] for request in live_gateway.requests)
    assert mail_as_text.startswith("Meant for aida@example.org:\nRussian: ABCD-EFGH-7\n\nen\n")
    assert text == "Meant for +996555100001:\nRussian ABCD-EFGH-7 Aida"


def test_a_mail_server_that_refuses_is_a_failure_with_its_reason(settings, delivered, monkeypatch):
    import smtplib

    from ishenim.notifications import outbound

    def refuse(*args, **kwargs):
        raise smtplib.SMTPRecipientsRefused({"aida@example.org": (550, b"No such user")})

    settings.OUTBOUND_DELIVERY = "live"
    monkeypatch.setattr(outbound, "send_mail", refuse)

    # The reason is written in the worker's language: English here, to compare it.
    with translation.override("en"):
        (email,) = delivered(email="aida@example.org")

    assert email.status == NotificationStatus.QUEUED
    assert email.attempts == 1
    assert email.last_error.startswith("The mail server did not take the message:")
    assert "No such user" in email.last_error
