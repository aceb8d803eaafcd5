"""The history of notifications: one function per event, each writing one audit entry.
Called only by notifications.services, inside the transaction of the change.

The address and the texts are personal data (and a text may carry an appeal's tracking
code): the log keeps them only as digests. Channel, template, language and what the
notification is about stay readable.
"""

from ishenim.core.audit import audit_record
from ishenim.notifications.models import Notification

_DIGESTED = ("recipient", "subject", "body")


def notification_created(*, notification: Notification, actor) -> None:
    audit_record(
        action="notification_created",
        actor=actor,
        record=notification,
        changes={
            "channel": notification.channel,
            "recipient": notification.recipient,
            "language": notification.language,
            "template": notification.template,
            "subject": notification.subject,
            "body": notification.body,
            "object_type": notification.object_type,
            "object_id": notification.object_id,
        },
        sensitive_fields=_DIGESTED,
    )
