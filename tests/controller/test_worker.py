"""Bursts as the worker runs them, driven by hand (`process`) on a controller whose bus is up but
whose worker thread is not: one writer, real Mosquitto, real SQLite. Group commit, the typed
inbox, recovery from an engine fault and from a failed write."""

from __future__ import annotations

import json
import queue
import uuid

from tideq.controller.engine import Engine
from tideq.controller.inbox import Command, Connected, Reading, Stop
from tideq.controller.service import ControllerService

from ..conftest import HALL_SECRET

HALL = "tideq/xian-hitech"


def command(client, name: str, **args) -> Command:
    body = {"v": 1, "id": str(uuid.uuid4()), "reply_to": f"{HALL}/reply/{client.client_id}", **args}
    return Command(f"{HALL}/cmd/{name}", json.dumps(body).encode())


def answers(client, n: int) -> dict[str, dict]:
    out = [client.q.get(timeout=5) for _ in range(n)]
    return {r["id"]: r for r in out}


def cid(c: Command) -> str:
    return json.loads(c.payload)["id"]


def test_one_burst_is_one_transaction_and_answers_in_order(idle, replies):
    burst = [command(replies, "ticket", service="tax", source="kiosk-2") for _ in range(5)]
    idle.process([*burst, Connected(), Reading("zone-a", b"{}")])
    got = answers(replies, 5)
    assert [got[cid(c)]["ticket"]["number"] for c in burst] == ["B001", "B002", "B003", "B004", "B005"]
    stored = idle.store.db.execute("SELECT COUNT(*) FROM events WHERE kind = 'ticket_issued'").fetchone()[0]
    assert stored == 5 and set(idle.replies) >= {cid(c) for c in burst}
    assert idle.processed == 7


def test_the_smuggled_oversize_key_is_just_an_unknown_key(idle, replies):
    c = command(replies, "ticket", service="tax", source="kiosk-2", _too_large=70_000)
    idle.process([c])
    assert answers(replies, 1)[cid(c)]["ticket"]["number"] == "B001"


def test_an_engine_fault_is_answered_and_the_burst_keeps_its_accepted_tickets(idle, replies, monkeypatch):
    def broken(self, number, now):
        self.tickets.clear()  # a bug that half-changed state before failing
        raise RuntimeError("bug")

    monkeypatch.setattr(Engine, "rejoin", broken)
    first = command(replies, "ticket", service="tax", source="kiosk-2")
    bad = command(replies, "rejoin", ticket="B001", source="kiosk-2")
    last = command(replies, "ticket", service="tax", source="kiosk-2")
    idle.process([first, bad, last])
    got = answers(replies, 3)
    assert got[cid(bad)]["error"]["code"] == "internal_error"
    assert (got[cid(first)]["ticket"]["number"], got[cid(last)]["ticket"]["number"]) == ("B001", "B002")
    assert list(idle.engine.tickets) == ["B001", "B002"]  # rebuilt from disk + the burst's accepted events
    assert cid(bad) not in idle.replies  # a fault is not an answer to keep


def test_a_failed_write_refuses_the_burst_and_a_retry_gets_the_ticket(idle, replies):
    idle.store.db.execute("CREATE TRIGGER full BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    c = command(replies, "ticket", service="tax", source="kiosk-2")
    idle.process([c])
    assert answers(replies, 1)[cid(c)]["error"]["code"] == "storage_failed"
    assert idle.engine.tickets == {} and cid(c) not in idle.replies
    idle.store.db.execute("DROP TRIGGER full")
    idle.process([c])  # the kiosk retries with the same id
    assert answers(replies, 1)[cid(c)]["ticket"]["number"] == "B001"


def test_stop_is_taken_after_what_was_queued_before_it(hall, broker, tmp_path, clock, monkeypatch, replies):
    monkeypatch.setenv("TIDEQ_HALL_SECRET", HALL_SECRET)
    svc = ControllerService(hall, broker.url, tmp_path / "data", clock).start()
    burst = [command(replies, "ticket", service="tax", source="kiosk-2") for _ in range(40)]
    for c in burst:
        svc.inbox.put(c)
    svc.stop()
    got = answers(replies, 40)
    assert sorted(r["ticket"]["number"] for r in got.values()) == [f"B{i:03d}" for i in range(1, 41)]
    assert not any(isinstance(item, Stop) for item in _drain(svc.inbox))  # the worker took its Stop


def _drain(q: queue.SimpleQueue) -> list:
    out = []
    while True:
        try:
            out.append(q.get_nowait())
        except queue.Empty:
            return out
