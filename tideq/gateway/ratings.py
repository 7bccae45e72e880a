"""好差评: every rating kept once in a durable SQLite outbox, pushed to the provincial platform with
retries, and exportable as CSV and JSON. docs/ratings.md.

    feed     `event/rated` (QoS 1) from the controller, and a catch-up that pages through the day's
             ratings with `cmd/booking` action `ratings` (on start and every [ratings] catch_up_s):
             a rating published while the gateway was down or the link was cut is found again
    outbox   SQLite, one row per `rating_id` (`{hall}:{day}:{ticket}`, a ticket is rated once), so
             event and catch-up can both deliver it and it is still kept once; synchronous=FULL
    pusher   a background thread POSTs each pending rating (JSON) to [ratings] push_url and marks it
             delivered on a 2xx; while the endpoint is down it waits retry_initial_s, doubling up
             to retry_max_s (60 s) between tries, then carries on where it stopped; survives restarts
             (the outbox is the queue). Time comes from an injectable `Clock`, so a test can hold
             the endpoint down for ten minutes without waiting them.
    router   GET /ratings/v1/export.csv (UTF-8 with BOM: Excel opens the Chinese), export.json and
             outbox (counts, last error), behind the same API keys as the booking API

Delivery is at least once, exactly once in the normal course: a rating is marked delivered right
after its 2xx, and only a crash between the receiver's 2xx and that mark sends it again, with the
same `Idempotency-Key` (its rating_id) for the receiver to drop.

    service = RatingsService(bus, hall, data_dir)     # bus: the gateway's BusClient
    service.start(); app.include_router(ratings_router(service.outbox, keys, hall)); ...; service.stop()
"""

# no `from __future__ import annotations`: FastAPI reads the endpoints' annotations (router locals)
import csv
import io
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Protocol

import httpx
from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from tideq.config.schema import HallConfig, RatingsConfig
from tideq.contract import BusClient, BusError, RatedEvent, RatingRecord, Topics
from tideq.contract.vocab import RATING_LABELS, Lang, Rating

from .booking import ERRORS, platform_of
from .keys import ApiKeys

log = logging.getLogger(__name__)

IDLE_S = 5.0  # a pusher with nothing pending looks again this often (a new rating wakes it at once)
ROUND = 100  # ratings a push round takes from the outbox at most
PAGE = 500  # cmd/booking ratings page


# ---------------------------------------------------------------------------------- time
class Clock(Protocol):
    """Seconds (wall clock) and a wait that ends early when `stop` is set."""

    def now(self) -> float: ...

    def sleep(self, seconds: float, stop: threading.Event) -> None: ...


class SystemClock:
    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float, stop: threading.Event) -> None:
        stop.wait(seconds)


@dataclass(frozen=True)
class Backoff:
    """Waits after consecutive failures: initial, doubled each time, capped."""

    initial_s: float = 1.0
    max_s: float = 60.0

    def delay(self, failures: int) -> float:
        return float(min(self.max_s, self.initial_s * 2 ** max(0, failures - 1)))


# ---------------------------------------------------------------------------------- outbox
SCHEMA = """
CREATE TABLE IF NOT EXISTS ratings (
    rating_id    TEXT PRIMARY KEY,
    day          TEXT NOT NULL,
    at           TEXT NOT NULL,
    record       TEXT NOT NULL,
    received_at  REAL NOT NULL,
    delivered_at REAL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_at      REAL NOT NULL,
    last_error   TEXT
);
CREATE INDEX IF NOT EXISTS ratings_pending ON ratings(delivered_at, next_at);
CREATE INDEX IF NOT EXISTS ratings_day ON ratings(day);
"""


