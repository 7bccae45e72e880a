"""`tideq ledstrips --config FILE --bus ID`: drive a line of LED strips from the hall's state."""

from __future__ import annotations

import argparse
import sys

from tideq import sdnotify
from tideq.config.logins import ledstrip_user
from tideq.runtime import add_broker_args


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ledstrips", help="drive the LED strips of one serial line from state/windows and event/call")
    p.add_argument("--config", required=True, help="hall .toml file")
    p.add_argument("--bus", required=True, help='id of a [[devices.serial_buses]] entry with kind = "led"')
    add_broker_args(p, "ledstrip-{bus}")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from tideq.contract import BusError, Topics
    from tideq.runtime import StopSignal, broker_login, load_or_report

    from .controller import LedStripController, strip_addresses
    from .errors import SignageError
    from .health import will_for

    stop = StopSignal()  # before anything can take time: a stop while starting is kept
    loaded = load_or_report(args.config)
    if loaded is None:
        return 2
    hall = loaded.hall
    bus = next((b for b in hall.devices.serial_buses if b.id == args.bus), None)
    will = will_for(Topics(hall.hall.id), args.bus, strip_addresses(bus, hall.windows) if bus else [])
    login = broker_login(loaded, args, ledstrip_user(args.bus), bus.login if bus else None)
    client = login.client(hall.hall.id, will=will)  # client id == its login
    try:
        strips = LedStripController.from_hall(client, hall, args.bus).start()
        client.connect(wait=False)
    except (SignageError, BusError) as err:
        print(f"ledstrips: {err}", file=sys.stderr)
        return 2
    print(f"tideq ledstrips ready: line {args.bus}", flush=True)
    sdnotify.ready(f"line {args.bus}")
    # alive: the line's worker thread (it drives the strips and reopens a lost port itself)
    watchdog = sdnotify.Watchdog(strips._thread.is_alive, f"the worker of line {args.bus} died").start()
    stop.wait()
    sdnotify.stopping()
    watchdog.stop()
    strips.stop()
    client.close()
    return 0
