#!/usr/bin/env python
"""Grab every kiosk screen at 1920x1080 offscreen in Chinese, English, and large mode (both
languages) into docs/screenshots/kiosk-{variant}-{screen}.png, and print any layout problem
(small target, clipped text, scrolling) found on the way. Run after any UI change and LOOK:

    QT_QPA_PLATFORM=offscreen python scripts/screenshots_kiosk.py [--only ticket,home] [--out DIR]

The screens are the steps of tideq/kiosk/tour.py, among them the guide's touch search with the
on-screen keyboard: guide-search-empty (hint), guide-search ("QYKB" in Chinese, "TAX" in
English), guide-search-material ("YHK" / "BANK": found through a material) and
guide-search-none (nothing found: 综合咨询 and matters handled elsewhere). Only those:

    python scripts/screenshots_kiosk.py --only guide-search-empty,guide-search,guide-search-material,guide-search-none
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from tideq.config import EXAMPLE_HALL, load
from tideq.kiosk.layout_check import problems
from tideq.kiosk.model import KioskModel
from tideq.kiosk.tour import STEPS, run_step
from tideq.kiosk.window import KioskWindow
from tideq.ui.screenshot import grab

VARIANTS = [("zh", "zh", False), ("en", "en", False), ("large-zh", "zh", True), ("large-en", "en", True)]


def shrink(path: Path) -> Path:
    """256-colour PNG: flat UI colours survive, the repo stays small (about a third the size)."""
    from PIL import Image

    with Image.open(path) as im:
        im.convert("RGB").quantize(256, method=Image.Quantize.FASTOCTREE).save(path, optimize=True)
    return path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "docs" / "screenshots"))
    ap.add_argument("--only", help="comma-separated screen names")
    args = ap.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    hall = load(EXAMPLE_HALL).hall
    kiosk = next(k for k in hall.devices.kiosks if k.id == "kiosk-1")
    model = KioskModel(hall, kiosk)
    win = KioskWindow(model, idle_ms=10**9, dwell_ms=10**9, connect_grace_ms=10**9)
    win.resize(1920, 1080)
    win.show()
    only = set(args.only.split(",")) if args.only else None
    bad = 0
    for variant, lang, large in VARIANTS:
        for step in STEPS:
            if only and step[0] not in only:
                continue
            if step[0].startswith("night-"):  # scripts/screenshots_kiosk_night.py: kiosk-night-*.png
                continue
            run_step(model, step, lang, large)
            path = shrink(grab(win, Path(args.out) / f"kiosk-{variant}-{step[0]}.png", (1920, 1080)))
            found = problems(win, large)
            bad += len(found)
            print(f"{path.name}: {'; '.join(found) if found else 'ok'}")
    app.processEvents()
    print(f"{bad} layout problem(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
