"""SerialCounterBridge: RS-485 caller keypads and evaluators speaking the MQTT window contract.

A key on keypad address N becomes `cmd/window/{W}` where W is the window whose
`keypad_address` is N in the hall config, and nothing else: the frame carries no window, so
a keypad can act only for its own window (and the broker's ACL can pin the bridge's identity).
Each distinct press gets a fresh command id; a retry of the same press reuses it, so the
controller's idempotency makes a retry harmless. After a successful `finish`, the window's
evaluator is asked and the rating (1..5, 5 best, or "not_rated") is sent as action `rate`.

Threads: the serial masters poll on their own workers; presses are queued to one worker per
window (commands of one window stay in order, a slow reply for one window delays no other);
MQTT requests run there, never on a serial or paho thread.
"""

from __future__ import annotations

import logging
import queue
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from typing import Any

from tideq.config.schema import HallConfig, SerialBus
from tideq.contract.client import BusClient
from tideq.contract.errors import BusError, RequestTimeout
from tideq.contract.replies import Reply
from tideq.contract.vocab import Lang
from tideq.drivers.evaluator import EvaluatorMaster, RatingResult
from tideq.drivers.keypad import DisplayStyle, KeyEvent, KeypadMaster

from .commands import LocalRefusal, Shown, command_for, display_for, ticket_number
from .health import HealthPublisher

log = logging.getLogger(__name__)

RATING_PROMPT = "请对本次服务进行评价"
_KEEP_IDS = 4096


class BridgeError(Exception):
    """Base of bridge errors."""


class BridgeConfigError(BridgeError):
    """The hall config does not bind keypads/evaluators to windows unambiguously."""


class _WindowWorker:
    """Runs one window's jobs in order on its own thread."""

    def __init__(self, window: str) -> None:
        self.jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._run, name=f"bridge-window-{window}", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (job := self.jobs.get()) is not None:
            try:
                job()
            except Exception:
                log.exception("window job failed")


def _bind(hall: HallConfig, attr: str) -> dict[int, str]:
    bound: dict[int, str] = {}
    for w in hall.windows:
        addr = getattr(w, attr)
        if addr is None:
            continue
        if addr in bound:
            raise BridgeConfigError(
                f"windows {bound[addr]} and {w.id} share {attr} {addr}; give each window its own address"
            )
        bound[addr] = w.id
    return bound


def bus_addresses(hall: HallConfig, bus: SerialBus) -> list[int]:
    """The addresses a bridge polls on `bus`: the windows' keypad or evaluator addresses on that line."""
    attr = "keypad_address" if bus.kind == "keypad" else "evaluator_address"
    return sorted(_on_line(_bind(hall, attr), bus))


def _on_line(bound: dict[int, str], bus: SerialBus) -> dict[int, str]:
    """The bound addresses on this line: those the bus lists, or all when it lists none (as the
    LED strip controller reads `addresses`); polling another line's devices only reports them dead."""
    on_line = set(bus.addresses)
    return {a: w for a, w in bound.items() if not on_line or a in on_line}


