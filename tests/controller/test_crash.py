"""kill -9 the controller at random points while kiosks take tickets: nothing acknowledged is lost."""

from __future__ import annotations

import os
import queue
import random
import signal
import sqlite3
import threading
import uuid

import pytest

from tideq.contract import BusClient, RequestTimeout
from tideq.testing.processes import start_controller

CYCLES = 8
KIOSKS = 4


@pytest.mark.slow
def test_acknowledged_tickets_survive_kill_9(broker, tmp_path):
    env = {**os.environ, "TIDEQ_HALL_SECRET": "crash"}
    rng = random.Random(20261126)
    acked: dict[str, str] = {}  # command id -> ticket number
    lock = threading.Lock()
    status: queue.Queue = queue.Queue()
    watcher = BusClient(broker.url, "xian-hitech", "crash-watcher").connect()
    watcher.subscribe("tideq/xian-hitech/status/controller", lambda t, p: status.put(p))
    kiosks = [BusClient(broker.url, "xian-hitech", f"crash-kiosk-{i}").connect() for i in range(KIOSKS)]
    for cycle in range(CYCLES):
        proc = start_controller(broker.url, tmp_path, env=env)
        target = len(acked) + rng.randint(5, 60)
        reached = threading.Event()
        stop = threading.Event()

        def kiosk(client: BusClient, stop: threading.Event, reached: threading.Event, target: int) -> None:
            pending: str | None = None
            while not stop.is_set():
                cid = pending or str(uuid.uuid4())
                try:
                    r = client.request(
                        "ticket",
                        {"service": "general-consult", "source": "kiosk-1"},
                        command_id=cid,
                        timeout=1.0,
                    )
                except RequestTimeout:
                    pending = cid  # a kiosk retries with the same id
                    continue
                pending = None
                assert r["ok"], r
                with lock:
                    assert acked.get(cid, r["ticket"]["number"]) == r["ticket"]["number"]
                    acked[cid] = r["ticket"]["number"]
                    if len(acked) >= target:
                        reached.set()

        threads = [threading.Thread(target=kiosk, args=(k, stop, reached, target)) for k in kiosks]
        for t in threads:
            t.start()
        assert reached.wait(30), f"cycle {cycle}: only {len(acked)} tickets"
        os.kill(proc.pid, signal.SIGKILL)  # mid-flight: the kiosks are still sending
        proc.wait()
        stop.set()
        for t in threads:
            t.join(10)
        if cycle == 0:  # the broker's last will says offline
            while status.get(timeout=5) != b"offline":
                pass

    proc = start_controller(broker.url, tmp_path, env=env)
    try:
        db = sqlite3.connect(tmp_path / "events.sqlite3")
        issued = [
            n
            for (n,) in db.execute(
                "SELECT json_extract(data, '$.number') FROM events WHERE kind = 'ticket_issued' ORDER BY seq"
            )
        ]
        assert len(issued) == len(set(issued)), "a number was issued twice"
        assert set(acked.values()) <= set(issued), "an acknowledged ticket was lost"
        assert issued == [f"H{i:03d}" for i in range(1, len(issued) + 1)], "numbering has a gap or repeat"
        r = kiosks[0].request("ticket", {"service": "general-consult", "source": "kiosk-2"}, timeout=5)
        assert r["ticket"]["number"] == f"H{len(issued) + 1:03d}"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
        for k in kiosks:
            k.close()
        watcher.close()
