"""`ishenim serve --with-worker` (what `make run` runs): the task worker runs beside the
server and is stopped with it, however the server ends."""

import subprocess

import pytest
from django.core.management import call_command

from ishenim.core.management.commands import serve


class FakeWorker:
    started: list = []

    def __init__(self, command):
        self.command = command
        self.terminated = False
        FakeWorker.started.append(self)

    def terminate(self):
        self.terminated = True

    def wait(self, timeout=None):
        return 0


@pytest.fixture
def fake_worker(monkeypatch):
    FakeWorker.started = []
    monkeypatch.setattr(subprocess, "Popen", FakeWorker)
    return FakeWorker


def test_with_worker_starts_the_worker_and_stops_it_when_the_server_stops(monkeypatch, fake_worker):
    served = []
    monkeypatch.setattr(serve.Command, "_serve", lambda self, **kwargs: served.append(kwargs))

    call_command("serve", "--with-worker", "--bind", "127.0.0.1:8999")

    assert served and served[0]["bind"] == "127.0.0.1:8999"
    (worker,) = fake_worker.started
    assert worker.command[-2:] == ["ishenim.cli", "worker"]
    assert worker.terminated


def test_the_worker_is_stopped_when_the_server_breaks_off(monkeypatch, fake_worker):
    def crash(self, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(serve.Command, "_serve", crash)

    with pytest.raises(KeyboardInterrupt):
        call_command("serve", "--with-worker")

    assert fake_worker.started[0].terminated


def test_without_the_option_no_worker_is_started(monkeypatch, fake_worker):
    monkeypatch.setattr(serve.Command, "_serve", lambda self, **kwargs: None)

    call_command("serve")

    assert fake_worker.started == []
