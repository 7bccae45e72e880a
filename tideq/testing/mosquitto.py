"""Start a real Mosquitto broker on a free loopback port, and stop it by its PID."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path


class MosquittoNotFound(RuntimeError):
    """mosquitto is not installed: run scripts/setup.sh (apt package `mosquitto`)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Mosquitto:
    """A private broker: `with Mosquitto() as m: m.url`. Restartable on the same port.

    `extra_config` lines are appended to the generated conf (e.g. password_file, acl_file);
    when one sets `allow_anonymous`, the default `allow_anonymous true` is left out."""

    def __init__(self, port: int | None = None, extra_config: Sequence[str] = ()) -> None:
        exe = shutil.which("mosquitto") or ("/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None)
        if exe is None:
            raise MosquittoNotFound("mosquitto not found; install it with scripts/setup.sh (apt-get install mosquitto)")
        self.exe = exe
        self.port = port or free_port()
        self._dir = tempfile.TemporaryDirectory(prefix="tideq-mosq-")
        self.conf = Path(self._dir.name) / "mosquitto.conf"
        extra = [line.strip() for line in extra_config]
        anonymous = "" if any(x.startswith("allow_anonymous") for x in extra) else "allow_anonymous true\n"
        self.conf.write_text(
            f"listener {self.port} 127.0.0.1\n{anonymous}persistence false\nset_tcp_nodelay true\n"
            "max_inflight_messages 0\nmax_queued_messages 10000\n"
            f"log_dest file {self._dir.name}/mosquitto.log\n" + "".join(f"{x}\n" for x in extra)
        )
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self, timeout: float = 5.0) -> Mosquitto:
        self.proc = subprocess.Popen(
            [self.exe, "-c", str(self.conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"mosquitto exited with {self.proc.returncode}; port {self.port} busy?")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.02)  # polling a port that is not open yet; no event to wait on
        self.stop()
        raise RuntimeError(f"mosquitto did not listen on {self.port} within {timeout}s")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def __enter__(self) -> Mosquitto:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self._dir.cleanup()
