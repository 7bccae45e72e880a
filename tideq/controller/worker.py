"""The one writer: a single thread that owns the engine and takes the inbox in bursts.

Each burst is applied command by command, then its events and replies are written in one fsynced
transaction (group commit), and only then are replies, events and changed state published: an
acknowledged ticket survives kill -9 and power loss. State is republished every REFRESH_S with a
fresh `ts`, so readers can tell a live controller from a hung one.

Failures never abort a burst and never leave the engine ahead of the event log. The worker keeps
a twin of the engine, `durable`, that holds exactly what is stored (it folds each burst's events
once they are committed). A command that fails unexpectedly is answered `internal_error` and the
engine goes back to the twin plus the burst's events accepted before it (a copy and a re-fold,
no disk read), so the other commands of the burst keep their answers. A failed write puts the
engine back to the twin and answers the burst's commands `storage_failed`; `health/controller`
says `degraded` with the fix until a write succeeds again. A failure to publish one message is
logged and the rest of the burst is still published (its replies are stored: a retry gets them).

On rebuild an event that cannot be read or folded is quarantined (store.quarantine), logged and
reported on `health/controller`; the fold restarts without it, so a restart never fails on a
day's events.
"""

from __future__ import annotations

import json
import logging
import math
import queue
import threading
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from functools import partial

from tideq.config.schema import HallConfig
from tideq.contract.wire import scrub

from . import refusals as R
from .burst import Burst
from .clock import HallClock
from .dispatch import Dispatcher, Outcome
from .engine import Engine
from .errors import StoreError
from .events import Event, Kind
from .health import ControllerHealth
from .inbox import Command, Connected, Inbox, Item, Reading, Stop
from .publisher import Publisher
from .sensors import CrowdReadings
from .store import EventStore, Row
from .tidal_runner import TidalRunner

log = logging.getLogger(__name__)

BATCH = 256  # inbox items per burst at most
REFRESH_S = 10.0  # retained state republished at least this often
IDLE_S = 1.0  # an idle worker wakes this often (refresh, tidal policy, day roll)
DEFER_S = 3.0  # the periodic refresh and tidal run wait this long for a burst without commands
CARRY_DAYS = 60  # appointment imports this old still count on rebuild
CHECKPOINT_S = 60.0  # an idle worker truncates the WAL at most this often
MAX_QUARANTINE_PASSES = 1000  # a fold restarts at most this often (one bad event each time)


def clone(engine: Engine) -> Engine:
    """A copy of the engine's state to roll back to (Engine.clone)."""
    return engine.clone()


