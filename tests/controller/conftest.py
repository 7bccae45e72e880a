"""Controller fixtures: the example hall, a hand-moved clock, a running controller on a real broker."""
from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tideq.bus import BusClient
from tideq.config import EXAMPLE_HALL, load
from tideq.controller.engine import Engine
from tideq.controller.service import ControllerService
from tideq.testing import ManualClock

TZ = ZoneInfo("Asia/Shanghai")
THURSDAY_10 = datetime(2026, 11, 26, 10, 0, tzinfo=TZ)


@pytest.fixture(scope="session")
def hall():
    return load(EXAMPLE_HALL)


@pytest.fixture
def engine(hall):
    e = Engine(hall.hall, b"test-secret")
    e.roll_day(THURSDAY_10)
    return e


@pytest.fixture
def clock():
    return ManualClock(THURSDAY_10)


@pytest.fixture
def controller(hall, broker, tmp_path, clock, monkeypatch):
    monkeypatch.setenv("TIDEQ_HALL_SECRET", "test-secret")
    svc = ControllerService(hall, broker.url, tmp_path / "data", clock).start()
    yield svc
    svc.stop()


@pytest.fixture
def client(broker, controller):
    c = BusClient(broker.url, "xian-hitech", f"test-{uuid.uuid4().hex[:8]}").connect()
    yield c
    c.close()
