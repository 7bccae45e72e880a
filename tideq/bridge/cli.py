"""`tideq counter-bridge`: RS-485 caller keypads and evaluators on the bus."""
from __future__ import annotations

import argparse
import sys

from tideq.runtime import add_broker_args, broker_password, load_or_report, wait_for_stop


def register(sub: argparse._SubParsersAction) -> None:
    b = sub.add_parser("counter-bridge", help="bridge RS-485 caller keypads and evaluators to the controller")
    b.add_argument("--config", required=True, help="hall .toml file")
    b.add_argument("--keypad-bus", required=True, help="id of a [[devices.serial_buses]] of kind keypad")
    b.add_argument("--evaluator-bus", help="id of a [[devices.serial_buses]] of kind evaluator")
    add_broker_args(b, "bridge-{keypad bus id}")
    b.set_defaults(func=run_bridge)



def run_bridge(args: argparse.Namespace) -> int:
    from tideq.contract import BusClient, BusError

    from .service import BridgeError, SerialCounterBridge

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
    password = broker_password(args)
    client = BusClient(loaded.hall.broker.client_url(args.broker), hall.hall.id, user,
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
