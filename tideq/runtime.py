"""What every long-running tideq process does the same way: load its hall file, and run until
SIGTERM or Ctrl-C so it can stop cleanly (say offline, close ports)."""

from __future__ import annotations

import argparse
import os
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


PASSWORD_ENV = "TIDEQ_BROKER_PASSWORD"


def add_broker_args(p: argparse.ArgumentParser, default_user: str) -> None:
    """--broker, --username, --password and --password-env, the same for every client process."""
    p.add_argument("--broker", help="mqtt://host:port; default from the hall file")
    p.add_argument("--username", help=f"broker user, also the MQTT client id (default {default_user})")
    p.add_argument("--password", help=f"broker password (visible to `ps`; prefer ${PASSWORD_ENV})")
    p.add_argument("--password-env", default=PASSWORD_ENV, help="environment variable holding the password")


def broker_password(args: argparse.Namespace) -> str | None:
    """The password from --password, else from the environment variable --password-env names."""
    return args.password or os.environ.get(args.password_env) or None
