"""The tidal policy inside the running controller: auto opens a pool window, confirm proposes,
crowd readings reach the decision, every decision goes out on event/tidal with its inputs."""

from __future__ import annotations

import json
import queue
import uuid

import pytest

from tideq.config import EXAMPLE_HALL, load
from tideq.contract import BusClient, now_iso
from tideq.controller.service import ControllerService

from ..conftest import HALL_SECRET


@pytest.fixture
def tidal_controller(request, broker, tmp_path, clock, monkeypatch):
    monkeypatch.setenv("TIDEQ_HALL_SECRET", HALL_SECRET)
    hall = load(EXAMPLE_HALL, env={"TIDEQ_TIDAL__MODE": request.param})
    svc = ControllerService(hall, broker.url, tmp_path / "data", clock).start()
    yield svc
    svc.stop()


@pytest.fixture
def watcher(broker):
    c = BusClient(broker.url, "xian-hitech", f"tidal-watch-{uuid.uuid4().hex[:6]}")
    events: queue.Queue = queue.Queue()
    states: queue.Queue = queue.Queue()
    c.subscribe("tideq/xian-hitech/event/tidal", lambda t, p: events.put(json.loads(p)))
    c.subscribe("tideq/xian-hitech/state/tidal", lambda t, p: states.put(json.loads(p)))
    c.connect()
    c.events, c.states = events, states
    yield c
    c.close()


def overload(client: BusClient, n: int = 40) -> None:
    for _ in range(n):
        assert client.request("ticket", {"service": "business-setup", "source": "kiosk-2"})["ok"]


def wait_for(q: queue.Queue, pred, clock, step_s: float = 30, rounds: int = 20, each_step=lambda: None) -> dict:
    """Move the hall clock in steps; after each, wait (bounded) for a matching message."""
    for _ in range(rounds):
        clock.advance(seconds=step_s)
        each_step()
        try:
            while True:
                msg = q.get(timeout=1.5)
                if pred(msg):
                    return msg
        except queue.Empty:
            continue
    raise AssertionError("no matching tidal message")


@pytest.mark.parametrize("tidal_controller", ["auto"], indirect=True)
def test_auto_mode_opens_a_pool_window_and_says_why(tidal_controller, watcher, clock, broker):
    client = BusClient(broker.url, "xian-hitech", f"k-{uuid.uuid4().hex[:6]}").connect()
    try:
        overload(client)
        opened = wait_for(watcher.events, lambda m: m.get("kind") == "tidal_opened", clock)
    finally:
        client.close()
    assert opened["service"] == "business-setup" and opened["window"] in {"19", "20", "21", "22"}
    assert opened["inputs"]["waiting"] >= 40 and opened["inputs"]["by"] == "policy"
    w = tidal_controller.engine.windows[opened["window"]]
    assert w.tidal_service == "business-setup" and w.open
    stored = tidal_controller.store.db.execute("SELECT data FROM events WHERE kind='tidal_opened'").fetchone()
    assert stored and json.loads(stored[0])["inputs"]["waiting"] >= 40  # audit in the event log


@pytest.mark.parametrize("tidal_controller", ["confirm"], indirect=True)
def test_confirm_mode_proposes_and_the_manager_confirms(tidal_controller, watcher, clock, broker):
    client = BusClient(broker.url, "xian-hitech", f"mgr-{uuid.uuid4().hex[:6]}").connect()
    try:
        overload(client)
        state = wait_for(watcher.states, lambda m: m.get("proposals"), clock)
        proposal = state["proposals"][0]
        assert proposal["service"] == "business-setup" and proposal["action"] == "propose_open"
        assert all(not w.tidal for w in tidal_controller.engine.windows.values())  # nothing opened by itself
        r = client.request("tidal", {"action": "confirm", "window": proposal["window"]})
        assert r["ok"] and r["tidal"] == {"window": proposal["window"], "service": "business-setup", "open": True}
        again = client.request("tidal", {"action": "confirm", "window": proposal["window"]})
        assert again["error"]["code"] == "no_proposal"
    finally:
        client.close()


@pytest.mark.parametrize("tidal_controller", ["confirm"], indirect=True)
def test_crowd_reading_is_an_input_of_the_decision(tidal_controller, watcher, clock, broker):
    cam = BusClient(broker.url, "xian-hitech", f"cam-{uuid.uuid4().hex[:6]}").connect()
    try:

        def reading() -> None:  # a live camera publishes every few seconds
            cam.publish(
                "tideq/xian-hitech/sensor/crowd/zone-a",
                {"v": 1, "ts": now_iso(), "count": 40, "level": "crowded"},
                retain=True,
            )

        reading()
        overload(cam, 20)
        warn = wait_for(
            watcher.events,
            lambda m: m.get("kind") == "tidal_warn" and m["service"] == "business-setup",
            clock,
            each_step=reading,
        )
        assert warn["inputs"]["crowd"] == "crowded" and warn["inputs"]["camera"] == "ok"
        cam.publish("tideq/xian-hitech/sensor/crowd/zone-a", b"", retain=True)
    finally:
        cam.close()
