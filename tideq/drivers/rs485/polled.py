"""A polling master for one line of addressed devices that speak only when asked (keypads,
evaluators), on `Rs485Line`.

One worker thread owns the line: it polls every configured address in turn, runs queued jobs
(display texts, rating requests) between polls, reopens a lost port, and reports the line's
health when it changes. A QUIET device is polled only every `quiet_probe_every` cycles, with
one attempt, so an unplugged keypad costs its neighbours one timeout now and then.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .errors import DeviceTimeout, PortUnavailable
from .framing import Frame
from .line import LineStats, Rs485Line
from .state import DeviceState, LineHealth

log = logging.getLogger(__name__)

MAX_CYCLE_TIMES = 10_000


@dataclass
class CycleStats:
    """Poll cycles since start (written by the worker only)."""

    count: int = 0
    last_s: float = 0.0
    times: list[float] = field(default_factory=list)  # the first MAX_CYCLE_TIMES durations, s


HealthListener = Callable[[LineHealth], None]


class PolledMaster(ABC):
    """Base of the keypad and evaluator masters. Subclasses implement `_poll(addr)`."""

    family: ClassVar[str] = "serial"  # the device family, named in logs and errors

    def __init__(
        self,
        url: str,
        addresses: Iterable[int],
        *,
        bus_id: str,
        baudrate: int = 9600,
        timeout_s: float = 0.2,
        retries: int = 2,
        quiet_after: int = 3,
        quiet_probe_every: int = 5,
        min_cycle_s: float = 0.02,
        reopen_s: float = 1.0,
    ) -> None:
        self.bus_id = bus_id
        self.line = Rs485Line(
            url,
            addresses,
            baudrate=baudrate,
            timeout_s=timeout_s,
            retries=retries,
            quiet_after=quiet_after,
            label=f"{self.family} bus {bus_id}",
        )
        self.addresses = self.line.addresses
        self.quiet_probe_every = max(1, quiet_probe_every)
        self.min_cycle_s = min_cycle_s
        self.reopen_s = reopen_s
        self.cycles = CycleStats()
        self.on_health: HealthListener | None = None
        self._jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._last_health: tuple[Any, ...] | None = None

    # lifecycle ---------------------------------------------------------------------------
    def start(self) -> PolledMaster:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"{self.family}-bus-{self.bus_id}", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)
        self.line.close()

    def __enter__(self) -> PolledMaster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # observation -------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return self.line.url

    @property
    def stats(self) -> LineStats:
        return self.line.stats

    @property
    def bad_frames(self) -> int:
        return self.line.bad_frames

    @property
    def garbage_bytes(self) -> int:
        return self.line.garbage_bytes

    def device_state(self, addr: int) -> DeviceState:
        return self.line.state(addr)

    def health(self) -> LineHealth:
        return self.line.health()

    def wait_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Block until `predicate()` holds; re-checked after every transaction and cycle."""
        with self._cond:
            return self._cond.wait_for(predicate, timeout)

    # for subclasses ----------------------------------------------------------------------
    def submit(self, job: Callable[[], None]) -> None:
        """Run `job` on the worker thread before the next poll (it may call `transact`)."""
        self._jobs.put(job)
        self._wake.set()

    def transact(
        self, addr: int, cmd: int, payload: bytes, expect: Collection[int], attempts: int | None = None
    ) -> Frame | None:
        """One request on the line; None when the device did not answer or the line is down
        (a lost port is closed here and reopened by the worker)."""
        if not self.line.is_open:
            return None
        try:
            return self.line.transact(addr, cmd, payload, expect=expect, attempts=attempts)
        except DeviceTimeout:
            return None
        except PortUnavailable as err:
            log.warning("%s: %s", self.bus_id, err)
            return None
        finally:
            self._notify()

    @abstractmethod
    def _poll(self, addr: int) -> None:
        """Poll one address (called once per cycle, quiet ones less often)."""

    # worker ------------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            if not self.line.is_open:
                try:
                    self.line.open()
                except PortUnavailable as err:
                    log.warning("%s: %s; retrying in %.1fs", self.bus_id, err, self.reopen_s)
                    self._drain_jobs()  # they find the line down and resolve at once
                    self._publish_health()
                    self._stop.wait(self.reopen_s)
                    continue
            self._cycle()

    def _cycle(self) -> None:
        t0 = time.monotonic()
        self._wake.clear()
        for addr in self.addresses:
            if self._stop.is_set() or not self.line.is_open:
                break
            self._drain_jobs()
            if self.line.state(addr) is DeviceState.QUIET and self.cycles.count % self.quiet_probe_every:
                continue
            self._poll(addr)
        self._drain_jobs()
        elapsed = time.monotonic() - t0
        self.cycles.count += 1
        self.cycles.last_s = elapsed
        if len(self.cycles.times) < MAX_CYCLE_TIMES:
            self.cycles.times.append(elapsed)
        self._publish_health()
        self._notify()
        if elapsed < self.min_cycle_s:
            self._wake.wait(self.min_cycle_s - elapsed)  # pacing on a fast (pty) line; a job wakes it

    def _drain_jobs(self) -> None:
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                return
            try:
                job()
            except Exception:  # a job's bug must not stop the polling of the line
                log.exception("%s: job failed", self.bus_id)

    def _notify(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def _publish_health(self) -> None:
        health = self.health()
        if health.key() == self._last_health:
            return
        self._last_health = health.key()
        if self.on_health:
            try:
                self.on_health(health)
            except Exception:
                log.exception("%s: health listener failed", self.bus_id)
        self._notify()
