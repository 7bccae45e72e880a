"""Shared fixtures: a real Mosquitto, the example hall, a hand-moved hall clock, a running
controller on the real broker, and a client. Qt runs offscreen."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import gc
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tideq.config import EXAMPLE_HALL, load
from tideq.contract import BusClient
from tideq.testing import ManualClock, Mosquitto

pytest_plugins = [
    "tests.staff",  # staff-side fixtures, shared by counter, manager, bridge and broker tests
    "tests.gateway.conftest_booking",  # the booking API and the 好差评 outbox (tests/gateway)
]

TZ = ZoneInfo("Asia/Shanghai")
THURSDAY_10 = datetime(2026, 11, 26, 10, 0, tzinfo=TZ)  # the hall is open: a weekday morning
HALL_SECRET = "test-secret"


@pytest.fixture(autouse=True)
def _collect_garbage_on_the_main_thread() -> Iterator[None]:
    """Free each test's unreachable objects here, after its other fixtures, on the GUI thread.

    Left to Python's cycle collector, a Qt object of a finished test (a board model and its
    QTimer, a bus) may be freed whenever some thread allocates: on a paho or worker thread of the
    next test, and Qt then crashes in the main thread's event loop (a segfault in
    tests/display/test_board_reconnect.py under load)."""
    yield
    gc.collect()


@pytest.fixture(scope="module")
def broker():
    """A private Mosquitto on a free loopback port (module scope: restarts are per test file)."""
    with Mosquitto() as m:
        yield m


@pytest.fixture(scope="session")
def hall():
    return load(EXAMPLE_HALL)


@pytest.fixture
def clock():
    return ManualClock(THURSDAY_10)


@pytest.fixture
def controller(hall, broker, tmp_path, clock, monkeypatch):
    """The real controller (in-process, hand-moved clock) on the real broker."""
    from tideq.controller.service import ControllerService

    monkeypatch.setenv("TIDEQ_HALL_SECRET", HALL_SECRET)
    svc = ControllerService(hall, broker.url, tmp_path / "data", clock).start()
    yield svc
    svc.stop()


@pytest.fixture
def client(broker, controller):
    c = BusClient(broker.url, "xian-hitech", f"test-{uuid.uuid4().hex[:8]}").connect()
    yield c
    c.close()


SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where a test saves its screenshots: a temporary folder, or docs/screenshots with
    TIDEQ_UPDATE_SCREENSHOTS=1 (a plain test run leaves the repository as it was)."""
    return SCREENSHOTS if os.environ.get("TIDEQ_UPDATE_SCREENSHOTS") else tmp_path
