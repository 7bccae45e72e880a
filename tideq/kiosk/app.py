"""KioskApp: builds the model and window and wires them to the outside world — the MQTT bus
(QtBus: requests on a thread pool, replies as queued signals), the printer worker, the ID card
reader, the scanner and camera, voice prompts and the kiosk's own health topic."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tideq.config import LoadedConfig
from tideq.config.logins import kiosk_user
from tideq.config.schema import Kiosk
from tideq.contract import DeviceKind, Health, HealthState, ServicesState, Topics
from tideq.contract.client import TlsFiles
from tideq.ui.fullscreen import show_full_screen
from tideq.ui.qtbus import QtBus

from .errors import DeviceError, KioskSetupError
from .model import KioskModel, PrinterNotice
from .window import KioskWindow

if TYPE_CHECKING:
    from .voice import VoicePrompter

log = logging.getLogger(__name__)


@dataclass
class KioskOptions:
    broker_url: str
    printer_url: str | None = None  # overrides the configured printer (tests, demos)
    idle_s: float = 60.0
    dwell_s: float = 20.0  # a printed ticket stays this long, then home
    request_timeout_s: float = 3.0
    connect_grace_s: float = 5.0
    voice: bool = True
    idcard_url: str | None = None
    scanner_url: str | None = None
    camera_url: str | None = None
    # its broker login: user (also the client id; default kiosk-{id}), password, TLS files
    username: str | None = None
    password: str | None = None
    tls: TlsFiles | None = None


class KioskApp:
    def __init__(self, loaded: LoadedConfig, kiosk_id: str, options: KioskOptions) -> None:
        hall = loaded.hall
        kiosk = next((k for k in hall.devices.kiosks if k.id == kiosk_id), None)
        if kiosk is None:
            known = ", ".join(k.id for k in hall.devices.kiosks) or "none"
            raise KioskSetupError(f"{loaded.path}: no kiosk {kiosk_id!r} under [[devices.kiosks]] (known: {known})")
        self.hall, self.kiosk, self.options = hall, kiosk, options
        # a crashed kiosk (or a cut cable) must not say "ok" for ever: the broker says offline for it
        will = Health.last_will(kiosk.id, DeviceKind.KIOSK, datetime.now().astimezone())
        user = options.username or kiosk_user(kiosk.id)
        self.bus = QtBus(
            options.broker_url,
            hall.hall.id,
            user,  # == its login: the ACL lets it read only reply/{login}
            will=(Topics(hall.hall.id).health(kiosk.id), will),
            username=user if options.password is not None else None,
            password=options.password,
            tls=options.tls,
        )
        self.devices: list[Any] = []
        self.attention: dict[str, str] = {}  # part -> reason, the `problems` of the kiosk's health
        self.printing = self._printer(kiosk)
        self.reader = self._card_reader(kiosk)
        self.model = KioskModel(
            hall, kiosk, has_printer=self.printing is not None, has_card_reader=self.reader is not None
        )
        self.window = KioskWindow(
            self.model,
            idle_ms=int(options.idle_s * 1000),
            dwell_ms=int(options.dwell_s * 1000),
            connect_grace_ms=int(options.connect_grace_s * 1000),
        )
        # 绿色通道 · 补打 (tideq.kiosk.green): its own view in the window's stack, an entry on home
        from .green import KioskGreen, install

        self.green = KioskGreen(self.bus, hall, kiosk.id, self.model, self.printing)
        self.green_view = install(self.window, self.model, self.green)
        self.voice: VoicePrompter | None = None
        self._wire()

    # ------------------------------------------------------------------ devices
    def _printer(self, kiosk: Kiosk):  # type: ignore[no-untyped-def]
        from .printing import PrintService

        url, width = self.options.printer_url, 80
        if kiosk.printer:
            p = next(p for p in self.hall.devices.printers if p.id == kiosk.printer)
            url, width = url or p.url, p.width_mm
        if not url:
            return None
        return PrintService(self.hall, url, width, device=kiosk.printer or f"{kiosk.id}-printer", bus=self.bus.client)

    def _card_reader(self, kiosk: Kiosk):  # type: ignore[no-untyped-def]
        from tideq.contract.identity import SecretMissing, hall_secret

        from .devices import IdCardReader

        url = self.options.idcard_url or kiosk.idcard_url
        if not url:
            return None
        try:
            reader = IdCardReader(url, hall_secret(self.hall.hall.secret_env))
        except SecretMissing as err:
            log.error("%s", err)
            self.attention["idcard"] = "secret_missing"
            return None
        self.devices.append(reader)
        return reader

    def _scanners(self) -> None:
        from .devices import CameraScanner, SerialScanner

        for kind, url in (
            ("scanner", self.options.scanner_url or self.kiosk.scanner_url),
            ("camera", self.options.camera_url or self.kiosk.camera_url),
        ):
            if not url:
                continue
            dev = SerialScanner(url) if kind == "scanner" else CameraScanner(url)
            try:
                dev.start()
            except DeviceError as err:
                log.error("%s", err)
                self.attention[kind] = "unavailable"
                continue
            dev.code.connect(self._scanned)
            dev.code.connect(self.model.night.scanned)
            self.devices.append(dev)

    # ------------------------------------------------------------------ wiring
    def _wire(self) -> None:
        m, bus = self.model, self.bus
        bus.subscribe(bus.topics.status_controller)  # plain text: online / offline
        bus.subscribe(bus.topics.state("services"), ServicesState)
        bus.message.connect(m.handle_message)
        bus.connection.connect(m.handle_connection)
        bus.answered.connect(m.handle_reply)
        m.send.connect(
            lambda cmd, args, cid: bus.request(cmd, args, cid, command_id=cid, timeout=self.options.request_timeout_s)
        )
        n = m.night  # 24-hour self-service: its own requests and slips, on the same bus and printer
        bus.answered.connect(n.handle_reply)
        n.send.connect(
            lambda cmd, args, cid: bus.request(cmd, args, cid, command_id=cid, timeout=self.options.request_timeout_s)
        )
        if self.printing is not None:
            m.print_requested.connect(self.printing.submit)
            self.printing.done.connect(m.handle_print)
            m.list_print_requested.connect(self.printing.submit_list)
            self.printing.listed.connect(m.handle_list_print)
            n.print_requested.connect(self.printing.submit_slip)
            self.printing.done.connect(n.handle_print)
        m.attention.connect(self._on_attention)
        if self.reader is not None:
            self.reader.card.connect(m.card_read)
            self.reader.failed.connect(m.card_failed)
            self.reader.card.connect(m.night.card_read)
            self.reader.failed.connect(m.night.card_failed)
        m.prompt.connect(self._speak)

    def _scanned(self, code: str) -> None:
        """A scan reprints a ticket while the 绿色通道 · 补打 screen shows; elsewhere it checks in."""
        if not (self.green_view.isVisible() and self.green.scanned(code)):
            self.model.scanned(code)

    def _speak(self, text: str) -> None:
        if self.voice is None and self.options.voice:
            from .voice import make_prompter

            self.voice = make_prompter()
            self.options.voice = self.voice is not None
        if self.voice is not None:
            self.voice.say(text, self.model.lang)

    def _on_attention(self, notice: PrinterNotice) -> None:
        """Flag the kiosk to staff (retained `health/{kiosk}`), e.g. after a failed print."""
        if notice.ok:
            self.attention.pop("printer", None)
        else:
            self.attention["printer"] = notice.reason
        self.publish_health(last_ticket=notice.ticket)

    def health(self, *, last_ticket: str | None = None) -> Health:
        """`ok`, or `attention` with what needs staff in `problems`."""
        return Health(
            ts=datetime.now().astimezone(),
            device=self.kiosk.id,
            kind=DeviceKind.KIOSK,
            state=HealthState.ATTENTION if self.attention else HealthState.OK,
            problems=dict(self.attention),
            last_ticket=last_ticket,
        )

    def _on_connection(self, up: bool) -> None:
        if up:
            self.publish_health()  # `ok` on every (re)connect, replacing a will or a goodbye

    def publish_health(self, *, last_ticket: str | None = None) -> None:
        self.bus.publish(self.bus.topics.health(self.kiosk.id), self.health(last_ticket=last_ticket), retain=True)

    def _say_goodbye(self, timeout_s: float = 1.0) -> None:
        """A clean stop fires no will: say `offline` ourselves, and let it reach the broker."""
        if not self.bus.online:
            return
        bye = Health(
            ts=datetime.now().astimezone(),
            device=self.kiosk.id,
            kind=DeviceKind.KIOSK,
            state=HealthState.OFFLINE,
            reason="stopped",
        )
        info = self.bus.client.publish(self.bus.topics.health(self.kiosk.id), bye, retain=True)
        try:
            info.wait_for_publish(timeout_s)
        except (RuntimeError, ValueError):
            log.warning("kiosk %s: offline health not delivered", self.kiosk.id)

    # ------------------------------------------------------------------ lifecycle
    def start(self, *, fullscreen: bool = True) -> KioskApp:
        if self.reader is not None:
            try:
                self.reader.start()
            except DeviceError as err:
                log.error("%s", err)
                self.attention["idcard"] = "unavailable"
                self.model.has_card_reader = False
        self._scanners()
        self.bus.connection.connect(self._on_connection)
        self.bus.start()
        if fullscreen:
            show_full_screen(self.window)
        else:
            self.window.resize(1920, 1080)
            self.window.show()
        return self

    def stop(self) -> None:
        for dev in self.devices:
            dev.stop()
        if self.voice is not None:
            self.voice.stop()
        if self.printing is not None:
            self.printing.close()
        self._say_goodbye()
        self.bus.stop()
        self.window.close()
