"""Controller fixtures beyond the shared ones in tests/conftest.py."""

from __future__ import annotations

import json
import queue
import uuid

import pytest

from tideq.contract import BusClient
from tideq.controller.engine import Engine
from tideq.controller.inbox import Command
from tideq.controller.service import ControllerService

from ..conftest import HALL_SECRET, THURSDAY_10, TZ  # noqa: F401  (re-exported for the tests here)

PREFIX = "tideq/xian-hitech"


def command(client, name: str, **args) -> Command:
    """`cmd/{client id}/{name}` with a fresh id, as the inbox receives it from the broker."""
    body = {"v": 1, "id": str(uuid.uuid4()), **args}
    return Command(f"{PREFIX}/cmd/{client.client_id}/{name}", json.dumps(body).encode())


def answers(client, n: int) -> dict[str, dict]:
    """The next `n` replies on the client's reply queue, by command id."""
    out = [client.q.get(timeout=5) for _ in range(n)]
    return {r["id"]: r for r in out}


def cid(c: Command) -> str:
    return json.loads(c.payload)["id"]


@pytest.fixture
def engine(hall):
    e = Engine(hall.hall, b"test-secret")
    e.roll_day(THURSDAY_10)
    return e


@pytest.fixture
def idle(hall, broker, tmp_path, clock, monkeypatch):
    """A controller with its bus connected and state rebuilt, but no worker thread: the test is the writer."""
    monkeypatch.setenv("TIDEQ_HALL_SECRET", HALL_SECRET)
    svc = ControllerService(hall, broker.url, tmp_path / "data", clock)
    svc.rebuild()
    svc.bus.connect()
    yield svc
    svc.stop()


@pytest.fixture
def replies(broker):
    """A client whose replies, the hall's `event/rejected` and `health/controller` land in queues
    (`.q`, `.rejected`, `.health`)."""
    c = BusClient(broker.url, "xian-hitech", f"r-{uuid.uuid4().hex[:6]}")
    q: queue.Queue = queue.Queue()
    c.subscribe(f"{PREFIX}/reply/{c.client_id}", lambda t, p: q.put(json.loads(p)))
    rejected: queue.Queue = queue.Queue()
    c.subscribe(f"{PREFIX}/event/rejected", lambda t, p: rejected.put(json.loads(p)))
    health: queue.Queue = queue.Queue()
    c.subscribe(f"{PREFIX}/health/controller", lambda t, p: health.put(json.loads(p)))
    c.connect()
    c.q, c.rejected, c.health = q, rejected, health
    yield c
    c.close()
