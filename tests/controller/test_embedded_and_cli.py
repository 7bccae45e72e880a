"""The single-box mode (embedded amqtt broker) and restart from disk (the import command: tests/importer)."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import uuid

from tideq.config import EXAMPLE_HALL
from tideq.contract import BusClient
from tideq.controller.service import ControllerService
from tideq.controller.store import EventStore
from tideq.testing import free_port


def test_embedded_broker_mode(hall, tmp_path, clock, monkeypatch):
    from tideq.broker.embedded import EmbeddedBroker

    monkeypatch.setenv("TIDEQ_HALL_SECRET", "x")
    broker = EmbeddedBroker(free_port(), host="127.0.0.1").start()
    svc = ControllerService(hall, broker.url, tmp_path, clock).start()
    kiosk = BusClient(broker.url, "xian-hitech", "emb-kiosk").connect()
    try:
        r = kiosk.request("ticket", {"service": "general-consult", "source": "kiosk-1"})
        assert r["ok"] and r["ticket"]["number"] == "H001"
        assert kiosk.request("window/17", {"action": "next"})["ticket"]["number"] == "H001"
    finally:
        kiosk.close()
        svc.stop()
        broker.stop()


def test_embedded_controller_process_from_config(tmp_path):
    """`broker = "embedded"` in the hall file: one process, nothing else to run."""
    port = free_port()
    cfg = tmp_path / "hall.toml"
    cfg.write_text(
        EXAMPLE_HALL.read_text(encoding="utf-8").replace("embedded_port = 1883", f"embedded_port = {port}"),
        encoding="utf-8",
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tideq.cli",
            "controller",
            "--config",
            str(cfg),
            "--data-dir",
            str(tmp_path / "d"),
            "--start-at",
            "10:00",
        ],
        stdout=subprocess.PIPE,
        text=True,
        stderr=subprocess.DEVNULL,
        env={"TIDEQ_HALL_SECRET": "x", "PATH": "/usr/bin:/bin"},
    )
    try:
        assert "ready" in proc.stdout.readline()
        c = BusClient(f"mqtt://127.0.0.1:{port}", "xian-hitech", "emb2").connect()
        assert c.request("ticket", {"service": "tax", "source": "kiosk-2"})["ok"]
        c.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0


def test_state_is_rebuilt_from_the_log_on_restart(hall, broker, tmp_path, clock, monkeypatch):
    monkeypatch.setenv("TIDEQ_HALL_SECRET", "x")
    svc = ControllerService(hall, broker.url, tmp_path, clock).start()
    c = BusClient(broker.url, "xian-hitech", f"r-{uuid.uuid4().hex[:6]}").connect()
    first = c.request("ticket", {"service": "tax", "source": "kiosk-2"})
    c.request("ticket", {"service": "tax", "source": "kiosk-2"})
    c.request("window/5", {"action": "next"})
    svc.stop()
    svc = ControllerService(hall, broker.url, tmp_path, clock).start()
    try:
        assert svc.engine.windows["5"].ticket == "B001"
        assert list(svc.engine.waiting["tax"]) == ["B002"]
        again = c.request("ticket", {"service": "tax", "source": "kiosk-2"}, command_id=first["id"])
        assert again == first  # idempotency survives restart
        assert c.request("ticket", {"service": "tax", "source": "kiosk-2"})["ticket"]["number"] == "B003"
    finally:
        c.close()
        svc.stop()


def test_store_migrates_an_old_log(tmp_path):
    path = tmp_path / "events.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, day TEXT NOT NULL, at TEXT NOT NULL,"
        " kind TEXT NOT NULL, data TEXT NOT NULL); CREATE INDEX events_day ON events(day);"
        " PRAGMA user_version=1;"
    )
    db.close()
    store = EventStore(path)
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == 3  # replies, then quarantine and meta
    assert store.quarantined() == 0
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.replies_for(__import__("datetime").date(2026, 1, 1)) == {}
    store.close()


def test_tideq_controller_imports_only_what_it_runs():
    """A controller restarted after a crash is online sooner for not importing numpy, OpenCV,
    Qt, Pillow and matplotlib for the other subcommands (docs/reliability.md, restart to online)."""
    import subprocess
    import sys

    code = (
        "import sys; from tideq.cli import build_parser; build_parser('controller'); "
        "import tideq.controller.service; "
        "print(sorted(m for m in ('cv2', 'numpy', 'PySide6', 'PIL', 'matplotlib', 'escpos') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    # and the full parser still knows every subcommand
    everything = subprocess.run(
        [sys.executable, "-m", "tideq.cli", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "controller" in everything and "kiosk" in everything and "demo" in everything
