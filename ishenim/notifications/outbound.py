"""Where a notification goes, by settings.OUTBOUND_DELIVERY (STYLE.md rule 5):

    log       nowhere: written to the log "ishenim.notifications" (the default outside
              production, so that a test or a demo never messages a real person)
    redirect  to settings.OUTBOUND_REDIRECT_TO instead of the recipient, whatever the channel:
              a phone number (starting with +) receives everything as text messages, an
              email address everything as mail, each saying whom it was meant for
    live      to the recipient

Mail goes through Django's send_mail (EMAIL_URL), text messages through the backend named by
SMS_BACKEND (notifications/sms/). One attempt, no retries: those are the services' business.
"""

import logging
import smtplib

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _

from ishenim.notifications.enums import Channel, NotificationStatus
from ishenim.notifications.models import Notification
from ishenim.notifications.sms import SmsFailure, sms_backend

logger = logging.getLogger("ishenim.notifications")
# How much of a mail server's complaint is kept.
REASON_LENGTH = 200


class DeliveryFailure(Exception):
    """The message was not handed over; the text says why, in a few words."""


def outbound_deliver(notification: Notification) -> NotificationStatus:
    """One attempt to hand the notification over: SENT (or LOGGED in log mode), or
    DeliveryFailure."""
    mode = settings.OUTBOUND_DELIVERY
    if mode == "log":
        logger.info(
            "Notification %s not sent (OUTBOUND_DELIVERY=log): %s to %s\n%s%s",
            notification.pk,
            notification.channel,
            notification.recipient,
            f"Subject: {notification.subject}\n" if notification.subject else "",
            notification.body,
        )
        return NotificationStatus.LOGGED
    if mode == "redirect":
        target = settings.OUTBOUND_REDIRECT_TO
        channel = Channel.SMS if target.startswith("+") else Channel.EMAIL
        subject, body = _redirected(notification, channel)
        logger.info(
            "Notification %s for %s redirected to %s (OUTBOUND_DELIVERY=redirect)",
            notification.pk,
            notification.recipient,
            target,
        )
    else:
        target, channel = notification.recipient, notification.channel
        subject, body = notification.subject, notification.body
    if channel == Channel.EMAIL:
        _mail(to=target, subject=subject, body=body)
    else:
        _text(to=target, text=body)
    return NotificationStatus.SENT


def _redirected(notification: Notification, channel: str) -> tuple[str, str]:
    """The texts as the redirect target receives them: saying whom they were meant for, in
    the notification's own language."""
    with translation.override(notification.language):
        meant_for = _("Meant for %(recipient)s:") % {"recipient": notification.recipient}
        if channel == Channel.EMAIL:
            subject = notification.subject or _("Text message for %(recipient)s") % {
                "recipient": notification.recipient
            }
            return subject, f"{meant_for}\n\n{notification.body}"
    heading = f"{notification.subject}\n\n" if notification.subject else ""
    return "", f"{meant_for}\n{heading}{notification.body}"


def _mail(*, to: str, subject: str, body: str) -> None:
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=False)
    except (smtplib.SMTPException, OSError, ValueError) as error:
        reason = " ".join(str(error).split()) or type(error).__name__
        raise DeliveryFailure(
            _("The mail server did not take the message: %(reason)s")
            % {"reason": reason[:REASON_LENGTH]}
        ) from None


def _text(*, to: str, text: str) -> None:
    try:
        sms_backend().send(to=to, text=text)
    except SmsFailure as error:
        raise DeliveryFailure(str(error)) from None
