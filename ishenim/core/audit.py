"""The audit log: one function writes it, inside the transaction of the change it records.

Each entry's hash is SHA-256 over a canonical JSON of the entry and the previous entry's hash,
so that editing, deleting, inserting or reordering entries breaks the chain at that point;
`ishenim verify-audit` walks it. Values of personal or confidential fields are stored only as
keyed digests: the log proves what changed without becoming a copy of the secrets.

What the chain cannot prove on its own: somebody with write access to the database who
recomputes every hash after the point they changed, and moves the chain head with it. The
daily verification logs the head's position and hash; a copy of those lines kept elsewhere
(the system journal, a log server) is the anchor that catches a rewritten chain.
"""

import contextlib
import contextvars
import hashlib
import hmac
import ipaddress
import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from uuid import UUID

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from ishenim.core.enums import ActorKind, Sensitivity
from ishenim.core.models import AuditChainHead, AuditEntry

GENESIS_HASH = "0" * 64
SYSTEM = None  # actor=SYSTEM: the platform itself (a scheduled job, an import)
_HEAD_PK = 1

_request_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("audit_ip", default=None)


@contextlib.contextmanager
def request_context(*, ip: str | None) -> Iterator[None]:
    token = _request_ip.set(ip)
    try:
        yield
    finally:
        _request_ip.reset(token)


def _digest(value) -> str:
    key = hashlib.sha256(("ishenim-audit:" + settings.SECRET_KEY).encode()).digest()
    text = json.dumps(_jsonable(value), sort_keys=True, ensure_ascii=False)
    return "hmac-sha256:" + hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def _jsonable(value):
    """The value as plain JSON that every database stores and gives back unchanged.

    PostgreSQL's jsonb refuses NaN and the NUL character and SQLite would keep them: either
    way the entry would fail to write or fail to verify, so they are spelled out instead.
    """
    if value is None or isinstance(value, bool | int | str):
        return value.replace("\x00", "\ufffd") if isinstance(value, str) else value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, set | frozenset):
        return [_jsonable(item) for item in sorted(value, key=str)]
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, models.Model):
        return _jsonable(value.pk)
    return _jsonable(str(value))


def canonical_json(payload: dict) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_payload(entry: AuditEntry) -> dict:
    """Everything an entry says, in the form its hash covers."""
    return {
        "seq": entry.seq,
        "at": entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_kind": entry.actor_kind,
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "ip": entry.ip,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "changes": entry.changes,
        "prev_hash": entry.prev_hash,
    }


def entry_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(canonical_json(entry_payload(entry)).encode()).hexdigest()


def _actor_is_staff(actor) -> bool:
    return bool(import_string(settings.ISHENIM_STAFF_PREDICATE)(actor))


def _client_ip(text: str | None) -> str | None:
    """The address in the spelling the database gives back (PostgreSQL's inet rewrites
    "2001:0db8::0001" as "2001:db8::1"), or None for anything that is not one: a proxy's
    "unknown" must not make the change it records fail."""
    if not text:
        return None
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return str(address.ipv4_mapped)
    return str(address)


def _hidden(record, sensitive_fields: Iterable[str], sensitivity: str | None) -> set[str] | bool:
    """The fields whose values go into the log only as digests (True: all of them)."""
    named = set(sensitive_fields) | set(getattr(record, "AUDIT_SENSITIVE_FIELDS", ()))
    level = sensitivity or getattr(record, "sensitivity", None)
    if level in (Sensitivity.RESTRICTED, Sensitivity.CONFIDENTIAL):
        # Of a personal or confidential record only the workflow fields stay readable, and
        # a field the caller names as sensitive is hidden even if the model lists it as clear.
        clear = set(getattr(record, "AUDIT_CLEAR_FIELDS", ())) - named
        return {"*", *clear}
    return named


def _prepare_changes(changes: dict, hidden: set[str]) -> dict:
    prepared = {}
    wildcard = "*" in hidden
    for field, value in changes.items():
        # With the wildcard, `hidden` lists the fields that stay in clear.
        secret = (field not in hidden) if wildcard else (field in hidden)
        if secret:
            if isinstance(value, list | tuple) and len(value) == 2:
                prepared[str(field)] = [_digest(value[0]), _digest(value[1])]
            else:
                prepared[str(field)] = _digest(value)
        else:
            prepared[str(field)] = _jsonable(value)
    return prepared


