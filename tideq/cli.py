"""The `tideq` command. Each subcommand lives beside the code it runs and registers itself
through `register(subparsers)`; this file only lists where to find them."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

from tideq import logfmt

# subcommand -> the module whose `register(subparsers) -> None` adds it
COMMANDS = {
    "check-config": "tideq.config.cli",
    "controller": "tideq.controller.cli",
    "appointments": "tideq.importer.cli",
    "printer-test": "tideq.drivers.printer.cli",
    "printer-sim": "tideq.drivers.printer.cli",
    "camera": "tideq.camera.cli",
    "ledstrips": "tideq.signage.cli",
    "kiosk": "tideq.kiosk.cli",
    "display": "tideq.display.cli",
    "counter": "tideq.counter.cli",
    "manager": "tideq.manager.cli",
    "gateway": "tideq.gateway.cli",
    "counter-bridge": "tideq.bridge.cli",
    "acl": "tideq.broker.cli",
    "uplink": "tideq.broker.cli",
    "simulate": "tideq.sim.cli",
    "report": "tideq.report.cli",
    "archive": "tideq.report.cli",
    "backup": "tideq.report.cli",
    "restore": "tideq.report.cli",
    "demo": "tideq.demo",
    "doctor": "tideq.doctor.cli",
    "install": "tideq.deploy.cli",
    "staff-pin": "tideq.controller.staff_cli",
}

# command -> the option naming the process's own device, and its id's role prefix (as its broker login reads)
DEVICE_ARGS = {
    "kiosk": ("kiosk_id", "kiosk"),
    "camera": ("camera", "camera"),
    "ledstrips": ("bus", "ledstrip"),
    "counter-bridge": ("keypad_bus", "bridge"),
    "counter": ("window", "window"),
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every subcommand, or only of `command`'s module: a service that restarts
    after a crash should not first import numpy, OpenCV and Pillow for the others (the controller
    is back online that much sooner, docs/reliability.md)."""
    parser = argparse.ArgumentParser(prog="tideq", description="Edge queue controller for service halls")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug output")
    parser.add_argument(
        "--log-format",
        choices=logfmt.FORMATS,
        default=os.environ.get(logfmt.FORMAT_ENV) if os.environ.get(logfmt.FORMAT_ENV) in logfmt.FORMATS else "text",
        help=f"text, or one JSON object per line for journald (default ${logfmt.FORMAT_ENV}, else text)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = [COMMANDS[command]] if command in COMMANDS else list(dict.fromkeys(COMMANDS.values()))
    for name in modules:
        importlib.import_module(name).register(sub)
    return parser


def _command(argv: list[str]) -> str | None:
    """The subcommand named on the command line (after the global options), if any."""
    return next((a for a in argv if not a.startswith("-")), None)


def device_of(args: argparse.Namespace) -> str | None:
    """This process's device id for its log lines (the hall is set once its file is loaded)."""
    command = str(args.command) if args.command else None
    attr, role = DEVICE_ARGS.get(command or "", ("", ""))
    if command == "display":
        attr, role = ("board", "board") if args.board else ("window", "window-screen")
    elif command == "counter" and getattr(args, "evaluator", False):
        role = "evaluator"
    value = getattr(args, attr, None) if attr else None
    if isinstance(value, str) and value:
        return value if value.startswith(f"{role}-") else f"{role}-{value}"
    return command


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(_command(argv))
    args = parser.parse_args(argv)
    logfmt.setup(logging.DEBUG if args.verbose else logging.INFO, args.log_format)
    logfmt.set_process(device=device_of(args))
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
