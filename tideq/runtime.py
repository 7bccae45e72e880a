"""What every long-running tideq process does the same way: load its hall file, and run until
SIGTERM or Ctrl-C so it can stop cleanly (say offline, close ports)."""
from __future__ import annotations

import signal
import sys
import threading

from tideq.config import ConfigError, LoadedConfig, load


def load_or_report(path: str) -> LoadedConfig | None:
    """The hall file, or None after printing every problem (file:line, field, fix) to stderr."""
    try:
        return load(path)
    except ConfigError as err:
        print(err, file=sys.stderr)
        return None


def wait_for_stop(timeout: float | None = None) -> None:
    """Block until SIGTERM or SIGINT (or the timeout); call from the main thread."""
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait(timeout)
