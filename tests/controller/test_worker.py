"""Bursts as the worker runs them, driven by hand (`process`) on a controller whose bus is up but
whose worker thread is not: one writer, real Mosquitto, real SQLite. Group commit, the typed
inbox, recovery from an engine fault and from a failed write."""

from __future__ import annotations

import queue

from tideq.controller.dispatch import reply_key
from tideq.controller.engine import Engine
from tideq.controller.inbox import Command, Connected, Reading, Stop
from tideq.controller.service import ControllerService

from ..conftest import HALL_SECRET
from .conftest import answers, cid, command

HALL = "tideq/xian-hitech"


def test_one_burst_is_one_transaction_and_answers_in_order(idle, replies):
    burst = [command(replies, "ticket", service="tax", source="kiosk-2") for _ in range(5)]
    idle.process([*burst, Connected(), Reading("zone-a", b"{}")])
    got = answers(replies, 5)
    assert [got[cid(c)]["ticket"]["number"] for c in burst] == ["B001", "B002", "B003", "B004", "B005"]
    stored = idle.store.db.execute("SELECT COUNT(*) FROM events WHERE kind = 'ticket_issued'").fetchone()[0]
    assert stored == 5 and set(idle.replies) >= {reply_key(replies.client_id, cid(c)) for c in burst}
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


def test_the_tidal_policy_waits_for_a_quiet_burst_but_not_for_ever(hall):
    """A burst carrying commands leaves the policy's periodic look to the next quiet burst, up to
    BUSY_GRACE_S: replies first, the policy after, and a busy hall is still looked at."""
    from tideq.controller.tidal import TidalPolicy
    from tideq.controller.tidal_runner import BUSY_GRACE_S, TidalRunner

    now = [100.0]
    runner = TidalRunner(TidalPolicy(hall.hall.tidal), every_s=1.0, monotonic=lambda: now[0])
    runner._last = now[0]
    now[0] += 1.5
    assert runner.due(False, busy=False) and not runner.due(False, busy=True)
    assert runner.due(True, busy=True)  # a refresh (or a reconnect) always runs it
    now[0] += BUSY_GRACE_S
    assert runner.due(False, busy=True)


def test_the_periodic_refresh_waits_for_a_burst_without_commands():
    from tideq.controller.worker import DEFER_S, REFRESH_S, refresh_due

    cmd = Command(f"{HALL}/cmd/k/ticket", b"{}")
    assert not refresh_due(REFRESH_S - 0.1, [])
    assert refresh_due(REFRESH_S + 0.1, []) and not refresh_due(REFRESH_S + 0.1, [cmd])
    assert refresh_due(REFRESH_S + DEFER_S + 0.1, [cmd])  # late enough: even a busy burst refreshes
    assert refresh_due(0.0, [cmd, Connected()])  # a reconnect always does
