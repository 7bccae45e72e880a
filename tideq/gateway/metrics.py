"""`/metrics` in the Prometheus text format (prometheus-client), one registry per app.

Labels are service ids, window ids, device ids and kinds, command names and HTTP routes: never a
ticket number, a token, an address or anything else about a visitor.

Two sources:
- the latest retained state, read at scrape time by `StateCollector` (queue lengths, expected
  waits, tickets issued, tidal windows open, device health, controller online, state age);
- what the gateway sees happen (`EventCounters`, a `GatewayBus` listener): tickets served (first
  calls), the waits from a ticket's arrival in `state/queue` to its first call, and the error of
  the wait announced on arrival against that, all on the controller's clock (the `ts` of its
  messages), so a demo on an accelerated hall clock measures in hall seconds. Tickets already
  waiting when the gateway started are counted as served but not timed (their arrival was not seen).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import date, datetime

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from tideq.contract import CallEvent, ControllerStatus, HealthState, Message, QueueState

from .bus import GatewayBus

WAIT_BUCKETS = (60, 120, 300, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200)
ERROR_BUCKETS = (-1800, -900, -600, -300, -120, -60, 0, 60, 120, 300, 600, 900, 1800)
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class StateCollector(Collector):
    def __init__(self, bus: GatewayBus, streams: Callable[[], int]) -> None:
        self.bus = bus
        self.streams = streams

    def collect(self) -> Iterable[Metric]:
        snap = self.bus.snapshot
        waiting = GaugeMetricFamily("tideq_queue_waiting", "Tickets waiting, by service", labels=["service"])
        eta = GaugeMetricFamily(
            "tideq_queue_eta_seconds", "Expected wait announced for a ticket taken now, by service", labels=["service"]
        )
        windows = GaugeMetricFamily("tideq_windows_open", "Windows open for the service", labels=["service"])
        issued = CounterMetricFamily("tideq_tickets_issued", "Tickets issued today, by service", labels=["service"])
        tidal = GaugeMetricFamily(
            "tideq_tidal_windows_open", "Tidal windows open, by the service they were opened for", labels=["service"]
        )
        health = GaugeMetricFamily(
            "tideq_device_health", "1 for each device's current health state", labels=["device", "kind", "state"]
        )
        up = GaugeMetricFamily("tideq_device_up", "1 if the device reports ok, else 0", labels=["device", "kind"])
        if snap.services is not None:
            for s in snap.services.services:
                waiting.add_metric([s.id], s.waiting)
                windows.add_metric([s.id], s.windows_open)
                if s.eta_s is not None:
                    eta.add_metric([s.id], s.eta_s)
        if snap.queue is not None:
            for q in snap.queue.services:
                issued.add_metric([q.id], q.issued)
        if snap.tidal is not None:
            counts: dict[str, int] = {}
            for o in snap.tidal.open:
                counts[o.service or ""] = counts.get(o.service or "", 0) + 1
            for sid, n in sorted(counts.items()):
                tidal.add_metric([sid], n)
        for device, h in sorted(snap.health.items()):
            health.add_metric([device, h.kind.value, h.state.value], 1)
            up.add_metric([device, h.kind.value], 1 if h.state is HealthState.OK else 0)
        online = GaugeMetricFamily("tideq_controller_online", "1 while status/controller says online")
        online.add_metric([], 1 if snap.controller is ControllerStatus.ONLINE else 0)
        link = GaugeMetricFamily("tideq_gateway_broker_connected", "1 while the gateway is connected to the broker")
        link.add_metric([], 1 if self.bus.link_up else 0)
        streams = GaugeMetricFamily("tideq_gateway_streams", "Live update streams (SSE) open now")
        streams.add_metric([], self.streams())
        out: list[Metric] = [waiting, eta, windows, issued, tidal, health, up, online, link, streams]
        if snap.received_at is not None:
            age = GaugeMetricFamily("tideq_gateway_state_age_seconds", "Seconds since the last retained state arrived")
            age.add_metric([], time.monotonic() - snap.received_at)
            out.append(age)
        return out


class GatewayMetrics:
    """The registry and every metric the gateway updates itself."""

    def __init__(self, bus: GatewayBus, streams: Callable[[], int]) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.served = Counter(
            "tideq_tickets_served", "Tickets called for the first time, by service", ["service"], registry=r
        )
        self.wait = Histogram(
            "tideq_wait_seconds",
            "Wait from a ticket's arrival in the queue to its first call (hall clock), by service",
            ["service"],
            buckets=WAIT_BUCKETS,
            registry=r,
        )
        self.wait_error = Histogram(
            "tideq_wait_error_seconds",
            "Actual wait minus the wait announced on arrival (positive: longer than announced), by service",
            ["service"],
            buckets=ERROR_BUCKETS,
            registry=r,
        )
        self.command = Histogram(
            "tideq_gateway_command_seconds",
            "Round trip of the gateway's commands to the controller",
            ["command"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.requests = Counter(
            "tideq_gateway_requests", "HTTP requests answered, by route and status", ["route", "status"], registry=r
        )
        self.limited = Counter("tideq_gateway_rate_limited", "Requests refused by the rate limit", registry=r)
        r.register(StateCollector(bus, streams))
        self.events = EventCounters(self)
        bus.listeners.append(self.events)
        bus.command_hooks.append(lambda cmd, s: self.command.labels(cmd).observe(s))


class EventCounters:
    """Serves, waits and announced-wait errors from `state/queue` arrivals and `event/call`."""

    def __init__(self, m: GatewayMetrics) -> None:
        self.m = m
        self.day: date | None = None
        self.arrived: dict[str, tuple[datetime, int | None, str]] = {}  # number -> (ts, announced eta, service)
        self.untimed: set[str] = set()  # waiting before the gateway first saw the queue
        self.served: set[str] = set()

    def __call__(self, msg: Message | ControllerStatus) -> None:
        if isinstance(msg, QueueState):
            self._queue(msg)
        elif isinstance(msg, CallEvent) and not msg.recall:
            self._call(msg)

    def _queue(self, q: QueueState) -> None:
        first = self.day is None  # what waits already when the gateway starts was not seen arriving
        if q.day != self.day:  # a new hall day: numbers start again
            self.day, self.arrived, self.served, self.untimed = q.day, {}, set(), set()
        for svc in q.services:
            for number, eta in zip(svc.tickets, svc.eta_s, strict=True):
                if number in self.arrived or number in self.untimed or number in self.served:
                    continue
                if first:
                    self.untimed.add(number)
                else:
                    self.arrived[number] = (q.ts, eta, svc.id)

    def _call(self, ev: CallEvent) -> None:
        if ev.ticket in self.served:
            return
        self.served.add(ev.ticket)
        self.m.served.labels(ev.service).inc()
        seen = self.arrived.pop(ev.ticket, None)
        if seen is None:
            return
        at, announced, service = seen
        wait = max(0.0, (ev.ts - at).total_seconds())
        self.m.wait.labels(service).observe(wait)
        if announced is not None:
            self.m.wait_error.labels(service).observe(wait - announced)
