"""`tideq demo`: a whole hall on one box, with simulated visitors and staff.

Secured like a real hall (docs/security.md): `tideq acl --tls` logins, ACL and certificates are
generated into `--out`/acl, Mosquitto runs with them, and every part logs in with its own identity
over TLS (controller `controller`, simulated visitors `kiosk-2`, staff `window-{id}`, the call
listener `admin`, the Qt apps `kiosk-1`, `board-{id}`, `window-5`/`evaluator-5`). Without
Mosquitto it falls back to the embedded broker on loopback, which has no logins (it says so).

A broker (Mosquitto if installed, else the embedded one), the controller on a hall clock that
starts at 09:00 and runs `--speed` times faster, a virtual ESC/POS printer that renders every
ticket to PNG, visitors taking numbers through the MQTT contract and staff at every open window
calling, finishing and rating. With a screen, the Qt apps open on top (kiosk, hall board,
caller); `--headless` keeps it to the console. Everything goes through the same contract a real
hall uses, so the demo is also a smoke test of the whole stack.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import signal
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tideq.config import EXAMPLE_HALL, ConfigError, LoadedConfig, load
from tideq.contract import BusClient, BusError, CallEvent, Priority, WindowAction
from tideq.contract.client import TlsFiles

if TYPE_CHECKING:
    from tideq.broker.acl import AclFiles

log = logging.getLogger(__name__)
CONTROLLER_PASSWORD_ENV = "TIDEQ_DEMO_CONTROLLER_PASSWORD"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="run a whole hall on this box with simulated visitors and staff")
    p.add_argument("--config", default=str(EXAMPLE_HALL), help="hall file (default: the example hall)")
    p.add_argument("--minutes", type=float, default=0, help="stop after this many real minutes (0: until Ctrl-C)")
    p.add_argument("--speed", type=float, default=20.0, help="hall clock speed (20: a hall day in ~25 minutes)")
    p.add_argument("--start-at", default="09:00", help="hall-local time the demo day starts")
    p.add_argument("--visitors-per-min", type=float, default=4.0, help="arrivals per hall-clock minute")
    p.add_argument("--out", default="var/demo", help="folder for the event log and printed tickets")
    p.add_argument("--headless", action="store_true", help="no windows, even with a screen")
    p.add_argument(
        "--tidal",
        choices=["auto", "confirm", "off"],
        default="auto",
        help="tidal policy mode for the demo (default auto: watch windows open at peaks)",
    )
    p.set_defaults(func=run)


@dataclass
class Stats:
    issued: int = 0
    called: int = 0
    finished: int = 0
    refused: int = 0
    printed: int = 0


class Hall:
    """The demo's moving parts; `start()` brings them up in dependency order."""

    def __init__(self, loaded: LoadedConfig, args: argparse.Namespace) -> None:
        self.loaded, self.args = loaded, args
        self.cfg = loaded.hall
        self.out = Path(args.out).resolve()
        self.stop_event = threading.Event()
        self.stats = Stats()
        self.rng = random.Random(20261126)
        self._cleanups: list[Any] = []
        self._threads: list[threading.Thread] = []
        self.gui_windows: set[str] = set()
        self.acl: AclFiles | None = None  # the run's logins, ACL and TLS files (None: embedded broker)
        self.ca_file = Path()

    def start(self) -> None:
        from tideq.controller.clock import Clock, parse_hhmm
        from tideq.controller.service import ControllerService

        os.environ.setdefault(self.cfg.hall.secret_env, "demo-secret-" + self.cfg.hall.id)
        self.url = self._start_broker()
        self.clock = Clock(self.cfg.hall.timezone, parse_hhmm(self.args.start_at), self.args.speed)
        controller_cfg = self.loaded
        if self.acl is not None:  # the controller's own login and the hall CA, as a hall file would say
            os.environ[CONTROLLER_PASSWORD_ENV] = self.acl.passwords["controller"]
            controller_cfg = load(
                self.loaded.path,
                env={
                    **os.environ,
                    "TIDEQ_TIDAL__MODE": self.args.tidal,
                    "TIDEQ_BROKER__USERNAME": "controller",
                    "TIDEQ_BROKER__PASSWORD_ENV": CONTROLLER_PASSWORD_ENV,
                    "TIDEQ_BROKER__CA_FILE": str(self.ca_file),
                },
            )
        self.controller = ControllerService(controller_cfg, self.url, self.out / "data", self.clock).start()
        self._cleanups.append(self.controller.stop)
        self.printer_url = self._start_printer()
        self.gateway_url = self._start_gateway()
        kiosks = self.cfg.devices.kiosks
        # the simulated visitors use the last kiosk, so the Qt kiosk (the first) has its own login
        self.visitor_kiosk = kiosks[-1].id if kiosks else "kiosk-1"
        self.bus = self._client(
            self.visitor_kiosk if self.visitor_kiosk.startswith("kiosk-") else f"kiosk-{self.visitor_kiosk}"
        )
        self.staff = {w.id: self._client(f"window-{w.id}") for w in self.cfg.windows}
        self.listener = self._client("admin")  # reads event/#, acts on nothing the demo uses
        self.listener.on(self.listener.topics.event("call"), CallEvent, self._on_call)
        for target in (self._visitors, self._staff):
            self._threads.append(threading.Thread(target=target, daemon=True))
            self._threads[-1].start()
        print(
            f"tideq demo: hall {self.cfg.hall.id} on {self.url}; "
            f"hall clock {self.args.start_at} x{self.args.speed:g}; tickets rendered to {self.out / 'tickets'}",
            flush=True,
        )
        print(
            f"tideq demo: gateway {self.gateway_url}: hall page {self.gateway_url}/hall, metrics "
            f"{self.gateway_url}/metrics; each ticket's QR code opens its phone page ({self.gateway_url}/t/...)",
            flush=True,
        )

    def _client(self, user: str) -> BusClient:
        """A connection logged in as `user` (client id == login) over TLS; open on the embedded broker."""
        password = self.acl.passwords[user] if self.acl is not None else None
        tls = TlsFiles(str(self.ca_file)) if self.acl is not None else None
        c = BusClient(self.url, self.cfg.hall.id, user, username=user if password else None, password=password, tls=tls)
        c.connect()
        self._cleanups.append(c.close)
        return c

    def login_args(self, user: str) -> tuple[list[str], dict[str, str]]:
        """Command-line options and environment for a demo process logging in as `user`."""
        if self.acl is None:
            return ["--broker", self.url], {}
        env = f"TIDEQ_DEMO_PASSWORD_{user.upper().replace('-', '_')}"
        return (
            ["--broker", self.url, "--username", user, "--password-env", env, "--ca-file", str(self.ca_file)],
            {env: self.acl.passwords[user]},
        )

    def _start_broker(self) -> str:
        import getpass

        from tideq.broker.acl import TlsListener, write_acl
        from tideq.testing import Mosquitto, free_port
        from tideq.testing.mosquitto import MosquittoNotFound

        self.acl = None
        try:
            port = free_port()
            # logins, ACL and TLS for this run (passwords and CA kept across runs of the same --out)
            acl = write_acl(self.cfg, self.out / "acl", TlsListener(("127.0.0.1", "localhost"), port, "127.0.0.1"))
            assert acl.tls is not None
            # Mosquitto drops root to its own user, who could not read --out; stay who we are
            m = Mosquitto(extra_config=[f"user {getpass.getuser()}", *acl.conf.read_text().splitlines()]).start()
            self._cleanups.append(m.stop)
            self.acl, self.ca_file = acl, acl.tls.ca_cert
            return f"mqtts://127.0.0.1:{port}"
        except MosquittoNotFound:
            from tideq.broker.embedded import EmbeddedBroker

            print(
                "tideq demo: Mosquitto is not installed; using the embedded broker on loopback, which has no "
                "logins, ACL or TLS (scripts/setup.sh installs Mosquitto)",
                flush=True,
            )
            b = EmbeddedBroker(free_port(), host="127.0.0.1").start()
            self._cleanups.append(b.stop)
            return b.url

    def _start_gateway(self) -> str:
        """`tideq gateway` on a thread of the demo, logged in as `gateway`; the tickets' QR codes
        (printed here and on the Qt kiosk, via the environment) open its pages."""
        import socket

        from tideq.gateway import GatewayBus, Settings, create_app
        from tideq.gateway.serve import ServerThread
        from tideq.testing import free_port

        gw = self.cfg.gateway
        with socket.socket() as s:
            port = gw.port if s.connect_ex((gw.host, gw.port)) != 0 else free_port()
        url = f"http://{gw.host}:{port}"
        os.environ["TIDEQ_GATEWAY__PUBLIC_URL"] = url  # the Qt kiosk's QR codes, too
        self.cfg = self.cfg.model_copy(update={"gateway": gw.model_copy(update={"public_url": url})})
        password = self.acl.passwords["gateway"] if self.acl is not None else None
        tls = TlsFiles(str(self.ca_file)) if self.acl is not None else None
        client = BusClient(
            self.url, self.cfg.hall.id, "gateway", username="gateway" if password else None, password=password, tls=tls
        )
        secret = os.environ[self.cfg.hall.secret_env].encode()
        server = ServerThread(create_app(GatewayBus(client), Settings(self.cfg, secret)), gw.host, port).start()
        self._cleanups.append(server.stop)
        return url

    def _start_printer(self) -> str:
        from tideq.drivers.printer.sim import PrinterSim
        from tideq.drivers.printer.virtual import VirtualPrinter

        sim = PrinterSim(VirtualPrinter("kiosk-1", self.out / "tickets", 80), port=0, pty=False).start()
        self._cleanups.append(sim.stop)
        return f"tcp://127.0.0.1:{sim.port}"

    def stop(self) -> None:
        self.stop_event.set()
        for t in self._threads:  # let a visitor finish the ticket in hand (issued -> printed)
            t.join(10)
        for fn in reversed(self._cleanups):
            try:
                fn()
            except Exception:  # stopping anyway; say what did not stop cleanly
                log.warning("cleanup %s failed", fn, exc_info=True)

    # simulated people -----------------------------------------------------------------
    def _hall_sleep(self, hall_seconds: float) -> bool:
        """Wait this long on the hall clock; False once the demo stops."""
        return not self.stop_event.wait(hall_seconds / self.args.speed)

    def _visitors(self) -> None:
        from tideq.contract.ticket_page import qr_content
        from tideq.drivers.printer import TicketPrint, TicketPrinter
        from tideq.drivers.printer.ticket import Priority as PrintPriority

        printer = TicketPrinter(self.printer_url, 80)
        services = [s for s in self.cfg.services if not s.identity_required]
        weights = [max(1, s.daily_quota or 100) for s in services]
        while self._hall_sleep(self.rng.expovariate(self.args.visitors_per_min / 60)):
            svc = self.rng.choices(services, weights)[0]
            prio = Priority.GREEN if self.rng.random() < 0.08 else Priority.NORMAL
            try:
                r = self.bus.send("ticket", {"service": svc.id, "source": self.visitor_kiosk, "priority": prio.value})
            except BusError as err:
                print(f"  kiosk: controller not answering ({err})", flush=True)
                continue
            if r.error is not None or r.ticket is None:
                self.stats.refused += 1
                why = f"{r.error.message.zh} — {r.error.guide.zh}" if r.error else "no ticket in the reply"
                print(f"  kiosk: {svc.name.zh}: {why}", flush=True)
                continue
            t = r.ticket
            self.stats.issued += 1
            ticket = TicketPrint(
                hall_zh=self.cfg.hall.name.zh,
                hall_en=self.cfg.hall.name.en,
                service_zh=svc.name.zh,
                service_en=svc.name.en,
                number=t.number,
                ahead=t.ahead,
                eta_s=t.eta_s or 0,
                issued_at=t.issued_at,
                verify=t.verify,
                qr=qr_content(self.cfg.gateway.public_url, t.page, t.verify),
                priority=PrintPriority(t.priority.value),
            )
            result = printer.print_ticket(ticket)
            self.stats.printed += result.printed
            print(
                f"{self.clock.now():%H:%M} 取号 {t.number} {svc.name.zh}  前面 {t.ahead} 人, "
                f"约 {(t.eta_s or 0) // 60} 分钟  [{result.outcome.value}]",
                flush=True,
            )

    def _staff(self) -> None:
        while self._hall_sleep(20):
            windows = [w.id for w in self.cfg.windows if not w.tidal_pool and w.id not in self.gui_windows]
            for wid in self.rng.sample(windows, k=len(windows)):
                if self.rng.random() < 0.15:
                    self._act(wid, WindowAction.NEXT)
                else:
                    w = self.controller.engine.windows.get(wid)
                    if w and w.ticket and self.rng.random() < 0.3:
                        self._act(wid, WindowAction.FINISH, rating=self.rng.choice([5, 5, 5, 4, 4, 3]))

    def _act(self, wid: str, action: WindowAction, **args: Any) -> None:
        try:
            r = self.staff[wid].send(f"window/{wid}", {"action": action.value, **args})
        except BusError:
            return
        if r.ok and action is WindowAction.FINISH:
            self.stats.finished += 1

    def _on_call(self, topic: str, ev: CallEvent) -> None:
        self.stats.called += 1
        said = ev.announce.zh if ev.announce else f"请{ev.ticket}号到{ev.window}号窗口"
        print(f"{self.clock.now():%H:%M} 叫号 {said}", flush=True)