def audit_record(
    *,
    action: str,
    actor,
    record: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    changes: dict | None = None,
    sensitive_fields: Iterable[str] = (),
    sensitivity: str | None = None,
) -> AuditEntry:
    """Append one entry. Call it from a service, inside the transaction of the change.

    `changes` maps a field to its new value or to [old, new]. A record whose sensitivity is
    restricted or confidential has every value digested except its AUDIT_CLEAR_FIELDS; other
    records digest only the fields named in `sensitive_fields` or AUDIT_SENSITIVE_FIELDS.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the change it records")
    if record is not None:
        object_type = object_type or record._meta.label_lower
        if object_id in ("", None):
            if record.pk is None:
                # After delete() the instance has lost its id: take it before deleting.
                raise ValueError(f"{object_type} has no id: pass object_id=.")
            object_id = record.pk
    hidden = _hidden(record, sensitive_fields, sensitivity)

    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    if is_user:
        actor_kind, actor_id, actor_label = ActorKind.USER, actor.pk, str(actor)[:200]
    elif actor is None:
        actor_kind, actor_id, actor_label = ActorKind.SYSTEM, None, "system"
    else:
        actor_kind, actor_id, actor_label = ActorKind.ANONYMOUS, None, ""
    # Residents, anonymous reporters above all, leave no address in stored data.
    ip = _client_ip(_request_ip.get()) if is_user and _actor_is_staff(actor) else None

    with transaction.atomic():
        # The head row is locked until the whole transaction ends, so that concurrent
        # writers take their positions one after another instead of both chaining onto one.
        head, _created = AuditChainHead.objects.select_for_update().get_or_create(
            pk=_HEAD_PK, defaults={"seq": 0, "hash": GENESIS_HASH}
        )
        entry = AuditEntry(
            seq=head.seq + 1,
            at=timezone.now(),
            actor_kind=actor_kind,
            actor_id=actor_id,
            actor_label=actor_label,
            ip=ip,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            changes=_prepare_changes(changes or {}, hidden),
            prev_hash=head.hash,
        )
        entry.hash = entry_hash(entry)
        entry.save(force_insert=True)
        AuditChainHead.objects.filter(pk=_HEAD_PK).update(seq=entry.seq, hash=entry.hash)
    return entry


def model_changes(before: dict, after: models.Model, fields: Iterable[str]) -> dict:
    """[old, new] for each field whose value differs; `before` as taken by model_snapshot."""
    snapshot = model_snapshot(after, fields)
    return {f: [before.get(f), snapshot[f]] for f in fields if before.get(f) != snapshot[f]}


def model_snapshot(instance: models.Model, fields: Iterable[str]) -> dict:
    return {f: _jsonable(getattr(instance, f)) for f in fields}


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""
    # The chain head when the walk ended: the anchor to keep outside the database.
    head_seq: int = 0
    head_hash: str = GENESIS_HASH


def _head() -> tuple[int, str] | None:
    return AuditChainHead.objects.filter(pk=_HEAD_PK).values_list("seq", "hash").first()


def _entries(batch_size: int) -> Iterator[AuditEntry]:
    cursor = 0
    while True:
        batch = list(AuditEntry.objects.filter(seq__gt=cursor).order_by("seq")[:batch_size])
        if not batch:
            return
        yield from batch
        cursor = batch[-1].seq


def audit_verify(*, batch_size: int = 2000) -> ChainReport:
    """Walk the whole chain; report the first entry that does not follow from the one before.

    Safe while the platform writes: the head is read before and after the walk, and entries
    appended meanwhile are checked as far as the walk reached them.
    """
    head_before = _head()
    prev_hash, expected_seq, checked = GENESIS_HASH, 1, 0
    hash_at_head_before = GENESIS_HASH
    for entry in _entries(batch_size):
        if entry.seq != expected_seq:
            reason = _("entry %(expected)d, which should come before it, is missing") % {
                "expected": expected_seq
            }
            return ChainReport(False, checked, entry.seq, reason)
        if entry.prev_hash != prev_hash:
            return ChainReport(
                False, checked, entry.seq, _("it does not chain onto the entry before it")
            )
        if entry_hash(entry) != entry.hash:
            return ChainReport(False, checked, entry.seq, _("its content does not match its hash"))
        prev_hash, expected_seq, checked = entry.hash, expected_seq + 1, checked + 1
        if head_before is not None and entry.seq == head_before[0]:
            hash_at_head_before = entry.hash
    last_seq = expected_seq - 1
    head_after = _head()
    return _head_report(checked, last_seq, prev_hash, head_before, head_after, hash_at_head_before)


def _head_report(checked, last_seq, last_hash, head_before, head_after, hash_at_head_before):
    def broken(seq: int, reason: str) -> ChainReport:
        return ChainReport(False, checked, seq, reason)

    if head_after is None:
        if checked:
            return broken(1, _("the chain head is missing, so the end of the log is unknown"))
        return ChainReport(True, 0)
    if head_before is not None:
        seq_before, hash_before = head_before
        if last_seq < seq_before:
            # The head said the log went further when the walk began: its tail was cut.
            reason = _("it is missing, with every entry after position %(last)d") % {
                "last": last_seq
            }
            return broken(last_seq + 1, reason)
        if seq_before and hash_at_head_before != hash_before:
            return broken(seq_before, _("it does not match the chain head"))
    seq_after, hash_after = head_after
    if last_seq > seq_after:
        return broken(
            seq_after + 1,
            _("it lies beyond the chain head: the platform did not write it"),
        )
    if last_seq == seq_after and last_hash != hash_after:
        return broken(last_seq, _("it does not match the chain head"))
    return ChainReport(True, checked, head_seq=last_seq, head_hash=last_hash)
