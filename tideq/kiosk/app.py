"""KioskApp: builds the model and window and wires them to the outside world — the MQTT bus
(QtBus: requests on a thread pool, replies as queued signals), the printer worker, the ID card
reader, the scanner and camera, voice prompts and the kiosk's own health topic."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from tideq.contract.topics import now_iso
from tideq.config import LoadedConfig
from tideq.config.schema import Kiosk
from tideq.ui.qtbus import QtBus

from .errors import DeviceError, KioskSetupError, SecretMissing
from .model import KioskModel
from .window import KioskWindow

log = logging.getLogger(__name__)


@dataclass
class KioskOptions:
    broker_url: str
    printer_url: str | None = None         # overrides the configured printer (tests, demos)
    idle_s: float = 60.0
    dwell_s: float = 20.0                   # a printed ticket stays this long, then home
    request_timeout_s: float = 3.0
    connect_grace_s: float = 5.0
    voice: bool = True
    idcard_url: str | None = None
    scanner_url: str | None = None
    camera_url: str | None = None


class KioskApp:
    def __init__(self, loaded: LoadedConfig, kiosk_id: str, options: KioskOptions) -> None:
        hall = loaded.hall
        kiosk = next((k for k in hall.devices.kiosks if k.id == kiosk_id), None)
        if kiosk is None:
            known = ", ".join(k.id for k in hall.devices.kiosks) or "none"
            raise KioskSetupError(f"{loaded.path}: no kiosk {kiosk_id!r} under [[devices.kiosks]] (known: {known})")
        self.hall, self.kiosk, self.options = hall, kiosk, options
        self.bus = QtBus(options.broker_url, hall.hall.id, f"tideq-kiosk-{kiosk.id}")
        self.devices: list[Any] = []
        self.attention: dict[str, Any] = {}
        self.printing = self._printer(kiosk)
        self.reader = self._card_reader(kiosk)
        self.model = KioskModel(hall, kiosk, has_printer=self.printing is not None,
                                has_card_reader=self.reader is not None)
        self.window = KioskWindow(self.model, idle_ms=int(options.idle_s * 1000), dwell_ms=int(options.dwell_s * 1000),
                                  connect_grace_ms=int(options.connect_grace_s * 1000))
        self.voice = None
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
        from .identity import IdCardReader, hall_secret

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
        from .scanner import CameraScanner, SerialScanner

        for kind, url in (("scanner", self.options.scanner_url or self.kiosk.scanner_url),
                          ("camera", self.options.camera_url or self.kiosk.camera_url)):
            if not url:
                continue
            dev = SerialScanner(url) if kind == "scanner" else CameraScanner(url)
            try:
                dev.start()
            except DeviceError as err:
                log.error("%s", err)
                self.attention[kind] = "unavailable"
                continue
            dev.code.connect(self.model.scanned)
            self.devices.append(dev)

    # ------------------------------------------------------------------ wiring
    def _wire(self) -> None:
        m, bus = self.model, self.bus
        bus.subscribe(bus.topics.status_controller)
        bus.subscribe(bus.topics.state("services"))
        bus.message.connect(m.handle_message)
        bus.connection.connect(m.handle_connection)
        bus.reply.connect(m.handle_reply)
        m.send.connect(lambda cmd, args, cid: bus.request(cmd, args, cid, command_id=cid,
                                                          timeout=self.options.request_timeout_s))
        if self.printing is not None:
            m.print_requested.connect(self.printing.submit)
            self.printing.done.connect(m.handle_print)
        m.attention.connect(self._on_attention)
        if self.reader is not None:
            self.reader.card.connect(m.card_read)
            self.reader.failed.connect(m.card_failed)
        m.prompt.connect(self._speak)

    def _speak(self, text: str) -> None:
        if self.voice is None and self.options.voice:
            from .voice import make_prompter
            self.voice = make_prompter()
            self.options.voice = self.voice is not None
        if self.voice is not None:
            self.voice.say(text, self.model.lang)

    def _on_attention(self, info: dict[str, Any]) -> None:
        """Flag the kiosk to staff (retained `health/{kiosk}`), e.g. after a failed print."""
        if info.get("state") == "ok":
            self.attention.pop("printer", None)
        else:
            self.attention["printer"] = info.get("reason", "printer_error")
        self.publish_health(last_ticket=info.get("ticket"))

    def publish_health(self, **extra: Any) -> None:
        state = "attention" if self.attention else "ok"
        payload = {"v": 1, "ts": now_iso(), "device": self.kiosk.id, "kind": "kiosk", "state": state,
                   "problems": dict(self.attention), **{k: v for k, v in extra.items() if v is not None}}
        self.bus.client.publish(self.bus.topics.health(self.kiosk.id), payload, qos=1, retain=True)

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
        self.bus.connection.connect(lambda up: up and self.publish_health())
        self.bus.start()
        if fullscreen:
            self.window.showFullScreen()
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
        self.bus.stop()
        self.window.close()
