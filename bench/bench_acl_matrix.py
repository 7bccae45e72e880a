"""The ACL matrix on a real Mosquitto: every login x topic x action (publish / subscribe) of the
example hall, under the files `tideq acl` generates; the broker must allow exactly what the ACL
means and nothing else, and refuse wrong, missing and anonymous logins.

    python bench/bench_acl_matrix.py [--config HALL.toml]

Prints the counts and every wrong cell (none expected); exits 1 if any. See tideq/broker/matrix.py
for how each cell is observed (no sleeps: ordered acknowledgements).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from tideq.broker.acl import write_acl
from tideq.broker.matrix import run_matrix
from tideq.config import EXAMPLE_HALL, load
from tideq.testing import Mosquitto


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", default=str(EXAMPLE_HALL))
    args = p.parse_args()
    hall = load(args.config).hall
    with tempfile.TemporaryDirectory(prefix="tideq-acl-") as d:
        files = write_acl(hall, Path(d))
        # `user root`: as root Mosquitto would drop to the mosquitto user, who cannot read the temp dir
        with Mosquitto(extra_config=["user root", *files.conf.read_text().splitlines()]) as m:
            t0 = time.monotonic()
            result = run_matrix("127.0.0.1", m.port, hall, files)
            took = time.monotonic() - t0
    roles = Counter(c.role for c in result.cells)
    users = {c.user for c in result.cells}
    print(f"hall {hall.hall.id}: {len(files.identities)} logins ({len(users)} probed; controller is the observer)")
    print("cells per role:", ", ".join(f"{r} {n}" for r, n in sorted(roles.items())))
    print(
        f"{len(result.cells)} cells (login x topic x publish/subscribe), {result.allowed} allowed by the ACL, "
        f"{len(result.cells) - result.allowed} denied; wrong: {len(result.wrong)} "
        f"(forbidden but let through: {len(result.forbidden_allowed)}); {took:.1f} s"
    )
    logins = sum(len(v) for v in result.logins.values())
    refused = logins - len(result.login_failures)
    print(f"logins: {logins} bad attempts (wrong / no password, anonymous), refused: {refused}")
    for c in result.wrong:
        print(f"  WRONG {c.user} {c.action} {c.topic}: ACL says {c.expected}, broker did {c.actual}")
    for u, case in result.login_failures:
        print(f"  LOGIN {u}: {case} accepted")
    return 1 if result.wrong or result.login_failures else 0


if __name__ == "__main__":
    sys.exit(main())
