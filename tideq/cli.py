"""The `tideq` command. Each subcommand lives beside the code it runs and registers itself
through `register(subparsers)`; this file only lists where to find them."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

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
    "demo": "tideq.demo",
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every subcommand, or only of `command`'s module: a service that restarts
    after a crash should not first import numpy, OpenCV and Pillow for the others (the controller
    is back online that much sooner, docs/reliability.md)."""
    parser = argparse.ArgumentParser(prog="tideq", description="Edge queue controller for service halls")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug output")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = [COMMANDS[command]] if command in COMMANDS else list(dict.fromkeys(COMMANDS.values()))
    for name in modules:
        importlib.import_module(name).register(sub)
    return parser


def _command(argv: list[str]) -> str | None:
    """The subcommand named on the command line (after the global options), if any."""
    return next((a for a in argv if not a.startswith("-")), None)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(_command(argv))
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
