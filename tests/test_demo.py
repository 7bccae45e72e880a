"""`tideq demo` brings a whole hall up and moves: tickets issued, printed, called, finished."""

from __future__ import annotations

import re
import subprocess
import sys


def test_demo_runs_a_hall_headless(tmp_path):
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "tideq.cli",
            "demo",
            "--headless",
            "--minutes",
            "0.15",
            "--speed",
            "60",
            "--visitors-per-min",
            "8",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    m = re.search(r"(\d+) tickets issued, (\d+) printed, (\d+) calls, (\d+) finished", r.stdout)
    assert m, r.stdout[-2000:]
    issued, printed, calls, _finished = map(int, m.groups())
    assert issued > 0 and printed == issued and calls > 0
    assert len(list((tmp_path / "tickets").glob("*.png"))) == printed
    assert "叫号 请" in r.stdout
