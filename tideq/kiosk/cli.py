"""`tideq kiosk --config FILE --id KIOSK_ID [--broker URL] [--windowed]`."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time

from tideq.runtime import StopSignal, add_broker_args

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("kiosk", help="run a visitor touch kiosk (take a number, check in, guide)")
    p.add_argument("--config", required=True, help="hall .toml file")
    p.add_argument("--id", required=True, dest="kiosk_id", help="kiosk id from [[devices.kiosks]]")
    p.add_argument("--windowed", action="store_true", help="1920x1080 window instead of full screen")
    p.add_argument("--printer", help="printer URL overriding the configured one, e.g. virtual://demo")
    p.add_argument("--idcard", help="ID card reader serial URL overriding the config")
    p.add_argument("--scanner", help="QR/barcode scanner serial URL overriding the config")
    p.add_argument("--camera", help="camera for QR codes (index, /dev/videoN, URL or video file)")
    p.add_argument("--idle", type=float, default=60.0, help="seconds without a touch before returning home")
    p.add_argument("--no-voice", action="store_true", help="no voice prompts in large mode")
    p.add_argument("--exit-when-ready", action="store_true", help=argparse.SUPPRESS)  # benchmarks, smoke tests
    add_broker_args(p, "kiosk-{id}")
    p.set_defaults(func=run_kiosk)


def run_kiosk(args: argparse.Namespace) -> int:
    t0 = time.perf_counter()
    stop = StopSignal()  # first: a stop while starting is kept
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from tideq.config.logins import kiosk_user
    from tideq.runtime import broker_login, load_or_report
    from tideq.ui.app import exec_until_signal

    from .app import KioskApp, KioskOptions
    from .errors import KioskError
    from .model import Link

    loaded = load_or_report(args.config)
    if loaded is None:
        return 2
    app = QApplication.instance() or QApplication(sys.argv[:1])
    device = next((k for k in loaded.hall.devices.kiosks if k.id == args.kiosk_id), None)
    login = broker_login(loaded, args, kiosk_user(args.kiosk_id), device.login if device else None)
    opts = KioskOptions(
        login.url,
        username=login.user,
        password=login.password,
        tls=login.tls,
        printer_url=args.printer,
        idle_s=args.idle,
        voice=not args.no_voice,
        idcard_url=args.idcard,
        scanner_url=args.scanner,
        camera_url=args.camera,
    )
    try:
        kiosk = KioskApp(loaded, args.kiosk_id, opts).start(fullscreen=not args.windowed)
    except KioskError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.exit_when_ready:

        def ready() -> None:
            m = kiosk.model
            if m.link is Link.ONLINE and m.state_ts is not None:
                print(f"ready {time.perf_counter() - t0:.3f}", flush=True)
                app.quit()

        kiosk.model.services_changed.connect(ready)
        kiosk.model.link_changed.connect(lambda _: ready())
        QTimer.singleShot(int(os.environ.get("TIDEQ_READY_TIMEOUT_MS", "15000")), app.quit)
    log.info("kiosk %s on %s", args.kiosk_id, opts.broker_url)
    try:
        return exec_until_signal(app, stop)
    finally:
        kiosk.stop()
