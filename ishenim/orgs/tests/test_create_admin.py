import pytest
from django.core.management import CommandError, call_command

from ishenim.orgs.enums import Role
from ishenim.orgs.models import Membership, User


def test_creates_a_superuser_who_administers_the_national_organisation(cast, tmp_path):
    secret = tmp_path / "password"
    secret.write_text("snow-leopard-on-the-ridge-5\n", encoding="utf-8")
    call_command(
        "create_admin", "--email", "Root@Example.org", "--name", "Root", "--password-file", secret
    )
    root = User.objects.get(email="root@example.org")
    assert root.is_superuser and root.is_staff
    assert root.check_password("snow-leopard-on-the-ridge-5")
    membership = Membership.objects.get(user=root)
    # The national administration, where administrators already work, not the Ombudsman.
    assert membership.organisation == cast.national_administration
    assert membership.role == Role.ADMINISTRATOR


def test_reads_the_password_from_the_environment_for_automation(db, monkeypatch, capsys):
    monkeypatch.setenv("ISHENIM_ADMIN_PASSWORD", "snow-leopard-on-the-ridge-5")
    call_command("create_admin", "--phone", "0555 000 111", "--name", "Root")
    root = User.objects.get(phone="+996555000111")
    assert root.is_superuser
    # No organisation exists yet: a superuser without a membership.
    assert not Membership.objects.filter(user=root).exists()
    assert "Created superuser +996555000111" in capsys.readouterr().out


def test_asks_twice_and_refuses_two_different_passwords(db, monkeypatch):
    monkeypatch.delenv("ISHENIM_ADMIN_PASSWORD", raising=False)
    monkeypatch.setattr("os.isatty", lambda fd: True)
    answers = iter(["first-password-here-1", "second-password-here-2"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    with pytest.raises(CommandError, match="differ"):
        call_command("create_admin", "--email", "root@example.org", "--name", "Root")
    assert not User.objects.exists()


def test_asks_twice_and_accepts_the_same_password(db, monkeypatch):
    monkeypatch.delenv("ISHENIM_ADMIN_PASSWORD", raising=False)
    monkeypatch.setattr("os.isatty", lambda fd: True)
    monkeypatch.setattr("getpass.getpass", lambda prompt: "same-password-twice-3")
    call_command("create_admin", "--email", "root@example.org", "--name", "Root")
    assert User.objects.get(email="root@example.org").check_password("same-password-twice-3")


def test_refuses_a_weak_password_and_creates_nothing(db, monkeypatch):
    monkeypatch.setenv("ISHENIM_ADMIN_PASSWORD", "123")
    with pytest.raises(CommandError, match="too short"):
        call_command("create_admin", "--email", "root@example.org", "--name", "Root")
    assert not User.objects.exists()


def test_needs_an_email_or_a_phone(db, monkeypatch):
    monkeypatch.setenv("ISHENIM_ADMIN_PASSWORD", "snow-leopard-on-the-ridge-5")
    with pytest.raises(CommandError, match="--email or --phone"):
        call_command("create_admin", "--name", "Root")


def test_without_a_terminal_or_a_password_source_it_says_what_to_do(db, monkeypatch):
    monkeypatch.delenv("ISHENIM_ADMIN_PASSWORD", raising=False)
    monkeypatch.setattr("os.isatty", lambda fd: False)
    with pytest.raises(CommandError, match="--password-file"):
        call_command("create_admin", "--email", "root@example.org", "--name", "Root")
