"""In a real headless browser (Debian's chromium driven by Playwright): the QR code of a printed
ticket PNG (the kiosk's own print path, the virtual ESC/POS printer's rendering) decoded with
OpenCV opens the ticket's page; as window 5 calls, the open page changes without a reload (a
marker set in the page survives) through waiting -> 3 away -> called -> skipped, in Chinese and
English at 360x640 with nothing wider than the screen; the hall live page shows a tidal notice.
Screenshots of every state go to a temporary folder, or to docs/screenshots with
TIDEQ_UPDATE_SCREENSHOTS=1."""

from __future__ import annotations

import uuid
from pathlib import Path

import cv2
import pytest

from tideq.contract import BusClient
from tideq.drivers.printer import TicketPrinter
from tideq.gateway.serve import ServerThread
from tideq.testing import free_port

from .conftest import HALL, make_gateway

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (scripts/setup.sh)")
W, H = 360, 640


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture
def served(hall, broker, controller):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app, bus = make_gateway(hall, broker.url, public_url=url)
    with ServerThread(app, port=port):
        assert bus.ready.wait(10)
        yield url, hall.hall.model_copy(update={"gateway": hall.hall.gateway.model_copy(update={"public_url": url})})


def print_ticket(cfg, ticket, out: Path) -> Path:
    """The kiosk's print path: its TicketView of the reply, to_print(), the printer driver, the
    virtual printer's PNG."""
    from tideq.kiosk.model import TicketView
    from tideq.kiosk.printing import to_print

    view = TicketView.acknowledged("cid", ticket, None, cfg.hall.id, cfg.gateway.public_url)
    with TicketPrinter(f"virtual://gw-{uuid.uuid4().hex[:6]}?out={out}", 80) as p:
        result = p.print_ticket(to_print(cfg, view))
    assert result.printed, result
    return next(out.glob("*.png"))


def fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= W, "wider than a 360 px phone"


def snap(page, shots: Path, name: str, full: bool = False) -> None:
    fits(page)
    path = shots / f"gateway-{name}.png"
    page.screenshot(path=str(path), full_page=full)
    img = cv2.imread(str(path))
    assert img is not None and img.shape[1] == W


def test_printed_qr_opens_a_live_page_in_both_languages(served, people, browser, shots, tmp_path):
    from playwright.sync_api import expect

    base, cfg = served
    for _ in range(5):
        people.ticket()
    mine = people.ticket()
    assert mine.ahead == 5
    png = print_ticket(cfg, mine, tmp_path / "printed")
    url = cv2.QRCodeDetector().detectAndDecode(cv2.imread(str(png)))[0]
    assert url == f"{base}/t/{mine.page}"

    pages = {}
    for lang, locale in (("zh", "zh-CN"), ("en", "en-US")):
        ctx = browser.new_context(viewport={"width": W, "height": H}, locale=locale)
        pages[lang] = ctx.new_page()
        pages[lang].goto(url)
        pages[lang].evaluate("window.tqMarker = 'not reloaded'")
    zh, en = pages["zh"], pages["en"]
    expect(zh.locator("#tq-number")).to_have_text(mine.number)
    expect(zh.locator("#tq-ahead")).to_have_text("前面还有 5 人")
    expect(en.locator("#tq-ahead")).to_have_text("5 people ahead of you")
    for p in pages.values():  # the live stream is up before the window acts
        expect(p.locator("#tq-live")).to_contain_text("·")
    snap(zh, shots, "ticket-waiting-zh")
    snap(en, shots, "ticket-waiting-en")

    people.act("next")
    people.act("next")  # now 3 ahead: the page warns
    expect(zh.locator(".alert.near")).to_contain_text("快到您了！前面还有 3 人")
    expect(en.locator(".alert.near")).to_contain_text("Almost your turn! 3 ahead")
    expect(zh).to_have_title("快到您了")  # the alert path ran (vibration and notification ride on it)
    snap(zh, shots, "ticket-near-zh")
    snap(en, shots, "ticket-near-en")

    for _ in range(4):
        people.act("next")  # ... the fourth calls mine
    expect(zh.locator("#tq-window")).to_have_text("请到 5号窗口 办理")
    expect(en.locator("#tq-window")).to_have_text("Please go to Window 5")
    expect(en).to_have_title("Please go to Window 5")
    snap(zh, shots, "ticket-called-zh")
    snap(en, shots, "ticket-called-en")

    people.act("skip")
    expect(zh.locator("#tq-rejoin")).to_contain_text("综合咨询窗口")
    expect(en.locator("#tq-rejoin")).to_contain_text("General Enquiry window")
    expect(en.locator("#tq-alerts")).to_be_hidden()  # nothing left to alert about
    snap(zh, shots, "ticket-skipped-zh")
    snap(en, shots, "ticket-skipped-en")
    for p in pages.values():
        assert p.evaluate("window.tqMarker") == "not reloaded"  # every change arrived live


def test_hall_live_page_with_a_tidal_notice(served, people, browser, shots, broker):
    from playwright.sync_api import expect

    base, _ = served
    for _ in range(3):
        people.ticket("business-setup")
    people.ticket("tax")
    ctx = browser.new_context(viewport={"width": W, "height": H}, locale="zh-CN")
    zh = ctx.new_page()
    zh.goto(f"{base}/hall")
    zh.evaluate("window.tqMarker = 'not reloaded'")
    expect(zh.locator("#svc-business-setup .waiting")).to_have_text("等候 3 人")
    admin = BusClient(broker.url, HALL, "admin").connect()
    try:
        r = admin.send("tidal", {"action": "open", "window": "19", "service": "business-setup", "reason": "queue"})
        assert r.ok, r
    finally:
        admin.close()
    expect(zh.locator(".notice.tidal_open")).to_contain_text("潮汐窗口已开放")
    expect(zh.locator("#svc-business-setup .badge")).to_have_text("潮汐窗口")
    assert zh.evaluate("window.tqMarker") == "not reloaded"
    snap(zh, shots, "hall-zh", full=True)
    en = ctx.new_page()
    en.goto(f"{base}/hall?lang=en")
    expect(en.locator(".notice.tidal_open")).to_contain_text("Tidal window open")
    expect(en.locator("#svc-tax .waiting")).to_have_text("1 waiting")
    snap(en, shots, "hall-en", full=True)
