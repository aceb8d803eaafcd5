import io
import re
from datetime import date

import pytest
from django.contrib.auth import SESSION_KEY, authenticate
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation

from ishenim.core.audit import audit_verify
from ishenim.core.demo import DEMO_PASSWORD
from ishenim.core.demo import demo_load as core_demo_load
from ishenim.orgs.demo import DEMO_BACKUP_CODES
from ishenim.orgs.enums import Role
from ishenim.orgs.models import Membership, Organisation, User


def demo_load(*, scale: int):
    return core_demo_load(scale=scale, today=date(2026, 3, 21))


def test_the_demo_has_an_account_for_every_role_and_each_printed_login_works(db):
    demo = demo_load(scale=1)
    roles = set(Membership.objects.filter(is_active=True).values_list("role", flat=True))
    assert roles == set(Role.values)
    assert len(demo.logins) >= len(Role)
    for login in demo.logins:
        assert authenticate(None, username=login.login, password=DEMO_PASSWORD) is not None
    assert not User.objects.filter(is_demo=False).exists()
    assert not Organisation.objects.filter(is_demo=False).exists()
    # Balykchy has its six Community Prevention Centres; Batken its border unit.
    assert (
        Organisation.objects.filter(name_en__startswith="Balykchy Community Prevention").count()
        == 6
    )
    assert Organisation.objects.filter(
        kind="border_unit", jurisdiction__code="41705214000000"
    ).exists()
    administrator = demo.made["user:administrator"]
    administrator.refresh_from_db()
    assert administrator.is_staff


def test_the_demo_grows_with_its_scale(db):
    small = User.objects.count()
    demo_load(scale=3)
    departments = Organisation.objects.filter(kind="police_department").count()
    assert User.objects.count() - small > departments


def test_the_demo_administrator_signs_in_with_a_printed_backup_code(client, db):
    demo_load(scale=1)
    client.post(
        "/en/accounts/login/", {"login": "administrator@demo.example", "password": DEMO_PASSWORD}
    )
    assert SESSION_KEY not in client.session  # the second step is still to come

    done = client.post("/en/accounts/two-factor/verify/", {"token": DEMO_BACKUP_CODES[0]})

    assert done.status_code == 302
    assert client.get("/en/admin/").status_code == 200


def test_load_demo_prints_the_sign_ins_keeps_the_audit_chain_and_loads_only_once(
    db, settings, tmp_path
):
    settings.DATA_DIR = tmp_path
    out = io.StringIO()
    call_command("load_demo", stdout=out)

    printed = out.getvalue()
    assert f"password for all: {DEMO_PASSWORD}" in printed
    assert "bakyt@demo.example" in printed and "chynara@demo.example" in printed
    assert DEMO_BACKUP_CODES[0] in printed
    assert audit_verify().ok

    again = io.StringIO()
    call_command("load_demo", "--if-empty", stdout=again)
    assert "left as it is" in again.getvalue()
    assert "bakyt@demo.example" in again.getvalue()  # shown again at every `make run`
    with pytest.raises(CommandError):
        call_command("load_demo", stdout=io.StringIO())


AUDIT = connection.ops.quote_name("core_auditentry")
# An attacker with database access, beneath the ORM (which refuses all four).
TAMPERINGS = {
    "edited": [f"UPDATE {AUDIT} SET object_id = '999' WHERE seq = 20"],  # noqa: S608
    "deleted": [f"DELETE FROM {AUDIT} WHERE seq = 20"],  # noqa: S608
    "inserted": [
        # Make room at 20, then copy entry 19 into it.
        f"UPDATE {AUDIT} SET seq = seq + 100000 WHERE seq >= 20",  # noqa: S608
        f"UPDATE {AUDIT} SET seq = seq - 99999 WHERE seq >= 100020",  # noqa: S608
        f"INSERT INTO {AUDIT} (seq, at, actor_kind, actor_id, actor_label, ip, action,"  # noqa: S608
        " object_type, object_id, changes, prev_hash, hash)"
        f" SELECT 20, at, actor_kind, actor_id, actor_label, ip, action, object_type,"
        f" object_id, changes, prev_hash, 'forged' FROM {AUDIT} WHERE seq = 19",
    ],
    "reordered": [
        f"UPDATE {AUDIT} SET seq = 100000 WHERE seq = 20",  # noqa: S608
        f"UPDATE {AUDIT} SET seq = 20 WHERE seq = 21",  # noqa: S608
        f"UPDATE {AUDIT} SET seq = 21 WHERE seq = 100000",  # noqa: S608
    ],
}


@pytest.mark.parametrize("tampering", TAMPERINGS)
def test_verify_audit_passes_on_the_demo_and_fails_on_each_tampering(db, tampering):
    demo_load(scale=1)
    intact = io.StringIO()
    call_command("verify_audit", stdout=intact)
    assert "Audit log intact" in intact.getvalue()

    with connection.cursor() as cursor:
        for statement in TAMPERINGS[tampering]:
            cursor.execute(statement)
    errors = io.StringIO()
    with translation.override("en"), pytest.raises(SystemExit) as exited:
        call_command("verify_audit", stdout=io.StringIO(), stderr=errors)

    assert exited.value.code == 1
    assert re.search(r"Audit log broken at entry 2[01]:", errors.getvalue())