def run(args: argparse.Namespace) -> int:
    try:
        loaded = load(args.config, env={**os.environ, "TIDEQ_TIDAL__MODE": args.tidal})
    except ConfigError as err:
        print(err)
        return 2
    hall = Hall(loaded, args)
    hall.start()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    gui = []
    if not args.headless and (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        gui = _start_gui(hall, done)
    else:
        print("no screen (or --headless): the hall runs in this console; Ctrl-C stops it", flush=True)
    done.wait(args.minutes * 60 if args.minutes else None)
    _stop_gui(gui)
    hall.stop()
    s = hall.stats
    print(
        f"tideq demo stopped: {s.issued} tickets issued, {s.printed} printed, {s.called} calls, "
        f"{s.finished} finished, {s.refused} refused with guidance",
        flush=True,
    )
    return 0


GUI_WINDOW = "5"  # the window a person plays from the caller terminal; simulated staff leave it alone


def _start_gui(hall: Hall, done: threading.Event) -> list[subprocess.Popen[bytes]]:
    """Open the hall's screens on this display, each its own process as in a real hall: a kiosk
    (printing to the demo's virtual printer), the hall board, and window 5's caller terminal
    with its evaluator. Closing any of them ends the demo."""
    import shutil
    import sys

    base = [sys.executable, "-m", "tideq.cli"]
    voice = [] if shutil.which("play") or shutil.which("aplay") else ["--no-voice"]
    cfg = hall.cfg
    apps: list[tuple[str, list[str]]] = []
    if cfg.devices.boards:
        board = cfg.devices.boards[0].id
        apps.append((f"board-{board}", ["display", "--board", board, "--windowed", *voice]))
    if cfg.devices.kiosks:
        kiosk = cfg.devices.kiosks[0].id
        user = kiosk if kiosk.startswith("kiosk-") else f"kiosk-{kiosk}"
        apps.append((user, ["kiosk", "--id", kiosk, "--windowed", "--printer", hall.printer_url]))
    apps.append((f"window-{GUI_WINDOW}", ["counter", "--window", GUI_WINDOW, "--with-evaluator"]))
    hall.staff.pop(GUI_WINDOW).close()  # before the terminal logs in as window-5: one session per login
    procs = []
    for user, cmd in apps:  # each its own login, as in a real hall
        login, env = hall.login_args(user)
        procs.append(subprocess.Popen([*base, *cmd, "--config", hall.args.config, *login], env={**os.environ, **env}))
    hall.gui_windows.add(GUI_WINDOW)

    def watch() -> None:
        while not done.is_set():
            if any(p.poll() is not None for p in procs):
                done.set()
            done.wait(0.5)

    threading.Thread(target=watch, daemon=True).start()
    return procs


def _stop_gui(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()
