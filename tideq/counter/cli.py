"""`tideq counter` (caller terminal / evaluator tablet), `tideq manager` (hall manager console),
`tideq counter-bridge` (serial keypads and evaluators) and `tideq acl` (broker identities). Qt is
imported only by `counter` and `manager`."""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from pathlib import Path

from tideq.config import LoadedConfig
from tideq.runtime import load_or_report, wait_for_stop

log = logging.getLogger(__name__)
PASSWORD_ENV = "TIDEQ_BROKER_PASSWORD"


def register(sub: argparse._SubParsersAction) -> None:
    c = sub.add_parser("counter", help="caller terminal for one window (or, with --evaluator, its rating tablet)")
    c.add_argument("--config", required=True, help="hall .toml file")
    c.add_argument("--window", required=True, help="window id from the hall file; the terminal acts only for it")
    c.add_argument("--evaluator", action="store_true", help="run the evaluator tablet screen instead of the terminal")
    c.add_argument("--with-evaluator", action="store_true", help="terminal plus an evaluator screen in one process")
    c.add_argument("--evaluator-timeout", type=float, default=30.0, help="seconds before a rating counts as not rated")
    c.add_argument("--lang", choices=["zh", "en"], default="zh", help="terminal language (toggle in the window)")
    c.add_argument("--keys", default="", help='override shortcuts, e.g. "next=F9,recall=F10" (defaults F1..F8)')
    _broker_args(c, "window-{id} (evaluator-{id} with --evaluator)")
    c.set_defaults(func=run_counter)

    m = sub.add_parser("manager", help="hall manager console: the whole hall live, tidal proposals to confirm or decline")
    m.add_argument("--config", required=True, help="hall .toml file")
    m.add_argument("--lang", choices=["zh", "en"], default="zh", help="console language (toggle in the window)")
    m.add_argument("--windowed", action="store_true", help="a 1920x1080 window instead of full screen")
    _broker_args(m, "manager")
    m.set_defaults(func=run_manager)

    b = sub.add_parser("counter-bridge", help="bridge RS-485 caller keypads and evaluators to the controller")
    b.add_argument("--config", required=True, help="hall .toml file")
    b.add_argument("--keypad-bus", required=True, help="id of a [[devices.serial_buses]] of kind keypad")
    b.add_argument("--evaluator-bus", help="id of a [[devices.serial_buses]] of kind evaluator")
    _broker_args(b, "bridge-{keypad bus id}")
    b.set_defaults(func=run_bridge)

    a = sub.add_parser("acl", help="write a Mosquitto password file and ACL binding each identity to its topics")
    a.add_argument("--config", required=True, help="hall .toml file")
    a.add_argument("--out", required=True, help="folder for passwd, acl, mosquitto-tideq.conf, credentials.toml")
    a.set_defaults(func=run_acl)


def _broker_args(p: argparse.ArgumentParser, default_user: str) -> None:
    p.add_argument("--broker", help="mqtt://host:port; default from the hall file")
    p.add_argument("--username", help=f"broker user, also the MQTT client id (default {default_user})")
    p.add_argument("--password", help=f"broker password (visible to `ps`; prefer ${PASSWORD_ENV})")
    p.add_argument("--password-env", default=PASSWORD_ENV, help="environment variable holding the password")


def _password(args: argparse.Namespace) -> str | None:
    return args.password or os.environ.get(args.password_env) or None


def _broker(loaded: LoadedConfig, override: str | None) -> str:
    return loaded.hall.broker.client_url(override)


# ---------------------------------------------------------------------- counter
def run_counter(args: argparse.Namespace) -> int:
    loaded = load_or_report(args.config)
    if loaded is None:
        return 2
    hall = loaded.hall
    if hall.window(args.window) is None:
        print(f"{args.config}: no window {args.window!r}; windows are {', '.join(w.id for w in hall.windows)}",
              file=sys.stderr)
        return 2
    from .terminal_model import KeymapError, parse_keymap
    try:
        keymap = parse_keymap(args.keys)
    except KeymapError as err:
        print(f"--keys: {err}", file=sys.stderr)
        return 2

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from .evaluator_screen import EvaluatorModel, EvaluatorScreen, FinishWatcher
    from .terminal import CallerTerminal
    from .terminal_bus import IdentityBus
    from .terminal_model import CallerModel, Lang

    app = QApplication.instance() or QApplication(sys.argv[:1])
    role = "evaluator" if args.evaluator else "window"
    user = args.username or f"{role}-{args.window}"
    bus = IdentityBus(_broker(loaded, args.broker), hall.hall.id, user, _password(args))
    keep: list[object] = []
    if args.evaluator:
        ev = EvaluatorModel(bus, args.window, timeout_s=args.evaluator_timeout)
        watcher = FinishWatcher(bus, args.window)
        watcher.finished.connect(ev.ask)
        screen = EvaluatorScreen(ev, hall)
        screen.showFullScreen()
        keep += [ev, watcher, screen]
    else:
        model = CallerModel(bus, hall, args.window, keymap=keymap, lang=Lang(args.lang))
        terminal = CallerTerminal(model)
        terminal.show()
        keep += [model, terminal]
        if args.with_evaluator:
            ev = EvaluatorModel(bus, args.window, timeout_s=args.evaluator_timeout)
            model.finished.connect(ev.ask)
            ev.rated.connect(model.note_rating)
            screen = EvaluatorScreen(ev, hall)
            screen.resize(1024, 600)
            screen.show()
            keep += [ev, screen]
    bus.start()
    signal.signal(signal.SIGINT, lambda *_: app.quit())
    signal.signal(signal.SIGTERM, lambda *_: app.quit())
    pulse = QTimer()
    pulse.timeout.connect(lambda: None)   # lets Python run signal handlers during app.exec()
    pulse.start(300)
    log.info("counter for window %s as %s on %s", args.window, user, bus.client.host)
    try:
        return int(app.exec())
    finally:
        bus.stop()
        _dispose([*keep, bus])


