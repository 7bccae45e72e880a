"""Fixtures and helpers shared by the staff-side tests (caller terminal, evaluator, manager,
bridge, broker ACL). Loaded for every test through `pytest_plugins` in tests/conftest.py."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt

from tideq.broker.acl import AclFiles, write_acl
from tideq.contract import BusClient
from tideq.counter.evaluator_screen import EvaluatorModel, EvaluatorScreen
from tideq.counter.terminal import CallerTerminal
from tideq.counter.terminal_model import CallerModel, StatusLine
from tideq.testing import Mosquitto
from tideq.ui.link import UNHEARD
from tideq.ui.qtbus import IdentityBus

from .conftest import HALL_SECRET

T_MS = 5000  # every wait: generous, the machine is shared
HALL = "xian-hitech"
WINDOW = "5"  # serves tax (prefix B)
RETAINED = ("state/services", "state/windows", "state/calls", "state/tidal", "status/controller")


@pytest.fixture
def clean_retained(broker) -> None:
    """The broker lives for the whole file but each test has a fresh controller: drop the last
    test's retained state first, so nothing stale (a ticket B001 serving...) satisfies a wait."""
    c = BusClient(broker.url, HALL, "test-clean").connect()
    try:
        infos = [c.publish(f"tideq/{HALL}/{t}", b"", retain=True) for t in RETAINED]
        for info in infos:
            info.wait_for_publish(5)
    finally:
        c.close()


def issue(client: BusClient, service: str = "tax", priority: str = "normal") -> str:
    reply = client.send("ticket", {"service": service, "source": "kiosk-1", "priority": priority}, timeout=5)
    assert reply.ok and reply.ticket is not None, reply
    return reply.ticket.number


def dispose(*objects: QObject) -> None:
    """Delete Qt objects now, on the GUI thread. Left to Python's cycle collector they may be
    freed on a paho or pool thread, and a QTimer deleted off its thread crashes the next test."""
    for obj in objects:
        obj.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()


@pytest.fixture
def qbus(qtbot, broker) -> Iterator[IdentityBus]:
    bus = IdentityBus(broker.url, HALL, f"window-{WINDOW}")
    yield bus
    bus.stop()
    dispose(bus)


def start_model(qtbot, bus: IdentityBus, hall, clock, **kw: Any) -> CallerModel:
    model = CallerModel(bus, hall.hall, WINDOW, clock=clock.now, **kw)
    bus.start()
    qtbot.waitUntil(lambda: model.status is not UNHEARD and bool(model.queue), timeout=T_MS)
    return model


@pytest.fixture
def model(qtbot, qbus, hall, clock, controller) -> Iterator[CallerModel]:
    m = start_model(qtbot, qbus, hall, clock)
    yield m
    dispose(m)


@pytest.fixture
def terminal(qtbot, model) -> CallerTerminal:
    w = CallerTerminal(model)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


@pytest.fixture
def evaluator(qtbot, qbus, model, hall) -> Iterator[EvaluatorModel]:
    ev = EvaluatorModel(qbus, WINDOW, timeout_s=30)
    model.finished.connect(ev.ask)
    screen = EvaluatorScreen(ev, hall.hall)
    qtbot.addWidget(screen)
    screen.resize(1024, 600)
    screen.show()
    ev.screen = screen  # type: ignore[attr-defined]  (for the tests' clicks)
    yield ev
    dispose(ev)


def press(qtbot, widget, key, model: CallerModel | None = None) -> StatusLine:
    """Press a key on the terminal and return the result message it leads to."""
    m = model or widget.model
    with qtbot.waitSignal(m.result, timeout=T_MS) as blocker:
        qtbot.keyClick(widget, key)
    return blocker.args[0]


def click(qtbot, button, model: CallerModel) -> StatusLine:
    with qtbot.waitSignal(model.result, timeout=T_MS) as blocker:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    return blocker.args[0]


# ---------------------------------------------------------------- a broker with per-identity logins
@pytest.fixture(scope="module")
def acl_files(tmp_path_factory, hall) -> AclFiles:
    return write_acl(hall.hall, tmp_path_factory.mktemp("acl"))


@pytest.fixture(scope="module")
def secure_broker(acl_files) -> Iterator[Mosquitto]:
    # `user root`: as root Mosquitto would drop to the mosquitto user, who cannot read pytest's tmp dirs
    with Mosquitto(extra_config=["user root", *acl_files.conf.read_text().splitlines()]) as m:
        yield m


@pytest.fixture
def secure_controller(secure_broker, acl_files, tmp_path, clock, monkeypatch):
    from tideq.config import EXAMPLE_HALL, load
    from tideq.controller.service import ControllerService

    monkeypatch.setenv("TIDEQ_HALL_SECRET", HALL_SECRET)
    monkeypatch.setenv("TIDEQ_TEST_CONTROLLER_PASSWORD", acl_files.passwords["controller"])
    hall = load(
        EXAMPLE_HALL,
        env={"TIDEQ_BROKER__USERNAME": "controller", "TIDEQ_BROKER__PASSWORD_ENV": "TIDEQ_TEST_CONTROLLER_PASSWORD"},
    )
    svc = ControllerService(hall, secure_broker.url, tmp_path / "data", clock)
    svc.start()
    yield svc
    svc.stop()


# ---------------------------------------------------------------- clerks (工号) of the example hall
CLERKS = {"1001": "2468", "1002": "1357"}  # 工号 -> PIN, for the tests only
CLERK_CARD = "04A1B2C3"  # the M1 card UID of clerk 1002


def with_clerks(loaded):
    """The example hall with two clerks in `[[staff]]`: PIN hashes made as `tideq staff-pin` makes
    them under the tests' hall secret (the example hall file ships none)."""
    from tideq.config import LoadedConfig
    from tideq.config.schema import StaffMember
    from tideq.contract.staff import card_hash, hash_proof, pin_proof

    secret = HALL_SECRET.encode()
    staff = [
        StaffMember(
            id="1001",
            name={"zh": "王芳", "en": "Wang Fang"},
            pin_hash=hash_proof(pin_proof(secret, "1001", CLERKS["1001"])),
        ),
        StaffMember(
            id="1002",
            name="李强",
            pin_hash=hash_proof(pin_proof(secret, "1002", CLERKS["1002"])),
            card_hash=card_hash(secret, CLERK_CARD),
        ),
    ]
    return LoadedConfig(loaded.hall.model_copy(update={"staff": staff}), loaded.path)
