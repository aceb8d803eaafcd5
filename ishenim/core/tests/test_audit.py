import io
import math
from datetime import UTC, date, datetime

import pytest
from django.core.management import call_command
from django.db import connection, models, transaction
from django.utils import translation

from ishenim.core.audit import (
    SYSTEM,
    audit_record,
    audit_verify,
    entry_hash,
    model_changes,
    model_snapshot,
    request_context,
)
from ishenim.core.enums import ActorKind, Sensitivity
from ishenim.core.models import AuditChainHead, AuditEntry

pytestmark = pytest.mark.django_db

TABLE = connection.ops.quote_name(AuditEntry._meta.db_table)
# ASCII on purpose: SQLite stores JSON with \u escapes, so a Cyrillic value kept in clear
# would not be found by a plain substring search and the test could not fail.
PHONE = "+996555123456"
NAME = "Aida Toktogulova"


class Person:
    """An authenticated actor, as core sees one: core sits below orgs and its User model."""

    is_authenticated = True

    def __init__(self, pk: int, name: str, *, staff: bool = False):
        self.pk, self.name, self.staff = pk, name, staff

    def __str__(self) -> str:
        return self.name


def staff_in_this_test(user) -> bool:
    return getattr(user, "staff", False)


class CaseFile:
    """A record as audit_record sees it: a label, an id, a sensitivity, clear fields."""

    class _meta:
        label_lower = "casework.casefile"

    AUDIT_CLEAR_FIELDS = ("status", "assigned_to")

    def __init__(self, pk: int, sensitivity: str):
        self.pk, self.sensitivity = pk, sensitivity


@pytest.fixture(autouse=True)
def _staff_predicate(settings):
    settings.ISHENIM_STAFF_PREDICATE = f"{__name__}.staff_in_this_test"


@pytest.fixture(autouse=True)
def _empty_log():
    """Each test starts a log of its own (migrations may have written the first entries)."""
    _sql(f"DELETE FROM {TABLE}")  # noqa: S608
    AuditChainHead.objects.all().delete()


def _chain(length: int = 5) -> list[AuditEntry]:
    return [
        audit_record(
            action="appeal_registered",
            actor=SYSTEM,
            object_type="appeals.appeal",
            object_id=number,
            changes={"status": ["new", "registered"], "number": number},
        )
        for number in range(1, length + 1)
    ]


