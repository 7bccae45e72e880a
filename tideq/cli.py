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
    "simulate": "tideq.sim.cli",
    "demo": "tideq.demo",
    "install": "tideq.deploy.cli",
}

# the option naming a process's own device, and how its id reads in logs (the broker login's style)
DEVICE_ARGS = (
    ("kiosk_id", "kiosk"),
    ("board", "board"),
    ("camera", "camera"),
    ("bus", "ledstrip"),
    ("keypad_bus", "bridge"),
    ("window", "window"),
)


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
    for attr, role in DEVICE_ARGS:
        value = getattr(args, attr, None)
        if isinstance(value, str) and value:
            return value if value.startswith(f"{role}-") else f"{role}-{value}"
    return str(args.command) if args.command else None


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