class Worker:
    """Owns the engine: only this thread changes it, so the engine needs no locks (one writer)."""

    def __init__(
        self,
        cfg: HallConfig,
        secret: bytes,
        clock: HallClock,
        store: EventStore,
        inbox: Inbox,
        dispatcher: Dispatcher,
        sensors: CrowdReadings,
        tides: TidalRunner,
        publisher: Publisher,
    ) -> None:
        self.cfg = cfg
        self.clock = clock
        self.store = store
        self.inbox = inbox
        self.dispatcher = dispatcher
        self.sensors = sensors
        self.tides = tides
        self.publisher = publisher
        self.engine = Engine(cfg, secret)
        self.durable = Engine(cfg, secret)  # exactly what the event log holds (the rollback point)
        self.health = ControllerHealth()
        self.processed = 0  # inbox items taken so far
        self.rollbacks = 0  # commands rolled back after an unexpected error
        self._last_checkpoint = time.monotonic()
        self._purged_day: date | None = None
        self.beat = time.monotonic()  # the loop's last turn (at least every IDLE_S): systemd's watchdog reads it
        self._thread = threading.Thread(target=self._run, name="controller", daemon=True)
        self._past: tuple[date, int, Engine] | None = None  # the last past day replayed (day, events stored)
        dispatcher.handlers.past_day = self.past_day

    # lifecycle ------------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float) -> None:
        """Let the worker finish what is queued before now, then end (a no-op if it never started)."""
        if self._thread.is_alive():
            self.inbox.put(Stop())
            self._thread.join(timeout)

    def rebuild(self) -> None:
        """State is a fold of today's events (plus earlier days' bookings: imports, cancels,
        reschedules). An event that cannot be read or folded is quarantined and the fold starts
        again without it."""
        now = self.clock.now()
        day = self.engine.local_day(now)
        self._purge(day)
        rows = self.store.rows_for(day, day - timedelta(days=CARRY_DAYS))
        skip: set[int] = set()
        for _ in range(MAX_QUARANTINE_PASSES):
            engine = Engine(self.cfg, self.engine.secret)
            bad = _fold(engine, rows, skip)
            if bad is None:
                break
            seq, err = bad
            skip.add(seq)
            reason = f"{type(err).__name__}: {err}"
            log.error("event %d cannot be folded and is quarantined (%s); the hall carries on without it", seq, reason)
            self.store.quarantine(seq, reason)
        _keep_numbers(engine, [r for r in rows if r[0] in skip])
        self.engine = engine
        self.durable = clone(engine)
        self.health.quarantined(max(self.store.quarantined(day), len(skip)))  # today's: a new day starts clean
        self.dispatcher.restore(self.store.replies_for(day - timedelta(days=1)))
        log.info(
            "rebuilt %s: %d tickets today, %d appointments",
            day,
            len(self.engine.tickets),
            len(self.engine.appointments),
        )

    def past_day(self, day: date) -> Engine:
        """The engine as it stood at the end of a past hall day: a pure replay of its stored events
        (read-only queries such as the day's ratings; an event that does not fold is left out).
        The last one is kept until the event log grows."""
        count = self.store.count()
        if self._past is not None and self._past[:2] == (day, count):
            return self._past[2]
        engine = Engine(self.cfg, self.engine.secret)
        rows = self.store.rows_for(day, day - timedelta(days=CARRY_DAYS))
        skip: set[int] = set()
        while (bad := _fold(engine, rows, skip)) is not None and len(skip) < MAX_QUARANTINE_PASSES:
            skip.add(bad[0])
            engine = Engine(self.cfg, self.engine.secret)
        self._past = (day, count, engine)
        return engine

    def _purge(self, today: date) -> None:
        """Personal fields older than [storage] personal_days leave the event log (on start and daily)."""
        if self._purged_day == today:
            return
        self._purged_day = today
        try:
            n = self.store.purge_personal(today - timedelta(days=self.cfg.storage.personal_days))
        except StoreError as err:
            log.error("personal data purge failed: %s", err)
            return
        if n:
            log.info("purged personal fields from %d events older than %d days", n, self.cfg.storage.personal_days)

    # the loop -------------------------------------------------------------------------
    def _run(self) -> None:
        last_refresh = -math.inf
        while True:
            self.beat = time.monotonic()
            items = self._take()
            refresh = refresh_due(time.monotonic() - last_refresh, items)
            try:
                self.process(items, refresh)
            except Exception:  # the controller never dies on input; log and carry on
                log.exception("burst failed")
            if refresh:
                last_refresh = time.monotonic()
            if any(isinstance(i, Stop) for i in items):
                return

    def _take(self) -> list[Item]:
        """One burst: wait up to IDLE_S for an item, then take whatever else is queued (up to BATCH)."""
        try:
            items = [self.inbox.get(timeout=IDLE_S)]
        except queue.Empty:
            return []
        while len(items) < BATCH:
            try:
                items.append(self.inbox.get_nowait())
            except queue.Empty:
                break
        return items

    # one burst ------------------------------------------------------------------------
    def process(self, items: Sequence[Item], refresh: bool = False) -> None:
        """Apply a burst, store it durably, then publish what it changed."""
        now = self.clock.now()
        burst = Burst()
        self._guard("day roll", burst, lambda: burst.events.extend(self.engine.roll_day(now)))
        for item in items:
            match item:
                case Command():
                    self._command(item, now, burst)
                case Reading():
                    self._guard("crowd reading", burst, partial(self.sensors.record, item, now))
                case Connected() | Stop():
                    pass
        if self.tides.due(refresh, busy=any(isinstance(i, Command) for i in items)):
            self._guard("tidal policy", burst, lambda: self.tides.run(self.engine, now, self.sensors.zones, burst))
        self._commit(burst, now)
        self.processed += len(items)
        self.publisher.publish(burst, self.engine, now, refresh)
        self.publisher.health(self.health, now, refresh)
        if not any(isinstance(i, Command) for i in items):
            self._idle(now)

    def _command(self, item: Command, now: datetime, burst: Burst) -> None:
        """One command; whatever goes wrong in it is rolled back to before it (its answer, if it
        could not be built, is lost: the client retries)."""
        accepted, answered = len(burst.events), len(burst.outbox)
        try:
            outcome = self.dispatcher.handle(self.engine, item, now, burst)
        except Exception:  # a bug in dispatch itself: this command only
            log.exception("command on %s failed outside its handler; rolled back", scrub(item.topic, 200))
            del burst.events[accepted:]
            del burst.outbox[answered:]
            outcome = Outcome.FAULT
        if outcome is Outcome.FAULT:
            self._rollback(burst.events)

    def _guard(self, what: str, burst: Burst, step: Callable[[], object]) -> None:
        """Run a step of the burst that is not a command; if it fails, the engine goes back to
        before it and the burst carries on."""
        accepted = len(burst.events)
        try:
            step()
        except Exception:
            log.exception("%s failed; engine rolled back to before it", what)
            del burst.events[accepted:]
            self._rollback(burst.events)

    def _commit(self, burst: Burst, now: datetime) -> None:
        """Group commit: the burst's events and replies in one fsynced transaction."""
        if not (burst.events or burst.replies):
            return
        try:
            self.store.append(self.engine.day or now.date(), burst.events, burst.replies)
        except StoreError as err:
            log.error("event log write failed; engine back to the stored state, commands refused: %s", err)
            self.engine = clone(self.durable)
            burst.refuse_all(R.storage_failed())
            self.health.storage_failed(str(err))
            return
        self.health.storage_ok()
        if any(e.kind is Kind.DAY_OPENED for e in burst.events):
            self.health.quarantined(0)  # a new hall day folds none of yesterday's events
        self.dispatcher.remember(burst.replies)
        try:
            for e in burst.events:
                self.durable.apply(e)
        except Exception:  # the twin disagrees with the engine: a bug; both are rebuilt from disk
            log.exception("durable twin could not fold a stored event; rebuilding from disk")
            self.rebuild()

    def _rollback(self, accepted: list[Event]) -> None:
        """Back to the stored state plus this burst's events accepted so far (no disk read)."""
        self.rollbacks += 1
        engine = clone(self.durable)
        for e in accepted:
            engine.apply(e)
        self.engine = engine

    def _idle(self, now: datetime) -> None:
        """Housekeeping on a burst without commands (an empty one, or only crowd readings: with
        cameras publishing the inbox is never empty for long): truncate the WAL, purge personal
        data daily. No visitor's or clerk's reply waits behind it."""
        if time.monotonic() - self._last_checkpoint >= CHECKPOINT_S:
            self._last_checkpoint = time.monotonic()
            self.store.checkpoint()
        self._purge(self.engine.local_day(now))


