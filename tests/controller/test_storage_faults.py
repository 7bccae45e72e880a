"""Storage faults are visible: a full disk or a read-only event log shows on health/controller
with its fix, answers storage_failed (never a lost or invented ticket), and recovers by itself
once the disk is fixed; startup on such a disk says what is wrong (exit 2, no traceback); the
WAL stays bounded. Real files on real (tiny, loop-free tmpfs) filesystems."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tideq.config import EXAMPLE_HALL
from tideq.contract import BusClient
from tideq.controller.inbox import Command
from tideq.controller.service import ControllerService
from tideq.controller.store import EventStore

from ..conftest import HALL_SECRET
from .conftest import command

HALL = "tideq/xian-hitech"
root_only = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")


@contextlib.contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path]:
    where.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], check=True)
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(disk: Path) -> Path:
    """Write until the filesystem says ENOSPC; returns the filler file (delete it to free the disk)."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        with contextlib.suppress(OSError):
            while os.write(fd, b"\0" * 4096):
                pass
        with contextlib.suppress(OSError):
            while os.write(fd, b"\0"):
                pass
    finally:
        os.close(fd)
    return filler


@pytest.fixture
def watcher(broker):
    c = BusClient(broker.url, "xian-hitech", f"s-{uuid.uuid4().hex[:6]}")
    q: queue.Queue = queue.Queue()
    c.subscribe(f"{HALL}/reply/{c.client_id}", lambda t, p: q.put(json.loads(p)))
    health: queue.Queue = queue.Queue()
    c.subscribe(f"{HALL}/health/controller", lambda t, p: health.put(json.loads(p)))
    c.connect()
    c.q, c.health = q, health
    yield c
    c.close()


def ticket(client) -> Command:
    return command(client, "ticket", service="tax", source="kiosk-1")


def health_until(client, state: str) -> dict:
    while True:
        h = client.health.get(timeout=5)
        if h["state"] == state:
            return h


def start(data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "tideq.cli",
            "controller",
            "--config",
            str(EXAMPLE_HALL),
            "--broker",
            "mqtt://127.0.0.1:1",
            "--data-dir",
            str(data_dir),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "TIDEQ_HALL_SECRET": HALL_SECRET},
    )


@root_only
def test_a_full_disk_refuses_shows_degraded_and_recovers(hall, broker, tmp_path, clock, monkeypatch, watcher):
    monkeypatch.setenv("TIDEQ_HALL_SECRET", HALL_SECRET)
    with tmpfs(tmp_path / "disk", "1m") as disk:
        svc = ControllerService(hall, broker.url, disk / "data", clock)
        svc.rebuild()
        svc.bus.connect()
        try:
            first = ticket(watcher)
            svc.process([first], refresh=True)
            assert watcher.q.get(timeout=5)["ticket"]["number"] == "B001"
            assert health_until(watcher, "ok")["kind"] == "controller"
            filler = fill(disk)
            failed = [ticket(watcher) for _ in range(40)]  # more than any slack in the WAL's pages
            for c in failed:
                svc.process([c])
            answers = [watcher.q.get(timeout=5) for _ in failed]
            refused = [a for a in answers if not a["ok"]]
            assert refused and all(a["error"]["code"] == "storage_failed" and "ticket" not in a for a in refused)
            h = health_until(watcher, "degraded")
            assert "full" in h["reason"] and "free space" in h["reason"]
            stored = len(svc.store.db.execute("SELECT 1 FROM events WHERE kind='ticket_issued'").fetchall())
            assert len(svc.engine.tickets) == stored  # the engine is never ahead of the log
            filler.unlink()
            retry = refused[0]["id"]
            again = next(c for c in failed if json.loads(c.payload)["id"] == retry)
            svc.process([again])  # the kiosk retries with the same id
            r = watcher.q.get(timeout=5)
            assert r["ok"] and r["ticket"]["number"] == f"B{stored + 1:03d}"
            assert "reason" not in health_until(watcher, "ok")
        finally:
            svc.stop()


@root_only
def test_startup_on_a_full_disk_says_so(tmp_path):
    with tmpfs(tmp_path / "disk", "1m") as disk:
        EventStore(disk / "data" / "events.sqlite3").close()
        fill(disk)
        run = start(disk / "data")
    assert run.returncode == 2, run
    assert "full" in run.stderr and "free space" in run.stderr and "Traceback" not in run.stderr