class Outbox:
    """The durable record of every rating (one row per rating_id) and of its delivery."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)
        self._lock = threading.Lock()
        self.changed = threading.Condition(self._lock)  # notified on every add and delivery

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def add(self, record: RatingRecord, now: float) -> bool:
        """Keep a rating; False if it was already there (from the event or an earlier catch-up)."""
        body = record.model_dump_json(exclude={"v", "ts"})
        with self._lock:
            cur = self._db.execute(
                "INSERT OR IGNORE INTO ratings(rating_id, day, at, record, received_at, next_at) VALUES (?,?,?,?,?,?)",
                (record.rating_id, record.day.isoformat(), record.at.isoformat(), body, now, now),
            )
            added = cur.rowcount == 1
            if added:
                self.changed.notify_all()
        return added

    def due(self, now: float, limit: int = ROUND) -> list[tuple[str, dict[str, Any]]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT rating_id, record FROM ratings WHERE delivered_at IS NULL AND next_at <= ?"
                " ORDER BY at, rating_id LIMIT ?",
                (now, limit),
            ).fetchall()
        return [(rid, json.loads(rec)) for rid, rec in rows]

    def next_due(self) -> float | None:
        """When the earliest pending rating may be tried (None: nothing pending)."""
        with self._lock:
            (at,) = self._db.execute("SELECT MIN(next_at) FROM ratings WHERE delivered_at IS NULL").fetchone()
        return None if at is None else float(at)

    def delivered(self, rating_id: str, now: float) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE ratings SET delivered_at = ?, attempts = attempts + 1, last_error = NULL WHERE rating_id = ?",
                (now, rating_id),
            )
            self.changed.notify_all()

    def failed(self, rating_ids: list[str], next_at: float, error: str) -> None:
        """Tried and failed: tried again no earlier than `next_at`."""
        with self._lock:
            self._db.executemany(
                "UPDATE ratings SET attempts = attempts + 1, next_at = ?, last_error = ? WHERE rating_id = ?",
                [(next_at, error[:300], rid) for rid in rating_ids],
            )

    def records(self, day: date | None = None, until: date | None = None) -> list[dict[str, Any]]:
        """Ratings of `day` (through `until`, when given; every day when neither), oldest first, each
        with `delivered_at` (ISO, or None while pending)."""
        sql = "SELECT record, delivered_at FROM ratings"
        args: tuple[str, ...] = ()
        if day is not None:
            sql += " WHERE day >= ? AND day <= ?"
            args = (day.isoformat(), (until or day).isoformat())
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY at, rating_id", args).fetchall()
        out = []
        for rec, delivered in rows:
            r = json.loads(rec)
            r["delivered_at"] = None if delivered is None else datetime.fromtimestamp(delivered, UTC).isoformat()
            out.append(r)
        return out

    def stats(self) -> dict[str, Any]:
        with self._lock:
            total, pending = self._db.execute(
                "SELECT COUNT(*), COALESCE(SUM(delivered_at IS NULL), 0) FROM ratings"
            ).fetchone()
            row = self._db.execute(
                "SELECT last_error, next_at FROM ratings WHERE delivered_at IS NULL AND last_error IS NOT NULL"
                " ORDER BY next_at LIMIT 1"
            ).fetchone()
        return {
            "total": int(total),
            "pending": int(pending),
            "delivered": int(total) - int(pending),
            "last_error": row[0] if row else None,
        }

    def _count(self, pending_only: bool) -> int:
        sql = "SELECT COUNT(*) FROM ratings" + (" WHERE delivered_at IS NULL" if pending_only else "")
        return int(self._db.execute(sql).fetchone()[0])

    def count(self, pending_only: bool = False) -> int:
        """Ratings kept (or only those pending)."""
        with self._lock:
            return self._count(pending_only)

    def wait_count(self, n: int, timeout: float, pending_only: bool = False) -> bool:
        """Block until `n` ratings are kept (or, `pending_only`, until only `n` are pending): woken by
        every add and delivery, never by polling. False after `timeout` s."""

        def done() -> bool:
            c = self._count(pending_only)
            return c <= n if pending_only else c >= n

        with self.changed:
            return self.changed.wait_for(done, timeout)


# ---------------------------------------------------------------------------------- pushing
class PushFailed(Exception):
    """A push that did not get a 2xx. `down`: the endpoint is unreachable or overloaded (timeout,
    connection refused, 5xx, 408, 429): the round stops and waits; otherwise only this rating waits."""

    def __init__(self, reason: str, down: bool = True) -> None:
        super().__init__(reason)
        self.down = down


Send = Callable[[dict[str, Any]], None]


class HttpPush:
    """POST one rating as JSON to the endpoint; raises PushFailed unless the answer is a 2xx."""

    def __init__(self, url: str, token: str | None = None, timeout_s: float = 10.0) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.url = url
        self._http = httpx.Client(timeout=timeout_s, headers=headers)

    def __call__(self, rating: dict[str, Any]) -> None:
        try:
            r = self._http.post(self.url, json={"v": 1, **rating}, headers={"Idempotency-Key": rating["rating_id"]})
        except httpx.HTTPError as err:
            raise PushFailed(f"{type(err).__name__}: {err}") from err
        if not r.is_success:
            down = r.status_code >= 500 or r.status_code in (408, 429)
            raise PushFailed(f"HTTP {r.status_code}: {r.text[:200]}", down=down)

    def close(self) -> None:
        self._http.close()


class Pusher:
    """Pushes pending ratings in the order given; one thread (`run`)."""

    def __init__(self, outbox: Outbox, send: Send, clock: Clock, backoff: Backoff) -> None:
        self.outbox, self.send, self.clock, self.backoff = outbox, send, clock, backoff
        self.failures = 0  # consecutive rounds the endpoint was down
        self.retry_at = 0.0
        self.wake = threading.Event()

    def step(self) -> float | None:
        """One round: push what is due. Returns the seconds to wait before the next round, or None
        when nothing is pending (then wait for a new rating)."""
        now = self.clock.now()
        if now < self.retry_at:
            return self.retry_at - now
        for rid, rating in self.outbox.due(now):
            try:
                self.send(rating)
            except PushFailed as err:
                if err.down:
                    self.failures += 1
                    wait = self.backoff.delay(self.failures)
                    self.retry_at = now + wait
                    self.outbox.failed([rid], self.retry_at, str(err))
                    log.warning("rating push failed (%s); next try in %.0f s", err, wait)
                    return wait
                # refused for what it holds: this one waits the longest, the others go on
                self.outbox.failed([rid], now + self.backoff.max_s, str(err))
                log.warning("rating %s refused by the endpoint (%s); retried in %.0f s", rid, err, self.backoff.max_s)
                continue
            self.failures = 0
            self.outbox.delivered(rid, self.clock.now())
        nxt = self.outbox.next_due()
        return None if nxt is None else max(0.0, nxt - self.clock.now())

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.wake.clear()
            try:
                wait = self.step()
            except Exception:  # a bug or a broken outbox file: logged, tried again later
                log.exception("rating push round failed")
                wait = self.backoff.max_s
            if stop.is_set():
                return
            if wait is None:
                self.wake.wait(IDLE_S)
            elif wait > 0:
                self.clock.sleep(wait, stop)


# ---------------------------------------------------------------------------------- the feed
class RatingsService:
    """The outbox with its feed (event/rated, catch-up) and its pusher thread."""

    def __init__(
        self,
        bus: BusClient,
        hall: HallConfig,
        data_dir: Path,
        *,
        clock: Clock | None = None,
        send: Send | None = None,
        config: RatingsConfig | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.bus = bus
        self.cfg = config or hall.ratings
        self.topics = Topics(hall.hall.id)
        self.clock: Clock = clock or SystemClock()
        self.outbox = Outbox(data_dir / self.cfg.outbox)
        self._http: HttpPush | None = None
        if send is None and self.cfg.push_url:
            env = os.environ if env is None else env
            token = env.get(self.cfg.token_env) if self.cfg.token_env else None
            send = self._http = HttpPush(self.cfg.push_url, token, self.cfg.timeout_s)
        self.pusher = (
            Pusher(self.outbox, send, self.clock, Backoff(self.cfg.retry_initial_s, self.cfg.retry_max_s))
            if send is not None
            else None
        )
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.caught_up = threading.Event()  # set after each catch-up
        bus.on(self.topics.event("rated"), RatedEvent, self._on_rated)

    def start(self) -> "RatingsService":
        if self.pusher is not None:
            self._threads.append(threading.Thread(target=self.pusher.run, args=(self._stop,), name="ratings-push"))
        self._threads.append(threading.Thread(target=self._catch_up_loop, name="ratings-catch-up"))
        for t in self._threads:
            t.daemon = True
            t.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self.pusher is not None:
            self.pusher.wake.set()
        for t in self._threads:
            t.join(10)
        if self._http is not None:
            self._http.close()
        self.outbox.close()

    def _on_rated(self, topic: str, event: RatedEvent) -> None:
        if self._stop.is_set():
            return
        if self.outbox.add(event, self.clock.now()) and self.pusher is not None:
            self.pusher.wake.set()

    def _catch_up_loop(self) -> None:
        first = True
        while not self._stop.is_set():
            try:
                self.catch_up(self.cfg.catch_up_days if first else 0)
                first = False
            except BusError as err:
                log.warning("ratings catch-up: %s; tried again in %.0f s", err, self.cfg.catch_up_s)
            except Exception:
                log.exception("ratings catch-up failed")
            self._stop.wait(self.cfg.catch_up_s)

    def catch_up(self, past_days: int = 0) -> int:
        """Ask the controller for today's ratings (and `past_days` before) and keep any not kept yet;
        returns how many were new."""
        new = 0
        day: date | None = None
        for k in range(past_days + 1):
            ask = None if k == 0 else (day - timedelta(days=k) if day else None)
            if k > 0 and ask is None:
                break
            offset = 0
            while True:
                args: dict[str, Any] = {"action": "ratings", "offset": offset, "limit": PAGE}
                if ask is not None:
                    args["day"] = ask.isoformat()
                reply = self.bus.send("booking", args, timeout=10.0)
                if not reply.ok:
                    log.warning("ratings catch-up refused: %s", reply.error)
                    break
                if k == 0:
                    day = reply.day
                page = reply.ratings or []
                for r in page:
                    new += self.outbox.add(r, self.clock.now())
                offset += len(page)
                if not reply.more or not page:
                    break
        if new and self.pusher is not None:
            log.info("ratings catch-up found %d rating(s) not yet in the outbox", new)
            self.pusher.wake.set()
        self.caught_up.set()
        return new


# ---------------------------------------------------------------------------------- export
CSV_COLUMNS = (
    ("rating_id", "评价编号"),
    ("day", "日期"),
    ("at", "评价时间"),
    ("ticket", "号码"),
    ("service", "事项"),
    ("service_name", "事项名称"),
    ("window", "窗口"),
    ("staff", "工作人员"),
    ("rating", "评价"),
    ("rating_label", "评价等级"),
    ("channel", "渠道"),
    ("delivered_at", "上报时间"),
)


class RatingOut(BaseModel):
    """One rating as exported."""

    rating_id: str = Field(examples=["xian-hitech:2026-11-26:B012"])
    hall: str
    day: date
    at: datetime = Field(description="when it was rated")
    ticket: str
    service: str
    service_name: str = Field(description="the service's Chinese name from the hall file")
    window: str
    staff: str | None = Field(description="the window's signed-in staff; null while the hall has no staff sign-in")
    rating: int = Field(ge=1, le=5, description="5 非常满意 … 1 非常不满意")
    rating_label: str = Field(examples=["非常满意"])
    channel: str = Field(description="tablet, keypad, counter or other")
    delivered_at: datetime | None = Field(description="when the provincial platform took it; null while pending")


class OutboxStatus(BaseModel):
    total: int
    pending: int
    delivered: int
    last_error: str | None = Field(description="the latest failure of a pending rating (the endpoint's answer)")


def ratings_router(outbox: Outbox, keys: ApiKeys, hall: HallConfig) -> APIRouter:
    """GET /ratings/v1/export.csv, /ratings/v1/export.json, /ratings/v1/outbox (tag `ratings`)."""
    router = APIRouter(prefix="/ratings/v1", tags=["ratings"], responses={401: ERRORS[401]})
    names = {s.id: s.name.zh for s in hall.services}
    Platform = Depends(platform_of(keys))
    DayQ = Annotated[date | None, Query(description="the hall day (YYYY-MM-DD); omitted: every day kept")]
    UntilQ = Annotated[date | None, Query(description="with `day`: through this day")]

    def rows(day: date | None, until: date | None) -> list[RatingOut]:
        out = []
        for r in outbox.records(day, until):
            rating = int(r["rating"])
            label = RATING_LABELS[Rating(rating)][Lang.ZH]
            out.append(
                RatingOut.model_validate(
                    {**r, "service_name": names.get(r["service"], r["service"]), "rating_label": label}
                )
            )
        return out

    @router.get(
        "/export.json",
        response_model=list[RatingOut],
        summary="Every rating (好差评) as JSON",
        description="Each rating once, oldest first, with service, window, staff, time, rating, channel and "
        "when it was delivered to the provincial platform. Filter by `day` (and `until`).",
        dependencies=[Platform],
    )
    def export_json(day: DayQ = None, until: UntilQ = None) -> list[RatingOut]:
        return rows(day, until)

    @router.get(
        "/export.csv",
        summary="Every rating (好差评) as CSV for Excel",
        description="The JSON export's columns under Chinese headers, UTF-8 with a BOM so Excel shows the "
        "Chinese. Filter by `day` (and `until`).",
        response_class=Response,
        responses={200: {"content": {"text/csv": {}}, "description": "the CSV file"}},
        dependencies=[Platform],
    )
    def export_csv(day: DayQ = None, until: UntilQ = None) -> Response:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow([zh for _, zh in CSV_COLUMNS])
        for r in rows(day, until):
            d = r.model_dump(mode="json")
            w.writerow(["" if d[k] is None else d[k] for k, _ in CSV_COLUMNS])
        name = f"ratings-{day.isoformat() if day else 'all'}.csv"
        return Response(
            ("\ufeff" + buf.getvalue()).encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @router.get(
        "/outbox",
        response_model=OutboxStatus,
        summary="The outbox: ratings kept, pending, delivered",
        description="`pending` are kept and not yet taken by the provincial platform; `last_error` is why.",
        dependencies=[Platform],
    )
    def status() -> OutboxStatus:
        return OutboxStatus.model_validate(outbox.stats())

    return router


__all__ = [
    "Backoff",
    "Clock",
    "HttpPush",
    "Outbox",
    "PushFailed",
    "Pusher",
    "RatingsService",
    "SystemClock",
    "ratings_router",
]
