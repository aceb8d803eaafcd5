"""Sign-in bookkeeping: every attempt is a LoginAttempt row (the throttle counts them), each
failure is logged, and attempts on known accounts are audited."""

import hashlib
import hmac
import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ishenim.core.audit import audit_record
from ishenim.core.phones import phone_normalise
from ishenim.orgs import timeline
from ishenim.orgs.models import LoginAttempt, User

logger = logging.getLogger("ishenim.orgs.signin")


def _login_canonical(login: str) -> str:
    """One spelling per login, so that "Aida@Example.org" and "+996 555 12-34-56" count
    against the same account as "aida@example.org" and "0555 123456"."""
    text = (login or "").strip()
    if "@" in text:
        return text.lower()
    try:
        return phone_normalise(text)
    except ValueError:
        return text.lower()


def login_digest(login: str) -> str:
    """A keyed digest of the login typed: the throttle can count per login without the table
    becoming a list of what people typed (sometimes a password in the wrong field)."""
    key = hashlib.sha256(("ishenim-login:" + settings.SECRET_KEY).encode()).digest()
    return hmac.new(key, _login_canonical(login).encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def sign_in_attempt_record(
    *, login: str, ip: str | None, user: User | None, succeeded: bool
) -> LoginAttempt:
    digest = login_digest(login)
    attempt = LoginAttempt.objects.create(
        at=timezone.now(), login_digest=digest, ip=ip, user=user, succeeded=succeeded
    )
    if not succeeded:
        logger.warning(
            "Failed sign-in: login digest %s, address %s, account %s",
            digest[:12],
            ip or "unknown",
            user.pk if user else "unknown",
        )
        if user is not None:
            timeline.sign_in_failed(user=user)
    return attempt


@transaction.atomic
def sign_in_throttled_record(
    *, login: str, ip: str | None, user: User | None, wait: timedelta
) -> None:
    """A refused attempt is not counted as a failure (its password was never checked), so
    that hammering does not lengthen the wait of the account's real owner."""
    minutes = max(1, -(-int(wait.total_seconds()) // 60))
    logger.warning(
        "Sign-in refused, too many failures: login digest %s, address %s, wait %d min",
        login_digest(login)[:12],
        ip or "unknown",
        minutes,
    )
    if user is not None:
        timeline.sign_in_throttled(user=user, wait_minutes=minutes)


@transaction.atomic
def sign_in_completed(*, user: User, second_factor: bool) -> None:
    """The session is open: the password and, when the account has a device, the code."""
    timeline.signed_in(user=user, second_factor=second_factor)


@transaction.atomic
def login_attempts_prune(*, older_than: timedelta) -> int:
    """Delete sign-in records older than `older_than`; one audit entry for the whole batch."""
    cutoff = timezone.now() - older_than
    deleted, _by_model = LoginAttempt.objects.filter(at__lt=cutoff).delete()
    if deleted:
        audit_record(
            action="login_attempts_pruned",
            actor=None,
            object_type=LoginAttempt._meta.label_lower,
            changes={"deleted": deleted, "before": cutoff.isoformat()},
        )
    return deleted
