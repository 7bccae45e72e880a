"""`tideq display --config FILE (--board ID | --window ID)`: a hall board or a window screen."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from tideq.config.logins import board_user
from tideq.config.schema import HallConfig
from tideq.runtime import BrokerLogin, StopSignal, add_broker_args

from .errors import BadSize, DisplayError

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("display", help="run a hall board (综合屏) or a window screen (窗口屏)")
    p.add_argument("--config", required=True, help="hall .toml file")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--board", help="board id from [[devices.boards]]")
    which.add_argument("--window", help="window id from [[windows]]: run that window's screen")
    p.add_argument("--windowed", action="store_true", help="a normal window instead of full screen")
    p.add_argument("--size", help="WIDTHxHEIGHT, e.g. 1920x1080; default from the board layout")
    p.add_argument(
        "--languages", choices=["side-by-side", "alternate", "zh", "en"], help="override the board's languages setting"
    )
    p.add_argument("--no-voice", action="store_true", help="do not speak calls (the board's mute also does)")
    p.add_argument(
        "--voice-cache", help="folder for rendered announcements (default: voice-cache in the hall's data directory)"
    )
    p.add_argument(
        "--voice-cache-mb",
        type=float,
        default=64.0,
        help="size limit of the voice cache, MB; the announcements used longest ago go first (default 64)",
    )
    p.add_argument("--clips", help="folder of recorded clips (docs/voice.md); default: espeak-ng")
    add_broker_args(p, "board-{id}, or window-screen-{id} with --window")
    p.set_defaults(func=run_display)


def parse_size(value: str) -> tuple[int, int]:
    try:
        w, h = (int(x) for x in value.lower().split("x"))
    except ValueError as err:
        raise BadSize(f"--size {value!r} is not WIDTHxHEIGHT, e.g. 1920x1080") from err
    if w < 320 or h < 240:
        raise BadSize(f"--size {value!r} is too small; use at least 320x240")
    return w, h


def run_display(args: argparse.Namespace) -> int:
    from tideq.runtime import broker_login, load_or_report

    stop = StopSignal()  # first: a stop while starting is kept

    loaded = load_or_report(args.config)
    if loaded is None:
        return 2
    hall = loaded.hall
    if args.board:
        device = next((b for b in hall.devices.boards if b.id == args.board), None)
        login = broker_login(loaded, args, board_user(args.board), device.login if device else None)
    else:
        login = broker_login(loaded, args, f"window-screen-{args.window}")
    try:
        size = parse_size(args.size) if args.size else None
        if not args.voice_cache:
            args.voice_cache = str(loaded.data_dir / "voice-cache")
        return _run(hall, login, args, size, stop)
    except DisplayError as err:
        print(f"tideq display: {err}", file=sys.stderr)
        return 2


def _run(
    hall: HallConfig, login: BrokerLogin, args: argparse.Namespace, size: tuple[int, int] | None, stop: StopSignal
) -> int:
    from PySide6.QtWidgets import QApplication, QWidget

    from tideq.ui.app import exec_until_signal
    from tideq.ui.fullscreen import show_full_screen

    from .app import DisplayApp, board_config
    from .board import BoardWidget
    from .layouts import Layout
    from .window_screen import WindowScreen

    board = board_config(hall, args.board, args.window, args.languages)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    url = login.url
    display = DisplayApp(hall, board, url, login=login)
    view: QWidget = (
        BoardWidget(display.model, Layout(board.layout)) if args.board else WindowScreen(display.model, args.window)
    )
    if size:
        view.resize(*size)
    display.start()
    if args.board and not args.no_voice and not board.mute:
        display.start_voice(
            Path(args.voice_cache), Path(args.clips) if args.clips else None, cache_mb=args.voice_cache_mb
        )
    if args.windowed or os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        view.show()
    else:
        show_full_screen(view)
    print(
        f"tideq display ready: {'board ' + args.board if args.board else 'window ' + args.window}, broker {url}",
        flush=True,
    )
    code = exec_until_signal(app, stop)
    display.stop()
    return int(code)