@root_only
def test_startup_on_a_read_only_disk_says_so(tmp_path):
    with tmpfs(tmp_path / "disk", "4m") as disk:
        EventStore(disk / "data" / "events.sqlite3").close()
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        run = start(disk / "data")
    assert run.returncode == 2, run
    assert "read-only" in run.stderr and "remount" in run.stderr and "Traceback" not in run.stderr


def test_startup_on_a_read_only_event_log_file_says_so(tmp_path):
    data = tmp_path / "data"
    EventStore(data / "events.sqlite3").close()
    if os.geteuid() == 0:  # root writes through file modes: make the file immutable instead
        if subprocess.run(["chattr", "+i", str(data / "events.sqlite3")], check=False).returncode:
            pytest.skip("chattr unavailable on this filesystem")
    else:
        (data / "events.sqlite3").chmod(0o444)
        data.chmod(0o555)
    try:
        run = start(data)
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(data / "events.sqlite3")], check=False)
        else:
            data.chmod(0o755)
    assert run.returncode == 2, run
    assert "read-only" in run.stderr and "Traceback" not in run.stderr


@pytest.fixture
def checkpointing(hall, broker, tmp_path, clock, monkeypatch) -> Iterator[ControllerService]:
    """A connected controller whose worker truncates the WAL on every quiet burst."""
    from tideq.controller import worker

    monkeypatch.setenv("TIDEQ_HALL_SECRET", HALL_SECRET)
    monkeypatch.setattr(worker, "CHECKPOINT_S", 0.0)
    svc = ControllerService(hall, broker.url, tmp_path / "data", clock)
    svc.rebuild()
    svc.bus.connect()
    try:
        yield svc
    finally:
        svc.stop()


def test_the_wal_stays_bounded_over_many_bursts(checkpointing, watcher):
    from tideq.controller.store import WAL_SIZE_LIMIT

    svc = checkpointing
    big = []
    for i in range(300):  # 300 bursts of appointment imports, ~20 KiB each: 6 MiB through the WAL
        appts = [
            {
                "code": f"C{i:04d}{j:03d}",
                "service": "tax",
                "start": "2026-11-27T10:30:00+08:00",
                "end": "2026-11-27T11:00:00+08:00",
                "name_masked": "张*",
                "phone_masked": "138****5678",
            }
            for j in range(150)
        ]
        svc.process([command(watcher, "appointments", appointments=appts)])
        big.append(svc.store.wal_bytes())
    for _ in range(300):
        assert watcher.q.get(timeout=10)["ok"]
    assert max(big) <= WAL_SIZE_LIMIT + 2 * 1024 * 1024, max(big)
    svc.process([])  # idle: truncated
    assert svc.store.wal_bytes() == 0


def test_the_wal_is_truncated_under_camera_traffic(checkpointing, clock, watcher):
    """Cameras keep the inbox busy all day: a burst of crowd readings alone is quiet enough."""
    from tideq.controller.inbox import Reading

    svc = checkpointing
    svc.process([command(watcher, "ticket", service="tax", source="kiosk-1")])
    assert watcher.q.get(timeout=10)["ok"]
    assert svc.store.wal_bytes() > 0
    reading = {"v": 1, "ts": clock.now().isoformat(), "count": 3, "level": "low"}
    svc.process([Reading("zone-a", json.dumps(reading).encode())])
    assert svc.store.wal_bytes() == 0


def test_a_degraded_controller_shows_on_the_manager_console_with_its_fix(
    hall, broker, tmp_path, clock, monkeypatch, watcher
):
    from tideq.contract import Health, decode
    from tideq.manager.model import ManagerModel
    from tideq.manager.state import Severity, health_summary

    from ..manager.test_manager_model import FakeBus
    from ..staff import dispose

    monkeypatch.setenv("TIDEQ_HALL_SECRET", HALL_SECRET)
    svc = ControllerService(hall, broker.url, tmp_path / "data", clock)
    svc.rebuild()
    svc.bus.connect()
    try:
        svc.store.db.execute(
            "CREATE TRIGGER full BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
        )
        svc.process([ticket(watcher)])
        assert watcher.q.get(timeout=5)["error"]["code"] == "storage_failed"
        h = health_until(watcher, "degraded")
    finally:
        svc.stop()
    bus = FakeBus()
    model = ManagerModel(bus, hall.hall)
    try:
        bus.feed(f"{HALL}/health/controller", h)
        (cell,) = [c for c in model.device_cells() if c.device == "controller"]
        assert cell.severity is not Severity.OK
        shown = health_summary(decode(Health, json.dumps(h)))
        assert "disk full" in shown and "free space" in shown, shown  # the fix fits the chip's tooltip
    finally:
        dispose(model, bus)
