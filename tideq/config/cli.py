"""`tideq check-config FILE`."""

from __future__ import annotations

import argparse
import sys

from . import ConfigError, load


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("check-config", help="validate a hall file; exit 2 listing each problem and its fix")
    p.add_argument("file")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        cfg = load(args.file)
    except ConfigError as err:
        print(f"{len(err.problems)} problem(s) in {err.file}:", file=sys.stderr)
        print(err, file=sys.stderr)
        return 2
    h = cfg.hall
    print(
        f"OK {cfg.path}: hall {h.hall.id} ({h.hall.name.zh}), {len(h.services)} services, "
        f"{len(h.windows)} windows ({sum(w.tidal_pool for w in h.windows)} in the tidal pool)"
    )
    return 0
