"""The controller process: the one writer of queue state.

paho's network thread only enqueues raw messages. A single worker thread takes them in
bursts, validates each, applies it to the engine, then writes the burst's events and replies
in one fsynced transaction (group commit) and only then publishes replies, events and state.
"""
from __future__ import annotations

import json
import logging
import os
import queue
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tideq.contract import BusClient, Topics
from tideq.contract.topics import now_iso
from tideq.config import LoadedConfig

from . import refusals as R
from .clock import Clock
from .commands import COMMANDS, AppointmentsCmd, CheckinCmd, Envelope, RejoinCmd, TicketCmd, TidalCmd, WindowCmd
from .engine import Engine
from .errors import Refusal, StoreError
from .events import Event, Kind
from .model import Priority
from .state import call_event, calls_payload, services_payload, tidal_payload, windows_payload
from .store import EventStore
from .tidal import ENGINE_ACTIONS, Decision, TidalPolicy

log = logging.getLogger(__name__)

MAX_PAYLOAD = 64 * 1024
MAX_IMPORT_PAYLOAD = 2 * 1024 * 1024
MAX_PARSE = 8 * 1024 * 1024
BATCH = 256
REFRESH_S = 10.0
POLICY_EVERY_S = 1.0   # the tidal policy looks at the hall at most this often (and on every refresh)
CARRY_DAYS = 60

# which retained state topics an event kind changes
DIRTY: dict[Kind, tuple[str, ...]] = {
    Kind.DAY_OPENED: ("services", "windows", "calls", "tidal"),
    Kind.TICKET_ISSUED: ("services",),
    Kind.CALLED: ("services", "windows", "calls"),
    Kind.RECALLED: ("calls",),
    Kind.SKIPPED: ("services", "windows"),
    Kind.REJOINED: ("services",),
    Kind.FINISHED: ("services", "windows"),
    Kind.RATED: ("windows",),
    Kind.TRANSFERRED: ("services", "windows"),
    Kind.WINDOW_PAUSED: ("services", "windows"),
    Kind.WINDOW_RESUMED: ("services", "windows"),
    Kind.APPOINTMENTS_IMPORTED: (),
    Kind.TIDAL_OPENED: ("services", "windows", "tidal"),
    Kind.TIDAL_CLOSED: ("services", "windows", "tidal"),
}
_CONNECTED = "\x00connected"


@dataclass
class Batch:
    """What one burst of commands produced, published only after it is durable."""

    events: list[Event] = field(default_factory=list)
    replies: dict[str, dict[str, Any]] = field(default_factory=dict)
    outbox: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (topic, reply)
    notices: list[Decision] = field(default_factory=list)   # tidal warnings and proposals
    tidal_dirty: bool = False


def load_secret(loaded: LoadedConfig, data_dir: Path) -> bytes:
    """The hall secret keys identity HMACs and ticket verification; from the environment, or
    generated once and kept beside the event log (mode 0600)."""
    env = os.environ.get(loaded.hall.hall.secret_env)
    if env:
        return env.encode()
    path = data_dir / "hall.secret"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
        log.warning("no %s set; generated a hall secret in %s (kiosks need the same value)",
                    loaded.hall.hall.secret_env, path)
    return path.read_text().strip().encode()