class SerialCounterBridge:
    def __init__(
        self,
        hall: HallConfig,
        bus: BusClient,
        *,
        keypads: KeypadMaster | None = None,
        evaluators: EvaluatorMaster | None = None,
        request_timeout_s: float = 3.0,
        request_attempts: int = 2,
        health_interval_s: float = 10.0,
        rating_prompt: str = RATING_PROMPT,
        health_clients: Mapping[str, BusClient] | None = None,
        secret: bytes | None = None,
    ) -> None:
        self.hall = hall
        self.secret = secret  # the hall secret: keypad PINs are sent as keyed proofs (contract.staff)
        self.bus = bus
        self.keypads = keypads
        self.evaluators = evaluators
        self.request_timeout_s = request_timeout_s
        self.request_attempts = max(1, request_attempts)
        self.rating_prompt = rating_prompt
        self.window_of_keypad = _bind(hall, "keypad_address")
        evaluator_of = _bind(hall, "evaluator_address")
        self.evaluator_of_window = {w: a for a, w in evaluator_of.items()}
        self.keypad_of_window = {w: a for a, w in self.window_of_keypad.items()}
        self.unbound_keys = 0
        self.ratings: list[RatingResult] = []
        self.on_reply: Callable[[str, dict[str, Any], Reply | None], None] | None = None  # observer
        masters = [m for m in (keypads, evaluators) if m is not None]
        self.health = HealthPublisher(bus, masters, health_interval_s, health_clients)
        self._workers: dict[str, _WindowWorker] = {}
        self._ids: OrderedDict[tuple[str, int, int, int], str] = OrderedDict()
        self._serving: dict[str, str] = {}
        self._lock = threading.Lock()
        self._stopped = False

    @classmethod
    def from_config(
        cls,
        hall: HallConfig,
        bus: BusClient,
        *,
        keypad_bus: SerialBus | None = None,
        evaluator_bus: SerialBus | None = None,
        **kw: Any,
    ) -> SerialCounterBridge:
        """Masters for the configured buses, polling every address bound to a window."""

        def opts(b: SerialBus) -> dict[str, Any]:
            return {"bus_id": b.id, "baudrate": b.baudrate, "timeout_s": b.timeout_ms / 1000, "retries": b.retries}

        keypads = evaluators = None
        if keypad_bus is not None:
            if keypad_bus.kind != "keypad":
                raise BridgeConfigError(f'serial bus {keypad_bus.id} is kind {keypad_bus.kind!r}, not "keypad"')
            keypads = KeypadMaster(keypad_bus.url, bus_addresses(hall, keypad_bus), **opts(keypad_bus))
        if evaluator_bus is not None:
            if evaluator_bus.kind != "evaluator":
                raise BridgeConfigError(
                    f'serial bus {evaluator_bus.id} is kind {evaluator_bus.kind!r}, not "evaluator"'
                )
            evaluators = EvaluatorMaster(evaluator_bus.url, bus_addresses(hall, evaluator_bus), **opts(evaluator_bus))
        return cls(hall, bus, keypads=keypads, evaluators=evaluators, **kw)

    # lifecycle ---------------------------------------------------------------------------
    def start(self) -> SerialCounterBridge:
        for m in (self.keypads, self.evaluators):
            if m is not None:
                m.on_health = self.health.changed
        if self.keypads is not None:
            self.keypads.on_key = self._on_key
        self.health.start()
        for m in (self.keypads, self.evaluators):
            if m is not None:
                m.start()
        return self

    def stop(self) -> None:
        for m in (self.keypads, self.evaluators):
            if m is not None:
                m.stop()
        with self._lock:
            self._stopped = True
            workers, self._workers = list(self._workers.values()), {}
        for w in workers:
            w.jobs.put(None)
        for w in workers:
            w.thread.join(self.request_timeout_s * self.request_attempts + 1)
        self.health.stop()

    def __enter__(self) -> SerialCounterBridge:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # keypad side -------------------------------------------------------------------------
    def _on_key(self, event: KeyEvent) -> None:
        """On the keypad worker: bind the press to its window and queue it; never blocks."""
        window = self.window_of_keypad.get(event.addr)
        if window is None:
            self.unbound_keys += 1
            log.warning("%s: key from keypad %d, which no window is bound to; ignored", event.bus_id, event.addr)
            return
        try:
            self._worker(window).jobs.put(lambda: self._handle_key(window, event))
        except BridgeError:
            log.warning("key from keypad %d after stop; dropped", event.addr)

    def _worker(self, window: str) -> _WindowWorker:
        with self._lock:
            if self._stopped:
                raise BridgeError("bridge stopped")
            worker = self._workers.get(window)
            if worker is None:
                worker = self._workers[window] = _WindowWorker(window)
            return worker

    def _command_id(self, ident: tuple[str, int, int, int]) -> str:
        with self._lock:
            cid = self._ids.get(ident)
            if cid is None:
                cid = self._ids[ident] = str(uuid.uuid4())
                if len(self._ids) > _KEEP_IDS:
                    self._ids.popitem(last=False)
            return cid

    def _handle_key(self, window: str, event: KeyEvent) -> None:
        try:
            args = command_for(event.key, event.arg, window, self.hall, self.secret)
        except LocalRefusal as refusal:
            self._show(event.addr, Shown(refusal.text, DisplayStyle.REFUSED))
            return
        reply = self._request(window, args, self._command_id(event.ident))
        self._show(event.addr, display_for(args["action"], reply))
        if reply is None or not reply.ok:
            return
        action = args["action"]
        number = ticket_number(reply)
        if action in ("next", "call", "recall") and number:
            self._serving[window] = number
        elif action == "finish":
            finished = number or self._serving.get(window)
            self._serving.pop(window, None)
            if finished:
                self._ask_rating(window, finished)
        elif action in ("skip", "transfer"):
            self._serving.pop(window, None)

    def _request(self, window: str, args: dict[str, Any], cid: str) -> Reply | None:
        """Send with retries under one id; None if the controller never answered."""
        reply: Reply | None = None
        for _ in range(self.request_attempts):
            try:
                reply = self.bus.send(f"window/{window}", args, timeout=self.request_timeout_s, command_id=cid)
                break
            except RequestTimeout:
                continue
            except BusError as err:
                log.warning("window %s: %s", window, err)
                break
        if self.on_reply:
            self.on_reply(window, args, reply)
        return reply

    def _show(self, addr: int, shown: Shown) -> Future[bool] | None:
        if self.keypads is None:
            return None
        return self.keypads.show(addr, shown.text, shown.style)

    # evaluator side ----------------------------------------------------------------------
    def _ask_rating(self, window: str, ticket: str) -> None:
        addr = self.evaluator_of_window.get(window)
        if self.evaluators is None or addr is None or addr not in self.evaluators.addresses:
            return
        fut = self.evaluators.ask(addr, ticket, window, f"{ticket} {self.rating_prompt}")

        def done(f: Future[RatingResult]) -> None:
            try:
                self._worker(window).jobs.put(lambda: self._send_rating(window, f.result()))
            except BridgeError:
                log.warning("rating for %s after stop; not sent", ticket)

        fut.add_done_callback(done)

    def _send_rating(self, window: str, result: RatingResult) -> None:
        self.ratings.append(result)
        args = {
            "action": "rate",
            "ticket": result.ticket,
            "rating": result.value,
            "rating_status": result.status.value,
            "source": f"{self.evaluators.bus_id if self.evaluators else ''}/{result.addr}",
        }
        reply = self._request(window, args, str(uuid.uuid4()))
        kaddr = self.keypad_of_window.get(window)
        if kaddr is not None and reply is not None and reply.ok:
            label = result.rating.label[Lang.ZH] if result.rating is not None else "未评价"
            self._show(kaddr, Shown(f"{result.ticket} {label}", display_for("rate", reply).style))
