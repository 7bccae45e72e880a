"""Gateway fixtures: the real controller (in-process, hand-moved clock) on a real Mosquitto, the
gateway app served by uvicorn on a free port with its own broker connection, and clients that
play a kiosk and window 5's caller. Everything a test waits on is a condition (the bus's
`ready` event, an SSE event, a reply), never a sleep."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tideq.contract import BusClient, TicketInfo
from tideq.gateway import GatewayBus, Settings, create_app
from tideq.gateway.serve import ServerThread

from ..conftest import HALL_SECRET

HALL = "xian-hitech"
WINDOW = "5"  # serves tax (prefix B) only; windows 6 and 7 serve tax too, nobody acts there


class Hall:
    """Kiosk and caller of the running hall, over the contract."""

    def __init__(self, url: str) -> None:
        self.kiosk = BusClient(url, HALL, "kiosk-1").connect()
        self.window = BusClient(url, HALL, f"window-{WINDOW}").connect()

    def ticket(self, service: str = "tax") -> TicketInfo:
        r = self.kiosk.send("ticket", {"service": service, "source": "kiosk-1"})
        assert r.ok and r.ticket is not None, r
        return r.ticket

    def act(self, action: str, **args: Any) -> dict[str, Any]:
        r = self.window.request(f"window/{WINDOW}", {"action": action, **args})
        assert r["ok"], r
        return r

    def close(self) -> None:
        self.kiosk.close()
        self.window.close()


@pytest.fixture
def people(broker, controller) -> Iterator[Hall]:
    h = Hall(broker.url)
    yield h
    h.close()


def make_gateway(hall, broker_url: str, **gateway: Any) -> tuple[Any, GatewayBus]:
    cfg = hall.hall
    if gateway:
        cfg = cfg.model_copy(update={"gateway": cfg.gateway.model_copy(update=gateway)})
    bus = GatewayBus(BusClient(broker_url, HALL, "gateway"))
    return create_app(bus, Settings(cfg, HALL_SECRET.encode())), bus


@pytest.fixture
def gateway_options() -> dict[str, Any]:
    return {}


@pytest.fixture
def gateway(hall, broker, controller, gateway_options) -> Iterator[tuple[str, GatewayBus]]:
    app, bus = make_gateway(hall, broker.url, **gateway_options)
    with ServerThread(app) as srv:
        assert bus.ready.wait(10), "the gateway never received the hall's retained state"
        yield srv.url, bus


@pytest.fixture
def http(gateway) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=gateway[0], timeout=10) as c:
        yield c


class Stream:
    """An SSE stream read line by line: `until(pred)` returns the first event's JSON that satisfies it."""

    def __init__(self, client: httpx.Client, path: str) -> None:
        self._cm = client.stream("GET", path, timeout=httpx.Timeout(10, read=10))
        self.response = self._cm.__enter__()
        self._lines = self.response.iter_lines()
        self.events: list[dict[str, Any]] = []

    def next(self) -> dict[str, Any]:
        for line in self._lines:
            if line.startswith("data: "):
                ev = json.loads(line[6:])
                self.events.append(ev)
                return ev
        raise AssertionError("the stream ended")

    def until(self, pred: Any, limit: int = 50) -> dict[str, Any]:
        for _ in range(limit):
            ev = self.next()
            if pred(ev):
                return ev
        raise AssertionError(f"no event satisfied the condition in {limit}: {self.events[-3:]}")

    def close(self) -> None:
        self._cm.__exit__(None, None, None)
