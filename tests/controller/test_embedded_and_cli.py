"""The single-box mode (embedded amqtt broker), the import command and restart from disk."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import uuid

import pytest

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
        r = kiosk.request("ticket", {"service": "general-consult", "source": "emb-kiosk"})
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
        assert c.request("ticket", {"service": "tax", "source": "emb2"})["ok"]
        c.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0


def test_state_is_rebuilt_from_the_log_on_restart(hall, broker, tmp_path, clock, monkeypatch):
    monkeypatch.setenv("TIDEQ_HALL_SECRET", "x")
    svc = ControllerService(hall, broker.url, tmp_path, clock).start()
    c = BusClient(broker.url, "xian-hitech", f"r-{uuid.uuid4().hex[:6]}").connect()
    first = c.request("ticket", {"service": "tax", "source": "k"})
    c.request("ticket", {"service": "tax", "source": "k"})
    c.request("window/5", {"action": "next"})
    svc.stop()
    svc = ControllerService(hall, broker.url, tmp_path, clock).start()
    try:
        assert svc.engine.windows["5"].ticket == "B001"
        assert list(svc.engine.waiting["tax"]) == ["B002"]
        again = c.request("ticket", {"service": "tax", "source": "k"}, command_id=first["id"])
        assert again == first  # idempotency survives restart
        assert c.request("ticket", {"service": "tax", "source": "k"})["ticket"]["number"] == "B003"
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
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == 2
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.replies_for(__import__("datetime").date(2026, 1, 1)) == {}
    store.close()


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_appointments_import_command(controller, broker, hall, tmp_path, fmt):
    rows = [
        {
            "code": "YY1001",
            "service": "tax",
            "start": "2026-11-26T10:30:00+08:00",
            "end": "2026-11-26T11:00:00+08:00",
            "name_masked": "李*",
            "phone_masked": "139****0000",
        },
        {
            "code": "YY1002",
            "service": "housing-fund",
            "start": "2026-11-27T09:30:00+08:00",
            "end": "2026-11-27T10:00:00+08:00",
            "name_masked": "赵**",
            "phone_masked": "137****1111",
        },
    ]
    f = tmp_path / f"export.{fmt}"
    if fmt == "json":
        f.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    else:
        f.write_text(
            "code,service,start,end,name_masked,phone_masked\n" + "\n".join(",".join(r.values()) for r in rows),
            encoding="utf-8",
        )
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "tideq.cli",
            "appointments",
            "import",
            str(f),
            "--config",
            str(EXAMPLE_HALL),
            "--broker",
            broker.url,
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert r.returncode == 0, r.stderr
    assert "imported 2" in r.stdout
    assert set(controller.engine.appointments) == {"YY1001", "YY1002"}


def test_import_without_controller_says_what_to_do(broker, tmp_path):
    f = tmp_path / "e.json"
    f.write_text("[]")
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "tideq.cli",
            "appointments",
            "import",
            str(f),
            "--config",
            str(EXAMPLE_HALL),
            "--broker",
            broker.url,
            "--timeout",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert r.returncode == 1 and "Is the controller running" in r.stderr
