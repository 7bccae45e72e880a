"""`tideq controller` (`tideq appointments import` lives in tideq.importer)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from tideq import sdnotify
from tideq.config import LoadedConfig
from tideq.runtime import StopSignal, add_broker_args, load_or_report, process_age_s

from .clock import Clock, parse_hhmm
from .errors import ControllerError

if TYPE_CHECKING:
    from .service import ControllerService

log = logging.getLogger(__name__)
CLI_PASSWORD_ENV = "TIDEQ_CONTROLLER_CLI_PASSWORD"
WORKER_STALL_S = 15.0  # a loop silent this long is hung (a rebuild of a day's events takes ~1 s)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("controller", help="run the hall controller (the one writer of queue state)")
    p.add_argument("--config", required=True, help="hall .toml file")
    p.add_argument("--data-dir", help="folder of the event log; overrides [storage] data_dir")
    p.add_argument("--start-at", type=parse_hhmm, help="run the hall clock from this local HH:MM today")
    p.add_argument("--speed", type=float, default=1.0, help="hall clock speed factor (with --start-at)")
    add_broker_args(p, "[broker] username")  # --broker embedded runs one in-process
    p.set_defaults(func=run_controller, password_env=None)  # default: [broker] password_env


def with_cli_login(loaded: LoadedConfig, args: argparse.Namespace) -> LoadedConfig:
    """The hall file with `[broker]` login and TLS files overridden by the command line."""
    b = loaded.hall.broker
    update: dict[str, str] = {}
    if args.username:
        update["username"] = args.username
    if args.password:  # the service reads its password from the environment variable [broker] names
        os.environ[CLI_PASSWORD_ENV] = args.password
        update["password_env"] = CLI_PASSWORD_ENV
    elif args.password_env:
        update["password_env"] = args.password_env
    for name in ("ca_file", "cert_file", "key_file"):
        if getattr(args, name):
            update[name] = str(Path(getattr(args, name)).resolve())
    if not update:
        return loaded
    return replace(loaded, hall=loaded.hall.model_copy(update={"broker": b.model_copy(update=update)}))


def worker_alive(service: ControllerService) -> bool:
    """The one writer works: its thread lives and its loop turned within WORKER_STALL_S (it turns
    at least every second, idle or not; a burst fsyncs in milliseconds)."""
    return service.worker.alive and service.worker.beat > time.monotonic() - WORKER_STALL_S


def run_controller(args: argparse.Namespace) -> int:
    from tideq.broker.embedded import EmbeddedBroker
    from tideq.broker.errors import EmbeddedBrokerError
    from tideq.broker.uplink import Hall

    from .service import ControllerService

    stop = StopSignal()  # before anything can take time: a stop while starting is kept
    python_s = process_age_s()  # the interpreter and the imports, before this line
    phases: dict[str, float] = {} if python_s is None else {"python": python_s}
    mark = time.perf_counter()

    def took(phase: str) -> None:  # the ready line says where a slow start went
        nonlocal mark
        now = time.perf_counter()
        phases[phase], mark = now - mark, now

    loaded = load_or_report(args.config)
    if loaded is None:
        return 2
    loaded = with_cli_login(loaded, args)
    took("config")
    embedded = None
    if (args.broker or loaded.hall.broker.url) == "embedded":
        try:
            uplink = Hall.of(loaded.hall, loaded.path.parent) if loaded.hall.district else None
            embedded = EmbeddedBroker(
                loaded.hall.broker.embedded_port, loaded.hall.broker.embedded_host, uplink
            ).start()
        except EmbeddedBrokerError as err:
            print(f"tideq controller: {err}", file=sys.stderr)
            return 2
        log.info("embedded broker on port %d", embedded.port)
        took("embedded broker")
    clock = Clock(loaded.hall.hall.timezone, args.start_at, args.speed)
    data_dir = Path(args.data_dir).resolve() if args.data_dir else loaded.data_dir
    url = loaded.hall.broker.client_url(args.broker)
    try:
        service = ControllerService(loaded, url, data_dir, clock)
        took("log")
        service.start()
    except ControllerError as err:  # a read-only or full disk, a damaged log, no secret: say what and how
        print(f"tideq controller cannot start: {err}", file=sys.stderr)
        if embedded:
            embedded.stop()
        return 2
    log.info("controller for %s on %s, event log %s", loaded.hall.hall.id, url, data_dir)
    phases.update(service.started_in)
    startup = ", ".join(f"{k} {v:.3f}" for k, v in phases.items())
    print(f"tideq controller ready: hall {loaded.hall.hall.id}, broker {url} (startup s: {startup})", flush=True)
    sdnotify.ready(f"hall {loaded.hall.hall.id}")
    watchdog = sdnotify.Watchdog(lambda: worker_alive(service), "the worker loop has not turned").start()
    stop.wait()
    sdnotify.stopping()
    watchdog.stop()
    service.stop()
    if embedded:
        embedded.stop()
    return 0
