"""`tideq counter`: the caller terminal of one window, or its evaluator tablet. Qt is imported
only when it runs."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from tideq.config.logins import evaluator_user, window_user
from tideq.runtime import StopSignal, add_broker_args, broker_login, load_or_report

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    c = sub.add_parser("counter", help="caller terminal for one window (or, with --evaluator, its rating tablet)")
    c.add_argument("--config", required=True, help="hall .toml file")
    c.add_argument("--window", required=True, help="window id from the hall file; the terminal acts only for it")
    c.add_argument("--evaluator", action="store_true", help="run the evaluator tablet screen instead of the terminal")
    c.add_argument("--with-evaluator", action="store_true", help="terminal plus an evaluator screen in one process")
    c.add_argument("--evaluator-timeout", type=float, default=30.0, help="seconds before a rating counts as not rated")
    c.add_argument("--lang", choices=["zh", "en"], default="zh", help="terminal language (toggle in the window)")
    c.add_argument(
        "--card-reader", default="", help="serial URL of the window's staff card reader (工作证), e.g. /dev/ttyUSB1"
    )
    c.add_argument("--keys", default="", help='override shortcuts, e.g. "next=F9,recall=F10" (defaults F1..F8)')
    add_broker_args(c, "window-{id} (evaluator-{id} with --evaluator)")
    c.set_defaults(func=run_counter)


def run_counter(args: argparse.Namespace) -> int:
    stop = StopSignal()  # first: a stop while starting is kept
    loaded = load_or_report(args.config)
    if loaded is None:
        return 2
    hall = loaded.hall
    if hall.window(args.window) is None:
        print(
            f"{args.config}: no window {args.window!r}; windows are {', '.join(w.id for w in hall.windows)}",
            file=sys.stderr,
        )
        return 2
    from .errors import KeymapError
    from .keymap import parse_keymap

    try:
        keymap = parse_keymap(args.keys)
    except KeymapError as err:
        print(f"--keys: {err}", file=sys.stderr)
        return 2

    from PySide6.QtWidgets import QApplication

    from tideq.contract import DeviceKind, Lang
    from tideq.ui.app import dispose, exec_until_signal
    from tideq.ui.fullscreen import show_full_screen
    from tideq.ui.presence import Presence, presence_will
    from tideq.ui.qtbus import IdentityBus

    from .evaluator_screen import EvaluatorModel, EvaluatorScreen, FinishWatcher
    from .terminal import CallerTerminal
    from .terminal_model import CallerModel

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)  # a QCoreApplication could not show a window
    kind = DeviceKind.EVALUATOR if args.evaluator else DeviceKind.COUNTER
    login = broker_login(loaded, args, (evaluator_user if args.evaluator else window_user)(args.window))
    user = login.user  # the device id of its health is its login
    bus = IdentityBus(
        login.url, hall.hall.id, user, login.password, will=presence_will(hall.hall.id, user, kind), tls=login.tls
    )
    presence = Presence(bus, user, kind)
    keep: list[object] = [presence]
    readers: list[object] = []  # serial readers to stop on exit (threads, not Qt objects)
    if args.evaluator:
        ev = EvaluatorModel(bus, args.window, timeout_s=args.evaluator_timeout)
        watcher = FinishWatcher(bus, args.window)
        watcher.finished.connect(ev.ask)
        screen = EvaluatorScreen(ev, hall)
        show_full_screen(screen)
        keep += [ev, watcher, screen]
    else:
        from tideq.ui.green import GreenDesk

        secret = os.environ.get(hall.hall.secret_env, "").encode() or None  # PIN proofs, ticket checks
        model = CallerModel(bus, hall, args.window, keymap=keymap, lang=Lang(args.lang), secret=secret)
        window = hall.window(args.window)
        green = GreenDesk(bus, hall, list(window.services) if window else [], secret)
        terminal = CallerTerminal(model, green=green)
        terminal.show()
        keep += [model, green, terminal]
        if args.card_reader:
            from tideq.drivers.idcard import ReaderUnavailable, StaffCardReader

            try:  # the reader thread only emits: the sign-in itself runs on the GUI thread
                reader = StaffCardReader(args.card_reader, model.card_seen.emit).start()
            except ReaderUnavailable as err:
                log.warning("%s; staff sign in with 工号 and PIN instead", err)
            else:
                readers.append(reader)
        if args.with_evaluator:
            ev = EvaluatorModel(bus, args.window, timeout_s=args.evaluator_timeout)
            model.finished.connect(ev.ask)
            screen = EvaluatorScreen(ev, hall)
            screen.resize(1024, 600)
            screen.show()
            keep += [ev, screen]
    bus.start()
    log.info("counter for window %s as %s on %s", args.window, user, bus.client.host)
    try:
        return exec_until_signal(app, stop)
    finally:
        for r in readers:
            r.stop()  # type: ignore[attr-defined]
        presence.goodbye()
        bus.stop()
        dispose([*keep, bus])
