"""Screenshots of a real demo run: the hall board mid-call and the manager console while a tidal
window is open, both logged in to the demo's secured broker like the demo's own screens.

    QT_QPA_PLATFORM=offscreen python scripts/screenshots_demo.py [OUT_DIR]

Runs `tideq demo`'s hall in this process (headless, its camera included, a throwaway --out), opens
the board (1280x720, as the demo opens it) and the console (1920x1080) offscreen, waits for the
rush's tidal opening and a call on the board, and writes demo-board.png and demo-manager.png into
docs/screenshots/ (or OUT_DIR). Everything on them is the demo's: nothing is staged.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tideq.config import EXAMPLE_HALL, load
from tideq.contract.client import TlsFiles
from tideq.demo import Hall
from tideq.display.app import DisplayApp, board_config
from tideq.display.board import BoardWidget
from tideq.display.layouts import Layout
from tideq.manager.console import SIZE, ManagerConsole
from tideq.manager.model import ManagerModel
from tideq.runtime import BrokerLogin
from tideq.ui.qtbus import IdentityBus
from tideq.ui.screenshot import grab


def wait_until(pred: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            return False
        QTest.qWait(50)
    return True


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent.parent / "docs" / "screenshots")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory(prefix="tideq-demo-shots-") as tmp:
        args = argparse.Namespace(
            config=str(EXAMPLE_HALL),
            minutes=0,
            speed=20.0,
            start_at="09:00",
            visitors_per_min=None,
            no_rush=False,
            out=tmp,
            resume=False,
            headless=True,
            no_camera=False,
            tidal="auto",
        )
        loaded = load(args.config, env={**os.environ, "TIDEQ_TIDAL__MODE": args.tidal})
        hall = Hall(loaded, args)
        hall.start()
        try:
            assert hall.acl is not None, "the screenshots need Mosquitto (the demo's secured broker)"
            tls = TlsFiles(str(hall.ca_file))
            pw = hall.acl.passwords
            board_cfg = board_config(loaded.hall, "main", None, None)
            board_login = BrokerLogin(hall.url, "board-main", pw["board-main"], tls)
            display = DisplayApp(loaded.hall, board_cfg, hall.url, login=board_login).start()
            board = BoardWidget(display.model, Layout(board_cfg.layout))
            board.resize(1280, 720)
            board.show()
            bus = IdentityBus(hall.url, loaded.hall.hall.id, "manager", pw["manager"], tls=tls)
            model = ManagerModel(bus, loaded.hall)
            console = ManagerConsole(model)
            console.resize(*SIZE)
            console.show()
            bus.start()
            # the rush's opening, its clerk calling there, and a crowd reading from the camera
            ok = wait_until(
                lambda: (
                    bool(model.open_tidal)
                    and any(w.tidal and w.ticket for w in model.windows)
                    and bool(model.crowd)
                    and bool(model.log)
                ),
                timeout=150,
            )
            print("tidal opening seen" if ok else "no tidal opening with its clerk within 150 s", flush=True)
            grab(console, out / "demo-manager.png")
            ok_board = wait_until(lambda: bool(board.texts("call.ticket")), timeout=30)
            QTest.qWait(300)
            grab(board, out / "demo-board.png")
            print(f"wrote {out / 'demo-manager.png'} and {out / 'demo-board.png'}", flush=True)
            bus.stop()
            display.stop()
            return 0 if ok and ok_board else 1
        finally:
            hall.stop()
            app.processEvents()


if __name__ == "__main__":
    raise SystemExit(main())
