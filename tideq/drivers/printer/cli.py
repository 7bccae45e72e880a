"""`tideq printer-test URL` and `tideq printer-sim`."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import TYPE_CHECKING

from .driver import TicketPrinter
from .errors import PrinterUrlError
from .status import Paper
from .ticket import sample_ticket

if TYPE_CHECKING:
    from .virtual import VirtualPrinter


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("printer-test", help="print a sample ticket and then the printer's status")
    p.add_argument("url", help="usb://VID:PID, serial:///dev/ttyUSB0?baudrate=19200, tcp://host:9100, file:///path")
    p.add_argument("--width", type=int, choices=(58, 80), default=80, help="paper width, mm")
    p.set_defaults(func=run_test)

    s = sub.add_parser("printer-sim", help="virtual ESC/POS printer on TCP and a pty; renders PNG + text")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=9100, help="TCP port (0: any free port)")
    s.add_argument("--no-tcp", action="store_true")
    s.add_argument("--no-pty", action="store_true")
    s.add_argument("--pty-link", help="also make this symlink to the pty, e.g. /tmp/ttyPRINTER")
    s.add_argument("--out", default="var/printer-sim", help="folder for NAME-0001.png/.txt")
    s.add_argument("--name", default="sim")
    s.add_argument("--width", type=int, choices=(58, 80), default=80)
    s.add_argument(
        "--chinese-default",
        action="store_true",
        help="start in Chinese mode as many Chinese printers do (default: off, like Epson)",
    )
    s.add_argument("--paper", choices=[p.value for p in Paper if p is not Paper.UNKNOWN], default="adequate")
    s.add_argument("--cover-open", action="store_true")
    s.add_argument("--offline", action="store_true")
    s.add_argument("--error", action="store_true", help="report a cutter error")
    s.add_argument("--mute", action="store_true", help="answer no status query")
    s.add_argument("--drop", action="store_true", help="reset TCP connections when print data arrives")
    s.set_defaults(func=run_sim)


def run_test(args: argparse.Namespace) -> int:
    try:
        printer = TicketPrinter(args.url, args.width)
    except PrinterUrlError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    with printer:
        result = printer.print_ticket(sample_ticket(datetime.now().astimezone()))
        status = printer.status()
    print(f"print: {result.outcome.value} ({result.bytes_sent} bytes, {result.elapsed_s * 1000:.0f} ms)")
    if result.error:
        print(f"error: {type(result.error).__name__}: {result.error}")
        print(f"guide: {result.error.guide['zh']} / {result.error.guide['en']}")
    print(f"status: {status.state.value}")
    print(json.dumps(status.to_dict(), ensure_ascii=False, indent=2))
    return 0 if result.printed else 1


COMMANDS_HELP = (
    "commands: paper adequate|near_end|out, cover open|closed, online, offline, "
    "error on|off, mute on|off, drop on|off, status, quit"
)


def run_sim(args: argparse.Namespace) -> int:
    from .sim import PrinterSim
    from .virtual import VirtualPrinter

    printer = VirtualPrinter(args.name, args.out, args.width, chinese_default=args.chinese_default)
    printer.set_state(
        paper=args.paper,
        cover_open=args.cover_open,
        offline=args.offline,
        error=args.error,
        mute=args.mute,
        drop=args.drop,
    )
    printer.listeners.append(lambda t: print(f"ticket {t.seq}: {t.png}", flush=True))
    sim = PrinterSim(
        printer, host=args.host, port=None if args.no_tcp else args.port, pty=not args.no_pty, pty_link=args.pty_link
    )
    try:
        sim.start()
    except OSError as err:
        print(f"error: cannot listen on {args.host}:{args.port}: {err}; choose another --port", file=sys.stderr)
        return 2
    if not args.no_tcp:
        print(f"listening tcp://{args.host}:{sim.port}", flush=True)
    if sim.pty_path:
        print(f"listening serial://{sim.pty_path}" + (f" (link {args.pty_link})" if args.pty_link else ""), flush=True)
    print(f"output {printer.out_dir.resolve()}; state {printer.state}", flush=True)
    print(COMMANDS_HELP, flush=True)
    try:
        for line in sys.stdin:
            if not apply_command(printer, line.split()):
                break
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
    return 0


def apply_command(printer: VirtualPrinter, words: list[str]) -> bool:
    """Change the fault state from a typed command; False means quit."""
    if not words:
        return True
    cmd, arg = words[0], (words[1] if len(words) > 1 else "")
    try:
        if cmd == "quit":
            return False
        if cmd == "paper":
            printer.set_state(paper=arg)
        elif cmd == "cover":
            printer.set_state(cover_open=arg == "open")
        elif cmd in ("online", "offline"):
            printer.set_state(offline=cmd == "offline")
        elif cmd in ("error", "mute", "drop"):
            printer.set_state(**{cmd: arg != "off"})
        elif cmd != "status":
            print(COMMANDS_HELP, flush=True)
            return True
    except ValueError as err:
        print(f"error: {err}", flush=True)
    print(f"state {printer.state}", flush=True)
    return True
