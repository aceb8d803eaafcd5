"""notification_send: what it renders, stores and audits, and that it delivers nothing
before the caller's transaction commits."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template import TemplateDoesNotExist

from ishenim.core.models import AuditEntry
from ishenim.notifications.enums import Channel, NotificationStatus
from ishenim.notifications.models import Notification
from ishenim.notifications.tests.conftest import send

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "russian"), [("ky", "Орусча"), ("ru", "Русский"), ("en", "Russian")]
)
def test_the_texts_are_rendered_in_the_language_asked_for(language, russian):
    email, sms = send(email="aida@example.org", phone="+996555100001", language=language)

    assert email.subject == f"{russian}: ABCD-EFGH-7"
    assert email.body.splitlines()[:2] == [language, f"{russian}: ABCD-EFGH-7"]
    assert sms.body == f"{russian} ABCD-EFGH-7 Aida"
    assert email.language == sms.language == language


def test_texts_are_plain_text_with_nothing_html_escaped_and_no_runs_of_blank_lines():
    (email,) = send(email="aida@example.org", context={"code": "X", "name": "O'Brien & <Co>"})

    assert email.body == "ru\nРусский: X\n\nO'Brien & <Co>"


def test_one_queued_notification_per_channel_given_about_the_subject_object():
    notifications = send(email="aida@example.org", phone="0555 100 001")

    assert [(n.channel, n.recipient) for n in notifications] == [
        (Channel.EMAIL, "aida@example.org"),
        (Channel.SMS, "+996555100001"),  # normalised to E.164
    ]
    for notification in notifications:
        notification.refresh_from_db()
        assert notification.status == NotificationStatus.QUEUED
        assert notification.attempts == 0
        assert (notification.object_type, notification.object_id) == ("appeals.appeal", "42")
        assert notification.template == "tests/message"
        assert notification.next_attempt_at is not None
    assert notifications[1].subject == ""


def test_without_an_address_nothing_is_stored():
    assert send() == []
    assert send(email="", phone="") == []
    assert not Notification.objects.exists()


def test_creation_is_audited_with_the_address_and_the_texts_digested(bakyt):
    (sms,) = send(phone="+996555100001", actor=bakyt)

    entry = AuditEntry.objects.get(action="notification_created", object_id=str(sms.pk))
    assert entry.actor_id == bakyt.pk
    assert entry.object_type == "notifications.notification"
    for field in ("recipient", "body", "subject"):
        assert entry.changes[field].startswith("hmac-sha256:"), field
    assert "+996555100001" not in str(entry.changes)
    assert entry.changes["channel"] == "sms"
    assert entry.changes["template"] == "tests/message"
    assert entry.changes["object_id"] == "42"


def test_nothing_is_delivered_before_the_commit(settings, django_capture_on_commit_callbacks):
    settings.OUTBOUND_DELIVERY = "live"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        (email,) = send(email="aida@example.org")
        assert mail.outbox == []
        assert Notification.objects.get(pk=email.pk).status == NotificationStatus.QUEUED
    assert len(callbacks) == 1

    callbacks[0]()

    assert [message.to for message in mail.outbox] == [["aida@example.org"]]
    assert Notification.objects.get(pk=email.pk).status == NotificationStatus.SENT


def test_a_rolled_back_change_notifies_nobody(settings, django_capture_on_commit_callbacks):
    settings.OUTBOUND_DELIVERY = "live"
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        send(email="aida@example.org", phone="+996555100001")
        raise RuntimeError("the appeal could not be saved")

    assert callbacks == []
    assert mail.outbox == []
    assert not Notification.objects.exists()
    assert not AuditEntry.objects.filter(action="notification_created").exists()


def test_a_missing_template_fails_the_caller_and_stores_nothing():
    with pytest.raises(TemplateDoesNotExist):
        send(email="aida@example.org", phone="+996555100001", template="tests/email_only")
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ({"email": "not an address"}, ValidationError),
        ({"phone": "12"}, ValidationError),
        ({"email": "aida@example.org", "language": "de"}, ValueError),
        # Dates travel as strings: the context is plain values only.
        ({"email": "aida@example.org", "context": {"due": datetime.date(2026, 5, 1)}}, ValueError),
    ],
)
def test_a_bad_address_language_or_context_is_refused(arguments, error):
    with pytest.raises(error):
        send(**arguments)
    assert not Notification.objects.exists()


def test_recent_activity_names_the_audit_action():
    from django.utils import translation

    from ishenim.core.work import activity_label_for

    with translation.override("en"):
        assert activity_label_for("notification_created") == "Sent a notification"
    with translation.override("ru"):
        assert activity_label_for("notification_created") != "Sent a notification"
