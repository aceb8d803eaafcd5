"""Text-message backends, one small class per way of sending, chosen by settings.SMS_BACKEND:

    console   print to standard output (development)
    http      a generic HTTP gateway described by the SMS_HTTP_* settings

Another provider whose request the http backend cannot describe is one more class here,
beside its siblings, and one more name in SMS_BACKEND's choices.
"""

from django.conf import settings

from ishenim.notifications.sms.base import SmsBackend, SmsFailure
from ishenim.notifications.sms.console import ConsoleSmsBackend
from ishenim.notifications.sms.http import HttpSmsBackend

__all__ = ["SmsBackend", "SmsFailure", "sms_backend"]


def sms_backend() -> SmsBackend:
    """The backend the settings name, built from them now (tests change them)."""
    if settings.SMS_BACKEND == "http":
        return HttpSmsBackend.from_settings()
    return ConsoleSmsBackend(sender=settings.SMS_SENDER)
