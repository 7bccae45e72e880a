"""One RS-485 line: the port, sequence numbers, send-and-await, retries, device states, statistics.

Every family on a tideq serial line (LED strips, keypads, evaluators) runs on this class; only
their command sets differ. A half-duplex line carries one conversation at a time, so a
transaction holds the line's lock from the request to its answer.

- A request is answered only by the frame whose address, sequence number and answer code match
  it: a late answer, the local echo of our own frame or another device talking is dropped and
  counted (`stray_frames`), never taken for the answer.
- A retry resends the **identical** frame (same seq), so a device that applied the request but
  whose answer was lost recognises the repeat and just answers again.
- A device that misses `quiet_after` transactions in a row (each with all its attempts) is
  QUIET: it gets one attempt per request from then on (a probe), so a dead device costs the
  others little; its first answer makes it OK again. While the port is down every device is
  OFFLINE.
"""

from __future__ import annotations

import logging
import termios
import threading
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from enum import Enum

import serial

from .errors import DeviceTimeout, PortUnavailable
from .framing import BROADCAST, Frame, FrameDecoder, encode
from .state import BusState, DeviceState, LineHealth, bus_state

log = logging.getLogger(__name__)

READ_SLICE_S = 0.02  # bounds how late a deadline is noticed, not the answer latency
WRITE_TIMEOUT_S = 2.0
# what a vanished port raises: pyserial wraps most OS errors, but flush() lets termios.error (EIO) through
PORT_ERRORS = (serial.SerialException, OSError, termios.error)


class Verdict(Enum):
    """What a family makes of a frame that matches its request (see `transact(judge=...)`)."""

    TAKE = "take"  # the answer
    RESEND = "resend"  # the device asks for the request again (busy): next attempt
    IGNORE = "ignore"  # not a usable answer (malformed payload): keep waiting


Judge = Callable[[Frame], Verdict]
StateListener = Callable[[int, DeviceState], None]


@dataclass
class LineStats:
    """Counters since start. Written under the line's lock; read them from any thread."""

    frames_sent: int = 0
    transactions: int = 0
    retries: int = 0
    timeouts: int = 0  # transactions that got no usable answer after every attempt
    naks: int = 0  # refusals, counted by the family that understands them
    stray_frames: int = 0  # late answers, echoes, another device's frames
    payload_errors: int = 0  # checksum-valid frames that break the family's protocol
    duplicates: int = 0  # retransmissions recognised by the family (a lost acknowledgement)
    recoveries: int = 0  # QUIET -> OK
    last_write_at: float = 0.0  # perf_counter() of the last frame written, for latency figures


@dataclass
class _Device:
    state: DeviceState = DeviceState.OK
    misses: int = 0


