"""Board fixtures and helpers shared by the board tests."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest

from tideq.contract import BusClient
from tideq.display.app import DisplayApp, board_config
from tideq.display.board import BoardWidget
from tideq.display.hallstate import Liveness
from tideq.display.layouts import Layout

from ..staff import dispose

WAIT = 5000
TICKET = re.compile(r"^[A-Z]\d{3,4}$")


class FakeMonotonic:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


MakeBoard = Callable[..., tuple[DisplayApp, BoardWidget]]


@pytest.fixture
def make_board(qtbot, hall, broker, clock) -> Iterator[MakeBoard]:  # type: ignore[no-untyped-def]
    apps: list[DisplayApp] = []

    def make(
        layout: Layout = Layout.FHD,
        languages: str | None = None,
        monotonic: FakeMonotonic | None = None,
        live: bool = True,
    ) -> tuple[DisplayApp, BoardWidget]:
        cfg = board_config(hall.hall, "main", None, languages).model_copy(update={"layout": layout.value})
        kw = {"monotonic": monotonic} if monotonic else {}
        app = DisplayApp(hall.hall, cfg, broker.url, clock=clock, **kw).start()
        apps.append(app)
        widget = BoardWidget(app.model, layout)
        qtbot.addWidget(widget)
        widget.show()
        if live:
            qtbot.waitUntil(lambda: app.model.liveness is Liveness.LIVE, timeout=WAIT)
        return app, widget

    yield make
    for a in apps:
        a.stop()
    dispose(*apps)  # on the GUI thread, now (tests/staff.py)


def now_calling(widget: BoardWidget) -> list[str]:
    return widget.texts("call.ticket")


def call(client: BusClient, window: str) -> str:
    reply = client.send(f"window/{window}", {"action": "next"})
    assert reply.ok and reply.ticket is not None, reply
    return reply.ticket.number


def ticket(client: BusClient, service: str) -> str:
    reply = client.send("ticket", {"service": service, "source": "kiosk-1"})
    assert reply.ok and reply.ticket is not None, reply
    return reply.ticket.number