class ControllerService:
    def __init__(self, loaded: LoadedConfig, broker_url: str, data_dir: Path, clock: Clock | None = None) -> None:
        self.cfg = loaded.hall
        self.topics = Topics(self.cfg.hall.id)
        self.clock = clock or Clock(self.cfg.hall.timezone)
        self.data_dir = data_dir
        self.store = EventStore(data_dir / "events.sqlite3")
        self.engine = Engine(self.cfg, load_secret(loaded, data_dir))
        self.replies: dict[str, dict[str, Any]] = {}
        self.inbox: queue.SimpleQueue[tuple[str, bytes]] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._worker = threading.Thread(target=self._run, name="controller", daemon=True)
        creds = self.cfg.broker
        self.bus = BusClient(broker_url, self.cfg.hall.id, f"tideq-controller-{self.cfg.hall.id}",
                             will=(self.topics.status_controller, "offline"), username=creds.username,
                             password=os.environ.get(creds.password_env) if creds.password_env else None)
        self.bus.on_connection = lambda up: up and self.inbox.put((_CONNECTED, b""))
        self.bus.subscribe(self.topics.cmd("#"), lambda t, p: self.inbox.put((t, p)), qos=1)
        self.bus.subscribe(self.topics.sensor_crowd("+"), lambda t, p: self.inbox.put((t, p)), qos=1)
        self.tidal = TidalPolicy(self.cfg.tidal)
        self.crowd: dict[str, tuple[str, datetime]] = {}   # zone -> (level, hall time of the reading)
        self._last_policy = 0.0
        self._declined: list[Decision] = []   # declines to announce with the burst that made them
        self.processed = 0

    # lifecycle ------------------------------------------------------------------------
    def start(self, timeout: float = 10.0) -> ControllerService:
        self.rebuild()
        self._worker.start()
        self.bus.connect(timeout=timeout)
        return self

    def stop(self) -> None:
        """Clean stop: finish the burst in hand, say offline (retained), disconnect."""
        self._stop.set()
        self.inbox.put(("", b""))
        self._worker.join(10)
        try:
            self.bus.publish(self.topics.status_controller, "offline", retain=True).wait_for_publish(3)
        except (RuntimeError, ValueError):
            log.warning("could not publish offline on stop")
        self.bus.close()
        self.store.close()

    def rebuild(self) -> None:
        """State is a fold of today's events (plus earlier appointment imports)."""
        now = self.clock.now()
        day = self.engine.local_day(now)
        self.engine = Engine(self.cfg, self.engine.secret)
        for e in self.store.events_for(day, day - timedelta(days=CARRY_DAYS)):
            self.engine.apply(e)
        self.replies = self.store.replies_for(day - timedelta(days=1))
        log.info("rebuilt %s: %d tickets today, %d appointments", day, len(self.engine.tickets),
                 len(self.engine.appointments))

    # worker -----------------------------------------------------------------------------
    def _run(self) -> None:
        last_refresh = 0.0
        while not self._stop.is_set():
            try:
                first = self.inbox.get(timeout=1.0)
            except queue.Empty:
                first = None
            items = [first] if first else []
            while len(items) < BATCH:
                try:
                    items.append(self.inbox.get_nowait())
                except queue.Empty:
                    break
            refresh = time.monotonic() - last_refresh > REFRESH_S or any(t == _CONNECTED for t, _ in items)
            try:
                self.process(items, refresh)
            except Exception:  # the controller never dies on input; log and carry on
                log.exception("batch failed")
            if refresh:
                last_refresh = time.monotonic()

    def process(self, items: list[tuple[str, bytes]], refresh: bool = False) -> None:
        now = self.clock.now()
        batch = Batch()
        batch.events += self.engine.roll_day(now)
        for topic, payload in items:
            if topic.startswith(self.topics.sensor_crowd("")):
                self._crowd_reading(topic, payload, now)
            elif topic and topic != _CONNECTED:
                self._handle(topic, payload, now, batch)
        if self._declined:
            batch.notices += self._declined
            batch.tidal_dirty = True
            self._declined = []
        if refresh or time.monotonic() - self._last_policy >= POLICY_EVERY_S:
            self._run_policy(now, batch)
        if batch.events or batch.replies:
            try:
                self.store.append(self.engine.day or now.date(), batch.events, batch.replies)
            except StoreError:
                log.exception("event log write failed; state rebuilt from disk, commands refused")
                self.rebuild()
                fail = R.storage_failed().as_error()
                batch.outbox = [(t, {**r, "ok": False, "error": fail}) if r.get("ok") else (t, r)
                                for t, r in batch.outbox]
                batch.events = []
            else:
                self.replies.update(batch.replies)
        self.processed += len(items)
        self._publish(batch, now, refresh)

    def _publish(self, batch: Batch, now: datetime, refresh: bool) -> None:
        if refresh:
            self.bus.publish(self.topics.status_controller, "online", retain=True)
        for topic, reply in batch.outbox:
            self.bus.publish(topic, reply)
        for d in batch.notices:
            self.bus.publish(self.topics.event("tidal"), {"v": 1, "ts": now_iso(d.at), **d.payload()})
        dirty: set[str] = {"services", "windows", "calls", "tidal"} if refresh else set()
        if batch.tidal_dirty:
            dirty.add("tidal")
        for e in batch.events:
            dirty.update(DIRTY[e.kind])
            if e.kind in (Kind.CALLED, Kind.RECALLED):
                self.bus.publish(self.topics.event("call"), call_event(
                    self.engine, e.data["ticket"], e.data["window"], e.data["service"], e.kind is Kind.RECALLED, e.at))
            elif e.kind in (Kind.TIDAL_OPENED, Kind.TIDAL_CLOSED):
                self.bus.publish(self.topics.event("tidal"), {"v": 1, "ts": now_iso(e.at), "kind": e.kind.value, **e.data})
        builders = {"services": services_payload, "windows": windows_payload, "calls": calls_payload,
                    "tidal": self._tidal_state}
        for name in sorted(dirty):
            self.bus.publish(self.topics.state(name), builders[name](self.engine, now), retain=True)

    def _tidal_state(self, engine: Engine, now: datetime) -> dict[str, Any]:
        state = tidal_payload(engine, now, self.tidal.alerts())
        state["proposals"] = [{"window": p.window, "service": p.service, "action": p.action.value,
                               "at": p.at.isoformat(timespec="seconds"), "reason": p.reason, "inputs": p.inputs}
                              for p in self.tidal.proposals()]
        state["draining"] = sorted(self.tidal.draining())
        state["mode"] = self.tidal.mode.value
        # today's openings and closings, newest first, in event/tidal's shape: a console started
        # mid-day still shows the day's decisions
        state["decisions"] = [
            {"ts": sw.at.isoformat(timespec="seconds"), "kind": "tidal_opened" if sw.opened else "tidal_closed",
             "window": sw.window, "service": sw.service, "reason": sw.reason,
             "inputs": {"by": "policy"} if sw.by_policy else {}}
            for sw in reversed(engine.tidal_log[-50:])]
        return state

    # tidal policy -----------------------------------------------------------------------
    def _crowd_reading(self, topic: str, payload: bytes, now: datetime) -> None:
        """Keep a zone's crowd level, dated on the hall clock: a camera's wall-clock `ts` is
        turned into an age, so a hall run on a demo clock still sees fresh readings as fresh."""
        zone = topic.rsplit("/", 1)[-1]
        try:
            body = json.loads(payload)
            level = str(body["level"])
            age = max(0.0, (datetime.now().astimezone() - datetime.fromisoformat(body["ts"])).total_seconds())
        except (ValueError, KeyError, TypeError) as err:
            log.warning("unreadable crowd reading on %s: %s", topic, err)
            return
        if level not in ("low", "busy", "crowded"):
            log.warning("crowd reading on %s has unknown level %r", topic, level)
            return
        self.crowd[zone] = (level, now - timedelta(seconds=age))

    def _run_policy(self, now: datetime, batch: Batch) -> None:
        """Let the tidal policy look at the hall; in auto mode its openings and closings become
        events of this burst (durable and published like any other)."""
        self._last_policy = time.monotonic()
        before = (self.tidal.alerts(), [p.window for p in self.tidal.proposals()], self.tidal.draining())
        try:
            decisions = self.tidal.evaluate(self.engine, now, self.crowd)
        except Exception:  # the policy must never take the controller down
            log.exception("tidal policy failed; queue continues without it")
            return
        for d in decisions:
            if d.action in ENGINE_ACTIONS:
                try:
                    batch.events += d.apply(self.engine, now)
                except Refusal as refusal:
                    log.info("tidal %s of window %s not carried out: %s", d.action.value, d.window, refusal)
            else:
                batch.notices.append(d)
        after = (self.tidal.alerts(), [p.window for p in self.tidal.proposals()], self.tidal.draining())
        batch.tidal_dirty = batch.tidal_dirty or before != after

    # one command -----------------------------------------------------------------------
    def _handle(self, topic: str, payload: bytes, now: datetime, batch: Batch) -> None:
        name = topic.removeprefix(self.topics.cmd(""))
        body = self._parse(name, payload)
        if body is None:
            return
        cid, reply_to = body.get("id"), body.get("reply_to")
        if not isinstance(reply_to, str) or not self._reply_topic_ok(reply_to):
            self._reject(name, "bad_reply_to", f"reply_to {reply_to!r} must be {self.topics.reply('')}<client_id>", cid)
            return
        if not isinstance(cid, str):
            batch.outbox.append((reply_to, self._fail(cid, R.bad_payload("'id' (a UUID string) is missing"))))
            return
        cached = self.replies.get(cid) or batch.replies.get(cid)
        if cached is not None:  # a retry: same answer, nothing changes
            batch.outbox.append((reply_to, cached))
            return
        mark = len(batch.events)
        try:
            if isinstance(body.get("_too_large"), int):
                limit = MAX_IMPORT_PAYLOAD if name == "appointments" else MAX_PAYLOAD
                raise R.payload_too_large(body["_too_large"], limit)
            result, events = self._dispatch(name, body, now)
            reply = {"v": 1, "id": cid, "ok": True, **result}
            batch.events += events
        except Refusal as refusal:
            reply = self._fail(cid, refusal)
        except Exception:
            log.exception("command %s %s failed", name, cid)
            self._recover(batch.events[:mark])
            del batch.events[mark:]
            batch.outbox.append((reply_to, self._fail(cid, R.internal_error())))
            return
        batch.replies[cid] = reply
        batch.outbox.append((reply_to, reply))

    def _parse(self, name: str, payload: bytes) -> dict[str, Any] | None:
        limit = MAX_IMPORT_PAYLOAD if name == "appointments" else MAX_PAYLOAD
        if len(payload) > MAX_PARSE:
            self._reject(name, "payload_too_large", f"{len(payload)} bytes", None)
            return None
        try:
            body = json.loads(payload)
        except (ValueError, UnicodeDecodeError) as err:
            self._reject(name, "bad_json", str(err), None)
            return None
        if not isinstance(body, dict):
            self._reject(name, "bad_json", "payload must be a JSON object", None)
            return None
        if len(payload) > limit:
            body = {"id": body.get("id"), "reply_to": body.get("reply_to"), "_too_large": len(payload)}
        return body

    def _reply_topic_ok(self, topic: str) -> bool:
        prefix = self.topics.reply("")
        rest = topic.removeprefix(prefix)
        return topic.startswith(prefix) and bool(rest) and not any(c in rest for c in "+#/")

    def _reject(self, name: str, code: str, detail: str, cid: Any) -> None:
        """A command nobody can be answered for: report it where integrators can see it."""
        log.warning("rejected cmd/%s: %s %s", name, code, detail)
        self.bus.publish(self.topics.event("rejected"), {"v": 1, "ts": now_iso(), "command": name, "id": cid,
                                                         "code": code, "detail": detail[:500]})

    @staticmethod
    def _fail(cid: Any, refusal: Refusal) -> dict[str, Any]:
        return {"v": 1, "id": cid, "ok": False, "error": refusal.as_error()}

    def _recover(self, accepted: list[Event]) -> None:
        """After an unexpected engine error: rebuild from disk plus this burst's accepted events."""
        self.rebuild()
        for e in accepted:
            self.engine.apply(e)

    def _validate(self, model: type[Envelope], body: dict[str, Any]) -> Any:
        if body.get("v") != 1:
            raise R.unsupported_version(body.get("v")) if "v" in body else R.bad_payload("'v' is missing; send \"v\": 1")
        try:
            return model.model_validate(body)
        except ValidationError as err:
            first = err.errors()[0]
            where = ".".join(str(x) for x in first["loc"]) or "payload"
            raise R.bad_payload(f"{where}: {first['msg']}") from err

    def _dispatch(self, name: str, body: dict[str, Any], now: datetime) -> tuple[dict[str, Any], list[Event]]:
        base, _, arg = name.partition("/")
        model = COMMANDS.get(base)
        if model is None or (base == "window") != bool(arg) or "/" in arg:
            raise R.unknown_command(name)
        cmd = self._validate(model, body)
        eng = self.engine
        if isinstance(cmd, TicketCmd):
            events, t = eng.issue(cmd.service, cmd.source, now, Priority(cmd.priority), cmd.identity)
            return {"ticket": eng.ticket_view(t, now)}, events
        if isinstance(cmd, CheckinCmd):
            events, t, appt, late = eng.checkin(now, cmd.source, cmd.code, cmd.identity)
            result: dict[str, Any] = {"ticket": eng.ticket_view(t, now), "appointment": {
                "code": appt.code, "service": appt.service, "start": appt.start.isoformat(), "end": appt.end.isoformat(),
                "name_masked": appt.name_masked, "late": late}}
            if late:
                result["note"] = {"zh": "您已超过预约时段，已为您转为现场号，按到达顺序办理",
                                  "en": "You came after your slot, so this is a walk-in ticket served in arrival order"}
            return result, events
        if isinstance(cmd, RejoinCmd):
            events = eng.rejoin(cmd.ticket, now)
            return {"ticket": eng.ticket_view(eng.ticket(cmd.ticket), now)}, events
        if isinstance(cmd, WindowCmd):
            if cmd.action in ("next", "call") and arg in self.tidal.draining():
                raise R.window_draining(arg)
            args = {k: getattr(cmd, k) for k in ("ticket", "to_service", "to_window", "reason", "rating")
                    if getattr(cmd, k) is not None}
            events, t = eng.window_action(arg, cmd.action, now, **args)
            w = eng.windows[arg]
            return {"window": {"id": w.id, "status": w.status.value, "ticket": w.ticket},
                    "ticket": eng.ticket_view(t, now) if t else None}, events
        if isinstance(cmd, TidalCmd):
            return self._tidal(cmd, now)
        if isinstance(cmd, AppointmentsCmd):
            items = [a.model_dump(mode="json") for a in cmd.appointments]
            return {"imported": len(items)}, eng.import_appointments(items, now)
        raise R.unknown_command(name)  # pragma: no cover

    def _tidal(self, cmd: TidalCmd, now: datetime) -> tuple[dict[str, Any], list[Event]]:
        eng = self.engine
        reason = cmd.reason or "manual"
        wid = cmd.window or ""
        eng.window(wid)
        if cmd.action == "open":
            events = eng.tidal_open(wid, cmd.service or "", now, reason)
        elif cmd.action == "close":
            events = eng.tidal_close(wid, now, reason)
        elif cmd.action == "confirm":
            events = self.tidal.confirm(wid, now).apply(eng, now)
        else:
            self._declined.append(self.tidal.decline(wid, now))
            events = []
        w = eng.windows[wid]
        return {"tidal": {"window": w.id, "service": w.tidal_service, "open": w.tidal}}, events
