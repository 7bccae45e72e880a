#!/usr/bin/env python
"""Grab the 24-hour self-service pages (tideq/kiosk/tour_night.py) at 1920x1080 offscreen in
Chinese, English and large mode into docs/screenshots/kiosk-night-{variant}-{page}.png, and the
two printed slips (appointment slip, materials list) as the virtual printer renders their
ESC/POS bytes: kiosk-night-print-slip.png, kiosk-night-print-materials.png. Prints any layout
problem. Run after a change to the night screens, and LOOK:

    QT_QPA_PLATFORM=offscreen python scripts/screenshots_kiosk_night.py
"""

from __future__ import annotations

import os
import shutil
import sys
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from tideq.config import EXAMPLE_HALL, load
from tideq.contract import AppointmentInfo
from tideq.drivers.printer.slip import build_slip
from tideq.drivers.printer.virtual import VirtualPrinter
from tideq.kiosk.layout_check import problems
from tideq.kiosk.model import KioskModel
from tideq.kiosk.tour import NOW, online, run_step
from tideq.kiosk.tour_night import NIGHT_STEPS
from tideq.kiosk.window import KioskWindow
from tideq.ui.screenshot import grab

sys.path.insert(0, str(Path(__file__).resolve().parent))
from screenshots_kiosk import VARIANTS, shrink

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


def print_slips(model: KioskModel, tmp: Path) -> None:
    """The slips as paper: bytes through the virtual printer's ESC/POS interpreter to PNG."""
    printer = VirtualPrinter("night-shots", out_dir=tmp)
    start = (NOW + timedelta(days=1)).replace(hour=9, minute=0)
    appt = AppointmentInfo(code="40718263", service="tax", start=start, end=start + timedelta(minutes=30))
    tax, setup = model.hall.service("tax"), model.hall.service("business-setup")
    assert tax and setup
    for name, slip in (
        ("slip", model.night.appointment_slip(tax, appt)),
        ("materials", model.night.materials_slip(setup)),
    ):
        link = printer.link()
        link.write(build_slip(slip, 80, qr_native=True))
        link.close()
        ticket = printer.wait_for_tickets(len(printer.tickets) or 1)[-1]
        dest = OUT / f"kiosk-night-print-{name}.png"
        shutil.copy(ticket.png, dest)
        print(f"{dest.name}: printed ({len(ticket.text.splitlines())} lines)")


def main() -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    hall = load(EXAMPLE_HALL).hall
    kiosk = next(k for k in hall.devices.kiosks if k.id == "kiosk-1")
    model = KioskModel(hall, kiosk)
    win = KioskWindow(model, idle_ms=10**9, dwell_ms=10**9, connect_grace_ms=10**9)
    win.resize(1920, 1080)
    win.show()
    bad = 0
    for variant, lang, large in VARIANTS:
        for step in NIGHT_STEPS:
            run_step(model, step, lang, large)
            page = step[0].removeprefix("night-")
            path = shrink(grab(win, OUT / f"kiosk-night-{variant}-{page}.png", (1920, 1080)))
            found = problems(win, large)
            bad += len(found)
            print(f"{path.name}: {'; '.join(found) if found else 'ok'}")
    online(model)
    tmp = Path(os.environ.get("TMPDIR", "/tmp")) / "tideq-night-shots"
    shutil.rmtree(tmp, ignore_errors=True)
    print_slips(model, tmp)
    app.processEvents()
    print(f"{bad} layout problem(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
