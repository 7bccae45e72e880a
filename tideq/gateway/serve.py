"""uvicorn serving an app on a thread of this process (tests, benchmarks, the demo), started and
stopped deterministically: `with ServerThread(app) as s: s.url`."""

from __future__ import annotations

import socket
import threading
from typing import Any

import uvicorn


class ServerThread:
    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0, **config: Any) -> None:
        self.host = host
        self.port = port or _free_port(host)
        self.started = threading.Event()
        cfg = uvicorn.Config(
            app,
            host=host,
            port=self.port,
            access_log=False,
            proxy_headers=False,
            server_header=False,
            log_level=config.pop("log_level", "warning"),
            timeout_graceful_shutdown=config.pop("timeout_graceful_shutdown", 1),
            ws="none",
            **config,
        )
        started = self.started

        class _Server(uvicorn.Server):
            async def startup(self, sockets: Any = None) -> None:
                await super().startup(sockets)
                started.set()

        self.server = _Server(cfg)
        self._thread = threading.Thread(target=self.server.run, name="gateway-http", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 15.0) -> ServerThread:
        self._thread.start()
        if not self.started.wait(timeout) or not self.server.started:
            self.stop()
            raise RuntimeError(f"the gateway did not start on {self.url} within {timeout}s (see its log)")
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout)

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])