# ---------------------------------------------------------------------- manager
def run_manager(args: argparse.Namespace) -> int:
    loaded = load_or_report(args.config)
    if loaded is None:
        return 2
    hall = loaded.hall

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from .manager import SIZE, ManagerConsole
    from .manager_model import ManagerModel
    from .terminal_bus import IdentityBus
    from .terminal_model import Lang

    app = QApplication.instance() or QApplication(sys.argv[:1])
    user = args.username or "manager"
    bus = IdentityBus(_broker(loaded, args.broker), hall.hall.id, user, _password(args))
    model = ManagerModel(bus, hall, lang=Lang(args.lang))
    console = ManagerConsole(model)
    if args.windowed:
        console.resize(*SIZE)
        console.show()
    else:
        console.showFullScreen()
    bus.start()
    signal.signal(signal.SIGINT, lambda *_: app.quit())
    signal.signal(signal.SIGTERM, lambda *_: app.quit())
    pulse = QTimer()
    pulse.timeout.connect(lambda: None)   # lets Python run signal handlers during app.exec()
    pulse.start(300)
    log.info("manager console for hall %s as %s on %s (tidal mode in the hall file: %s)",
             hall.hall.id, user, bus.client.host, hall.tidal.mode)
    try:
        return int(app.exec())
    finally:
        bus.stop()
        _dispose([model, console, bus])


def _dispose(objects: list[object]) -> None:
    """Delete Qt objects on the GUI thread, widgets before the models they render, rather than
    leaving it to interpreter shutdown (which deletes them in no particular order)."""
    from PySide6.QtCore import QCoreApplication, QEvent, QObject

    for obj in reversed(objects):
        if isinstance(obj, QObject):
            obj.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


# ---------------------------------------------------------------------- bridge
def run_bridge(args: argparse.Namespace) -> int:
    from tideq.bus import BusClient, BusError

    from .bridge import BridgeError, SerialCounterBridge

    loaded = load_or_report(args.config)
    if loaded is None:
        return 2
    hall = loaded.hall
    buses = {b.id: b for b in hall.devices.serial_buses}
    missing = [x for x in (args.keypad_bus, args.evaluator_bus) if x and x not in buses]
    if missing:
        print(f"{args.config}: no serial bus {', '.join(missing)}; [[devices.serial_buses]] has "
              f"{', '.join(buses) or 'none'}", file=sys.stderr)
        return 2
    user = args.username or f"bridge-{args.keypad_bus}"
    password = _password(args)
    client = BusClient(_broker(loaded, args.broker), hall.hall.id, user,
                       username=user if password else None, password=password)
    try:
        client.connect()
        bridge = SerialCounterBridge.from_config(hall, client, keypad_bus=buses[args.keypad_bus],
                                                 evaluator_bus=buses.get(args.evaluator_bus or ""))
        bridge.start()
    except (BusError, BridgeError, OSError) as err:
        print(f"counter-bridge: {err}", file=sys.stderr)
        client.close()
        return 1
    print(f"tideq counter-bridge ready: keypads on {args.keypad_bus}, as {user}", flush=True)
    wait_for_stop()
    bridge.stop()
    client.close()
    return 0


# ---------------------------------------------------------------------- acl
def run_acl(args: argparse.Namespace) -> int:
    from .acl import AclError, write_acl

    loaded = load_or_report(args.config)
    if loaded is None:
        return 2
    try:
        files = write_acl(loaded.hall, Path(args.out))
    except AclError as err:
        print(err, file=sys.stderr)
        return 1
    print(f"wrote {len(files.identities)} identities for hall {loaded.hall.hall.id}:\n"
          f"  {files.passwd}  (hashes; chgrp mosquitto)\n  {files.acl}\n  {files.conf}  (include in mosquitto.conf)\n"
          f"  {files.out / 'credentials.toml'}  (clear passwords, 0600: give each device its own)")
    return 0
