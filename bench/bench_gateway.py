"""Gateway under 1,000 phone pages: call -> page updated latency, memory; the hall live page
under the same load.

    python bench/bench_gateway.py [--pages 1000] [--hall-pages 100] [--calls 30]

Real parts, each its own process: Mosquitto, `tideq controller` (example hall, real clock from
10:00), `tideq gateway` (uvicorn). This process plays the kiosk (issues `--pages` tickets over
the contract across five services), then opens one phone page per ticket as a phone does: GET
`/t/{token}` (the HTML), then its live stream `/api/t/{token}/events` (SSE), each phone with its
own address (X-Forwarded-For through a trusted proxy, so the per-client limits apply per phone as
in a hall), plus `--hall-pages` streams of the hall live page. Then it plays the windows: each of
`--calls` `next` commands on windows 5 (tax), 17 (general consult) and 1 (business set-up) in
turn, one at a time, and times from publishing the command to each affected page's stream
delivering the changed view (every waiting page of that service: its `ahead` or status changes),
and to every hall page's stream delivering the new waiting count.

The clients are raw asyncio sockets reading the chunked SSE stream, noting the arrival time of
each event before parsing it (a regex, not a JSON parse) so the measuring costs little; still, on
a shared 2-core box the clients, the gateway, the controller and the broker share the CPU, so the
figures are upper bounds for the gateway alone. Gateway memory is its process's RSS
(/proc/PID/status VmRSS) before the pages, with them all open, and after the calls.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from tideq.config import EXAMPLE_HALL
from tideq.contract import BusClient
from tideq.testing import Mosquitto, free_port
from tideq.testing.processes import start_controller

HALL = "xian-hitech"
SECRET = "bench-secret"
# service -> (share of the pages, window that calls it)
SERVICES = {"tax": (0.3, "5"), "general-consult": (0.3, "17"), "business-setup": (0.25, "1")}
OTHERS = {"policy-redemption": 0.08, "engineering-permit": 0.07}
VIEW = re.compile(rb'"status":"(\w+)","ahead":(null|\d+)')
WAITING = re.compile(
    rb'"id":"([a-z-]+)","name":\{[^}]*\},"prefix":"[A-Z]","open":(?:true|false),'
    rb'"next_open":(?:null|"[^"]*"),"waiting":(\d+)'
)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_s(pid: int) -> float:
    """utime + stime of a process, seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))] if s else float("nan")


@dataclass
class Page:
    """One open SSE stream; `events` are (arrival perf_counter, raw data line)."""

    key: str
    service: str | None
    events: list[tuple[float, bytes]] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    state: tuple[bytes, ...] = ()
    task: asyncio.Task[None] | None = None


async def http_get(port: int, path: str, xff: str) -> tuple[int, float]:
    t0 = time.perf_counter()
    r, w = await asyncio.open_connection("127.0.0.1", port)
    w.write(f"GET {path} HTTP/1.1\r\nHost: bench\r\nX-Forwarded-For: {xff}\r\nConnection: close\r\n\r\n".encode())
    await w.drain()
    status = int((await r.readline()).split()[1])
    await r.read()
    w.close()
    return status, time.perf_counter() - t0


async def stream(port: int, path: str, xff: str, page: Page, parse: re.Pattern[bytes]) -> None:
    r, w = await asyncio.open_connection("127.0.0.1", port)
    w.write(
        f"GET {path} HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\nX-Forwarded-For: {xff}\r\n\r\n".encode()
    )
    await w.drain()
    status = (await r.readline()).split()[1]
    if status != b"200":
        raise RuntimeError(f"{path}: HTTP {status.decode()}")
    while (await r.readline()) not in (b"\r\n", b""):
        pass
    buf = b""
    while True:
        size_line = await r.readline()
        if not size_line:
            return
        size = int(size_line.strip() or b"0", 16)
        chunk = await r.readexactly(size + 2)
        at = time.perf_counter()
        buf += chunk[:-2]
        while b"\n\n" in buf:
            ev, buf = buf.split(b"\n\n", 1)
            if ev.startswith(b"data: "):
                page.events.append((at, ev))
                page.state = tuple(x for m in parse.finditer(ev) for x in m.groups())
                page.changed.set()


