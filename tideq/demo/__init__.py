"""`tideq demo`: a whole hall on one box, with simulated visitors and staff.

Secured like a real hall (docs/security.md): `tideq acl --tls` logins, ACL and certificates are
generated into `--out`/acl, Mosquitto runs with them, and every part logs in with its own identity
over TLS (controller `controller`, simulated visitors `kiosk-2`, staff `window-{id}`, the call
listener and appointment import `admin`, the camera `camera-cam-1`, the Qt apps `kiosk-1`,
`board-{id}`, `window-5`/`evaluator-5`, `manager`). Without Mosquitto it falls back to the
embedded broker on loopback, which has no logins (it says so).

Each run is a fresh hall day in its own folder, `--out`/YYYYmmdd-HHMMSS (event log, printed
tickets, logs); `--continue` resumes the newest one where its hall clock stopped. A broker, the
controller on a hall clock that starts at 09:00 and runs `--speed` times faster, a virtual ESC/POS
printer that renders every ticket to PNG, a camera counting a generated video of the waiting area,
visitors arriving by the demo's profile (a rush for 税务办理 that the tidal policy answers with a
pool window, which closes again once the rush is served) and a clerk at every open window, pool
windows included (tideq/demo/people.py). With a screen, the Qt apps open on top (kiosk, hall
board, window 5's caller, the manager console); `--headless` keeps it to the console. Everything
goes through the same contract a real hall uses, so the demo is also a smoke test of the stack.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import subprocess
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tideq.config import EXAMPLE_HALL, ConfigError, LoadedConfig, load
from tideq.contract import BusClient, CallEvent, CrowdReading, TicketStatus, TidalEvent, TidalKind, WindowsState
from tideq.contract.client import TlsFiles
from tideq.runtime import StopSignal

from .people import Profile, Staff, Stats, Visitors

if TYPE_CHECKING:
    from tideq.broker.acl import AclFiles

log = logging.getLogger(__name__)
CONTROLLER_PASSWORD_ENV = "TIDEQ_DEMO_CONTROLLER_PASSWORD"
RUN_FILE = "run.json"  # in each run folder: where its hall clock stopped, for --continue
APPOINTMENTS = 4  # booked visitors imported at the start, their codes printed to try at the kiosk


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="run a whole hall on this box with simulated visitors and staff")
    p.add_argument("--config", default=str(EXAMPLE_HALL), help="hall file (default: the example hall)")
    p.add_argument("--minutes", type=float, default=0, help="stop after this many real minutes (0: until Ctrl-C)")
    p.add_argument("--speed", type=float, default=20.0, help="hall clock speed (20: a hall day in ~25 minutes)")
    p.add_argument("--start-at", default="09:00", help="hall-local time the demo day starts")
    p.add_argument(
        "--visitors-per-min",
        type=float,
        help="walk-ins per hall-clock minute outside the rush (default: 60%% of what the staffed windows serve)",
    )
    p.add_argument("--no-rush", action="store_true", help="no 税务办理 rush (no tidal opening to watch)")
    p.add_argument("--out", default="var/demo", help="folder of the runs (each run its own dated folder in it)")
    p.add_argument(
        "--continue",
        dest="resume",
        action="store_true",
        help="continue the newest run's hall day (its numbers, its clock) instead of starting a fresh one",
    )
    p.add_argument("--headless", action="store_true", help="no windows, even with a screen")
    p.add_argument("--no-camera", action="store_true", help="no camera process")
    p.add_argument(
        "--tidal",
        choices=["auto", "confirm", "off"],
        default="auto",
        help="tidal policy mode for the demo (default auto: watch windows open at peaks)",
    )
    p.set_defaults(func=run)


def run_folder(root: Path, resume: bool, now: datetime | None = None) -> tuple[Path, dict[str, Any]]:
    """A new dated folder under `root` for this run (never an earlier run's), or with `resume` the
    newest run's folder and what its run file says (empty if there is no earlier run)."""
    root.mkdir(parents=True, exist_ok=True)
    if resume:
        runs = sorted(p for p in root.iterdir() if (p / RUN_FILE).is_file())
        if runs:
            return runs[-1], json.loads((runs[-1] / RUN_FILE).read_text(encoding="utf-8"))
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    for n in range(1, 1000):
        folder = root / (stamp if n == 1 else f"{stamp}-{n}")
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        return folder, {}
    raise RuntimeError(f"no free run folder under {root}")


class Hall:
    """The demo's moving parts; `start()` brings them up in dependency order."""

    def __init__(self, loaded: LoadedConfig, args: argparse.Namespace) -> None:
        self.loaded, self.args = loaded, args
        self.cfg = loaded.hall
        self.root = Path(args.out).resolve()
        self.out, self.resumed = run_folder(self.root, args.resume)
        self.stop_event = threading.Event()
        self.stats = Stats()
        self.rng = random.Random(20261126 + len(list(self.root.iterdir())))
        self._cleanups: list[Any] = []
        self._threads: list[threading.Thread] = []
        self.gui_windows: set[str] = set()
        self.acl: AclFiles | None = None  # the run's logins, ACL and TLS files (None: embedded broker)
        self.ca_file = Path()
        self.appointments: list[tuple[str, str, datetime, datetime]] = []
        self.camera: subprocess.Popen[bytes] | None = None

    def say(self, line: str) -> None:
        print(line, flush=True)

    def start(self) -> None:
        """Start the hall; a start that fails half-way stops what it had started already (a broker
        left running with nobody to stop it)."""
        try:
            self._start()
        except BaseException:
            self._run_cleanups()
            raise

    def _start(self) -> None:
        from tideq.controller.clock import Clock, parse_hhmm

        os.environ.setdefault(self.cfg.hall.secret_env, "demo-secret-" + self.cfg.hall.id)
        self.url = self._start_broker()
        start_at = parse_hhmm(self.args.start_at)
        if self.resumed.get("hall_time"):  # where the last run's clock stopped, not 09:00 again
            start_at = datetime.fromisoformat(self.resumed["hall_time"]).time().replace(microsecond=0)
        self.clock = Clock(self.cfg.hall.timezone, start_at, self.args.speed)
        self.started = self.clock.now()
        if self.resumed and self.resumed.get("date") != f"{self.started:%Y-%m-%d}":
            self.say(f"tideq demo: the last run was on {self.resumed.get('date')}; today is a new hall day")
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
        from tideq.controller.service import ControllerService

        self.controller = ControllerService(controller_cfg, self.url, self.out / "data", self.clock).start()
        self._cleanups.append(self.controller.stop)
        self._write_run_file()
        self.printer_url = self._start_printer()
        self.gateway_url = self._start_gateway()
        kiosks = self.cfg.devices.kiosks
        # the simulated visitors use the last kiosk, so the Qt kiosk (the first) has its own login
        self.visitor_kiosk = kiosks[-1].id if kiosks else "kiosk-1"
        self.bus = self._client(
            self.visitor_kiosk if self.visitor_kiosk.startswith("kiosk-") else f"kiosk-{self.visitor_kiosk}"
        )
        self.staff_clients = {w.id: self._client(f"window-{w.id}") for w in self.cfg.windows}
        self.listener = self._client("admin")  # reads state and events; imports the appointments
        self.staff = Staff(
            self.cfg, self.staff_clients, self.clock, self.stats, self.say, self.rng, lambda w: w in self.gui_windows
        )
        t = self.listener.topics
        self.listener.on(t.event("call"), CallEvent, self._on_call)
        self.listener.on(t.event("tidal"), TidalEvent, self._on_tidal)
        self.listener.on(t.state("windows"), WindowsState, self.staff.on_windows)
        self._import_appointments()
        self._start_camera()
        profile = Profile(self.cfg, self.args.visitors_per_min, peak=not self.args.no_rush and not self.resumed)
        visitors = Visitors(
            self.cfg,
            self.bus,
            self.visitor_kiosk,
            profile,
            self.clock,
            self.started,
            self._hall_sleep,
            self._print,
            self.stats,
            os.environ[self.cfg.hall.secret_env].encode(),
            self.say,
            self.rng,
            self.staff_clients,
        )
        for target in (visitors.run, self._staff_loop):
            self._threads.append(threading.Thread(target=target, daemon=True))
            self._threads[-1].start()
        self.say(
            f"tideq demo: hall {self.cfg.hall.id} on {self.url}; hall clock {self.started:%H:%M} x{self.args.speed:g}"
            f"{' (continued)' if self.resumed else ' (a fresh hall day)'}; run folder {self.out}; "
            f"tickets rendered to {self.out / 'tickets'}"
        )
        self.say(
            f"tideq demo: gateway {self.gateway_url}: hall page {self.gateway_url}/hall, metrics "
            f"{self.gateway_url}/metrics; each ticket's QR code opens its phone page ({self.gateway_url}/t/...)"
        )
        for code, name, start, end in self.appointments:
            self.say(f"  预约 appointment to try at the kiosk: {code}  {name}  {start:%H:%M}-{end:%H:%M}")

    def _start_gateway(self) -> str:
        """`tideq gateway` on a thread of the demo, logged in as `gateway`; the tickets' QR codes
        (printed here and on the Qt kiosk, via the environment) open its pages."""
        import socket

        from tideq.gateway import GatewayBus, Settings, create_app
        from tideq.gateway.app import extra_routers
        from tideq.gateway.ratings import RatingsService
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
        ratings = RatingsService(client, self.cfg, self.out / "data" / "gateway").start()  # export-only: no push_url
        bus, settings = GatewayBus(client), Settings(self.cfg, secret)
        app = create_app(bus, settings, routers=extra_routers(settings, bus, ratings.outbox))
        server = ServerThread(app, gw.host, port).start()
        self._cleanups += [ratings.stop, server.stop]
        return url

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
            acl = write_acl(self.cfg, self.root / "acl", TlsListener(("127.0.0.1", "localhost"), port, "127.0.0.1"))
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

    def _start_printer(self) -> str:
        from tideq.drivers.printer.sim import PrinterSim
        from tideq.drivers.printer.virtual import VirtualPrinter

        self.printer = VirtualPrinter("kiosk-1", self.out / "tickets", 80)  # numbers on after the last PNG
        sim = PrinterSim(self.printer, port=0, pty=False).start()
        self._cleanups.append(sim.stop)
        return f"tcp://127.0.0.1:{sim.port}"

    def _print(self, svc: Any, t: Any) -> str:
        from tideq.contract.ticket_page import qr_content
        from tideq.drivers.printer import TicketPrint, TicketPrinter
        from tideq.drivers.printer.ticket import Priority as PrintPriority

        if not hasattr(self, "_printer_client"):
            self._printer_client = TicketPrinter(self.printer_url, 80)
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
        result = self._printer_client.print_ticket(ticket)
        self.stats.printed += result.printed
        return str(result.outcome.value)

    def _import_appointments(self) -> None:
        """A few bookings for later this morning, imported as the city platform's export would be
        (`cmd/appointments`, admin login): their codes are printed to try at the kiosk's 预约签到."""
        if self.resumed:
            return
        services = [s for s in self.cfg.services if s.appointments and not s.identity_required] or [
            s for s in self.cfg.services if s.appointments
        ]
        if not services:
            return
        names = ["张*", "李*华", "王*", "刘*芳", "陈*"]
        items, now = [], self.started
        for i in range(APPOINTMENTS):
            svc = services[i % len(services)]
            start = (now + timedelta(minutes=20 + 30 * i)).replace(second=0, microsecond=0)
            code = f"YY{now:%m%d}{i + 1:02d}{self.rng.randint(100, 999)}"
            items.append(
                {
                    "code": code,
                    "service": svc.id,
                    "start": start.isoformat(),
                    "end": (start + timedelta(minutes=30)).isoformat(),
                    "name_masked": names[i % len(names)],
                    "phone_masked": f"1{self.rng.randint(30, 89)}****{self.rng.randint(1000, 9999)}",
                }
            )
            self.appointments.append((code, svc.name.zh, start, start + timedelta(minutes=30)))
        try:
            r = self.listener.send("appointments", {"appointments": items}, timeout=10)
        except Exception as err:  # the demo runs on without them; say why
            self.say(f"tideq demo: appointments not imported ({err})")
            self.appointments = []
            return
        if not r.ok:
            self.say(f"tideq demo: appointments not imported ({r.error.message.zh if r.error else r})")
            self.appointments = []

    def _start_camera(self) -> None:
        """`tideq camera` on a generated video of the waiting area (tideq/demo/scene.py), with its
        own login; its log goes to the run folder."""
        cams = self.cfg.devices.cameras
        if self.args.no_camera or not cams:
            return
        from .scene import PERSON, waiting_area_video

        try:
            video = waiting_area_video(self.root / "camera")
        except Exception as err:  # OpenCV or the cut-outs missing: the hall runs without a camera
            self.say(f"tideq demo: no camera ({err})")
            return
        cam = cams[0].id
        login, env = self.login_args(f"camera-{cam}")
        cmd = [sys.executable, "-m", "tideq.cli", "camera", "--config", self.args.config, "--camera", cam]
        cmd += ["--source", str(video), "--rate", "2", "--no-hog", "--horizon", str(PERSON["horizon"])]
        cmd += ["--person-height", str(PERSON["person_height"]), "--fill", str(PERSON["fill"]), *login]
        logf = (self.out / "camera.log").open("ab")
        self.camera = subprocess.Popen(cmd, env={**os.environ, **env}, stdout=logf, stderr=subprocess.STDOUT)
        logf.close()
        self._cleanups.append(lambda: _end(self.camera))
        self.say(f"tideq demo: camera {cam} counting {video} (log {self.out / 'camera.log'})")

    def _write_run_file(self) -> None:
        now = self.clock.now()
        data = {"hall_time": now.isoformat(), "date": f"{now:%Y-%m-%d}", "speed": self.args.speed}
        tmp = self.out / (RUN_FILE + ".tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        tmp.replace(self.out / RUN_FILE)

    def stop(self) -> None:
        self.stop_event.set()
        for t in self._threads:  # let a visitor finish the ticket in hand (issued -> printed)
            t.join(40)
        self._write_run_file()
        self.totals = self._totals()
        self.crowd = self._crowd_readings()
        self._run_cleanups()

    def _run_cleanups(self) -> None:
        for fn in reversed(self._cleanups):
            try:
                fn()
            except Exception:  # stopping anyway; say what did not stop cleanly
                log.warning("cleanup %s failed", fn, exc_info=True)
        self._cleanups.clear()

    def _totals(self) -> dict[str, int]:
        """The day's figures from the controller itself, so every finish counts (window 5's, by a
        person, too) and nothing the demo's own bookkeeping missed (a reply lost to a timeout)."""
        tickets = list(self.controller.engine.tickets.values())
        return {
            "issued": len(tickets),
            "called": sum(1 for t in tickets if t.first_called_at is not None),
            "finished": sum(1 for t in tickets if t.status is TicketStatus.DONE),
            "waiting": sum(1 for t in tickets if t.status is TicketStatus.WAITING),
        }

    def _crowd_readings(self, timeout_s: float = 3.0) -> dict[str, CrowdReading]:
        """The camera's last retained reading per zone, read as the manager console reads them (its
        login: the console has closed by now), for the summary."""
        if self.camera is None or self.camera.poll() is not None:
            return {}
        zones = {z.id for cam in self.cfg.devices.cameras[:1] for z in cam.zones}
        got: dict[str, CrowdReading] = {}
        all_in = threading.Event()

        def on(topic: str, r: CrowdReading) -> None:
            got[topic.rsplit("/", 1)[-1]] = r
            if zones <= set(got):
                all_in.set()

        try:
            c = self._client("manager")
        except Exception as err:  # the summary says so; the demo still stops cleanly
            log.warning("crowd readings not read: %s", err)
            return {}
        c.on(c.topics.sensor_crowd("+"), CrowdReading, on)
        all_in.wait(timeout_s)
        c.close()
        return got

    # simulated people -----------------------------------------------------------------
    def _hall_sleep(self, hall_seconds: float) -> bool:
        """Wait this long on the hall clock; False once the demo stops."""
        return not self.stop_event.wait(hall_seconds / self.args.speed)

    def _staff_loop(self) -> None:
        n = 0
        while not self.stop_event.wait(0.1):  # a look at every window 10 times a (real) second
            self.staff.step()
            n += 1
            if n % 50 == 0:
                self._write_run_file()

    def _on_call(self, topic: str, ev: CallEvent) -> None:
        self.stats.calls += 1
        said = ev.announce.zh if ev.announce else f"请{ev.ticket}号到{ev.window}号窗口"
        self.say(f"{self.clock.now():%H:%M} 叫号 {said}{'（再次呼叫）' if ev.recall else ''}")

    def _on_tidal(self, topic: str, ev: TidalEvent) -> None:
        if ev.kind not in (TidalKind.OPENED, TidalKind.CLOSED):
            return
        opened = ev.kind is TidalKind.OPENED
        svc = self.cfg.service(ev.service) if ev.service else None
        what = f"{ev.ts:%H:%M} {'open' if opened else 'close'} {ev.window} {ev.service or ''}".strip()
        self.stats.tidal.append(what)
        reason = ev.reason.zh if ev.reason is not None and hasattr(ev.reason, "zh") else (ev.reason or "")
        self.say(
            f"{ev.ts:%H:%M} 潮汐窗口 {ev.window} {'开放' if opened else '关闭'}"
            f"{'：' + svc.name.zh if svc and opened else ''}  ({reason})"
        )


def _end(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def run(args: argparse.Namespace) -> int:
    stop = StopSignal()  # first: a stop while the hall starts is kept
    try:
        loaded = load(args.config, env={**os.environ, "TIDEQ_TIDAL__MODE": args.tidal})
    except ConfigError as err:
        print(err)
        return 2
    from tideq.controller.errors import ControllerError

    hall = Hall(loaded, args)
    try:
        hall.start()
    except ControllerError as err:  # a damaged or unwritable event log: say which and how to fix it
        print(f"tideq demo cannot start: {err}", file=sys.stderr)
        return 2
    done = stop.event
    gui: list[subprocess.Popen[bytes]] = []
    if not args.headless and (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        gui = _start_gui(hall, done)
    else:
        print("no screen (or --headless): the hall runs in this console; Ctrl-C stops it", flush=True)
    done.wait(args.minutes * 60 if args.minutes else None)
    _stop_gui(gui)
    hall.stop()
    s, t = hall.stats, hall.totals
    print(
        f"tideq demo stopped at {hall.clock.now():%H:%M} hall time: {t['issued']} tickets issued "
        f"({s.issued} by the simulated visitors, {s.printed} printed), {t['called']} called ({s.calls} calls "
        f"with recalls), {t['finished']} finished, {t['waiting']} still waiting, {s.refused} refused with guidance",
        flush=True,
    )
    print(f"tidal: {'; '.join(s.tidal) if s.tidal else 'no opening'}", flush=True)
    if hall.camera is not None:
        seen = ", ".join(f"{z} {r.count} ({r.level.value})" for z, r in sorted(hall.crowd.items()))
        print(f"camera: {seen or 'no reading'}", flush=True)
    print(f"run folder: {hall.out} (resume it with --continue)", flush=True)
    return 0


GUI_WINDOW = "5"  # the window a person plays from the caller terminal; simulated staff leave it alone
BOARD_SIZE = "1280x720"  # the board as a window beside the others (full HD and 4K are its real sizes)


def _start_gui(hall: Hall, done: threading.Event) -> list[subprocess.Popen[bytes]]:
    """Open the hall's screens on this display, each its own process as in a real hall: the hall
    board (speaking the calls if the box has sound), a kiosk (printing to the demo's virtual
    printer), window 5's caller terminal with its evaluator, and the manager console. Closing any
    of them ends the demo. Their output goes to gui.log in the run folder."""
    base = [sys.executable, "-m", "tideq.cli"]
    cfg = hall.cfg
    apps: list[tuple[str, list[str]]] = []
    if cfg.devices.boards:
        board = cfg.devices.boards[0].id
        voice = ["--voice-cache", str(hall.root / "voice-cache")]
        apps.append((f"board-{board}", ["display", "--board", board, "--windowed", "--size", BOARD_SIZE, *voice]))
    if cfg.devices.kiosks:
        kiosk = cfg.devices.kiosks[0].id
        user = kiosk if kiosk.startswith("kiosk-") else f"kiosk-{kiosk}"
        apps.append((user, ["kiosk", "--id", kiosk, "--windowed", "--printer", hall.printer_url]))
    apps.append((f"window-{GUI_WINDOW}", ["counter", "--window", GUI_WINDOW, "--with-evaluator"]))
    apps.append(("manager", ["manager", "--windowed"]))
    hall.staff_clients.pop(GUI_WINDOW).close()  # before the terminal logs in as window-5: one session per login
    hall.gui_windows.add(GUI_WINDOW)
    procs = []
    logf = (hall.out / "gui.log").open("ab")
    for user, cmd in apps:  # each its own login, as in a real hall
        login, env = hall.login_args(user)
        procs.append(
            subprocess.Popen(
                [*base, *cmd, "--config", hall.args.config, *login],
                env={**os.environ, **env},
                stdout=logf,
                stderr=subprocess.STDOUT,
            )
        )
    logf.close()
    print(
        "screens: the hall board (1280x720), the kiosk (1920x1080), window 5's caller terminal and its "
        f"evaluator, the manager console (1920x1080); their log is {hall.out / 'gui.log'}. "
        "README.md, 'Watching the demo', says how to lay them out.",
        flush=True,
    )

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
