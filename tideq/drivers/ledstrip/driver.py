"""Host side of an LED strip line: several addressed strips on one RS-485/RS-232 port.

Every command is one transaction (send, wait for the ACK that echoes its seq, retry), serialised
by a lock because a half-duplex line carries one conversation at a time. A strip that stays
silent through all retries is marked OFFLINE and no longer costs bus time: its commands are
remembered, and it is probed with a single PING at a growing backoff; when it answers again it
gets its brightness and last text back, so a re-plugged strip shows what it should.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum

import serial

from tideq.drivers.rs485 import Frame, FrameDecoder, encode

from .errors import LedStripError, PortUnavailable, StripNak, StripOffline, StripTimeout
from .protocol import (BROADCAST, Charset, Command, Mode, NakCode, brightness_payload, nak_message,
                       parse_answer, show_text_payload)

log = logging.getLogger(__name__)

POLL_S = 0.02  # read slice; bounds how late a stop or deadline is noticed, not the answer latency


class StripState(Enum):
    OK = "ok"
    OFFLINE = "offline"


@dataclass(frozen=True)
class Display:
    """What a strip should show; `text=None` means cleared."""

    text: str | None
    mode: Mode = Mode.STATIC


CLEARED = Display(None)


@dataclass
class Strip:
    addr: int
    state: StripState = StripState.OK
    desired: Display | None = None
    brightness: int | None = None
    backoff_s: float = 0.0
    next_probe: float = 0.0


@dataclass
class BusStats:
    frames_sent: int = 0
    retries: int = 0
    timeouts: int = 0
    naks: int = 0
    stale_answers: int = 0
    recoveries: int = 0
    last_write_at: float = 0.0


StateListener = Callable[[int, StripState], None]


class LedStripBus:
    """Driver of one serial line of LED strips. Thread-safe; blocking calls, run it off the GUI/MQTT threads."""

    def __init__(self, url: str, addresses: Iterable[int], *, baudrate: int = 9600, timeout_s: float = 0.2,
                 retries: int = 2, charset: Charset = Charset.GB2312, probe_min_s: float = 0.5,
                 probe_max_s: float = 30.0, clock: Callable[[], float] = time.monotonic,
                 on_state: StateListener | None = None) -> None:
        self.url = url
        self.baudrate = baudrate
        self.timeout_s = timeout_s
        self.retries = retries
        self.charset = charset
        self.probe_min_s = probe_min_s
        self.probe_max_s = probe_max_s
        self.clock = clock
        self.on_state = on_state
        self.strips: dict[int, Strip] = {a: Strip(a) for a in addresses}
        self.stats = BusStats()
        self._lock = threading.RLock()
        self._port: serial.SerialBase | None = None
        self._decoder = FrameDecoder()
        self._seq = 0

    # port --------------------------------------------------------------------------------
    def open(self) -> LedStripBus:
        with self._lock:
            self._ensure_open()
        return self

    def close(self) -> None:
        with self._lock:
            if self._port is not None:
                try:
                    self._port.close()
                except (serial.SerialException, OSError):
                    pass
                self._port = None

    def __enter__(self) -> LedStripBus:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def is_open(self) -> bool:
        return self._port is not None

    def _ensure_open(self) -> serial.SerialBase:
        if self._port is None:
            try:
                self._port = serial.serial_for_url(self.url, baudrate=self.baudrate, timeout=POLL_S,
                                                   write_timeout=1.0)
            except (serial.SerialException, OSError, ValueError) as err:
                raise PortUnavailable(f"cannot open LED strip port {self.url}: {err}; check the cable/adapter "
                                      "and the serial_buses url in the hall config") from err
            self._decoder = FrameDecoder()
        return self._port

    def _lost(self, err: Exception) -> PortUnavailable:
        self.close()
        return PortUnavailable(f"LED strip port {self.url} lost: {err}")

    # commands ----------------------------------------------------------------------------
    def show(self, addr: int, text: str, mode: Mode = Mode.STATIC) -> None:
        self._command(addr, Command.SHOW_TEXT, show_text_payload(text, mode, self.charset), Display(text, mode))

    def clear(self, addr: int) -> None:
        self._command(addr, Command.CLEAR, b"", CLEARED)

    def set_brightness(self, addr: int, level: int) -> None:
        payload = brightness_payload(level)
        for s in self._targets(addr):
            s.brightness = level
        self._command(addr, Command.SET_BRIGHTNESS, payload, None)

    def ping(self, addr: int) -> bool:
        """One PING with the normal retries; True when the strip answered."""
        try:
            self._command(addr, Command.PING, b"", None)
        except (StripTimeout, StripOffline):
            return False
        return True

    def state(self, addr: int) -> StripState:
        return self.strips[addr].state

    def states(self) -> dict[int, StripState]:
        return {a: s.state for a, s in self.strips.items()}

    def desired(self, addr: int) -> Display | None:
        return self.strips[addr].desired

    def _targets(self, addr: int) -> list[Strip]:
        if addr == BROADCAST:
            return list(self.strips.values())
        return [self.strips.setdefault(addr, Strip(addr))]

    def _command(self, addr: int, cmd: Command, payload: bytes, display: Display | None) -> None:
        with self._lock:
            targets = self._targets(addr)
            if display is not None:
                for s in targets:
                    s.desired = display
            if addr != BROADCAST and targets[0].state is StripState.OFFLINE:
                raise StripOffline(f"strip {addr} on {self.url} is offline; the command runs when it answers again")
            try:
                self._transact(addr, cmd, payload, self.retries)
            except StripTimeout:
                self._set_state(targets[0], StripState.OFFLINE)
                raise

    # recovery ----------------------------------------------------------------------------
    def probe_offline(self) -> list[int]:
        """PING each offline strip whose backoff has passed (one attempt each); restore those
        that answer and replay their brightness and text. Returns the restored addresses."""
        restored: list[int] = []
        with self._lock:
            now = self.clock()
            for s in self.strips.values():
                if s.state is not StripState.OFFLINE or s.next_probe > now:
                    continue
                try:
                    self._transact(s.addr, Command.PING, b"", 0)
                except StripTimeout:
                    s.backoff_s = min(self.probe_max_s, s.backoff_s * 2)
                    s.next_probe = self.clock() + s.backoff_s
                    continue
                self._set_state(s, StripState.OK)
                self.stats.recoveries += 1
                restored.append(s.addr)
                try:
                    self._replay(s)
                except StripTimeout:
                    self._set_state(s, StripState.OFFLINE)
                    restored.remove(s.addr)
        return restored

    def next_probe_in(self) -> float | None:
        """Seconds until the next offline probe is due, None when every strip is fine."""
        due = [s.next_probe for s in self.strips.values() if s.state is StripState.OFFLINE]
        return max(0.0, min(due) - self.clock()) if due else None

    def _replay(self, s: Strip) -> None:
        if s.brightness is not None:
            self._transact(s.addr, Command.SET_BRIGHTNESS, brightness_payload(s.brightness), self.retries)
        if s.desired is None:
            return
        if s.desired.text is None:
            self._transact(s.addr, Command.CLEAR, b"", self.retries)
        else:
            payload = show_text_payload(s.desired.text, s.desired.mode, self.charset)
            self._transact(s.addr, Command.SHOW_TEXT, payload, self.retries)

    def _set_state(self, s: Strip, state: StripState) -> None:
        if s.state is state:
            return
        s.state = state
        if state is StripState.OFFLINE:
            s.backoff_s = self.probe_min_s
            s.next_probe = self.clock() + s.backoff_s
            log.warning("LED strip %d on %s is offline; probing every %.1f-%.0fs", s.addr, self.url,
                        self.probe_min_s, self.probe_max_s)
        else:
            log.info("LED strip %d on %s answers again", s.addr, self.url)
        if self.on_state:
            try:
                self.on_state(s.addr, state)
            except Exception:  # a listener bug must not break the line
                log.exception("LED strip state listener failed")

    # wire --------------------------------------------------------------------------------
    def _next_seq(self) -> int:
        self._seq = (self._seq + 1) & 0xFF
        return self._seq

    def _transact(self, addr: int, cmd: Command, payload: bytes, retries: int) -> None:
        """Send one frame and wait for its ACK; a retry resends the identical frame (same seq),
        so a strip that already applied it just ACKs again."""
        port = self._ensure_open()
        raw = encode(Frame(addr, cmd, self._next_seq(), payload))
        seq = raw[4]
        for attempt in range(retries + 1):
            if attempt:
                self.stats.retries += 1
            try:
                port.write(raw)
                port.flush()
            except (serial.SerialException, OSError) as err:
                raise self._lost(err) from err
            self.stats.frames_sent += 1
            self.stats.last_write_at = time.perf_counter()
            if addr == BROADCAST:
                return
            answer = self._await(port, addr, seq)
            if answer is None:
                continue
            ok, code = answer
            if ok:
                return
            self.stats.naks += 1
            if code == NakCode.BUSY:
                continue
            raise StripNak(addr, code, nak_message(code))
        self.stats.timeouts += 1
        raise StripTimeout(f"strip {addr} on {self.url} did not answer {cmd.name} "
                           f"within {self.timeout_s:.3f}s after {retries + 1} attempts")

    def _await(self, port: serial.SerialBase, addr: int, seq: int) -> tuple[bool, int] | None:
        deadline = time.monotonic() + self.timeout_s
        while time.monotonic() < deadline:
            try:
                data = port.read(1)
                if data and port.in_waiting:
                    data += port.read(port.in_waiting)
            except (serial.SerialException, OSError) as err:
                raise self._lost(err) from err
            if not data:
                continue
            for f in self._decoder.feed(data):
                if f.addr != addr or f.seq != seq or f.cmd not in (Command.ACK, Command.NAK):
                    self.stats.stale_answers += 1
                    continue
                try:
                    ans = parse_answer(f.cmd, f.payload)
                except LedStripError:
                    self.stats.stale_answers += 1
                    continue
                return ans.ok, ans.code
        return None
