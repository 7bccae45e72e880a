"""`tideq manager`: the hall manager console. Qt is imported only when it runs."""

from __future__ import annotations

import argparse
import logging
import sys

from tideq.runtime import StopSignal, add_broker_args, broker_login, load_or_report

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    m = sub.add_parser(
        "manager", help="hall manager console: the whole hall live, tidal proposals to confirm or decline"
    )
    m.add_argument("--config", required=True, help="hall .toml file")
    m.add_argument("--lang", choices=["zh", "en"], default="zh", help="console language (toggle in the window)")
    m.add_argument("--windowed", action="store_true", help="a 1920x1080 window instead of full screen")
    add_broker_args(m, "manager")
    m.set_defaults(func=run_manager)


def run_manager(args: argparse.Namespace) -> int:
    stop = StopSignal()  # first: a stop while starting is kept
    loaded = load_or_report(args.config)
    if loaded is None:
        return 2
    hall = loaded.hall

    from PySide6.QtWidgets import QApplication

    from tideq.contract import DeviceKind, Lang
    from tideq.ui.app import dispose, exec_until_signal
    from tideq.ui.fullscreen import show_full_screen
    from tideq.ui.presence import Presence, presence_will
    from tideq.ui.qtbus import IdentityBus

    from .console import SIZE, ManagerConsole
    from .model import ManagerModel
    from .today import TodayReport

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)  # a QCoreApplication could not show a window
    login = broker_login(loaded, args, "manager")
    user = login.user  # the device id of its health is its login
    bus = IdentityBus(
        login.url,
        hall.hall.id,
        user,
        login.password,
        will=presence_will(hall.hall.id, user, DeviceKind.MANAGER),
        tls=login.tls,
    )
    presence = Presence(bus, user, DeviceKind.MANAGER)
    model = ManagerModel(bus, hall, lang=Lang(args.lang))
    today = TodayReport(loaded) if (loaded.data_dir / "events.sqlite3").exists() else None  # the log is here
    import os

    from tideq.ui.green import GreenDesk

    secret = os.environ.get(hall.hall.secret_env, "").encode() or None  # checks tickets when set
    green = GreenDesk(bus, hall, [s.id for s in hall.services], secret)
    console = ManagerConsole(model, today=today, green=green)
    if args.windowed:
        console.resize(*SIZE)
        console.show()
    else:
        show_full_screen(console)
    bus.start()
    log.info(
        "manager console for hall %s as %s on %s (tidal mode in the hall file: %s)",
        hall.hall.id,
        user,
        bus.client.host,
        hall.tidal.mode,
    )
    try:
        return exec_until_signal(app, stop)
    finally:
        presence.goodbye()
        bus.stop()
        dispose([presence, model, green, console, bus, *([today] if today else [])])
