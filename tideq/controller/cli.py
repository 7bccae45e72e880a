"""`tideq controller` and `tideq appointments import`."""

from __future__ import annotations

import argparse
import csv
import json
import logging
import sys
import uuid
from pathlib import Path
from typing import Any

from tideq.runtime import load_or_report, wait_for_stop

from .clock import Clock, parse_hhmm

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("controller", help="run the hall controller (the one writer of queue state)")
    p.add_argument("--config", required=True, help="hall .toml file")
    p.add_argument("--broker", help="mqtt://host:port; overrides [broker] url ('embedded' runs one in-process)")
    p.add_argument("--data-dir", help="folder of the event log; overrides [storage] data_dir")
    p.add_argument("--start-at", type=parse_hhmm, help="run the hall clock from this local HH:MM today")
    p.add_argument("--speed", type=float, default=1.0, help="hall clock speed factor (with --start-at)")
    p.set_defaults(func=run_controller)

    a = sub.add_parser("appointments", help="appointments from the city booking platform")
    asub = a.add_subparsers(dest="appointments_cmd", metavar="ACTION", required=True)
    imp = asub.add_parser("import", help="send a CSV or JSON export to the running controller")
    imp.add_argument("file")
    imp.add_argument("--config", required=True)
    imp.add_argument("--broker", help="mqtt://host:port; default from the hall file")
    imp.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for the controller")
    imp.set_defaults(func=run_import)


def run_controller(args: argparse.Namespace) -> int:
    from tideq.broker.embedded import EmbeddedBroker

    from .service import ControllerService

    loaded = load_or_report(args.config)
    if loaded is None:
        return 2
    embedded = None
    if (args.broker or loaded.hall.broker.url) == "embedded":
        embedded = EmbeddedBroker(loaded.hall.broker.embedded_port).start()
        log.info("embedded broker on port %d", embedded.port)
    clock = Clock(loaded.hall.hall.timezone, args.start_at, args.speed)
    data_dir = Path(args.data_dir).resolve() if args.data_dir else loaded.data_dir
    url = loaded.hall.broker.client_url(args.broker)
    service = ControllerService(loaded, url, data_dir, clock).start()
    log.info("controller for %s on %s, event log %s", loaded.hall.hall.id, url, data_dir)
    print(f"tideq controller ready: hall {loaded.hall.hall.id}, broker {url}", flush=True)
    wait_for_stop()
    service.stop()
    if embedded:
        embedded.stop()
    return 0


def read_export(path: Path) -> list[dict[str, Any]]:
    """The booking platform's export: JSON (a list, or {"appointments": [...]}) or CSV with a
    header row code,service,start,end,name_masked,phone_masked."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".json":
        data = json.loads(text)
        return list(data["appointments"] if isinstance(data, dict) else data)
    rows = list(csv.DictReader(text.splitlines()))
    need = {"code", "service", "start", "end"}
    if rows and not need <= set(rows[0]):
        raise ValueError(f"CSV header must include {sorted(need)}; found {sorted(rows[0])}")
    return rows


def run_import(args: argparse.Namespace) -> int:
    from tideq.contract import BusClient, BusError

    loaded = load_or_report(args.config)
    if loaded is None:
        return 2
    try:
        items = read_export(Path(args.file))
    except (OSError, ValueError, KeyError) as err:
        print(f"{args.file}: cannot read the export: {err}", file=sys.stderr)
        return 2
    url = loaded.hall.broker.client_url(args.broker)
    client = BusClient(url, loaded.hall.hall.id, f"tideq-import-{uuid.uuid4().hex[:8]}")
    try:
        client.connect()
        reply = client.send("appointments", {"appointments": items}, timeout=args.timeout)
    except BusError as err:
        print(f"{err}. Is the controller running (tideq controller --config {args.config})?", file=sys.stderr)
        return 1
    finally:
        client.close()
    if reply.error is not None:
        e = reply.error
        print(f"refused ({e.code.value}): {e.message.en} -> {e.guide.en}", file=sys.stderr)
        return 1
    print(f"imported {reply.imported} appointments")
    return 0
