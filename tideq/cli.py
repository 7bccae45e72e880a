"""The `tideq` command. Each subcommand lives beside the code it runs and registers itself
through `register(subparsers)`; this file only lists where to find them."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

# module paths exposing `register(subparsers) -> None`; each adds one or more subcommands
COMMAND_MODULES = [
    "tideq.config.cli",
    "tideq.controller.cli",
    "tideq.importer.cli",
    "tideq.drivers.printer.cli",
    "tideq.camera.cli",
    "tideq.signage.cli",
    "tideq.kiosk.cli",
    "tideq.display.cli",
    "tideq.counter.cli",
    "tideq.manager.cli",
    "tideq.bridge.cli",
    "tideq.broker.cli",
    "tideq.sim.cli",
    "tideq.demo",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tideq", description="Edge queue controller for service halls")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug output")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as err:
            if err.name and name.startswith(err.name):
                continue  # that part of tideq is not built yet
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
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
