"""A polling master for one half-duplex line of addressed devices (keypads, evaluators).

One worker thread owns the port: it polls every configured address in turn, runs queued
transactions (display texts, rating requests) between polls, and keeps per-device liveness.
Only the polled device may answer, so an answer is accepted only if its address and sequence
match the request: a late, echoed or cross-talking frame can never be taken for another device's.

Shared by the keypad and evaluator drivers; it belongs in `tideq.drivers.rs485` once that
package is opened for it.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import serial

from .framing import Frame, FrameDecoder, encode

log = logging.getLogger(__name__)


class LineError(Exception):
    """Base of serial-line errors."""


class PortUnavailable(LineError):
    """The serial port cannot be opened (unplugged adapter, wrong path, busy)."""


class BusState(str, Enum):
    OK = "ok"
    DEGRADED = "degraded"  # some devices quiet
    OFFLINE = "offline"    # port closed, or every device quiet


class DeviceState(str, Enum):
    OK = "ok"
    QUIET = "quiet"


@dataclass
class BusStats:
    """Counters since start; read them from any thread (ints, updated by the worker only)."""

    transactions: int = 0
    timeouts: int = 0
    stray_frames: int = 0
    payload_errors: int = 0
    duplicates: int = 0
    cycles: int = 0
    last_cycle_s: float = 0.0
    cycle_times: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class BusHealth:
    bus_id: str
    kind: str
    devices_key: str
    state: BusState
    devices: dict[int, DeviceState]
    bad_frames: int
    garbage_bytes: int
    duplicates: int

    def key(self) -> tuple[Any, ...]:
        """What a health change means: state and device states (counters alone are not news)."""
        return self.state, tuple(sorted(self.devices.items()))

    def payload(self, ts: str) -> dict[str, Any]:
        return {"v": 1, "ts": ts, "device": self.bus_id, "kind": self.kind, "state": self.state.value,
                self.devices_key: {str(a): s.value for a, s in sorted(self.devices.items())},
                "bad_frames": self.bad_frames, "garbage_bytes": self.garbage_bytes,
                "duplicates": self.duplicates}


class PolledMaster(ABC):
    """Base of the keypad and evaluator masters. Subclasses implement `_poll(addr)`."""

    kind = "serial-bus"
    devices_key = "devices"

    def __init__(self, url: str, addresses: Iterable[int], *, bus_id: str, baudrate: int = 9600,
                 timeout_s: float = 0.2, retries: int = 2, quiet_after: int = 3, quiet_probe_every: int = 5,
                 min_cycle_s: float = 0.02, reopen_s: float = 1.0) -> None:
        self.url = url
        self.addresses = sorted(set(addresses))
        self.bus_id = bus_id
        self.baudrate = baudrate
        self.timeout_s = timeout_s
        self.retries = retries
        self.quiet_after = quiet_after
        self.quiet_probe_every = quiet_probe_every
        self.min_cycle_s = min_cycle_s
        self.reopen_s = reopen_s
        self.stats = BusStats()
        self.on_health: Callable[[BusHealth], None] | None = None
        self._decoder = FrameDecoder()
        self._port: Any = None
        self._seq = 0
        self._misses = {a: 0 for a in self.addresses}
        self._states = {a: DeviceState.OK for a in self.addresses}
        self._jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._last_health: tuple[Any, ...] | None = None

    # lifecycle ---------------------------------------------------------------------------
    def start(self) -> PolledMaster:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"{self.kind}-{self.bus_id}", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)
        self._close()

    def __enter__(self) -> PolledMaster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # observation -------------------------------------------------------------------------
    @property
    def bad_frames(self) -> int:
        return self._decoder.bad_crc

    @property
    def garbage_bytes(self) -> int:
        return self._decoder.garbage_bytes

    def device_state(self, addr: int) -> DeviceState:
        return self._states[addr]

    def health(self) -> BusHealth:
        states = dict(self._states)
        if self._port is None or (states and all(s is DeviceState.QUIET for s in states.values())):
            state = BusState.OFFLINE
        elif any(s is DeviceState.QUIET for s in states.values()):
            state = BusState.DEGRADED
        else:
            state = BusState.OK
        return BusHealth(self.bus_id, self.kind, self.devices_key, state, states, self.bad_frames,
                         self.garbage_bytes, self.stats.duplicates)

    def wait_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Block until `predicate()` holds; re-checked after every transaction and cycle."""
        with self._cond:
            return self._cond.wait_for(predicate, timeout)

    # for subclasses ----------------------------------------------------------------------
    def submit(self, job: Callable[[], None]) -> None:
        """Run `job` on the worker thread before the next poll (it may call `transact`)."""
        self._jobs.put(job)
        self._wake.set()

    def transact(self, addr: int, cmd: int, payload: bytes, expect: set[int],
                 attempts: int | None = None) -> Frame | None:
        """Send one request and return the matching answer, or None after all attempts."""
        if self._port is None:
            return None
        if attempts is None:
            attempts = 1 if self._states.get(addr) is DeviceState.QUIET else self.retries + 1
        for _ in range(attempts):
            self._seq = (self._seq + 1) & 0xFF
            seq = self._seq
            self._port.write(encode(Frame(addr, cmd, seq, payload)))
            self.stats.transactions += 1
            answer = self._await(addr, seq, expect)
            if answer is not None:
                self._heard(addr)
                self._notify()
                return answer
            self.stats.timeouts += 1
        self._missed(addr)
        self._notify()
        return None

    @abstractmethod
    def _poll(self, addr: int) -> None:
        """Poll one address (called once per cycle, quiet ones less often)."""

    # worker ------------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            if self._port is None:
                try:
                    self._open()
                except PortUnavailable as err:
                    log.warning("%s: %s; retrying in %.1fs", self.bus_id, err, self.reopen_s)
                    self._drain_jobs()
                    self._publish_health()
                    self._stop.wait(self.reopen_s)
                    continue
            try:
                self._cycle()
            except (serial.SerialException, OSError) as err:
                log.warning("%s: serial line failed: %s", self.bus_id, err)
                self._close()
                self._publish_health()

    def _cycle(self) -> None:
        t0 = time.monotonic()
        self._wake.clear()
        for addr in self.addresses:
            if self._stop.is_set():
                return
            self._drain_jobs()
            if self._states[addr] is DeviceState.QUIET and self.stats.cycles % self.quiet_probe_every:
                continue
            self._poll(addr)
        self._drain_jobs()
        elapsed = time.monotonic() - t0
        self.stats.cycles += 1
        self.stats.last_cycle_s = elapsed
        if len(self.stats.cycle_times) < 10_000:
            self.stats.cycle_times.append(elapsed)
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
            except (serial.SerialException, OSError):
                raise
            except Exception:  # a job's bug must not stop the polling of the line
                log.exception("%s: job failed", self.bus_id)

    def _await(self, addr: int, seq: int, expect: set[int]) -> Frame | None:
        deadline = time.monotonic() + self.timeout_s
        found: Frame | None = None
        while found is None and time.monotonic() < deadline:
            data = self._port.read(max(1, self._port.in_waiting))
            if not data:
                continue
            for frame in self._decoder.feed(data):
                if found is None and frame.addr == addr and frame.seq == seq and frame.cmd in expect:
                    found = frame
                else:
                    self.stats.stray_frames += 1  # late answer, local echo, or another device talking
        return found

    def _heard(self, addr: int) -> None:
        self._misses[addr] = 0
        if self._states.get(addr) is DeviceState.QUIET:
            log.info("%s: device %d is back", self.bus_id, addr)
        self._states[addr] = DeviceState.OK

    def _missed(self, addr: int) -> None:
        self._misses[addr] = self._misses.get(addr, 0) + 1
        if self._misses[addr] >= self.quiet_after and self._states.get(addr) is DeviceState.OK:
            log.warning("%s: device %d went quiet after %d missed polls", self.bus_id, addr, self._misses[addr])
            self._states[addr] = DeviceState.QUIET

    def _notify(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def _publish_health(self) -> None:
        health = self.health()
        if health.key() != self._last_health:
            self._last_health = health.key()
            if self.on_health:
                try:
                    self.on_health(health)
                except Exception:
                    log.exception("%s: health listener failed", self.bus_id)
            self._notify()

    def _open(self) -> None:
        try:
            self._port = serial.serial_for_url(self.url, baudrate=self.baudrate,
                                               timeout=min(0.02, self.timeout_s), write_timeout=2.0)
        except (serial.SerialException, OSError, ValueError) as err:
            self._port = None
            raise PortUnavailable(f"cannot open {self.url}: {err}") from err
        self._decoder = _carry(self._decoder)

    def _close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError):
                pass


def _carry(old: FrameDecoder) -> FrameDecoder:
    """A fresh decoder (drop a half frame from before the reopen) keeping the counters."""
    new = FrameDecoder()
    new.bad_crc, new.garbage_bytes = old.bad_crc, old.garbage_bytes
    return new
