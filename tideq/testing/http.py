"""Serve an ASGI app (a FastAPI router under test, a fake receiver) with uvicorn on a free loopback
port, in a thread of this process; stop it by flagging the server, never by a process name."""

from __future__ import annotations

import threading
import time
from typing import Any

from .mosquitto import free_port


class ServedApp:
    """`with ServedApp(app) as s: httpx.get(s.url + "/path")`."""

    def __init__(self, app: Any, port: int | None = None) -> None:
        import uvicorn

        self.port = port or free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self.server.run, name=f"uvicorn-{self.port}", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 10.0) -> ServedApp:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:  # uvicorn offers no event to wait on; it sets this flag when listening
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not listen on {self.port} within {timeout}s")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(10)

    def __enter__(self) -> ServedApp:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
