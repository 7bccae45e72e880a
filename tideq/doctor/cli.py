"""`tideq doctor --config FILE [--role ROLE] [--id ID]`: check this machine for its role in the
hall and say how to fix each problem. Exit 0 when nothing failed (warnings allowed), 2 otherwise."""

from __future__ import annotations

import argparse
import json
import sys
import time

from tideq.runtime import add_broker_args

from .roles import Role


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "doctor",
        help="check this machine for its role: broker login, TLS, printers, serial lines, cameras, fonts, "
        "voice, clock, disk",
        description="Each problem is printed with its fix; exit status 0 (no FAIL) or 2. See docs/doctor.md.",
    )
    p.add_argument("--config", required=True, help="hall .toml file")
    p.add_argument("--role", choices=[r.value for r in Role], help="what this machine runs (default: from --id)")
    p.add_argument("--id", help="which one: kiosk, board, camera or window id, or the serial line id")
    p.add_argument("--evaluator-bus", help="bridge: also check this evaluator line")
    p.add_argument("--acl-dir", help="controller: the folder `tideq acl --out` wrote (passwd, ACL, certificates)")
    p.add_argument(
        "--clock-wait",
        type=float,
        default=None,
        help="seconds to wait for a fresh controller message to measure the clock (default 14: the controller"
        " republishes every 10 s)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object instead of lines")
    add_broker_args(p, "the role's login")
    p.set_defaults(func=run_doctor, password_env=None)


def run_doctor(args: argparse.Namespace) -> int:
    from tideq.runtime import load_or_report

    from . import broker
    from .plan import PlanError, build
    from .result import Level, Result, exit_status, run_all

    loaded = load_or_report(args.config)
    if loaded is None:
        print("FAIL  config    the hall file does not load: fix it first (tideq check-config FILE)", file=sys.stderr)
        return 2
    if args.clock_wait is None:
        args.clock_wait = broker.CLOCK_WAIT_S
    try:
        plan = build(loaded, args)
    except PlanError as err:
        print(f"tideq doctor: {err}", file=sys.stderr)
        return 2
    started = time.monotonic()
    if not args.json:
        print(f"tideq doctor: {plan.role.value}{' ' + args.id if args.id else ''} of hall {loaded.hall.hall.id}")
        for note in plan.notes:
            print(f"note  {note}")

    def show(r: Result) -> None:
        if not args.json:
            print(r.line(), flush=True)

    results = run_all(plan.checks, show)
    counts = {lvl: sum(r.level is lvl for r in results) for lvl in Level}
    status = exit_status(results)
    if args.json:
        print(
            json.dumps(
                {
                    "role": plan.role.value,
                    "id": args.id,
                    "hall": loaded.hall.hall.id,
                    "ok": status == 0,
                    "results": [r.to_dict() for r in results],
                    "notes": plan.notes,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        took = time.monotonic() - started
        verdict = "problems found: fix the FAIL lines and rerun" if status else "this machine is ready"
        print(
            f"summary: {counts[Level.OK]} ok, {counts[Level.WARN]} warn, {counts[Level.FAIL]} FAIL "
            f"({took:.1f} s): {verdict}"
        )
    return status
