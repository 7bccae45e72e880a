"""The demo's simulated people: visitors who arrive by a day's profile and take numbers at a
kiosk, and clerks who staff every open window, call as soon as they are free and finish after
a service time drawn around the service's `mean_service_s`.

Both act only through the MQTT contract, with the logins a real kiosk and real caller terminals
have; the clerks read `state/windows` as a caller terminal does. A tidal (pool) window that
opens gets a clerk after a walk of `WALK_S` hall seconds (to leave their desk, walk over and log
in), who keeps calling until the window closes and then finishes the visitor in hand and leaves.

The arrival profile (`Profile`) is the demo's scenario, not the policy's: every service runs
at `BASE` of its staffed capacity (its windows, a shared window counting 1/n, over its mean
service time; `tideq.sim.scenarios.capacity_per_s`), and 税务办理 has a morning rush of
`PEAK`x capacity from `PEAK_FROM` to `PEAK_TO` minutes after the start and a lull of `LULL`x after it, so that the
tidal policy opens a pool window within the first real minute at demo speed and closes it a
couple of minutes later, once the rush has been served.
"""

from __future__ import annotations

import queue
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tideq.config.schema import HallConfig, Service
from tideq.contract import BusClient, BusError, Priority, WindowAction, WindowsState, WindowStatus
from tideq.contract.identity import identity_hash

WALK_S = 120.0  # hall seconds from a tidal opening to the clerk calling at it
RETRY_S = 10.0  # hall seconds between two `next` of a free window with nobody to call
BASE = 0.45  # every service's load, share of its staffed capacity
PEAK = 4.5  # the rush service's load during the rush (3.5 before the issue 13 re-tuning, whose
# open_min_queue 8 then missed a thin rush now and then: one 1-minute demo in three opened nothing)
PEAK_SERVICE = "tax"
PEAK_FROM, PEAK_TO = 0.0, 14.0  # hall minutes after the demo starts
LULL, LULL_TO = 0.3, 60.0  # after the rush, until this minute, the rush service runs at LULL of its capacity
RATINGS = (5, 5, 5, 5, 4, 4, 3)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


@dataclass
class Stats:
    """What the demo's own people did (the summary's totals come from the controller itself)."""

    issued: int = 0
    printed: int = 0
    refused: int = 0
    finished: int = 0  # by the simulated clerks
    calls: int = 0  # event/call seen (first calls and recalls)
    tidal: list[str] = field(default_factory=list)  # "09:12 open 19 tax", ...


def id_number(rng: random.Random) -> str:
    """A made-up resident ID number with a valid check digit (a 西安 region code, born 1960-2005)."""
    body = f"610131{rng.randint(1960, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=True)) % 11]


class Profile:
    """Walk-ins per hall second, by service, `minutes` after the demo day started."""

    def __init__(self, cfg: HallConfig, per_min: float | None = None, peak: bool = True) -> None:
        from tideq.sim.scenarios import capacity_per_s

        self.services = [s for s in cfg.services if any(s.id in w.services for w in cfg.windows)]
        self.capacity = {s.id: capacity_per_s(cfg, s.id) for s in self.services}
        base = sum(BASE * c for c in self.capacity.values())
        # --visitors-per-min scales the base load (the rush stays PEAK x its service's capacity)
        self.scale = (per_min / 60 / base) if per_min and base else 1.0
        self.peak = peak and PEAK_SERVICE in self.capacity

    def rates(self, minutes: float) -> dict[str, float]:
        out = {sid: BASE * c * self.scale for sid, c in self.capacity.items()}
        if self.peak and PEAK_FROM <= minutes < PEAK_TO:
            out[PEAK_SERVICE] = PEAK * self.capacity[PEAK_SERVICE]
        elif self.peak and PEAK_TO <= minutes < LULL_TO:  # the rush is over: the pool can go home
            out[PEAK_SERVICE] = LULL * self.capacity[PEAK_SERVICE] * self.scale
        return out


