"""Host side of an LED strip line: several addressed strips on one RS-485/RS-232 port, on `Rs485Line`.

Every command is one transaction (send, wait for the ACK that echoes its seq, retry). A strip
that stays silent through all retries is QUIET and no longer costs bus time: its commands are
remembered, and it is probed with a single PING at a growing backoff; when it answers again it
gets its brightness and last text back, so a re-plugged strip shows what it should.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from tideq.drivers.rs485.errors import DeviceTimeout
from tideq.drivers.rs485.framing import BROADCAST, Frame
from tideq.drivers.rs485.line import LineStats, Rs485Line, Verdict
from tideq.drivers.rs485.state import DeviceState, LineHealth

from .errors import ProtocolError, StripNak, StripQuiet, StripTimeout
from .protocol import Charset, Command, Mode, NakCode, brightness_payload, nak_message, parse_answer, show_text_payload

log = logging.getLogger(__name__)

ANSWERS = (Command.ACK, Command.NAK)


@dataclass(frozen=True)
class Display:
    """What a strip should show; `text=None` means cleared."""

    text: str | None
    mode: Mode = Mode.STATIC


CLEARED = Display(None)


@dataclass
class Strip:
    """What the host remembers of a strip, to replay it after the strip comes back."""

    addr: int
    desired: Display | None = None
    brightness: int | None = None
    backoff_s: float = 0.0
    next_probe: float = 0.0


StateListener = Callable[[int, DeviceState], None]


def _name(cmd: int) -> str:
    return Command(cmd).name if cmd in Command._value2member_map_ else f"0x{cmd:02x}"


class LedStripBus:
    """Driver of one serial line of LED strips. Thread-safe; blocking calls, run it off the GUI/MQTT threads."""

    def __init__(
        self,
        url: str,
        addresses: Iterable[int],
        *,
        baudrate: int = 9600,
        timeout_s: float = 0.2,
        retries: int = 2,
        charset: Charset = Charset.GB2312,
        probe_min_s: float = 0.5,
        probe_max_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        on_state: StateListener | None = None,
    ) -> None:
        addresses = sorted(set(addresses))
        self.charset = charset
        self.probe_min_s = probe_min_s
        self.probe_max_s = probe_max_s
        self.clock = clock
        self.on_state = on_state
        self.strips: dict[int, Strip] = {a: Strip(a) for a in addresses}
        self.line = Rs485Line(
            url,
            addresses,
            baudrate=baudrate,
            timeout_s=timeout_s,
            retries=retries,
            quiet_after=1,
            label="LED strip",
            on_state=self._line_state,
        )
        self._lock = threading.RLock()

    # port --------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return self.line.url

    @property
    def stats(self) -> LineStats:
        return self.line.stats

    def open(self) -> LedStripBus:
        self.line.open()
        return self

    def close(self) -> None:
        self.line.close()

    def __enter__(self) -> LedStripBus:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def is_open(self) -> bool:
        return self.line.is_open

    # commands ----------------------------------------------------------------------------
    def show(self, addr: int, text: str, mode: Mode = Mode.STATIC) -> None:
        self._command(addr, Command.SHOW_TEXT, show_text_payload(text, mode, self.charset), Display(text, mode))

    def clear(self, addr: int) -> None:
        self._command(addr, Command.CLEAR, b"", CLEARED)

    def set_brightness(self, addr: int, level: int) -> None:
        payload = brightness_payload(level)
        with self._lock:
            for s in self._targets(addr):
                s.brightness = level
            self._command(addr, Command.SET_BRIGHTNESS, payload, None)

    def ping(self, addr: int) -> bool:
        """One PING with the normal retries; True when the strip answered."""
        try:
            self._command(addr, Command.PING, b"", None)
        except (StripTimeout, StripQuiet):
            return False
        return True

    def state(self, addr: int) -> DeviceState:
        return self.line.state(addr)

    def states(self) -> dict[int, DeviceState]:
        return {a: self.line.state(a) for a in sorted(self.strips)}

    def health(self) -> LineHealth:
        return self.line.health()

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
            if addr == BROADCAST:
                self.line.open().broadcast(cmd, payload)
                return
            if self.line.state(addr) is DeviceState.QUIET:
                raise StripQuiet(f"strip {addr} on {self.url} is not answering; the command runs when it answers again")
            self._transact(addr, cmd, payload)

    # recovery ----------------------------------------------------------------------------
    def probe_quiet(self) -> list[int]:
        """PING each quiet strip whose backoff has passed (one attempt each); replay the
        brightness and text of those that answer. Returns the restored addresses."""
        restored: list[int] = []
        with self._lock:
            now = self.clock()
            for s in list(self.strips.values()):
                if self.line.state(s.addr) is not DeviceState.QUIET or s.next_probe > now:
                    continue
                try:
                    self._transact(s.addr, Command.PING, b"", attempts=1)
                except StripTimeout:
                    s.backoff_s = min(self.probe_max_s, s.backoff_s * 2)
                    s.next_probe = self.clock() + s.backoff_s
                    continue
                restored.append(s.addr)
                try:
                    self._replay(s)
                except StripTimeout:
                    restored.remove(s.addr)  # quiet again; the backoff starts over
        return restored

    def next_probe_in(self) -> float | None:
        """Seconds until the next probe of a quiet strip is due, None when every strip answers."""
        due = [s.next_probe for s in self.strips.values() if self.line.state(s.addr) is DeviceState.QUIET]
        return max(0.0, min(due) - self.clock()) if due else None

    def _replay(self, s: Strip) -> None:
        if s.brightness is not None:
            self._transact(s.addr, Command.SET_BRIGHTNESS, brightness_payload(s.brightness))
        if s.desired is None:
            return
        if s.desired.text is None:
            self._transact(s.addr, Command.CLEAR, b"")
        else:
            payload = show_text_payload(s.desired.text, s.desired.mode, self.charset)
            self._transact(s.addr, Command.SHOW_TEXT, payload)

    def _line_state(self, addr: int, state: DeviceState) -> None:
        """The line's device-state listener: start the probe backoff of a strip that went quiet."""
        if state is DeviceState.QUIET:
            s = self.strips.setdefault(addr, Strip(addr))
            s.backoff_s = self.probe_min_s
            s.next_probe = self.clock() + s.backoff_s
            log.info("LED strip %d on %s: probing every %.1f-%.0fs", addr, self.url, self.probe_min_s, self.probe_max_s)
        if self.on_state:
            try:
                self.on_state(addr, state)
            except Exception:  # a listener bug must not break the line
                log.exception("LED strip state listener failed")

    # wire --------------------------------------------------------------------------------
    def _transact(self, addr: int, cmd: int, payload: bytes, attempts: int | None = None) -> None:
        """One command and its ACK (the port opens on first use). A retry resends the identical
        frame, so a strip that already applied it just ACKs again."""
        try:
            answer = self.line.open().transact(addr, cmd, payload, expect=ANSWERS, attempts=attempts, judge=self._judge)
        except DeviceTimeout as err:
            raise StripTimeout(
                f"strip {addr} on {self.url} did not answer {_name(cmd)} within "
                f"{self.line.timeout_s:.3f}s after {err.attempts} attempts",
                addr,
                err.attempts,
            ) from err
        if answer.cmd == Command.NAK:
            self.line.stats.naks += 1
            raise StripNak(addr, answer.payload[1], nak_message(answer.payload[1]))

    def _judge(self, frame: Frame) -> Verdict:
        try:
            answer = parse_answer(frame.cmd, frame.payload)
        except ProtocolError:
            return Verdict.IGNORE
        if not answer.ok and answer.code == NakCode.BUSY:
            self.line.stats.naks += 1
            return Verdict.RESEND
        return Verdict.TAKE
