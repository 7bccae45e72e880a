"""The gateway's HTTP side: a FastAPI app over a `GatewayBus`.

Pages: `/t/{token}` (a ticket on the visitor's phone), `/hall` (the hall live page, `/` redirects
there). Data: `/api/t/{token}`, `/api/hall` and their `/events` streams (Server-Sent Events, one
`data:` JSON per change: the view and the re-rendered `<main>`), `/metrics`, `/healthz`.
Extra routers (the booking platform, 好差评) plug in through `create_app(..., routers=...)`.

Safe on a network (docs/gateway.md): per-client rate limits (`ratelimit.py`), tokens that fail
exactly like expired ones (one 404 for every token that does not open a ticket of today), strict
security headers (CSP without inline script, no referrer: the token is in the URL), no cookies,
and an access log that names the route, never the token or the client's address.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from importlib.resources import files
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import parse_qs

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.responses import StreamingResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tideq.config.schema import HallConfig
from tideq.contract.ticket_page import read_page_token

from . import pages, verify
from .bus import GatewayBus
from .i18n import pick_lang, t
from .metrics import GatewayMetrics
from .ratelimit import RateLimiter, client_address, networks
from .views import hall_today, hall_view, is_stale, ticket_view

if TYPE_CHECKING:
    from tideq.contract import BusClient

    from .district import DistrictView
    from .ratings import Outbox

log = logging.getLogger("tideq.gateway.access")

RETRY_MS = 3000  # EventSource's reconnect delay

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
VERIFY_CSP = CSP.replace("form-action 'none'", "form-action 'self'")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
VERIFY_HEADERS = [(b"content-security-policy", VERIFY_CSP.encode()), *SECURITY_HEADERS[1:]]
NO_STORE = (b"cache-control", b"no-store")

ERRORS: dict[str, tuple[int, str, str]] = {
    "not_found": (404, "not_found_title", "not_found"),
    "rate_limited": (429, "busy_title", "busy"),
    "unavailable": (503, "unavailable_title", "unavailable"),
}


def error_body(code: str, **kw: Any) -> dict[str, Any]:
    _, title, text = ERRORS[code]
    return {
        "v": 1,
        "error": {
            "code": code,
            "message": {"zh": t("zh", title), "en": t("en", title)},
            "guide": {"zh": t("zh", text, **kw), "en": t("en", text, **kw)},
        },
    }


Update = tuple[Any, Callable[[], str]]
"""(key, render): a stream sends `render()` when `key` differs from what it last sent."""


class GatewayError(Exception):
    """An answer other than the page: `code` is a key of ERRORS."""

    def __init__(self, code: str, retry_after: int | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.retry_after = retry_after


@dataclass
class Settings:
    """What the app needs besides the bus: the hall file, the hall secret, and the [gateway] section."""

    hall: HallConfig
    secret: bytes

    @property
    def gw(self) -> Any:
        return self.hall.gateway


class Streams:
    """Counts open SSE streams, in all and per client address (addresses in memory only)."""

    def __init__(self, total: int, per_client: int) -> None:
        self.total, self.per_client = total, per_client
        self.by_client: dict[str, int] = {}
        self.open = 0

    def full(self, client: str) -> bool:
        return self.open >= self.total or self.by_client.get(client, 0) >= self.per_client

    def take(self, client: str) -> None:
        self.open += 1
        self.by_client[client] = self.by_client.get(client, 0) + 1

    def release(self, client: str) -> None:
        self.open -= 1
        n = self.by_client.get(client, 1) - 1
        if n:
            self.by_client[client] = n
        else:
            self.by_client.pop(client, None)


class Guard:
    """Pure ASGI middleware (streams pass through untouched): the client's address, the rate
    limit, the security headers, and the access log without tokens or addresses."""

    def __init__(self, app: ASGIApp, gateway: Gateway) -> None:
        self.app = app
        self.gw = gateway

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        g = self.gw
        headers = dict(scope.get("headers", []))
        peer = scope.get("client")
        client = client_address(peer[0] if peer else None, _header(headers, b"x-forwarded-for"), g.proxies)
        scope.setdefault("state", {})["client"] = client
        start = time.perf_counter()
        status = 500
        done = False
        path = scope.get("path", "")
        private = path.startswith(("/t/", "/api/t/", "/staff/", "/api/verify"))
        verify_form = path == "/staff/verify"  # the one page with a form: it submits to itself

        def record() -> None:
            nonlocal done
            if done:
                return
            done = True
            route = scope.get("route")
            template = getattr(route, "path", None) or ("/static" if path.startswith("/static/") else "other")
            g.metrics.requests.labels(template, str(status)).inc()
            log.info(
                "%s %s %d %.1f ms", scope.get("method", "?"), template, status, (time.perf_counter() - start) * 1e3
            )

        async def send_wrapped(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                extra = list(SECURITY_HEADERS) if not verify_form else VERIFY_HEADERS
                if private:
                    extra.append(NO_STORE)
                message["headers"] = [*message.get("headers", []), *extra]
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                record()  # before the last bytes go out: the log line exists once the client has the answer
            await send(message)

        wait = g.limiter.allow(client) if path != "/metrics" else 0.0
        try:
            if wait > 0:
                g.metrics.limited.inc()
                retry = max(1, int(wait + 0.999))
                resp = g.error_response(scope, "rate_limited", retry_after=retry, n=retry)
                await resp(scope, receive, send_wrapped)
            else:
                await self.app(scope, receive, send_wrapped)
        finally:
            record()  # a stream the client closed, or an error


def _header(headers: dict[bytes, bytes], name: bytes) -> str | None:
    v = headers.get(name)
    return v.decode("latin-1") if v is not None else None


class Gateway:
    """The app's state: bus, settings, limiter, stream counts, metrics and the view cache."""

    def __init__(self, bus: GatewayBus, settings: Settings) -> None:
        self.bus = bus
        self.settings = settings
        gw = settings.hall.gateway
        self.proxies = networks(gw.trusted_proxies)
        self.limiter = RateLimiter(gw.rate_per_min, gw.rate_burst)
        self.streams = Streams(gw.max_streams, gw.streams_per_client)
        self.metrics = GatewayMetrics(bus, lambda: self.streams.open)
        self._cache_version = -1
        self._cache: dict[tuple[Any, ...], str] = {}

    # tokens and views -------------------------------------------------------------------
    def number_for(self, token: str) -> str:
        """The ticket number of a token of today, else GatewayError: one 404 for forged, malformed,
        another hall's and expired tokens alike, so an answer says nothing about a guess."""
        ref = read_page_token(self.settings.secret, self.settings.hall.hall.id, token)
        snap = self.bus.snapshot
        if ref is None:
            raise GatewayError("not_found")
        if not snap.ready:
            raise GatewayError("unavailable", retry_after=5)
        if ref.day != snap.day:
            raise GatewayError("not_found")
        return ref.number

    def stale(self) -> bool:
        return is_stale(self.bus.snapshot, time.monotonic())

    def ticket(self, number: str) -> dict[str, Any]:
        cfg = self.settings.hall
        return ticket_view(cfg, self.bus.snapshot, number, notify_ahead=cfg.gateway.notify_ahead, stale=self.stale())

    def hall(self) -> dict[str, Any]:
        snap = self.bus.snapshot
        cfg = self.settings.hall
        return hall_view(cfg, snap, today=hall_today(cfg, snap, datetime.now().astimezone()), stale=self.stale())

    def cached(self, key: tuple[Any, ...], build: Callable[[], str]) -> str:
        """`build()` once per bus version and key (many pages watching the same thing)."""
        if self._cache_version != self.bus.version:
            self._cache_version, self._cache = self.bus.version, {}
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = build()
        return hit

    def ticket_update(self, number: str, lang: str) -> Update:
        """(what the page shows, its rendering): the view is cheap, the HTML and JSON are not, so a
        stream renders only when the key moved (a burst elsewhere in the hall costs each page a few
        dictionary lookups)."""
        view = self.ticket(number)
        win, svc = view["window"], view["service"]
        key = (
            view["status"],
            view["ahead"],
            view["eta_s"],
            view["near"],
            win["id"] if win else None,
            view["rejoin_until"],
            view["stale"],
            view["controller"],
            svc["id"] if svc else None,
        )

        def render() -> str:
            html = pages.ticket_main(view, lang, _text(self.settings.hall.hall.name))
            return self.cached(("t", number, lang, *key), lambda: _json({"view": view, "html": html}))

        return key, render

    def hall_update(self, lang: str) -> Update:
        stale = self.stale()

        def render() -> str:
            def build() -> str:
                view = self.hall()
                return _json({"view": view, "html": pages.hall_main(view, lang)})

            return self.cached(("h", lang, stale), build)

        return (self.bus.version, stale), render

    # answers ----------------------------------------------------------------------------
    def error_response(self, scope: Scope, code: str, retry_after: int | None = None, **kw: Any) -> Response:
        status = ERRORS[code][0]
        headers = {"Retry-After": str(retry_after)} if retry_after else {}
        path = scope.get("path", "")
        if path.startswith("/api/") or path == "/metrics":
            return JSONResponse(error_body(code, **kw), status_code=status, headers=headers)
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        accept = _header(dict(scope.get("headers", [])), b"accept-language")
        lang = pick_lang((query.get("lang") or [None])[0], accept)
        _, title, text = ERRORS[code]
        return HTMLResponse(pages.error_page(lang, title, text, **kw), status_code=status, headers=headers)

    async def stream(
        self,
        request: Request,
        produce: Callable[[], Update | None],
        mark: Callable[[], Any],
        wait: Callable[[Any], Awaitable[Any]],
    ) -> AsyncIterator[str]:
        """One SSE stream: the current view at once, then every change, keep-alive comments between.
        `mark()` is taken before each view is read and `wait(mark)` returns once something after
        it may have changed the view (or at the tick)."""
        client = request.scope["state"]["client"]
        if self.streams.full(client):
            raise GatewayError("rate_limited", retry_after=30)
        return self._events(client, produce, mark, wait)

    async def _events(
        self,
        client: str,
        produce: Callable[[], Update | None],
        mark: Callable[[], Any],
        wait: Callable[[Any], Awaitable[Any]],
    ) -> AsyncIterator[str]:
        # counted from the stream's first step to its end (a response that never started streams
        # holds no slot); the check above and this step are one loop turn apart at most
        self.streams.take(client)
        try:
            yield f"retry: {RETRY_MS}\n\n"
            last = None
            while True:
                m = mark()
                update = produce()  # also after a quiet spell: the view may have turned stale
                if update is None:  # the token expired (a new hall day): end; the reconnect gets the 404
                    return
                key, render = update
                if key != last:
                    yield f"data: {render()}\n\n"
                    last = key
                else:
                    yield ": keep-alive\n\n"  # woken by the tick with nothing new
                await wait(m)
        finally:
            self.streams.release(client)


