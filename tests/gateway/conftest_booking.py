"""Fixtures of the booking API and 好差评 tests (imported by their test files; tests/gateway/conftest.py
belongs to the rest of the gateway): the real controller on a real Mosquitto (tests/conftest.py),
a `BusClient` logged in as `gateway`, the routers mounted in a small FastAPI app served by uvicorn
on a free port, and an httpx client for it."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI

from tideq.contract import BusClient
from tideq.gateway.booking import BookingClient, booking_router
from tideq.gateway.keys import ApiKeys
from tideq.testing.http import ServedApp

from ..conftest import HALL_SECRET

KEYS = {"zsyy": "k-" + "a1b2c3d4" * 5, "other": "k-" + "99ff" * 10}
ZSYY = {"Authorization": f"Bearer {KEYS['zsyy']}"}


@pytest.fixture
def gateway_bus(broker, controller):
    """The gateway's own login (client id `gateway`, as `tideq acl` names it)."""
    c = BusClient(broker.url, "xian-hitech", "gateway").connect()
    yield c
    c.close()


@pytest.fixture
def booking_api(hall, gateway_bus):
    """The booking router in a FastAPI app on a real port; yields an httpx client for it."""
    app = FastAPI(title="tideq gateway (test)")
    client = BookingClient(gateway_bus, hall.hall, HALL_SECRET.encode())
    app.include_router(booking_router(client, ApiKeys.of(KEYS)))
    with ServedApp(app) as served, httpx.Client(base_url=served.url, timeout=15) as http:
        yield http


@pytest.fixture
def kiosk(broker, controller):
    c = BusClient(broker.url, "xian-hitech", f"test-kiosk-{uuid.uuid4().hex[:6]}").connect()
    yield c
    c.close()
