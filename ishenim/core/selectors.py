"""Reads of core's own tables."""

from django.db.models import QuerySet

from ishenim.core.enums import ActorKind
from ishenim.core.models import AuditEntry


def audit_entry_list_for_actor(actor, *, limit: int = 10) -> QuerySet[AuditEntry]:
    """The latest entries of what `actor` did themselves: their own actions only, never what
    others did to their records (that is the records' history, under the policy's rules)."""
    if actor is None or not actor.is_authenticated:
        return AuditEntry.objects.none()
    return AuditEntry.objects.filter(actor_kind=ActorKind.USER, actor_id=actor.pk).order_by("-seq")[
        :limit
    ]
