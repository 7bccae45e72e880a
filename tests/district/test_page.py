"""The district page on the real gateway app, fed by a real subscription to the centre of the
three-broker district (halls A and B bridged, their controllers running): tickets taken in hall B
show in hall B's row, in JSON and in headless chromium, in Chinese and English, nothing wider than
the screen. Screenshots go to a temporary folder, or to docs/screenshots with TIDEQ_UPDATE_SCREENSHOTS=1."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tideq.broker.uplink import DISTRICT_USER
from tideq.gateway import GatewayBus, Settings, create_app
from tideq.gateway.app import extra_routers
from tideq.gateway.district import DistrictView
from tideq.gateway.serve import ServerThread
from tideq.testing import free_port

from .conftest import WAIT_S, District
from .test_bridge import take

CHROMIUM = Path("/usr/bin/chromium")


def waiting(snap: dict[str, Any], hall: str, service: str) -> int | None:
    for h in snap["halls"]:
        if h["hall"] == hall:
            return next((s["waiting"] for s in h["services"] if s["id"] == service), None)
    return None


@pytest.fixture
def view(district: District) -> Iterator[DistrictView]:
    v = DistrictView(
        f"mqtt://127.0.0.1:{district.centre.broker.port}",
        username=DISTRICT_USER,
        password=district.centre.reader_password,
        client_id="district-page-test",
    ).start()
    assert v.connected.wait(WAIT_S)
    yield v
    v.stop()


@pytest.fixture
def served(district: District, view: DistrictView) -> Iterator[str]:
    hall = district.halls["hall-a"].hall
    settings = Settings(hall, b"district-test")
    bus = GatewayBus(None)
    app = create_app(bus, settings, routers=extra_routers(settings, bus, None, view), start_bus=False)
    port = free_port()
    with ServerThread(app, port=port):
        yield f"http://127.0.0.1:{port}"


def wait_snapshot(view: DistrictView, pred: Any) -> dict[str, Any]:
    with view.changed:
        view.changed.wait_for(lambda: pred(view.snapshot()), WAIT_S)
    return view.snapshot()


def test_the_district_json_shows_each_halls_waits_from_the_centre(district: District, view: DistrictView, served: str):
    for _ in range(3):
        take(district, "hall-b", "tax")
    take(district, "hall-a", "business-setup")
    snap = wait_snapshot(
        view, lambda s: waiting(s, "hall-b", "tax") == 3 and waiting(s, "hall-a", "business-setup") == 1
    )
    assert waiting(snap, "hall-b", "tax") == 3 and waiting(snap, "hall-a", "business-setup") == 1
    with urllib.request.urlopen(f"{served}/api/district", timeout=5) as r:
        api = json.load(r)
    b = next(h for h in api["halls"] if h["hall"] == "hall-b")
    assert api["connected"] and b["uplink"] is True
    assert b["devices"]["total"] >= 1 and "controller" not in b["problems"]
    assert waiting(api, "hall-b", "tax") == 3 and waiting(api, "hall-b", "business-setup") == 0


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (scripts/setup.sh)")
def test_the_district_page_in_a_browser(district: District, view: DistrictView, served: str, shots: Path):
    from playwright.sync_api import sync_playwright

    for _ in range(4):
        take(district, "hall-b", "tax")
    take(district, "hall-a", "business-setup")
    # an overload alert and a kiosk out of paper, as hall B's controller and kiosk would publish
    # them, on hall B's own broker: they reach the page only through the bridge and the centre
    now = datetime.now().astimezone().isoformat()
    alert = {
        "v": 1,
        "ts": now,
        "mode": "confirm",
        "open": [],
        "alerts": [
            {
                "service": "tax",
                "level": "warning",
                "reason": {"zh": "税务办理等候 16 人，预计 35 分钟", "en": "Tax: 16 waiting, 35 min"},
            }
        ],
    }
    kiosk = {"v": 1, "ts": now, "device": "kiosk-2", "kind": "kiosk", "state": "paper_out", "reason": "paper out"}
    import paho.mqtt.publish as publish

    publish.multiple(
        [
            ("tideq/hall-b/state/tidal", json.dumps(alert), 1, True),
            ("tideq/hall-b/health/kiosk-2", json.dumps(kiosk), 1, True),
        ],
        hostname="127.0.0.1",
        port=district.brokers["hall-b"].port,
    )
    wait_snapshot(
        view,
        lambda s: (
            waiting(s, "hall-b", "tax") == 4 and any(h["alerts"] and "kiosk-2" in h["problems"] for h in s["halls"])
        ),
    )
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        try:
            for lang, width in (("zh", 1280), ("en", 1280), ("zh", 360)):
                page = b.new_page(viewport={"width": width, "height": 800})
                page.goto(f"{served}/district?lang={lang}")
                card = page.locator("#hall-hall-b")
                assert card.get_attribute("data-uplink") == "up"
                assert page.locator("#svc-hall-b-tax .num").first.inner_text() == "4"
                assert "16" in card.locator(".notice").inner_text()
                assert "kiosk-2" in card.locator(".problems").inner_text()
                assert page.locator("#hall-hall-a").count() == 1
                if lang == "zh":
                    assert "全区大厅概览" in page.title()
                wide = page.evaluate("document.documentElement.scrollWidth")
                assert wide <= width, f"{lang} {width}px: the page is {wide}px wide"
                page.screenshot(path=str(shots / f"district-{lang}-{width}.png"), full_page=True)
                page.close()
        finally:
            b.close()
