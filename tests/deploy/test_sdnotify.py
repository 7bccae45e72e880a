"""The notify protocol against a socket bound here as $NOTIFY_SOCKET: the real controller and a
real Qt board say READY=1 once up, ping WATCHDOG=1 at half WatchdogSec while their liveness check
passes, and say STOPPING=1 on SIGTERM; a failing check stops the pings."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tideq import sdnotify
from tideq.config import EXAMPLE_HALL
from tideq.controller.cli import worker_alive
from tideq.testing import free_port

from ..conftest import HALL_SECRET
from .notify_socket import NotifySocket


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[NotifySocket]:
    s = NotifySocket(tmp_path / "notify")
    yield s
    s.close()


def test_notify_sends_one_datagram(notify_socket: NotifySocket, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOTIFY_SOCKET", str(notify_socket.path))
    assert sdnotify.ready("hall xian-hitech")
    assert notify_socket.receive(5) == {"READY": "1", "STATUS": "hall xian-hitech"}


def test_abstract_socket_names_start_with_at(monkeypatch: pytest.MonkeyPatch) -> None:
    name = f"tideq-test-{uuid.uuid4().hex}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.bind("\0" + name)
        s.settimeout(5)
        monkeypatch.setenv("NOTIFY_SOCKET", "@" + name)
        assert sdnotify.stopping()
        assert s.recv(100) == b"STOPPING=1\nSTATUS=stopping"


def test_outside_systemd_nothing_happens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert not sdnotify.ready()
    monkeypatch.setenv("NOTIFY_SOCKET", "/nonexistent/socket")
    assert not sdnotify.notify("WATCHDOG=1")  # the supervisor is gone: the service carries on


def test_watchdog_interval_only_for_the_named_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHDOG_USEC", "30000000")
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    assert sdnotify.watchdog_interval() == 30.0
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    assert sdnotify.watchdog_interval() == 30.0
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid() + 1))  # a child that inherited the variables
    assert sdnotify.watchdog_interval() is None


def test_watchdog_does_not_ping_while_the_check_fails(
    notify_socket: NotifySocket, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTIFY_SOCKET", str(notify_socket.path))
    healthy = threading.Event()
    checks = threading.Semaphore(0)

    def alive() -> bool:
        checks.release()
        return healthy.is_set()

    dog = sdnotify.Watchdog(alive, "the loop stalled", interval=0.05).start()
    try:
        assert notify_socket.receive(5) == {"STATUS": "not alive: the loop stalled"}
        for _ in range(3):  # three more failed checks, each finished before the next one starts
            assert checks.acquire(timeout=5)
        assert checks.acquire(timeout=5)
        assert notify_socket.pending() is None  # no WATCHDOG=1, and the status said once
        healthy.set()
        assert notify_socket.until("WATCHDOG", 5) == {"WATCHDOG": "1", "STATUS": "running"}
        assert notify_socket.receive(5) == {"WATCHDOG": "1"}
    finally:
        dog.stop()


def test_worker_alive_is_the_worker_loop(controller) -> None:
    assert worker_alive(controller)
    controller.worker.stop(10)
    assert not worker_alive(controller)


def _run(argv: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tideq.cli", *argv],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _lifecycle(proc: subprocess.Popen[str], notify: NotifySocket, clean: tuple[int, ...] = (0,)) -> None:
    """READY=1, then pings, then STOPPING=1 on SIGTERM and a clean exit."""
    try:
        ready = notify.until("READY", 60)
        assert ready["READY"] == "1"
        assert all("WATCHDOG" not in m for m in notify.seen[:-1])  # no ping before ready
        assert notify.until("WATCHDOG", 10) == {"WATCHDOG": "1"}
        assert notify.until("WATCHDOG", 10) == {"WATCHDOG": "1"}
        proc.send_signal(signal.SIGTERM)
        assert notify.until("STOPPING", 20)["STOPPING"] == "1"
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode in clean, err
    assert "ready" in out


def test_controller_process_notifies(broker, notify_socket: NotifySocket, tmp_path: Path) -> None:
    env = {**notify_socket.env(watchdog_s=0.5), "TIDEQ_HALL_SECRET": "x"}
    proc = _run(
        ["controller", "--config", str(EXAMPLE_HALL), "--broker", broker.url, "--data-dir", str(tmp_path / "d")], env
    )
    _lifecycle(proc, notify_socket)


def test_board_process_notifies_from_its_event_loop(
    broker,
    notify_socket: NotifySocket,
    tmp_path: Path,
) -> None:
    env = {**notify_socket.env(watchdog_s=0.5), "QT_QPA_PLATFORM": "offscreen"}
    argv = ["display", "--config", str(EXAMPLE_HALL), "--board", "main", "--no-voice", "--broker", broker.url]
    proc = _run([*argv, "--voice-cache", str(tmp_path / "voice")], env)
    _lifecycle(proc, notify_socket)


def test_no_pings_for_another_process(broker, notify_socket: NotifySocket, tmp_path: Path) -> None:
    """WATCHDOG_PID names someone else (systemd's main process, not us): ready, but no pings."""
    env = {**notify_socket.env(watchdog_s=0.2, pid=1), "TIDEQ_HALL_SECRET": "x"}
    proc = _run(
        ["controller", "--config", str(EXAMPLE_HALL), "--broker", broker.url, "--data-dir", str(tmp_path / "d")], env
    )
    try:
        assert notify_socket.until("READY", 60)["READY"] == "1"
        proc.send_signal(signal.SIGTERM)
        assert notify_socket.until("STOPPING", 20)["STOPPING"] == "1"
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert not any("WATCHDOG" in m for m in notify_socket.seen)


def test_gateway_process_notifies_from_its_event_loop(
    broker,
    controller,
    notify_socket: NotifySocket,
) -> None:
    env = {**notify_socket.env(watchdog_s=0.5), "TIDEQ_HALL_SECRET": HALL_SECRET}
    proc = _run(["gateway", "--config", str(EXAMPLE_HALL), "--broker", broker.url, "--port", str(free_port())], env)
    # uvicorn re-raises the SIGTERM it caught once it has shut down; systemd counts a SIGTERM
    # death as a clean stop (so does Restart=always: no restart after `systemctl stop`)
    _lifecycle(proc, notify_socket, clean=(0, -signal.SIGTERM))


def test_ledstrips_process_notifies_while_its_line_worker_lives(broker, notify_socket: NotifySocket) -> None:
    """The example's /dev/ttyUSB1 is absent here: the line retries by itself, and its worker lives."""
    proc = _run(
        ["ledstrips", "--config", str(EXAMPLE_HALL), "--bus", "led-1", "--broker", broker.url],
        notify_socket.env(watchdog_s=0.5),
    )
    _lifecycle(proc, notify_socket)