class Visitors:
    """People arriving at the kiosk by `Profile`, each taking a number through `cmd/ticket` and
    getting the ticket printed; identity services get the HMAC of a made-up ID number, as a kiosk
    computes it from the card it read."""

    def __init__(
        self,
        cfg: HallConfig,
        bus: BusClient,
        kiosk: str,
        profile: Profile,
        clock: Any,
        started: datetime,
        sleep: Callable[[float], bool],
        print_ticket: Callable[[Service, Any], str],
        stats: Stats,
        secret: bytes,
        say: Callable[[str], None],
        rng: random.Random,
        staff: dict[str, BusClient] | None = None,
    ) -> None:
        self.cfg, self.bus, self.kiosk, self.profile, self.clock = cfg, bus, kiosk, profile, clock
        # 绿色通道: a kiosk cannot issue green; staff at a window serving the service do (cmd/green)
        self.green_desk = {
            s.id: staff[w.id]
            for s in cfg.services
            for w in cfg.windows
            if staff and w.id in staff and s.id in w.services
        }
        self.started, self.sleep, self.print_ticket, self.stats = started, sleep, print_ticket, stats
        self.secret, self.say, self.rng = secret, say, rng
        self.by_id = {s.id: s for s in cfg.services}
        self._to_print: queue.Queue[tuple[Service, Any] | None] = queue.Queue()

    def run(self) -> None:
        """Arrivals on a schedule in hall time, so that a slow reply or print never thins them out at
        a fast hall clock; tickets are printed on their own thread (the printer is slower than the
        controller), all of them before this returns."""
        printer = threading.Thread(target=self._printer, name="demo-kiosk-printer", daemon=True)
        printer.start()
        try:
            at = self.clock.now()
            while True:
                rates = self.profile.rates((at - self.started).total_seconds() / 60)
                total = sum(rates.values())
                at += timedelta(seconds=self.rng.expovariate(total) if total > 0 else 60)
                if not self.sleep(max(0.0, (at - self.clock.now()).total_seconds())):
                    return
                if total > 0:
                    self.arrive(self.rng.choices(list(rates), list(rates.values()))[0])
        finally:
            self._to_print.put(None)
            printer.join(30)

    def _printer(self) -> None:
        while (job := self._to_print.get()) is not None:
            svc, t = job
            outcome = self.print_ticket(svc, t)
            self.say(
                f"{self.clock.now():%H:%M} 取号 {t.number} {svc.name.zh}  前面 {t.ahead} 人, "
                f"约 {(t.eta_s or 0) // 60} 分钟  [{outcome}]"
            )

    def arrive(self, sid: str) -> None:
        svc = self.by_id[sid]
        prio = Priority.GREEN if self.rng.random() < 0.08 else Priority.NORMAL
        desk = self.green_desk.get(sid) if prio is Priority.GREEN else None
        args: dict[str, Any] = {"service": sid, "source": self.kiosk}
        if svc.identity_required:
            args["identity"] = identity_hash(self.secret, id_number(self.rng))
        try:
            r = (
                self.bus.send("ticket", args)
                if desk is None
                else desk.send("green", {"service": sid, "reason": "elderly"})
            )
        except BusError as err:
            self.say(f"  kiosk: controller not answering ({err})")
            return
        if r.error is not None or r.ticket is None:
            self.stats.refused += 1
            why = f"{r.error.message.zh} — {r.error.guide.zh}" if r.error else "no ticket in the reply"
            self.say(f"  kiosk: {svc.name.zh}: {why}")
            return
        self.stats.issued += 1
        self._to_print.put((svc, r.ticket))


@dataclass
class Clerk:
    window: str
    at_desk: datetime  # hall time from which they call (a tidal window: after the walk)
    pool: bool
    ticket: str | None = None
    service: str | None = None
    done_at: datetime | None = None
    next_try: datetime | None = None


class Staff:
    """A clerk at every open window the demo plays (not the ones a person plays on screen)."""

    def __init__(
        self,
        cfg: HallConfig,
        clients: dict[str, BusClient],
        clock: Any,
        stats: Stats,
        say: Callable[[str], None],
        rng: random.Random,
        skip: Callable[[str], bool] = lambda _w: False,
    ) -> None:
        self.cfg, self.clients, self.clock, self.stats, self.say, self.rng = cfg, clients, clock, stats, say, rng
        self.skip = skip
        self.pool = {w.id for w in cfg.windows if w.tidal_pool}
        self.mean_s = {s.id: float(s.mean_service_s) for s in cfg.services}
        self.clerks: dict[str, Clerk] = {}
        self._windows: WindowsState | None = None
        self._lock = threading.Lock()

    def on_windows(self, _topic: str, msg: WindowsState) -> None:
        with self._lock:
            self._windows = msg

    def step(self) -> None:
        """One look at the hall: staff newly opened windows, finish who is done, call the next."""
        with self._lock:
            state = self._windows
        if state is None:
            return
        now = self.clock.now()
        for w in state.windows:
            if self.skip(w.id) or w.id not in self.clients:
                continue
            open_ = w.status in (WindowStatus.IDLE, WindowStatus.SERVING)
            clerk = self.clerks.get(w.id)
            if clerk is None:
                if not open_:
                    continue
                pool = w.id in self.pool
                clerk = self.clerks[w.id] = Clerk(w.id, now + timedelta(seconds=WALK_S if pool else 0), pool)
                if pool:
                    self.say(f"{now:%H:%M} 潮汐窗口 {w.id} 已开放：工作人员正在前往（约 {WALK_S / 60:g} 分钟）")
            if now < clerk.at_desk:
                continue
            if clerk.ticket and clerk.done_at and now >= clerk.done_at:
                self._finish(clerk)
            if clerk.ticket is None:
                if not open_ or (clerk.pool and not w.tidal):
                    del self.clerks[w.id]  # closed, or the tidal window went back to the pool: leave
                    if clerk.pool:
                        self.say(f"{now:%H:%M} 潮汐窗口 {w.id} 已关闭：工作人员回到原岗位")
                    continue
                if clerk.next_try is None or now >= clerk.next_try:
                    self._next(clerk, now)

    def _send(self, wid: str, action: WindowAction, **args: Any) -> Any:
        try:
            return self.clients[wid].send(f"window/{wid}", {"action": action.value, **args})
        except BusError:
            return None

    def _finish(self, clerk: Clerk) -> None:
        r = self._send(clerk.window, WindowAction.FINISH, rating=self.rng.choice(RATINGS))
        if r is not None and r.ok:
            self.stats.finished += 1
        clerk.ticket = clerk.done_at = None  # refused: the ticket is no longer ours (moved, skipped)

    def _next(self, clerk: Clerk, now: datetime) -> None:
        r = self._send(clerk.window, WindowAction.NEXT)
        if r is None or not r.ok or r.ticket is None:
            clerk.next_try = now + timedelta(seconds=RETRY_S)  # nobody to call yet
            return
        mean = self.mean_s.get(r.ticket.service, 400.0)
        clerk.ticket, clerk.service = r.ticket.number, r.ticket.service
        clerk.done_at = now + timedelta(seconds=mean * self.rng.uniform(0.5, 1.5))
        clerk.next_try = None