def _sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _raw_row(seq: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {TABLE} WHERE seq = %s", [seq])  # noqa: S608
        return " ".join(str(value) for value in cursor.fetchone())


# --- The chain and its verification ---------------------------------------------------------


def test_an_untouched_chain_verifies():
    _chain(5)

    report = audit_verify(batch_size=2)

    assert report.ok
    assert report.checked == 5
    assert report.head_seq == 5
    assert report.head_hash == AuditEntry.objects.get(seq=5).hash


def test_an_empty_log_verifies():
    assert audit_verify().ok


def test_each_entry_chains_onto_the_one_before():
    entries = _chain(3)

    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == "0" * 64
    assert entries[1].prev_hash == entries[0].hash
    assert entries[2].hash == entry_hash(AuditEntry.objects.get(seq=3))


def test_an_edited_entry_is_detected():
    _chain(5)

    _sql(f"UPDATE {TABLE} SET action = %s WHERE seq = 3", ["appeal_withdrawn"])  # noqa: S608
    report = audit_verify()

    assert not report.ok
    assert report.broken_seq == 3
    assert report.checked == 2


def test_an_edited_change_value_is_detected():
    _chain(5)
    entry = AuditEntry.objects.get(seq=2)
    forged = dict(entry.changes, status=["new", "rejected"])

    # The ORM refuses; an attacker with database access goes beneath it.
    models.QuerySet.update(AuditEntry.objects.filter(seq=2), changes=forged)

    assert audit_verify().broken_seq == 2


def test_a_deleted_entry_is_detected():
    _chain(5)

    _sql(f"DELETE FROM {TABLE} WHERE seq = 2")  # noqa: S608
    report = audit_verify()

    assert not report.ok
    assert report.broken_seq == 3


def test_an_inserted_entry_is_detected_even_with_a_correct_hash_of_its_own():
    entries = _chain(5)
    # Make room at position 3, in two steps so that no unique position collides.
    _sql(f"UPDATE {TABLE} SET seq = seq + 1000 WHERE seq >= 3")  # noqa: S608
    _sql(f"UPDATE {TABLE} SET seq = seq - 999 WHERE seq >= 1003")  # noqa: S608
    forged = AuditEntry(
        seq=3,
        at=entries[1].at,
        actor_kind=ActorKind.SYSTEM,
        actor_label="system",
        action="appeal_closed",
        object_type="appeals.appeal",
        object_id="2",
        changes={"status": ["registered", "closed"]},
        prev_hash=entries[1].hash,
    )
    forged.hash = entry_hash(forged)
    _sql(
        f"INSERT INTO {TABLE} (seq, at, actor_kind, actor_id, actor_label, ip, action,"  # noqa: S608
        " object_type, object_id, changes, prev_hash, hash)"
        f" SELECT 3, at, actor_kind, actor_id, actor_label, ip, %s, object_type, %s, %s,"
        f" %s, %s FROM {TABLE} WHERE seq = 2",
        [
            forged.action,
            forged.object_id,
            '{"status": ["registered", "closed"]}',
            forged.prev_hash,
            forged.hash,
        ],
    )

    report = audit_verify()

    assert not report.ok
    assert report.broken_seq == 4  # the genuine entry after the forged one no longer chains


def test_an_entry_appended_beyond_the_chain_head_is_detected():
    entries = _chain(3)
    _sql(
        f"INSERT INTO {TABLE} (seq, at, actor_kind, actor_id, actor_label, ip, action,"  # noqa: S608
        " object_type, object_id, changes, prev_hash, hash)"
        f" SELECT 4, at, actor_kind, actor_id, actor_label, ip, action, object_type,"
        f" object_id, changes, %s, %s FROM {TABLE} WHERE seq = 3",
        [entries[2].hash, "f" * 64],
    )
    forged = AuditEntry.objects.get(seq=4)
    models.QuerySet.update(AuditEntry.objects.filter(seq=4), hash=entry_hash(forged))

    report = audit_verify()

    assert not report.ok
    assert report.broken_seq == 4


def test_reordered_entries_are_detected():
    _chain(5)

    _sql(f"UPDATE {TABLE} SET seq = 1000 WHERE seq = 2")  # noqa: S608
    _sql(f"UPDATE {TABLE} SET seq = 2 WHERE seq = 3")  # noqa: S608
    _sql(f"UPDATE {TABLE} SET seq = 3 WHERE seq = 1000")  # noqa: S608
    report = audit_verify()

    assert not report.ok
    assert report.broken_seq == 2


def test_cutting_the_tail_is_detected():
    _chain(5)

    _sql(f"DELETE FROM {TABLE} WHERE seq >= 4")  # noqa: S608
    report = audit_verify()

    assert not report.ok
    assert report.broken_seq == 4
    assert report.checked == 3


def test_deleting_the_whole_log_is_detected():
    _chain(3)

    _sql(f"DELETE FROM {TABLE}")  # noqa: S608

    assert audit_verify().broken_seq == 1


def test_deleting_the_chain_head_with_the_tail_is_detected():
    _chain(5)

    _sql(f"DELETE FROM {TABLE} WHERE seq >= 4")  # noqa: S608
    AuditChainHead.objects.all().delete()

    assert not audit_verify().ok


def test_values_that_databases_store_differently_still_verify():
    audit_record(
        action="import_finished",
        actor=SYSTEM,
        object_type="stats.import",
        object_id=1,
        changes={
            "ratio": math.nan,
            "limit": math.inf,
            "note": "nul\x00byte",
            "by_code": {417: "KG", "x": [1.5, None, True]},
            "when": datetime(2026, 3, 21, 10, 0, tzinfo=UTC),
            "day": date(2026, 3, 21),
            "codes": {"b", "a"},
        },
    )

    assert audit_verify().ok


# --- What the log keeps and what it does not --------------------------------------------------


def test_fields_named_sensitive_are_stored_only_as_digests():
    entry = audit_record(
        action="appeal_registered",
        actor=SYSTEM,
        object_type="appeals.appeal",
        object_id=7,
        changes={"phone": [None, PHONE], "status": ["new", "registered"]},
        sensitive_fields=["phone"],
    )

    row = _raw_row(entry.seq)

    assert PHONE not in row
    assert entry.changes["phone"][1].startswith("hmac-sha256:")
    assert entry.changes["status"] == ["new", "registered"]
    assert "registered" in row


def test_the_same_value_gives_the_same_digest_so_a_change_still_shows():
    first, second, third = (
        audit_record(
            action="contact_changed",
            actor=SYSTEM,
            object_type="appeals.appeal",
            object_id=7,
            changes={"phone": phone},
            sensitive_fields=["phone"],
        )
        for phone in (PHONE, PHONE, "+996700000000")
    )

    assert first.changes["phone"] == second.changes["phone"]
    assert first.changes["phone"] != third.changes["phone"]


@pytest.mark.parametrize("sensitivity", [Sensitivity.RESTRICTED, Sensitivity.CONFIDENTIAL])
def test_a_restricted_or_confidential_record_keeps_only_its_clear_fields_readable(sensitivity):
    entry = audit_record(
        action="casefile_updated",
        actor=SYSTEM,
        record=CaseFile(12, sensitivity),
        changes={
            "victim_name": [None, NAME],
            "narrative": "Told the district officer on 3 March",
            "status": ["open", "referred"],
        },
    )

    row = _raw_row(entry.seq)

    assert NAME not in row
    assert "district officer" not in row
    assert entry.changes["status"] == ["open", "referred"]
    assert entry.object_type == "casework.casefile"
    assert entry.object_id == "12"


def test_an_internal_record_keeps_its_values_readable():
    entry = audit_record(
        action="casefile_updated",
        actor=SYSTEM,
        record=CaseFile(12, Sensitivity.INTERNAL),
        changes={"narrative": "Meeting moved to the school"},
    )

    assert entry.changes["narrative"] == "Meeting moved to the school"


def test_a_field_named_sensitive_is_hidden_even_when_the_model_lists_it_as_clear():
    entry = audit_record(
        action="casefile_updated",
        actor=SYSTEM,
        record=CaseFile(12, Sensitivity.CONFIDENTIAL),
        changes={"assigned_to": NAME},
        sensitive_fields=["assigned_to"],
    )

    assert NAME not in _raw_row(entry.seq)


def test_the_sensitivity_can_be_given_for_a_record_that_has_none():
    entry = audit_record(
        action="referral_sent",
        actor=SYSTEM,
        object_type="casework.referral",
        object_id=3,
        changes={"contact": PHONE},
        sensitivity=Sensitivity.CONFIDENTIAL,
    )

    assert PHONE not in _raw_row(entry.seq)


# --- Who acted, and from where --------------------------------------------------------------


def test_the_client_address_is_kept_for_staff():
    officer = Person(3, "Bakyt", staff=True)

    with request_context(ip="203.0.113.5"):
        entry = audit_record(action="appeal_assigned", actor=officer, object_type="a", object_id=1)

    assert entry.ip == "203.0.113.5"
    assert entry.actor_kind == ActorKind.USER
    assert entry.actor_id == 3
    assert entry.actor_label == "Bakyt"


def test_the_client_address_of_a_resident_is_never_kept():
    resident = Person(4, "Aida")

    with request_context(ip="203.0.113.5"):
        entry = audit_record(
            action="appeal_submitted", actor=resident, object_type="a", object_id=1
        )

    assert entry.ip is None
    assert "203.0.113.5" not in _raw_row(entry.seq)


def test_anonymous_and_system_actors_leave_no_address():
    from django.contrib.auth.models import AnonymousUser

    with request_context(ip="203.0.113.5"):
        anonymous = audit_record(
            action="appeal_submitted", actor=AnonymousUser(), object_type="a", object_id=1
        )
        system = audit_record(action="deadline_passed", actor=SYSTEM, object_type="a", object_id=1)

    assert (anonymous.actor_kind, anonymous.ip) == (ActorKind.ANONYMOUS, None)
    assert (system.actor_kind, system.ip) == (ActorKind.SYSTEM, None)


def test_an_ipv6_address_is_stored_in_the_spelling_the_database_gives_back():
    officer = Person(3, "Bakyt", staff=True)

    with request_context(ip="2001:0db8:0000:0000:0000:0000:0000:0001"):
        entry = audit_record(action="appeal_assigned", actor=officer, object_type="a", object_id=1)

    assert AuditEntry.objects.get(pk=entry.pk).ip == "2001:db8::1"
    assert audit_verify().ok


def test_a_malformed_address_from_a_proxy_is_dropped_instead_of_failing_the_write():
    officer = Person(3, "Bakyt", staff=True)

    with request_context(ip="unknown"):
        entry = audit_record(action="appeal_assigned", actor=officer, object_type="a", object_id=1)

    assert entry.ip is None


# --- Transactions and the append-only rule --------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_audit_record_refuses_to_run_outside_a_transaction():
    with pytest.raises(RuntimeError):
        audit_record(action="appeal_submitted", actor=SYSTEM, object_type="a", object_id=1)

    assert not AuditEntry.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_leaves_no_entry_and_no_advanced_head():
    with transaction.atomic():
        _chain(2)
    head_before = AuditChainHead.objects.get()

    with pytest.raises(ZeroDivisionError), transaction.atomic():
        audit_record(action="appeal_submitted", actor=SYSTEM, object_type="a", object_id=3)
        1 / 0  # noqa: B018 (the change being recorded fails)

    head = AuditChainHead.objects.get()
    assert AuditEntry.objects.count() == 2
    assert (head.seq, head.hash) == (head_before.seq, head_before.hash)
    assert audit_verify().ok


def test_an_existing_entry_cannot_be_saved_again():
    entry = _chain(1)[0]
    entry.action = "appeal_withdrawn"

    with pytest.raises(PermissionError):
        entry.save()


def test_an_entry_cannot_be_deleted():
    entry = _chain(1)[0]

    with pytest.raises(PermissionError):
        entry.delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_a_record_without_an_id_is_refused_instead_of_logged_as_none():
    with pytest.raises(ValueError):
        audit_record(action="casefile_deleted", actor=SYSTEM, record=CaseFile(None, "internal"))


def test_model_changes_lists_only_the_fields_that_differ():
    from django.contrib.auth.models import Group

    group = Group.objects.create(name="Дежурная часть")
    before = model_snapshot(group, ["name", "id"])
    group.name = "Кезметчи бөлүк"

    assert model_changes(before, group, ["name", "id"]) == {
        "name": ["Дежурная часть", "Кезметчи бөлүк"]
    }


# --- ishenim verify-audit -------------------------------------------------------------------


def test_verify_audit_says_the_log_is_intact_and_exits_zero():
    _chain(4)
    out = io.StringIO()

    with translation.override("en"):
        call_command("verify_audit", stdout=out)

    assert out.getvalue().splitlines()[0] == "Audit log intact: 4 entries checked."


def test_verify_audit_names_the_first_broken_entry_on_stderr_and_exits_one():
    _chain(4)
    _sql(f"UPDATE {TABLE} SET object_id = %s WHERE seq = 2", ["99"])  # noqa: S608
    out, err = io.StringIO(), io.StringIO()

    with translation.override("en"), pytest.raises(SystemExit) as exited:
        call_command("verify_audit", stdout=out, stderr=err)

    assert exited.value.code == 1
    assert "Audit log broken at entry 2: its content does not match its hash." in err.getvalue()
    assert "intact" not in out.getvalue()


@pytest.mark.django_db
def test_bulk_updates_and_deletes_of_the_log_are_refused_like_single_ones():
    with transaction.atomic():
        audit_record(action="appeal_submitted", actor=SYSTEM, object_type="a", object_id=1)

    with pytest.raises(PermissionError):
        AuditEntry.objects.update(action="nothing happened")
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(object_type="a").delete()
    assert AuditEntry.objects.filter(action="appeal_submitted").exists()