async def wait_all(pages: list[Page], before: dict[str, tuple[int, tuple[bytes, ...]]], timeout: float) -> list[float]:
    """Arrival times of each page's first event after `before` whose state differs from it."""
    deadline = time.perf_counter() + timeout
    out: list[float] = []
    for p in pages:
        n, old = before[p.key]
        while True:
            hit = next((at for at, ev in p.events[n:] if _state(ev, p) != old), None)
            if hit is not None:
                out.append(hit)
                break
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"page {p.key} saw no change")
            p.changed.clear()
            try:
                await asyncio.wait_for(p.changed.wait(), left)
            except TimeoutError:
                raise TimeoutError(f"page {p.key} saw no change") from None
    return out


def _state(ev: bytes, p: Page) -> tuple[bytes, ...]:
    parse = VIEW if p.service is not None else WAITING
    return tuple(x for m in parse.finditer(ev) for x in m.groups())


async def run(args: argparse.Namespace) -> dict[str, object]:
    out: dict[str, object] = {"pages": args.pages, "hall_pages": args.hall_pages, "calls": args.calls}
    data = Path(tempfile.mkdtemp(prefix="tideq-bench-gw-"))
    with Mosquitto() as broker:
        env = {"TIDEQ_HALL_SECRET": SECRET}
        ctl = start_controller(broker.url, data / "ctl", env=env)
        port = free_port()
        gw_env = {
            **os.environ,
            **env,
            "TIDEQ_GATEWAY__TRUSTED_PROXIES": '["127.0.0.1"]',
            "TIDEQ_GATEWAY__MAX_STREAMS": str(args.pages + args.hall_pages + 100),
        }
        gw = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tideq.cli",
                "gateway",
                "--config",
                str(EXAMPLE_HALL),
                "--broker",
                broker.url,
                "--port",
                str(port),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=gw_env,
        )
        try:
            assert gw.stdout is not None
            line = gw.stdout.readline()
            if "ready" not in line:
                raise RuntimeError(f"gateway did not start: {line!r}")
            kiosk = BusClient(broker.url, HALL, "kiosk-1").connect()
            # when each call's event/call reaches a plain subscriber: the controller's and broker's share
            called_at: list[float] = []
            listener = BusClient(broker.url, HALL, "bench-listener")
            listener.subscribe(f"tideq/{HALL}/event/call", lambda t, p: called_at.append(time.perf_counter()))
            listener.connect()
            windows = {w: BusClient(broker.url, HALL, f"window-{w}").connect() for _, w in SERVICES.values()}
            shares = {**{s: v[0] for s, v in SERVICES.items()}, **OTHERS}
            tickets: list[tuple[str, str]] = []  # (service, token)
            t0 = time.perf_counter()
            for sid, share in shares.items():
                for _ in range(round(args.pages * share)):
                    r = kiosk.send("ticket", {"service": sid, "source": "kiosk-1"}, timeout=10)
                    assert r.ok and r.ticket and r.ticket.page, r
                    tickets.append((sid, r.ticket.page))
            out["issue_s"] = round(time.perf_counter() - t0, 1)
            tickets = tickets[: args.pages]
            out["rss_idle_kib"] = rss_kib(gw.pid)

            # every phone loads its page (HTML), 50 at a time
            sem = asyncio.Semaphore(50)

            async def load(i: int, token: str) -> float:
                async with sem:
                    status, s = await http_get(port, f"/t/{token}", f"10.{i // 65536}.{i // 256 % 256}.{i % 256}")
                    assert status == 200, status
                    return s

            loads = await asyncio.gather(*(load(i, tok) for i, (_, tok) in enumerate(tickets)))
            out["page_load_ms"] = {"p50": round(pct(loads, 0.5) * 1e3, 1), "p99": round(pct(loads, 0.99) * 1e3, 1)}

            pages = [Page(f"t{i}", sid) for i, (sid, _) in enumerate(tickets)]
            halls = [Page(f"h{i}", None) for i in range(args.hall_pages)]
            for i, (p, (_, tok)) in enumerate(zip(pages, tickets, strict=True)):
                ip = f"10.{i // 65536}.{i // 256 % 256}.{i % 256}"
                p.task = asyncio.create_task(stream(port, f"/api/t/{tok}/events", ip, p, VIEW))
            for i, p in enumerate(halls):
                p.task = asyncio.create_task(
                    stream(port, "/api/hall/events", f"172.16.{i // 256}.{i % 256}", p, WAITING)
                )
            t0 = time.perf_counter()
            for p in pages + halls:
                while not p.events:
                    p.changed.clear()
                    await asyncio.wait_for(p.changed.wait(), 30)
            out["streams_open_s"] = round(time.perf_counter() - t0, 2)
            out["rss_open_kib"] = rss_kib(gw.pid)

            page_lat: list[float] = []
            hall_lat: list[float] = []
            controller_lat: list[float] = []  # command published -> its event/call at a plain subscriber
            gateway_lat: list[float] = []  # that event/call -> each page's update (gateway and client)
            firsts: list[float] = []  # per call: to the first page updated (controller, broker, gateway in)
            spreads: list[float] = []  # per call: first to last page updated (the fan-out)
            order = list(SERVICES.items())
            cpu0 = cpu_s(gw.pid)
            for k in range(args.calls):
                sid, (_, wid) = order[k % len(order)]
                affected = [p for p in pages if p.service == sid and p.state and p.state[0] != b"done"]
                watch = affected + halls
                before = {p.key: (len(p.events), p.state) for p in watch}
                body = json.dumps({"v": 1, "id": str(uuid.uuid4()), "action": "next"})
                sent = time.perf_counter()
                windows[wid].publish(f"tideq/{HALL}/cmd/window-{wid}/window/{wid}", body)
                n_called = len(called_at)
                got = await wait_all(affected, before, 10)
                page_lat += [g - sent for g in got]
                if len(called_at) > n_called:
                    controller_lat.append(called_at[n_called] - sent)
                    gateway_lat += [g - called_at[n_called] for g in got]
                firsts.append(min(got) - sent)
                spreads.append(max(got) - min(got))
                hall_lat += [g - sent for g in await wait_all(halls, before, 10)]
            out["gateway_cpu_ms_per_call"] = round((cpu_s(gw.pid) - cpu0) / args.calls * 1e3, 1)
            out["call_to_page_ms"] = {
                "n": len(page_lat),
                "p50": round(pct(page_lat, 0.5) * 1e3, 1),
                "p99": round(pct(page_lat, 0.99) * 1e3, 1),
                "max": round(max(page_lat) * 1e3, 1),
            }
            out["command_to_event_call_ms"] = {
                "p50": round(pct(controller_lat, 0.5) * 1e3, 1),
                "p99": round(pct(controller_lat, 0.99) * 1e3, 1),
            }
            out["event_call_to_page_ms"] = {
                "p50": round(pct(gateway_lat, 0.5) * 1e3, 1),
                "p99": round(pct(gateway_lat, 0.99) * 1e3, 1),
            }
            out["per_call_first_page_ms"] = {
                "p50": round(pct(firsts, 0.5) * 1e3, 1),
                "max": round(max(firsts) * 1e3, 1),
            }
            out["per_call_fanout_ms"] = {
                "p50": round(pct(spreads, 0.5) * 1e3, 1),
                "max": round(max(spreads) * 1e3, 1),
                "pages_per_call": round(len(page_lat) / args.calls),
            }
            out["call_to_hall_page_ms"] = {
                "n": len(hall_lat),
                "p50": round(pct(hall_lat, 0.5) * 1e3, 1),
                "p99": round(pct(hall_lat, 0.99) * 1e3, 1),
            }
            # the live page's HTML while every stream is open
            hall_gets = [(await http_get(port, "/hall", f"192.0.2.{i}"))[1] for i in range(50)]
            out["hall_page_load_ms"] = {
                "p50": round(pct(hall_gets, 0.5) * 1e3, 1),
                "p99": round(pct(hall_gets, 0.99) * 1e3, 1),
            }
            out["rss_after_kib"] = rss_kib(gw.pid)
            for p in pages + halls:
                if p.task:
                    p.task.cancel()
            kiosk.close()
            listener.close()
            for c in windows.values():
                c.close()
        finally:
            gw.terminate()
            gw.wait(10)
            ctl.terminate()
            ctl.wait(10)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--hall-pages", type=int, default=100)
    ap.add_argument("--calls", type=int, default=30)
    args = ap.parse_args()
    result = asyncio.run(run(args))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
