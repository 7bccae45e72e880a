"""`tideq simulate --config FILE --scenario NAME [--json] [--out DIR] [--seed N] [--policy NAME]`."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, time
from zoneinfo import ZoneInfo

from tideq.runtime import load_or_report

from . import policies, scenarios, stats
from .core import Result, Simulation


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("simulate", help="simulate a hall day and compare staffing policies")
    p.add_argument("--config", required=True, help="hall .toml file (the mmc scenario brings its own hall)")
    p.add_argument("--scenario", required=True, choices=scenarios.NAMES)
    p.add_argument("--policy", default="all", choices=(*policies.POLICY_NAMES, "all"))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", help="folder for PNG charts (queue.png, waits.png, tidal.png)")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    loaded = load_or_report(args.config)
    if loaded is None:
        return 2
    cfg = loaded.hall
    scenario = scenarios.build(args.scenario, cfg)
    names = policies.POLICY_NAMES if args.policy == "all" else (args.policy,)
    results: dict[str, Result] = {}
    for name in names:
        shown = [-1]

        def progress(f: float, name: str = name, shown: list[int] = shown) -> None:
            pct = int(f * 100)
            if pct != shown[0]:
                shown[0] = pct
                print(f"\rsimulating {scenario.name} / {name}: {pct:3d}%", end="", file=sys.stderr, flush=True)

        results[name] = Simulation(
            scenario, policies.make(name, scenario.hall.tidal), args.seed, progress=progress
        ).run()
        print(file=sys.stderr)
    summary = {name: stats.summary(r) for name, r in results.items()}
    if args.out:
        from pathlib import Path

        from . import charts

        start = datetime.combine(scenario.day, time(0), ZoneInfo(scenario.hall.hall.timezone))
        for path in charts.write(results, Path(args.out), start):
            print(f"wrote {path}", file=sys.stderr)
    if args.json:
        print(json.dumps({"scenario": scenario.name, "seed": args.seed, "policies": summary}))
    else:
        _table(scenario.name, summary)
    return 0


def _table(name: str, summary: dict[str, dict[str, float]]) -> None:
    print(f"scenario {name}")
    print(f"{'policy':<20} {'mean min':>8} {'p90 min':>8} {'max min':>8} {'>30min':>7} {'win-h':>7} {'switches':>8}")
    for policy, s in summary.items():
        print(
            f"{policy:<20} {s['mean_wait_s'] / 60:8.1f} {s['p90_wait_s'] / 60:8.1f} {s['max_wait_s'] / 60:8.1f} "
            f"{s['share_over_30min']:7.1%} {s['window_hours']:7.1f} {s['switches']:8d}"
        )
