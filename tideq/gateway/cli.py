"""`tideq gateway --config HALL`: the phone pages, the hall live page and /metrics, on uvicorn."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import sys
from pathlib import Path
from typing import Any

from tideq import sdnotify
from tideq.runtime import add_broker_args, broker_login, load_or_report

from .errors import GatewaySetupError

log = logging.getLogger(__name__)
USER = "gateway"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("gateway", help="HTTP for visitors' phones, the hall live page and metrics")
    p.add_argument("--config", required=True, help="hall file")
    p.add_argument("--host", help="address to listen on (default [gateway] host)")
    p.add_argument("--port", type=int, help="port to listen on (default [gateway] port; 0: any free port)")
    p.add_argument("--public-url", help="address phones reach it at (default [gateway] public_url)")
    p.add_argument("--data-dir", help="the controller's data folder, for its hall.secret (default [storage] data_dir)")
    add_broker_args(p, USER)
    p.add_argument("--district", help="the district's central broker, mqtts://host:port: serve /district from it")
    p.add_argument("--district-user", default="district", help="login on the centre (default district, read-only)")
    p.add_argument("--district-password-env", help="environment variable holding that login's password")
    p.add_argument("--district-ca", help="CA certificate of the centre (mqtts://); default the system's CAs")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from tideq.contract import BrokerUnreachable

    from .app import Settings, create_app, extra_routers
    from .bus import GatewayBus
    from .ratings import RatingsService
    from .secret import read_secret

    loaded = load_or_report(args.config)
    if loaded is None:
        return 2
    gw = loaded.hall.gateway
    changes: dict[str, Any] = {}
    for key in ("host", "port", "public_url"):
        value = getattr(args, key)
        if value is not None:
            changes[key] = value
    hall = loaded.hall.model_copy(update={"gateway": gw.model_copy(update=changes)}) if changes else loaded.hall
    try:
        secret = read_secret(loaded, Path(args.data_dir).resolve() if args.data_dir else None)
    except GatewaySetupError as err:
        print(f"tideq gateway: {err}", file=sys.stderr)
        return 2
    login = broker_login(loaded, args, USER)
    client = login.client(hall.hall.id)
    bus = GatewayBus(client)
    settings = Settings(hall, secret)
    # the 好差评 outbox lives in the gateway's own folder beside the controller's data (docs/ratings.md)
    ratings = RatingsService(client, hall, (Path(args.data_dir) if args.data_dir else loaded.data_dir) / "gateway")
    district = _district(args)
    if district is False:
        return 2
    app = create_app(bus, settings, routers=extra_routers(settings, bus, ratings.outbox, district or None))
    config = uvicorn.Config(
        app,
        host=hall.gateway.host,
        port=hall.gateway.port,
        access_log=False,  # the app logs each request by route, without tokens or addresses
        proxy_headers=False,  # X-Forwarded-For is read by the app, from [gateway] trusted_proxies only
        server_header=False,
        log_level="warning",
        timeout_graceful_shutdown=2,  # live streams never end by themselves
        ws="none",
    )

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: Any) -> None:
            sdnotify.stopping()
            super().handle_exit(sig, frame)

        async def _watchdog(self, interval: float) -> None:
            """Pings from the event loop itself: a blocked loop (no page served) stops them."""
            while not self.should_exit:
                sdnotify.notify("WATCHDOG=1")
                await asyncio.sleep(interval / 2)

        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets)
            if self.started:
                # what is loaded by now (FastAPI, pydantic, the hall file) lives as long as the
                # process: out of the collector's sight, a full collection among 1,000 open
                # streams costs a fraction of what it would
                gc.collect()
                gc.freeze()
                port = self.servers[0].sockets[0].getsockname()[1] if self.servers else hall.gateway.port
                base = f"http://{hall.gateway.host}:{port}"
                public = hall.gateway.public_url or base
                print(
                    f"tideq gateway ready: {base} (hall page {public}/hall, tickets {public}/t/..., "
                    f"metrics {base}/metrics)",
                    flush=True,
                )
                sdnotify.ready(base)
                interval = sdnotify.watchdog_interval()
                if interval:
                    self._pinger = asyncio.create_task(self._watchdog(interval))

    server = Server(config)
    ratings.start()
    if district:
        district.start()
    try:
        server.run()
    except BrokerUnreachable as err:
        print(f"tideq gateway: {err}", file=sys.stderr)
        return 1
    finally:
        ratings.stop()
        if district:
            district.stop()
    return 0 if server.started else 1  # uvicorn logged why (no broker: the lifespan's BrokerUnreachable)


def _district(args: argparse.Namespace) -> Any:
    """The district view of `--district` (a DistrictView), None without it, False after printing
    what is wrong."""
    import os

    from tideq.contract.client import TlsFiles
    from tideq.contract.errors import ContractError

    from .district import DistrictView

    if not args.district:
        return None
    password = None
    if args.district_password_env:
        password = os.environ.get(args.district_password_env)
        if not password:
            print(
                f"tideq gateway: --district-password-env {args.district_password_env} is not set; export the "
                f"password of {args.district_user!r} (centre/credentials.toml from `tideq uplink`)",
                file=sys.stderr,
            )
            return False
    try:
        return DistrictView(
            args.district,
            username=args.district_user,
            password=password,
            tls=TlsFiles(args.district_ca) if args.district_ca else None,
        )
    except (ValueError, OSError, ContractError) as err:
        print(f"tideq gateway: --district {args.district}: {err}", file=sys.stderr)
        return False
