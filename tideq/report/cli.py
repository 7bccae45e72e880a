"""`tideq report`, `tideq archive`, `tideq backup`, `tideq restore` (docs/reports.md)."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from tideq.runtime import load_or_report

from .errors import ReportError

KEEP_DAYS = 90  # days `tideq archive` leaves in the live log when no --before is given


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day (YYYY-MM-DD, e.g. 2026-11-26)") from err


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", required=True, help="hall .toml file")
    p.add_argument("--data-dir", type=Path, help="the controller's data folder (default [storage] data_dir)")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="the hall manager's day from the event log: XLSX, PNG charts, HTML")
    _common(p)
    p.add_argument("--date", type=_day, help="hall day YYYY-MM-DD (default today in the hall's zone)")
    p.add_argument("--to", type=_day, help="last day of a period (inclusive)")
    p.add_argument("--out", type=Path, help="folder for the files (default {data_dir}/reports)")
    p.set_defaults(func=run_report)
    a = sub.add_parser("archive", help="move finished days out of the live event log into per-month files")
    _common(a)
    g = a.add_mutually_exclusive_group()
    g.add_argument("--before", type=_day, help="archive every day before this one")
    g.add_argument("--keep-days", type=int, default=KEEP_DAYS, help=f"keep this many days live (default {KEEP_DAYS})")
    a.set_defaults(func=run_archive)
    b = sub.add_parser("backup", help="online copy of the live event log (SQLite backup API)")
    _common(b)
    b.add_argument("--to", type=Path, required=True, help="backup file to write")
    b.set_defaults(func=run_backup)
    r = sub.add_parser("restore", help="put a backup in place of the live event log (controller stopped)")
    _common(r)
    r.add_argument("--from", dest="source", type=Path, required=True, help="backup file written by tideq backup")
    r.set_defaults(func=run_restore)


def _fail(err: ReportError) -> int:
    print(f"tideq: {err}", file=sys.stderr)
    return 1


def run_report(args: argparse.Namespace) -> int:
    from .api import hall_today, make_report

    loaded = load_or_report(args.config)
    if loaded is None:
        return 2
    first = args.date or hall_today(loaded)
    t0 = time.perf_counter()
    try:
        report, files = make_report(loaded, first, args.to, args.out, args.data_dir)
    except ReportError as err:
        return _fail(err)
    for path in (files.html, files.xlsx, *files.charts):
        print(f"wrote {path}")
    if report.events == 0:
        print(
            f"note: no events for {report.first}..{report.last} in {args.data_dir or loaded.data_dir} or its archive"
            " (a closed day, the wrong --data-dir, or archive files moved away?)",
            file=sys.stderr,
        )
    print(
        f"{report.first}..{report.last}: {report.events} events, {report.total_arrivals} arrivals, "
        f"{report.total_served} served ({time.perf_counter() - t0:.2f} s)",
        file=sys.stderr,
    )
    return 0


def run_archive(args: argparse.Namespace) -> int:
    from .api import hall_today
    from .archive import archive

    loaded = load_or_report(args.config)
    if loaded is None:
        return 2
    today = hall_today(loaded)
    before = args.before or today - timedelta(days=args.keep_days)
    try:
        done = archive(args.data_dir or loaded.data_dir, before, today)
    except ReportError as err:
        return _fail(err)
    print(f"archived {len(done.days)} days before {before}: {done.moved} events moved, {done.kept} bookings kept live")
    for f in done.files:
        print(f"  {f}")
    return 0


def run_backup(args: argparse.Namespace) -> int:
    from .archive import backup

    loaded = load_or_report(args.config)
    if loaded is None:
        return 2
    try:
        print(f"wrote {backup(args.data_dir or loaded.data_dir, args.to)}")
    except ReportError as err:
        return _fail(err)
    return 0


def run_restore(args: argparse.Namespace) -> int:
    from .archive import restore

    loaded = load_or_report(args.config)
    if loaded is None:
        return 2
    try:
        kept = restore(args.data_dir or loaded.data_dir, args.source, datetime.now())
    except ReportError as err:
        return _fail(err)
    print(f"restored {args.source}" + (f"; the log it replaced is kept as {kept}" if kept else ""))
    return 0
