"""`tideq report` over 30 days of event log (issue 15 item 4; goal: under 10 s).

The log is written by the simulator driving the real Engine and the real EventStore (peak-day load,
the tideq policy, one hall day after another: weekdays and the short weekend mornings), then
`tideq report --date D1 --to D30` runs as its own process, as a hall manager would run it. Same
run, baselines: the time to only scan the rows (SELECT of every column, nothing folded), and the
report's phases in-process (read, fold, charts, XLSX, HTML).

    python bench/bench_report.py [--days 30] [--seed 0] [--keep DIR]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from tideq.config import EXAMPLE_HALL, load
from tideq.report import figures, render, source
from tideq.report.simlog import simulate_to_log
from tideq.sim import scenarios


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--keep", type=Path, help="folder to keep (and reuse) the generated log in")
    args = ap.parse_args()
    loaded = load(EXAMPLE_HALL)
    sc = dataclasses.replace(scenarios.build("peak-day", loaded.hall), days=args.days)
    first, last = sc.day, sc.day + timedelta(days=args.days - 1)
    data = args.keep or Path(tempfile.mkdtemp(prefix="bench-report-"))
    data.mkdir(parents=True, exist_ok=True)
    log = data / "events.sqlite3"
    if not log.exists():
        t = time.perf_counter()
        simulate_to_log(sc, "tideq", args.seed, data, rate=0.6)
        print(f"generated {args.days} days by the simulator in {time.perf_counter() - t:.1f} s: {log}")
    db = sqlite3.connect(log)
    rows = db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    db.close()
    size_mb = log.stat().st_size / 1e6

    t = time.perf_counter()
    db = source.open_ro(log)
    n = len(
        db.execute(
            "SELECT seq, day, at, kind, data FROM events WHERE day >= ? AND day <= ?",
            (first.isoformat(), last.isoformat()),
        ).fetchall()
    )
    db.close()
    scan_s = time.perf_counter() - t

    out = data / "out"
    cmd = [
        sys.executable,
        "-m",
        "tideq.cli",
        "report",
        "--config",
        str(EXAMPLE_HALL),
        "--data-dir",
        str(data),
        "--date",
        first.isoformat(),
        "--to",
        last.isoformat(),
        "--out",
        str(out),
    ]
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    cli_s = time.perf_counter() - t

    t = time.perf_counter()
    got = list(source.rows_between(data, first, last))
    read_s = time.perf_counter() - t
    t = time.perf_counter()
    r = figures.build(loaded.hall, got, first, last)
    fold_s = time.perf_counter() - t
    t = time.perf_counter()
    files = render.write_all(r, out)
    render_s = time.perf_counter() - t

    waits = r.all_waits
    print(
        json.dumps(
            {
                "days": args.days,
                "events": rows,
                "events_read": n,
                "db_mb": round(size_mb, 1),
                "arrivals": r.total_arrivals,
                "served": r.total_served,
                "mean_wait_s": round(sum(waits) / len(waits), 1),
                "tidal_events": len(r.tidal),
            }
        )
    )
    print(f"tideq report --date {first} --to {last} (own process): {cli_s:6.2f} s  (goal < 10 s)")
    print(f"baseline: scan the rows only                 : {scan_s:6.2f} s  ratio {cli_s / scan_s:5.1f}x")
    print(f"in-process: read {read_s:.2f} s, fold {fold_s:.2f} s, charts+XLSX+HTML {render_s:.2f} s")
    print(f"files: {files.html.name}, {files.xlsx.name}, {len(files.charts)} PNG in {out}")
    return 0 if cli_s < 10 else 1


if __name__ == "__main__":
    sys.exit(main())
