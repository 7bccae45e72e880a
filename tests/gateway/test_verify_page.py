"""The staff verify page in a real headless chromium (Playwright), against the real controller on a
real Mosquitto: window 5 reprints a ticket (cmd/reprint), the kiosk's print path prints it on the
virtual ESC/POS printer marked 补打 / REPRINT, OpenCV decodes the reprint's QR code from the PNG, and
the page says it is genuine, today's, and waiting with the right number ahead; an altered code is
not genuine; the verify string (what the QR carries without a gateway) checks too. Screenshots
(360 px, zh and en) to a temporary folder, or docs/screenshots with TIDEQ_UPDATE_SCREENSHOTS=1."""

from __future__ import annotations

import dataclasses
import shutil
import uuid
from pathlib import Path

import cv2
import pytest

from tideq.drivers.printer import TicketPrinter

from .test_browser import CHROMIUM, H, W, browser, served, snap  # noqa: F401 (fixtures)

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (scripts/setup.sh)")


def print_reprint(cfg, ticket, out: Path) -> tuple[Path, str]:
    """The kiosk's print path for a reprint: its TicketView of the reply, to_print() with the
    reply's reprint count, the printer driver; the virtual printer's PNG and text."""
    from tideq.kiosk.model import TicketView
    from tideq.kiosk.printing import to_print

    view = TicketView.acknowledged("cid", ticket, None, cfg.hall.id, cfg.gateway.public_url)
    job = dataclasses.replace(to_print(cfg, view), reprints=ticket.reprints or 0)
    with TicketPrinter(f"virtual://rp-{uuid.uuid4().hex[:6]}?out={out}", 80) as p:
        assert p.print_ticket(job).printed
    png = next(out.glob("*.png"))
    return png, png.with_suffix(".txt").read_text(encoding="utf-8")


def test_a_reprinted_ticket_verifies_genuine_and_waiting(served, people, browser, shots, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    base, cfg = served
    people.ticket()
    mine = people.ticket()
    r = people.window.send("reprint", {"ticket": mine.number})
    assert r.ok and r.ticket is not None and r.ticket.reprints == 1
    png, text = print_reprint(cfg, r.ticket, tmp_path / "printed")
    assert "补打 REPRINT 1" in text and f"校验码 Verify {mine.verify[-4:].upper()}" in text
    if shots.name == "screenshots":
        shutil.copyfile(png, shots / "ticket-reprint.png")
    scanned = cv2.QRCodeDetector().detectAndDecode(cv2.imread(str(png)))[0]
    assert scanned == f"{base}/t/{mine.page}"  # a reprint carries the same code: one ticket, two papers

    pages = {}
    for lang, locale in (("zh", "zh-CN"), ("en", "en-US")):
        pages[lang] = browser.new_context(viewport={"width": W, "height": H}, locale=locale).new_page()
    zh, en = pages["zh"], pages["en"]
    zh.goto(scanned)  # the gateway has the ticket's place once its own live page shows it
    expect(zh.locator("#tq-ahead")).to_have_text("前面还有 1 人")

    for lang, page in pages.items():
        page.goto(f"{base}/staff/verify?lang={lang}")
        page.fill("#tq-code", scanned)
        page.click("#tq-check")
    expect(zh.locator("#tq-result")).to_have_attribute("data-result", "genuine")
    expect(zh.locator("#tq-result .big")).to_contain_text(f"真票：{mine.number}")
    expect(zh.locator("#tq-status")).to_have_text("等候中：前面 1 人")
    expect(en.locator("#tq-status")).to_have_text("Waiting: 1 ahead")
    snap(zh, shots, "verify-genuine-zh")
    snap(en, shots, "verify-genuine-en")

    forged = scanned[:-3] + ("AAA" if not scanned.endswith("AAA") else "BBB")
    for page in pages.values():
        page.fill("#tq-code", forged)
        page.click("#tq-check")
    expect(zh.locator("#tq-result")).to_have_attribute("data-result", "forged")
    expect(en.locator("#tq-result .big")).to_contain_text("Not a ticket of this hall")
    snap(zh, shots, "verify-forged-zh")
    snap(en, shots, "verify-forged-en")

    zh.fill("#tq-code", mine.verify)  # what the QR carries without a gateway
    zh.click("#tq-check")
    expect(zh.locator("#tq-result")).to_have_attribute("data-result", "genuine")