class Rs485Line:
    """Thread-safe; blocking calls: run it on a worker thread, never a GUI or MQTT thread."""

    def __init__(
        self,
        url: str,
        addresses: Iterable[int] = (),
        *,
        baudrate: int = 9600,
        timeout_s: float = 0.2,
        retries: int = 2,
        quiet_after: int = 1,
        label: str = "serial",
        on_state: StateListener | None = None,
    ) -> None:
        self.url = url
        self.baudrate = baudrate
        self.timeout_s = timeout_s
        self.retries = retries
        self.quiet_after = max(1, quiet_after)
        self.label = label
        self.on_state = on_state
        self.stats = LineStats()
        self._devices = {a: _Device() for a in sorted(set(addresses))}
        self._decoder = FrameDecoder()
        self._port: serial.SerialBase | None = None
        self._seq = 0
        self._lock = threading.RLock()  # one conversation at a time
        self._state_lock = threading.Lock()  # device map; never held while waiting on the wire

    # port --------------------------------------------------------------------------------
    def open(self) -> Rs485Line:
        """Open the port (no-op when open); PortUnavailable names the fix."""
        with self._lock:
            if self._port is not None:
                return self
            try:
                port = serial.serial_for_url(
                    self.url,
                    baudrate=self.baudrate,
                    timeout=min(READ_SLICE_S, self.timeout_s),
                    write_timeout=WRITE_TIMEOUT_S,
                )
            except (serial.SerialException, OSError, ValueError) as err:
                raise PortUnavailable(
                    f"cannot open {self.label} port {self.url}: {err}; check the cable/adapter "
                    "and the serial_buses url in the hall config"
                ) from err
            old = self._decoder  # a fresh decoder drops a half frame from before; the counters carry on
            self._decoder = FrameDecoder()
            self._decoder.bad_crc, self._decoder.garbage_bytes = old.bad_crc, old.garbage_bytes
            before = self.states()
            self._port = port
            self._announce(before)
        return self

    def close(self) -> None:
        with self._lock:
            port = self._port
            if port is None:
                return
            before = self.states()
            self._port = None
            try:
                port.close()
            except PORT_ERRORS:
                pass
            self._announce(before)

    @property
    def is_open(self) -> bool:
        return self._port is not None

    def __enter__(self) -> Rs485Line:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # observation -------------------------------------------------------------------------
    @property
    def addresses(self) -> list[int]:
        with self._state_lock:
            return sorted(self._devices)

    @property
    def bad_frames(self) -> int:
        return self._decoder.bad_crc

    @property
    def garbage_bytes(self) -> int:
        return self._decoder.garbage_bytes

    def state(self, addr: int) -> DeviceState:
        if self._port is None:
            return DeviceState.OFFLINE
        with self._state_lock:
            dev = self._devices.get(addr)
            return dev.state if dev else DeviceState.OK

    def states(self) -> dict[int, DeviceState]:
        offline = self._port is None
        with self._state_lock:
            return {a: DeviceState.OFFLINE if offline else d.state for a, d in sorted(self._devices.items())}

    def health(self) -> LineHealth:
        devices = self.states()
        state = BusState.OFFLINE if self._port is None else bus_state(devices)
        return LineHealth(state, devices, self.bad_frames, self.garbage_bytes, self.stats.duplicates)

    # wire --------------------------------------------------------------------------------
    def transact(
        self,
        addr: int,
        cmd: int,
        payload: bytes = b"",
        *,
        expect: Collection[int],
        attempts: int | None = None,
        judge: Judge | None = None,
    ) -> Frame:
        """Send a request and return the answer whose addr, seq and cmd (in `expect`) match.

        `attempts` defaults to 1 + retries, or 1 for a QUIET device (a probe). `judge` decides
        about a matching frame (default: take it). Raises DeviceTimeout after every attempt
        (the device counts a miss) and PortUnavailable when the port is closed or fails (then
        it is closed)."""
        with self._lock:
            port = self._require_port()
            if attempts is None:
                attempts = 1 if self.state(addr) is DeviceState.QUIET else self.retries + 1
            raw = encode(Frame(addr, cmd, self._next_seq(), payload))
            seq = raw[4]
            self.stats.transactions += 1
            for attempt in range(attempts):
                if attempt:
                    self.stats.retries += 1
                self._write(port, raw)
                answer = self._await(port, addr, seq, expect, judge)
                if answer is not None:
                    self._heard(addr)
                    return answer
            self.stats.timeouts += 1
            self._missed(addr)
            raise DeviceTimeout(
                f"{self.label} device {addr} on {self.url} did not answer command 0x{cmd:02x} "
                f"within {self.timeout_s:.3f}s after {attempts} attempts",
                addr,
                attempts,
            )

    def broadcast(self, cmd: int, payload: bytes = b"") -> None:
        """Send to address 0: every device applies it, none answers."""
        with self._lock:
            port = self._require_port()
            self.stats.transactions += 1
            self._write(port, encode(Frame(BROADCAST, cmd, self._next_seq(), payload)))

    def _require_port(self) -> serial.SerialBase:
        if self._port is None:
            raise PortUnavailable(f"{self.label} port {self.url} is not open")
        return self._port

    def _next_seq(self) -> int:
        self._seq = (self._seq + 1) & 0xFF
        return self._seq

    def _write(self, port: serial.SerialBase, raw: bytes) -> None:
        try:
            port.write(raw)
            port.flush()
        except PORT_ERRORS as err:
            raise self._lost(err) from err
        self.stats.frames_sent += 1
        self.stats.last_write_at = time.perf_counter()

    def _await(
        self, port: serial.SerialBase, addr: int, seq: int, expect: Collection[int], judge: Judge | None
    ) -> Frame | None:
        """The answer, or None on timeout or when the device asked for a resend."""
        deadline = time.monotonic() + self.timeout_s
        found: Frame | None = None
        resend = False
        while found is None and not resend and time.monotonic() < deadline:
            try:
                data = port.read(max(1, port.in_waiting))
            except PORT_ERRORS as err:
                raise self._lost(err) from err
            if not data:
                continue
            for frame in self._decoder.feed(data):
                if found is not None or resend or frame.addr != addr or frame.seq != seq or frame.cmd not in expect:
                    self.stats.stray_frames += 1
                    continue
                verdict = judge(frame) if judge else Verdict.TAKE
                if verdict is Verdict.TAKE:
                    found = frame
                elif verdict is Verdict.RESEND:
                    resend = True
                else:
                    self.stats.payload_errors += 1
        return found

    def _lost(self, err: Exception) -> PortUnavailable:
        self.close()
        return PortUnavailable(f"{self.label} port {self.url} lost: {err}")

    # device states -----------------------------------------------------------------------
    def _heard(self, addr: int) -> None:
        with self._state_lock:
            dev = self._devices.setdefault(addr, _Device())
            dev.misses = 0
            was, dev.state = dev.state, DeviceState.OK
        if was is DeviceState.QUIET:
            self.stats.recoveries += 1
            log.info("%s: device %d on %s answers again", self.label, addr, self.url)
            self._tell(addr, DeviceState.OK)

    def _missed(self, addr: int) -> None:
        with self._state_lock:
            dev = self._devices.setdefault(addr, _Device())
            dev.misses += 1
            quiet = dev.state is DeviceState.OK and dev.misses >= self.quiet_after
            if quiet:
                dev.state = DeviceState.QUIET
        if quiet:
            log.warning(
                "%s: device %d on %s went quiet after %d missed requests", self.label, addr, self.url, self.quiet_after
            )
            self._tell(addr, DeviceState.QUIET)

    def _announce(self, before: dict[int, DeviceState]) -> None:
        """Tell the listener of every device whose state the port opening/closing changed."""
        for addr, state in self.states().items():
            if before.get(addr) is not state:
                self._tell(addr, state)

    def _tell(self, addr: int, state: DeviceState) -> None:
        if self.on_state is None:
            return
        try:
            self.on_state(addr, state)
        except Exception:  # a listener's bug must not break the line
            log.exception("%s: device state listener failed", self.label)
