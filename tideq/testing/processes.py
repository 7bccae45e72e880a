"""Start a real controller process, as tests, benchmarks and the crash loop need one."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from tideq.config import EXAMPLE_HALL


class ProcessStartError(RuntimeError):
    """A process did not print its ready line."""


def start_controller(
    broker_url: str,
    data_dir: Path | str,
    *,
    config: Path | str = EXAMPLE_HALL,
    start_at: str = "10:00",
    env: Mapping[str, str] | None = None,
    extra: Sequence[str] = (),
    on_ready: Callable[[str], None] | None = None,
) -> subprocess.Popen[str]:
    """`tideq controller` in its own process, returned once it printed its one ready line (it
    serves from then on; `on_ready` gets the line, which says where the startup time went). Its
    stderr is discarded; stop it with terminate() or kill()."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tideq.cli",
            "controller",
            "--config",
            str(config),
            "--broker",
            broker_url,
            "--data-dir",
            str(data_dir),
            "--start-at",
            start_at,
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, **(env or {})},
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if "ready" not in line:
        proc.kill()
        proc.wait(10)
        raise ProcessStartError(f"the controller did not start: {line!r}")
    if on_ready:
        on_ready(line)
    return proc
