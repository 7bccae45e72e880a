"""`tideq appointments import FILE --config HALL`: send the booking platform's export to the
hall's controller, masked and hashed here.

Exit code 0 when every row was imported, 1 when some were refused (here or by the controller) or
could not be sent, 2 when the file cannot be read as an export or the hall file is wrong (then
nothing is sent).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tideq.runtime import add_broker_args, broker_login, load_or_report

from .columns import COLUMNS

EPILOG = "columns (header: accepted names; any other column is dropped and never sent):\n" + "\n".join(
    f"  {s.column.value:<10} {' / '.join(s.headers)}{'  (required)' if s.required else ''}" for s in COLUMNS
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    a = sub.add_parser("appointments", help="appointments from the city booking platform (掌上预约)")
    asub = a.add_subparsers(dest="appointments_cmd", metavar="ACTION", required=True)
    imp = asub.add_parser(
        "import",
        help="send an XLSX, CSV or JSON export to the running controller (names and phones masked, ID numbers hashed)",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    imp.add_argument("file", help="the export: XLSX (first sheet), CSV (UTF-8, UTF-8 with BOM, GB18030/GBK) or JSON")
    imp.add_argument("--config", required=True, help="hall .toml file")
    add_broker_args(imp, "importer")
    imp.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for the controller, per batch")
    imp.add_argument("--check", action="store_true", help="read and check the file only; send nothing")
    imp.set_defaults(func=run_import)


def err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def run_import(args: argparse.Namespace) -> int:
    from tideq.contract import BusError
    from tideq.contract.identity import SecretMissing, hall_secret

    from .errors import ExportUnreadable, SecretRequired
    from .export import read_export
    from .rows import needs_secret, prepare
    from .send import BatchResult, deliver

    loaded = load_or_report(args.config)
    if loaded is None:
        return 2
    hall = loaded.hall
    try:
        export = read_export(Path(args.file))
        secret = None
        if needs_secret(export):
            try:
                secret = hall_secret(hall.hall.secret_env)
            except SecretMissing as e:
                raise SecretRequired(
                    f"{args.file} has ID numbers, which leave only as their hash under the hall secret; set "
                    f"{hall.hall.secret_env} to the hall secret (the controller's and the kiosks'), "
                    "or remove the ID-number column"
                ) from e
        prepared = prepare(export, hall, secret)
    except (ExportUnreadable, SecretRequired) as e:
        err(f"error: {e}")
        return 2
    total = len(export.rows)
    print(f"{args.file}: {total} row{'s' if total != 1 else ''} ({export.format}, {export.encoding})", flush=True)
    for header, cells in export.dropped.items():
        err(f"dropped column {header[:40]!r} ({cells} with a value): not part of cmd/appointments, not sent")
    for header, col in export.duplicates.items():
        err(f"dropped column {header[:40]!r}: another column already gives {col.value}")
    for p in prepared.problems:
        err(f"refused: {p}")
    items = prepared.items
    if args.check:
        print(f"checked: {len(items)} of {total} appointments would be sent; {prepared.refused_rows} refused")
        return 1 if prepared.problems else 0

    results: list[BatchResult] = []

    def on_batch(result: BatchResult) -> None:
        results.append(result)
        print(f"batch {result}", flush=True)

    if items:
        client = broker_login(loaded, args, "importer").client(hall.hall.id)  # client id == login
        try:
            client.connect()
            deliver(client, items, args.timeout, on_batch)
        except BusError as e:
            sent = sum(r.count for r in results)
            err(
                f"error: {e}. Is the controller running (tideq controller --config {args.config})? "
                f"{len(items) - sent} appointments not sent; import the file again (re-importing a code updates it)"
            )
        finally:
            client.close()
    imported = sum(r.imported for r in results)
    by_controller = sum(r.count for r in results if r.code is not None)
    print(f"imported {imported} of {total} appointments", flush=True)
    if imported == total:
        return 0
    refused = prepared.refused_rows + by_controller
    err(
        f"{total - imported} of {total} rows not imported ({refused} refused, listed above); "
        "fix them and import the file again (re-importing a code updates it)"
    )
    return 1
