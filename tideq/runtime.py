"""What every long-running tideq process does the same way: load its hall file, and run until
SIGTERM or Ctrl-C so it can stop cleanly (say offline, close ports)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tideq import logfmt
from tideq.config import ConfigError, LoadedConfig, load
from tideq.config.schema import DeviceLogin
from tideq.contract import BusClient, Message
from tideq.contract.client import TlsFiles


def load_or_report(path: str) -> LoadedConfig | None:
    """The hall file, or None after printing every problem (file:line, field, fix) to stderr."""
    try:
        loaded = load(path)
    except ConfigError as err:
        print(err, file=sys.stderr)
        return None
    logfmt.set_process(hall=loaded.hall.hall.id)  # every log line from here on names the hall
    return loaded


def process_age_s() -> float | None:
    """Seconds since this process was created (by the kernel's clock): the interpreter's start and
    the imports that no timer inside the program can see. None where /proc is not Linux's."""
    try:
        start_ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime_s = float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return max(0.0, uptime_s - start_ticks / os.sysconf("SC_CLK_TCK"))


class StopSignal:
    """SIGTERM and SIGINT, caught from the moment this is made: make it first thing in a service's
    `run`. A stop that arrives while the service is still starting (systemd, a test that saw the
    ready line, an impatient Ctrl-C) is kept and honoured once the service is up; without it the
    default action kills the half-started process, which says no goodbye and fires its last will."""

    def __init__(self) -> None:
        self.event = threading.Event()  # set on the signal: hand it to threads that must end too
        self._then: list[Callable[[], object]] = []
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._on_signal)

    @property
    def stopped(self) -> bool:
        return self.event.is_set()

    def then(self, action: Callable[[], object]) -> None:
        """Also run `action` on the signal (in the main thread, as Python runs signal handlers)."""
        self._then.append(action)

    def _on_signal(self, *_: object) -> None:
        self.event.set()
        for action in self._then:
            action()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until a stop signal (or the timeout); True if one came. Call from the main thread."""
        return self.event.wait(timeout)


PASSWORD_ENV = "TIDEQ_BROKER_PASSWORD"


def add_broker_args(p: argparse.ArgumentParser, default_user: str) -> None:
    """--broker, --username, --password and --password-env, the same for every client process."""
    p.add_argument("--broker", help="mqtt://host:port; default from the hall file")
    p.add_argument("--username", help=f"broker user, also the MQTT client id (default {default_user})")
    p.add_argument("--password", help=f"broker password (visible to `ps`; prefer ${PASSWORD_ENV})")
    p.add_argument("--password-env", default=PASSWORD_ENV, help="environment variable holding the password")
    p.add_argument("--ca-file", help="CA certificate of the broker (mqtts://); default [broker] ca_file")
    p.add_argument("--cert-file", help="client certificate, where the broker asks for one")
    p.add_argument("--key-file", help="key of --cert-file")


def broker_password(args: argparse.Namespace) -> str | None:
    """The password from --password, else from the environment variable --password-env names."""
    return args.password or os.environ.get(args.password_env) or None


@dataclass(frozen=True)
class BrokerLogin:
    """How one process reaches the broker: where, as whom (client id == username), over which TLS."""

    url: str
    user: str
    password: str | None
    tls: TlsFiles | None

    @property
    def username(self) -> str | None:
        """Sent only with a password: an open (development) broker takes the client id alone."""
        return self.user if self.password is not None else None

    def client(self, hall: str, *, will: tuple[str, str | bytes] | tuple[str, Message] | None = None) -> BusClient:
        return BusClient(
            self.url, hall, self.user, will=will, username=self.username, password=self.password, tls=self.tls
        )


def _env(name: str | None) -> str | None:
    return os.environ.get(name) or None if name else None


def broker_login(
    loaded: LoadedConfig, args: argparse.Namespace, default_user: str, device: DeviceLogin | None = None
) -> BrokerLogin:
    """The login of a process: command line first (--username, --password / --password-env,
    --ca-file, --cert-file, --key-file), then the device's `login` in the hall file, then the role's
    default user. Files in the hall file are relative to it. `args` may lack any of the options."""

    def arg(name: str) -> str | None:
        value = getattr(args, name, None)
        return str(value) if value else None

    def path(value: str | None) -> str | None:
        if not value:
            return None
        p = Path(value)
        return str(p if p.is_absolute() else (loaded.path.parent / p).resolve())

    b = loaded.hall.broker
    user = arg("username") or (device.username if device and device.username else None) or default_user
    password = (
        arg("password") or _env(arg("password_env") or PASSWORD_ENV) or _env(device.password_env if device else None)
    )
    url = b.client_url(arg("broker"))
    ca = arg("ca_file") or path(b.ca_file)
    cert = arg("cert_file") or path(device.cert_file if device else None)
    key = arg("key_file") or path(device.key_file if device else None)
    tls = TlsFiles(ca, cert, key) if (ca or cert or key) else None
    return BrokerLogin(url, user, password, tls)


def broker_tls(loaded: LoadedConfig) -> TlsFiles | None:
    """TLS files of `[broker]` (ca_file, and the controller's cert_file/key_file), relative to the hall file."""
    b = loaded.hall.broker

    def path(value: str | None) -> str | None:
        return str((loaded.path.parent / value).resolve()) if value else None

    files = TlsFiles(path(b.ca_file), path(b.cert_file), path(b.key_file))
    return files if (files.ca_file or files.cert_file or files.key_file) else None