def _text(b: Any) -> dict[str, str]:
    return {"zh": b.zh, "en": b.en}


def _json(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def extra_routers(
    settings: Settings, bus: GatewayBus, outbox: Outbox | None = None, district: DistrictView | None = None
) -> list[APIRouter]:
    """The routers `tideq gateway` (and scripts/gen_openapi.py) include besides its own: the
    booking platform's API (docs/booking-api.md) and, given the 好差评 outbox, its export
    (docs/ratings.md), both answering only the API keys of `[booking] platforms`; and the district
    page (docs/district.md), empty with a how-to until `district` is connected to a centre."""
    from .booking import BookingClient, booking_router
    from .district import DistrictView, district_router
    from .keys import ApiKeys

    hall = settings.hall
    keys = ApiKeys.from_config(hall.booking)
    routers = [booking_router(BookingClient(cast("BusClient", bus.client), hall, settings.secret), keys)]
    if outbox is not None:
        from .ratings import ratings_router

        routers.append(ratings_router(outbox, keys, hall))
    routers.append(district_router(district or DistrictView(None)))
    return routers


def create_app(
    bus: GatewayBus,
    settings: Settings,
    *,
    routers: Sequence[APIRouter] = (),
    start_bus: bool = True,
) -> FastAPI:
    """The gateway app. `routers` are included as they are (the booking platform's API and the
    好差评 outbox build theirs with `bus.send()` for commands); `start_bus` False leaves the bus
    as it is (tests that feed a bus by hand, the OpenAPI generator)."""
    gw = Gateway(bus, settings)
    hall_name = _text(settings.hall.hall.name)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if start_bus:
            await bus.start()
        try:
            yield
        finally:
            if start_bus:
                await bus.aclose()

    app = FastAPI(
        title="tideq gateway",
        version="1",
        summary="Visitors' phone pages, the hall live page and metrics of a tideq hall",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.gateway = gw

    @app.exception_handler(GatewayError)
    async def _gateway_error(request: Request, err: GatewayError) -> Response:
        return gw.error_response(request.scope, err.code, retry_after=err.retry_after)

    @app.exception_handler(404)
    async def _not_found(request: Request, err: Exception) -> Response:
        return gw.error_response(request.scope, "not_found")

    def lang_of(request: Request, lang: str | None) -> str:
        return pick_lang(lang, request.headers.get("accept-language"))

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/hall", status_code=307)

    @app.get("/t/{token}", response_class=HTMLResponse, summary="The ticket's phone page (the QR code opens it)")
    async def ticket_page(request: Request, token: str, lang: str | None = Query(None, pattern="^(zh|en)$")) -> str:
        number = gw.number_for(token)
        lg = lang_of(request, lang)
        return pages.ticket_page(gw.ticket(number), lg, hall_name, token)

    @app.get("/api/t/{token}", summary="A ticket's place: status, people ahead, expected wait, window")
    async def ticket_api(
        request: Request,
        token: str,
        lang: str | None = Query(None, pattern="^(zh|en)$"),
        fragment: bool = Query(False, description="also the page's re-rendered <main> (polling fallback)"),
    ) -> Response:
        number = gw.number_for(token)
        if fragment:
            return Response(gw.ticket_update(number, lang_of(request, lang))[1](), media_type="application/json")
        return JSONResponse({"version": bus.version, "view": gw.ticket(number)})

    @app.get(
        "/api/t/{token}/events",
        summary="Live updates of a ticket (Server-Sent Events: one JSON `data:` per change)",
        response_class=StreamingResponse,
    )
    async def ticket_events(
        request: Request, token: str, lang: str | None = Query(None, pattern="^(zh|en)$")
    ) -> StreamingResponse:
        number = gw.number_for(token)
        day = bus.snapshot.day
        lg = lang_of(request, lang)
        # a page left open overnight must not show the next day's ticket of the same number
        events = await gw.stream(
            request,
            lambda: gw.ticket_update(number, lg) if bus.snapshot.day == day else None,
            lambda: bus.ticket_mark(number),
            lambda m: bus.ticket_changed(number, m),
        )
        return _sse(events)

    @app.get(
        "/staff/verify",
        response_class=HTMLResponse,
        summary="Staff check a ticket's QR code: genuine, today's, and its status (docs/gateway.md)",
    )
    async def verify_page(
        request: Request,
        code: str | None = Query(None, max_length=verify.MAX_CODE, description="what the ticket's QR code carries"),
        lang: str | None = Query(None, pattern="^(zh|en)$"),
    ) -> str:
        lg = lang_of(request, lang)
        result = None
        if code:
            result = verify.verify_view(gw.settings.hall, gw.settings.secret, bus.snapshot, code, stale=gw.stale())
        return verify.verify_page(result, lg)

    @app.get("/api/verify", summary="A ticket's QR code checked: genuine / forged / other_day, number, status")
    async def verify_api(code: str = Query(..., max_length=verify.MAX_CODE)) -> dict[str, Any]:
        return verify.verify_view(gw.settings.hall, gw.settings.secret, bus.snapshot, code, stale=gw.stale())

    @app.get("/hall", response_class=HTMLResponse, summary="The hall live page")
    async def hall_page(request: Request, lang: str | None = Query(None, pattern="^(zh|en)$")) -> str:
        return pages.hall_page(gw.hall(), lang_of(request, lang))

    @app.get("/api/hall", summary="Every service's waiting count, expected wait, hours today, tidal notices")
    async def hall_api() -> dict[str, Any]:
        return {"version": bus.version, "view": gw.hall()}

    @app.get(
        "/api/hall/events", summary="Live updates of the hall (Server-Sent Events)", response_class=StreamingResponse
    )
    async def hall_events(request: Request, lang: str | None = Query(None, pattern="^(zh|en)$")) -> StreamingResponse:
        lg = lang_of(request, lang)
        events = await gw.stream(
            request, lambda: gw.hall_update(lg), lambda: bus.version, lambda v: bus.changed(v, "hall")
        )
        return _sse(events)

    @app.get("/metrics", response_class=PlainTextResponse, summary="Prometheus metrics")
    async def metrics() -> Response:
        return Response(generate_latest(gw.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/healthz", summary="Liveness: broker link, controller status, age of the state")
    async def healthz() -> JSONResponse:
        snap = bus.snapshot
        ok = bus.link_up and snap.ready and not gw.stale()
        body = {
            "ok": ok,
            "broker": bus.link_up,
            "controller": snap.controller.value if snap.controller else None,
            "state": "ready" if snap.ready else "waiting",
            "stale": gw.stale(),
        }
        return JSONResponse(body, status_code=200 if ok else 503)

    app.mount("/static", StaticFiles(directory=str(files("tideq.gateway") / "static")), name="static")
    for router in routers:
        app.include_router(router)
    app.add_middleware(Guard, gateway=gw)
    return app


def _sse(events: AsyncIterator[str]) -> StreamingResponse:
    return StreamingResponse(
        events,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},  # nginx: do not buffer the stream
    )