def refresh_due(since_s: float, items: Sequence[Item]) -> bool:
    """Republish all four state topics now? After a reconnect, and every REFRESH_S; the periodic
    one waits for a burst without commands (up to DEFER_S late), so it never adds to a visitor's
    or a clerk's reply time."""
    if any(isinstance(i, Connected) for i in items):
        return True
    busy = any(isinstance(i, Command) for i in items)
    return since_s > REFRESH_S + (DEFER_S if busy else 0.0)


def _keep_numbers(engine: Engine, quarantined: list[Row]) -> None:
    """A quarantined ticket_issued still used its number: never issue it again today."""
    for _, kind, _at, data in quarantined:
        if kind != Kind.TICKET_ISSUED.value:
            continue
        try:
            d = json.loads(data)
            service, n = d["service"], int(d["number"][1:])
        except (ValueError, KeyError, TypeError, IndexError):
            continue  # unreadable: nothing to keep (the counter is a fold of what reads)
        if isinstance(service, str) and service in engine.counters:
            engine.counters[service] = max(engine.counters[service], n)


def _fold(engine: Engine, rows: list[Row], skip: set[int]) -> tuple[int, Exception] | None:
    """Fold stored rows into `engine`; the first row that fails, and why (None when all folded)."""
    for seq, kind, at, data in rows:
        if seq in skip:
            continue
        try:
            engine.apply(Event.from_row(kind, at, data))
        except Exception as err:  # any unreadable or un-appliable event is quarantined
            return seq, err
    return None
