"""A page left open overnight: when the controller's hall day moves on, yesterday's token stops
(its stream ends, its page is the 404), so it never shows today's ticket of the same number.
The gateway's bus is fed by hand here (no broker): the app and uvicorn are real."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import httpx

from tideq.contract import BiText, QueueService, QueueState, ServiceItem, ServicesState, WindowsState
from tideq.contract.ticket_page import page_token
from tideq.gateway import GatewayBus, Settings, create_app
from tideq.gateway.serve import ServerThread

from .conftest import HALL, Stream

TZ = ZoneInfo("Asia/Shanghai")
SECRET = b"rollover"


def feed(bus: GatewayBus, day: date, waiting: list[str]) -> None:
    at = datetime(day.year, day.month, day.day, 9, 0, tzinfo=TZ)
    msgs = [
        ServicesState(
            ts=at,
            services=[
                ServiceItem(
                    id="tax",
                    name=BiText.of("税务办理", "Tax Services"),
                    prefix="B",
                    open=True,
                    waiting=len(waiting),
                    eta_s=60,
                    windows_open=1,
                )
            ],
        ),
        WindowsState(ts=at, windows=[]),
        QueueState(
            ts=at,
            day=day,
            services=[QueueService(id="tax", tickets=waiting, eta_s=[60] * len(waiting), issued=len(waiting))],
        ),
    ]
    assert bus._loop is not None
    for m in msgs:
        bus._loop.call_soon_threadsafe(bus.apply, m)


def test_yesterdays_token_ends_at_the_new_day(hall):
    bus = GatewayBus(None)
    app = create_app(bus, Settings(hall.hall, SECRET))
    day1, day2 = date(2026, 11, 26), date(2026, 11, 27)
    token = page_token(SECRET, HALL, day1, "B001")
    with ServerThread(app) as srv, httpx.Client(base_url=srv.url, timeout=10) as c:
        feed(bus, day1, ["B001", "B002"])
        assert bus.ready.wait(5)
        s = Stream(c, f"/api/t/{token}/events")
        try:
            assert s.until(lambda e: e["view"]["status"] == "waiting")["view"]["ahead"] == 0
            feed(bus, day2, ["B000", "B001"])  # today's B001 is somebody else, 1 ahead
            try:
                ev = s.next()
            except AssertionError:  # "the stream ended": what should happen
                ev = None
            assert ev is None, f"yesterday's page got today's ticket: {ev}"
        finally:
            s.close()
        assert c.get(f"/api/t/{token}").status_code == 404
        assert c.get(f"/api/t/{page_token(SECRET, HALL, day2, 'B001')}").json()["view"]["ahead"] == 1


def test_quiet_streams_get_keep_alives_and_turn_stale(hall, monkeypatch):
    """With nothing happening, the shared tick wakes every stream: a keep-alive comment goes out
    (proxies keep the stream open), and once the state is older than the stale limit the page says so."""
    import tideq.gateway.views as views

    bus = GatewayBus(None, tick_s=0.05)
    app = create_app(bus, Settings(hall.hall, SECRET))
    token = page_token(SECRET, HALL, date(2026, 11, 26), "B001")
    with ServerThread(app) as srv, httpx.Client(base_url=srv.url, timeout=10) as c:
        feed(bus, date(2026, 11, 26), ["B001"])
        assert bus.ready.wait(5)
        with c.stream("GET", f"/api/t/{token}/events") as r:
            lines = r.iter_lines()
            assert next(x for x in lines if x.startswith("data: "))
            assert next(x for x in lines if x.startswith(":")) == ": keep-alive"
            monkeypatch.setattr(views, "STALE_S", 0.0)  # the state is now "too old"
            stale = next(x for x in lines if x.startswith("data: "))
            assert '"stale":true' in stale and "请留意现场叫号" in stale
