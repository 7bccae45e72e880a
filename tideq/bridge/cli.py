"""`tideq counter-bridge`: RS-485 caller keypads and evaluators on the bus."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace

from tideq import sdnotify
from tideq.config.logins import bridge_user
from tideq.runtime import StopSignal, add_broker_args, broker_login, load_or_report


def register(sub: argparse._SubParsersAction) -> None:
    b = sub.add_parser("counter-bridge", help="bridge RS-485 caller keypads and evaluators to the controller")
    b.add_argument("--config", required=True, help="hall .toml file")
    b.add_argument("--keypad-bus", required=True, help="id of a [[devices.serial_buses]] of kind keypad")
    b.add_argument("--evaluator-bus", help="id of a [[devices.serial_buses]] of kind evaluator")
    add_broker_args(b, "bridge-{keypad bus id}")
    b.set_defaults(func=run_bridge)


def run_bridge(args: argparse.Namespace) -> int:
    from tideq.contract import BusClient, BusError, Topics

    from .health import will_for
    from .service import BridgeError, SerialCounterBridge, bus_addresses

    stop = StopSignal()  # before anything can take time: a stop while starting is kept
    loaded = load_or_report(args.config)
    if loaded is None:
        return 2
    hall = loaded.hall
    buses = {b.id: b for b in hall.devices.serial_buses}
    missing = [x for x in (args.keypad_bus, args.evaluator_bus) if x and x not in buses]
    if missing:
        print(
            f"{args.config}: no serial bus {', '.join(missing)}; [[devices.serial_buses]] has "
            f"{', '.join(buses) or 'none'}",
            file=sys.stderr,
        )
        return 2
    keypad_bus, evaluator_bus = buses[args.keypad_bus], buses.get(args.evaluator_bus or "")
    login = broker_login(loaded, args, bridge_user(args.keypad_bus), keypad_bus.login)
    topics = Topics(hall.hall.id)

    def connection(user: str, family: str, bus_id: str, addresses: list[int]) -> BusClient:
        """A connection whose last will marks `bus_id` offline (one will per MQTT connection).
        Each connection is its own login (client id == username, which the broker enforces)."""
        return replace(login, user=user).client(hall.hall.id, will=will_for(topics, bus_id, family, addresses))

    client = connection(login.user, "keypad", keypad_bus.id, bus_addresses(hall, keypad_bus))
    # the evaluator line's last will needs a second connection; the broker binds client id to
    # login, so it logs in as `{user}-{evaluator bus}` with the same password (`tideq acl` does so)
    extra = (
        {}
        if evaluator_bus is None
        else {
            evaluator_bus.id: connection(
                f"{login.user}-{evaluator_bus.id}", "evaluator", evaluator_bus.id, bus_addresses(hall, evaluator_bus)
            )
        }
    )
    try:
        for c in (client, *extra.values()):
            c.connect()
        secret = os.environ.get(hall.hall.secret_env)  # keypad PINs leave the bridge as keyed proofs only
        bridge = SerialCounterBridge.from_config(
            hall,
            client,
            keypad_bus=keypad_bus,
            evaluator_bus=evaluator_bus,
            health_clients=extra,
            secret=secret.encode() if secret else None,
        )
        bridge.start()
    except (BusError, BridgeError, OSError) as err:
        print(f"counter-bridge: {err}", file=sys.stderr)
        for c in (client, *extra.values()):
            c.close()
        return 1
    print(
        f"tideq counter-bridge ready: keypads on {args.keypad_bus}"
        + (f", evaluators on {evaluator_bus.id}" if evaluator_bus else "")
        + f", as {login.user}",
        flush=True,
    )
    sdnotify.ready(f"keypads on {args.keypad_bus}")
    masters = [m for m in (bridge.keypads, bridge.evaluators) if m is not None]

    def alive() -> bool:
        """Each line's polling thread lives (it polls, and reopens a lost port, by itself)."""
        return all(m._thread is not None and m._thread.is_alive() for m in masters)

    watchdog = sdnotify.Watchdog(alive, "a serial line's polling thread died").start()
    stop.wait()
    sdnotify.stopping()
    watchdog.stop()
    bridge.stop()
    for c in (client, *extra.values()):
        c.close()
    return 0
