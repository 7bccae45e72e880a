"""Three real Mosquittos: halls A and B (each with its own in-process controller) bridged by the
generated `tideq uplink` blocks over TLS, with a per-hall login, to a centre that runs the
generated ACL and keeps sessions over a restart (persistence)."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from tests.conftest import HALL_SECRET, THURSDAY_10
from tideq.broker.tls import write_tls
from tideq.broker.uplink import DISTRICT_USER, Hall, UplinkFiles, write_uplink
from tideq.config.loader import LoadedConfig
from tideq.config.schema import DistrictConfig
from tideq.contract import BusClient
from tideq.testing import ManualClock, Mosquitto
from tideq.testing.mosquitto import free_port

WAIT_S = 15.0  # generous bound for a bridge (re)connect on 2 busy cores; met in well under a second


@dataclass
class Inbox:
    """Messages one subscriber got, with a condition to wait on (never a sleep)."""

    got: list[tuple[str, bytes]] = field(default_factory=list)
    cond: threading.Condition = field(default_factory=threading.Condition)

    def add(self, topic: str, payload: bytes) -> None:
        with self.cond:
            self.got.append((topic, payload))
            self.cond.notify_all()

    def wait_for(self, pred: Callable[[str, Any], bool], timeout: float = WAIT_S) -> tuple[str, Any] | None:
        """The first message (topic, decoded JSON or text) for which `pred` holds, waiting up to `timeout`."""

        def find() -> tuple[str, Any] | None:
            for t, p in self.got:
                try:
                    body: Any = json.loads(p)
                except ValueError:
                    body = p.decode(errors="replace")
                if pred(t, body):
                    return t, body
            return None

        with self.cond:
            hit: list[tuple[str, Any] | None] = [None]

            def ready() -> bool:
                hit[0] = find()
                return hit[0] is not None

            self.cond.wait_for(ready, timeout)
            return hit[0]

    def topics(self) -> set[str]:
        with self.cond:
            return {t for t, _ in self.got}


def subscriber(
    url_port: int,
    user: str,
    password: str,
    filters: list[str],
    *,
    persistent: bool = True,
    client_id: str | None = None,
) -> tuple[mqtt.Client, Inbox]:
    """A paho client on the centre: QoS 1, and with `persistent` a session kept by the broker."""
    box = Inbox()
    subscribed = threading.Event()
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id or user, clean_session=not persistent)
    c.username_pw_set(user, password)

    def on_connect(cl: mqtt.Client, *_: Any) -> None:
        cl.subscribe([(f, 1) for f in filters])

    c.on_connect = on_connect
    c.on_subscribe = lambda *_: subscribed.set()
    c.on_message = lambda _c, _u, m: box.add(m.topic, m.payload)
    c.reconnect_delay_set(0.1, 0.5)
    c.connect("127.0.0.1", url_port, keepalive=10)
    c.loop_start()
    assert subscribed.wait(WAIT_S), f"{user} could not subscribe on the centre"
    return c, box


def stop_client(c: mqtt.Client) -> None:
    c.disconnect()
    c.loop_stop()


def hall_with(loaded: LoadedConfig, hall_id: str, district: DistrictConfig) -> LoadedConfig:
    """The example hall under another id, with `district` as its [district] table."""
    h = loaded.hall
    return LoadedConfig(
        h.model_copy(update={"hall": h.hall.model_copy(update={"id": hall_id}), "district": district}), loaded.path
    )


@dataclass
class Centre:
    broker: Mosquitto
    files: UplinkFiles
    tls_port: int
    ca: Path

    @property
    def reader_password(self) -> str:
        return self.files.reader_password


def centre_broker(files: UplinkFiles, tls_dir: Path, tls_port: int, port: int | None = None) -> Mosquitto:
    assert files.centre_acl and files.centre_passwd
    t = tls_dir / "tls"
    data = tls_dir / "persist"
    data.mkdir(exist_ok=True)
    return Mosquitto(
        port=port,
        extra_config=[
            "user root",
            "allow_anonymous false",
            f"password_file {files.centre_passwd}",
            f"acl_file {files.centre_acl}",
            "persistence true",
            f"persistence_location {data}/",
            f"listener {tls_port} 127.0.0.1",
            f"cafile {t / 'ca.crt'}",
            f"certfile {t / 'server.crt'}",
            f"keyfile {t / 'server.key'}",
            "tls_version tlsv1.2",
        ],
    )


@dataclass
class District:
    centre: Centre
    halls: dict[str, LoadedConfig]
    brokers: dict[str, Mosquitto]
    controllers: dict[str, Any]
    passwords: dict[str, str]

    def kiosk(self, hall_id: str) -> BusClient:
        return BusClient(self.brokers[hall_id].url, hall_id, f"kiosk-{uuid.uuid4().hex[:6]}").connect()


def build(
    tmp: Path, hall: LoadedConfig, opt_in: dict[str, str | None], monkeypatch: pytest.MonkeyPatch
) -> Iterator[District]:
    """Centre + one bridged broker and controller per hall id in `opt_in` (value: commands_from)."""
    from tideq.controller.service import ControllerService

    monkeypatch.setenv("TIDEQ_HALL_SECRET", HALL_SECRET)
    tls = write_tls(tmp, "district", ["localhost", "127.0.0.1"])
    tls_port = free_port()
    passwords = {h: f"pw-{h}-{uuid.uuid4().hex[:8]}" for h in opt_in}
    env = {f"TIDEQ_TEST_{h.upper().replace('-', '_')}_PW": p for h, p in passwords.items()}
    halls = {
        h: hall_with(
            hall,
            h,
            DistrictConfig(
                address=f"127.0.0.1:{tls_port}",
                username=h,
                ca_file=str(tls.ca_cert),
                password_env=f"TIDEQ_TEST_{h.upper().replace('-', '_')}_PW",
                commands_from=cmd,
                restart_s=(1, 1),
            ),
        )
        for h, cmd in opt_in.items()
    }
    files = write_uplink([Hall.of(c.hall) for c in halls.values()], tmp / "uplink", env)
    centre = Centre(centre_broker(files, tmp, tls_port), files, tls_port, tls.ca_cert)
    centre.broker.start()
    brokers: dict[str, Mosquitto] = {}
    controllers: dict[str, Any] = {}
    try:
        for h in halls:
            brokers[h] = Mosquitto(extra_config=["user root", *files.bridges[h].read_text().splitlines()]).start()
            controllers[h] = ControllerService(halls[h], brokers[h].url, tmp / f"data-{h}", ManualClock(THURSDAY_10))
            controllers[h].start()
        yield District(centre, halls, brokers, controllers, passwords)
    finally:
        for svc in controllers.values():
            svc.stop()
        for b in brokers.values():
            b.stop()
        centre.broker.stop()


@pytest.fixture
def district(tmp_path, hall, monkeypatch) -> Iterator[District]:
    """Halls hall-a and hall-b, neither accepting commands from the centre."""
    yield from build(tmp_path, hall, {"hall-a": None, "hall-b": None}, monkeypatch)


@pytest.fixture
def reader(district) -> Iterator[Inbox]:
    c, box = subscriber(
        district.centre.broker.port,
        DISTRICT_USER,
        district.centre.reader_password,
        ["tideq/+/state/#", "tideq/+/event/#", "tideq/+/health/#", "tideq/+/status/#"],
        persistent=False,
        client_id=f"{DISTRICT_USER}-{uuid.uuid4().hex[:6]}",
    )
    yield box
    stop_client(c)
