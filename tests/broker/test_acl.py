"""Identity binding: a real Mosquitto with the password and ACL files `tideq acl` writes, the real
controller logged in as `controller`. window-5 acts on cmd/window/5 only and reads only its own
reply topic; what the ACL denies never reaches the controller."""

from __future__ import annotations

import base64
import hashlib
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from tideq import contract
from tideq.broker.acl import AclFiles, acl_text, hash_password, identities
from tideq.cli import main
from tideq.config import EXAMPLE_HALL
from tideq.contract import BrokerUnreachable, BusClient, DeviceKind, Health, HealthState, RequestTimeout
from tideq.controller.dispatch import reply_key
from tideq.controller.model import TicketStatus, WindowStatus
from tideq.counter.terminal import CallerTerminal
from tideq.counter.terminal_model import CallerModel
from tideq.testing import Mosquitto
from tideq.ui.outcome import Outcome
from tideq.ui.presence import presence_will, wall_now
from tideq.ui.qtbus import IdentityBus

from ..staff import T_MS, dispose

HALL = "xian-hitech"
NO_REPLY_S = 1.5


def login(broker: Mosquitto, files: AclFiles, user: str) -> BusClient:
    return BusClient(broker.url, HALL, user, username=user, password=files.passwords[user]).connect()


@pytest.fixture
def clients(secure_broker, acl_files, secure_controller) -> Iterator[dict[str, BusClient]]:
    made = {u: login(secure_broker, acl_files, u) for u in ("kiosk-1", "window-5", "window-6")}
    yield made
    for c in made.values():
        c.close()


def test_window_5_acts_on_its_window_but_cannot_reach_window_6(clients, secure_controller):
    kiosk, w5 = clients["kiosk-1"], clients["window-5"]
    for _ in range(2):
        assert kiosk.send("ticket", {"service": "tax", "source": "kiosk-1"}, timeout=5).ok
    engine = secure_controller.engine

    reply = w5.send("window/5", {"action": "next"}, timeout=5)
    assert reply.ok and reply.ticket is not None and reply.ticket.number == "B001"
    assert engine.windows["5"].ticket == "B001"

    cid = str(uuid.uuid4())  # window 6 serves tax too: B002 would be called
    with pytest.raises(RequestTimeout):
        w5.request("window/6", {"action": "next"}, timeout=NO_REPLY_S, command_id=cid)
    # the controller handles commands in arrival order and caches every answer by id: once a
    # later command is answered, the dropped one cannot still be on its way
    assert w5.send("window/5", {"action": "recall"}, timeout=5).ok
    assert reply_key("window-5", cid) not in secure_controller.replies
    assert engine.windows["6"].status is WindowStatus.IDLE and engine.windows["6"].ticket is None
    assert engine.tickets["B002"].status is TicketStatus.WAITING


def test_window_5_cannot_read_another_clients_replies(clients):
    w5, w6 = clients["window-5"], clients["window-6"]
    overheard = threading.Event()
    w5.subscribe(w5.topics.reply("window-6"), lambda _t, _p: overheard.set())
    w5.subscribe(w5.topics.reply("kiosk-1"), lambda _t, _p: overheard.set())
    # a round trip on window-5's connection: the broker has handled the SUBSCRIBEs sent before it
    assert w5.send("window/5", {"action": "resume"}, timeout=5).ok
    assert w6.send("window/6", {"action": "pause", "reason": "lunch"}, timeout=5).ok
    assert clients["kiosk-1"].send("ticket", {"service": "tax", "source": "kiosk-1"}, timeout=5).ok
    # window-5's own reply is published after both: delivered in order, so nothing else is coming
    assert w5.send("window/5", {"action": "pause"}, timeout=5).ok
    assert not overheard.is_set()


def test_a_kiosk_speaks_only_as_itself(clients, secure_broker, acl_files, secure_controller):
    """kiosk-1 cannot publish under kiosk-2's id (the broker drops it), cannot take a number in
    kiosk-2's name (the controller refuses it), and its answers go only to its own topic."""
    kiosk = clients["kiosk-1"]
    kiosk2 = login(secure_broker, acl_files, "kiosk-2")
    try:
        dropped = str(uuid.uuid4())
        kiosk.publish(
            kiosk.topics.cmd("kiosk-2", "ticket"), {"v": 1, "id": dropped, "service": "tax", "source": "kiosk-2"}
        )
        refused = kiosk.send("ticket", {"service": "tax", "source": "kiosk-2"}, timeout=5)
        assert not refused.ok and refused.error is not None and refused.error.code.value == "bad_payload"
        assert "'kiosk-1'" in refused.error.message.en
        # in arrival order: once kiosk-2's own command is answered, the dropped one is not coming
        own = kiosk2.send("ticket", {"service": "tax", "source": "kiosk-2"}, timeout=5)
        assert own.ok and own.ticket is not None and own.ticket.number == "B001"
        assert reply_key("kiosk-2", dropped) not in secure_controller.replies
        assert list(secure_controller.engine.tickets) == ["B001"]
    finally:
        kiosk2.close()


def test_the_evaluator_of_a_window_only_rates(clients, secure_broker, acl_files, secure_controller):
    """evaluator-5 may publish on window 5's command topic (the ACL cannot see the action); the
    controller, which knows the sender from the topic, refuses anything but `rate`."""
    assert clients["kiosk-1"].send("ticket", {"service": "tax", "source": "kiosk-1"}, timeout=5).ok
    tablet = login(secure_broker, acl_files, "evaluator-5")
    try:
        refused = tablet.send("window/5", {"action": "next"}, timeout=5)
        assert not refused.ok and refused.error is not None and "only rates" in refused.error.message.en
        assert secure_controller.engine.windows["5"].ticket is None
        assert clients["window-5"].send("window/5", {"action": "next"}, timeout=5).ok
        assert clients["window-5"].send("window/5", {"action": "finish"}, timeout=5).ok
        rated = tablet.send("window/5", {"action": "rate", "ticket": "B001", "rating": 5}, timeout=5)
        assert rated.ok, rated
    finally:
        tablet.close()


def test_a_login_cannot_take_over_another_clients_session(clients, secure_broker, acl_files):
    """The broker names every client after its login: kiosk-1's password with client id
    "window-5" neither disconnects window-5 nor acts for it."""
    w5 = clients["window-5"]
    dropped = threading.Event()
    w5.on_connection = lambda up: None if up else dropped.set()
    impostor = BusClient(
        secure_broker.url, HALL, "window-5", username="kiosk-1", password=acl_files.passwords["kiosk-1"]
    )
    impostor.connect(timeout=5)
    try:
        with pytest.raises(RequestTimeout):  # its cmd/window-5/... is dropped, reply/window-5 unreadable
            impostor.request("window/5", {"action": "pause"}, timeout=NO_REPLY_S)
        assert w5.send("window/5", {"action": "resume"}, timeout=5).ok  # window-5's session is its own
        assert not dropped.is_set()
    finally:
        impostor.close()


def test_wrong_or_missing_password_is_refused(secure_broker, acl_files):
    with pytest.raises(BrokerUnreachable):
        BusClient(secure_broker.url, HALL, "window-5", username="window-5", password="guess").connect(timeout=1.5)
    with pytest.raises(BrokerUnreachable):
        BusClient(secure_broker.url, HALL, "anonymous").connect(timeout=1.5)


def test_terminal_logs_in_as_its_window(qtbot, secure_broker, acl_files, secure_controller, clients, hall, clock):
    assert clients["kiosk-1"].send("ticket", {"service": "tax", "source": "kiosk-1"}, timeout=5).ok
    bus = IdentityBus(
        secure_broker.url,
        HALL,
        "window-5",
        acl_files.passwords["window-5"],
        will=presence_will(HALL, "window-5", DeviceKind.COUNTER),
    )  # as `tideq counter` connects
    try:
        model = CallerModel(bus, hall.hall, "5", clock=clock.now)
        terminal = CallerTerminal(model)
        qtbot.addWidget(terminal)
        bus.start()
        # state/# is readable
        qtbot.waitUntil(lambda: model.status is contract.WindowStatus.IDLE and bool(model.queue), timeout=T_MS)
        with qtbot.waitSignal(model.result, timeout=T_MS) as blocker:
            qtbot.keyClick(terminal, Qt.Key.Key_F1)
        assert blocker.args[0].outcome is Outcome.OK
        assert secure_controller.engine.windows["5"].ticket == "B001"
    finally:
        bus.stop()
        dispose(model, bus)


# --------------------------------------------------------------------- the files themselves
def test_acl_grants_each_role_only_its_topics(hall):
    ids = {i.user: i for i in identities(hall.hall)}
    p = f"tideq/{HALL}"
    staff = tuple(f"{p}/cmd/window-5/{c}" for c in ("ticket", "green", "help", "reprint"))
    assert ids["window-5"].write == (f"{p}/cmd/window-5/window/5", *staff)
    assert ids["manager"].write == (f"{p}/cmd/manager/tidal", *(s.replace("window-5", "manager") for s in staff))
    assert f"{p}/reply/window-5" in ids["window-5"].read and f"{p}/state/#" in ids["window-5"].read
    assert ids["evaluator-5"].write == (f"{p}/cmd/evaluator-5/window/5",)
    assert set(ids["kiosk-1"].write) == {
        f"{p}/cmd/kiosk-1/ticket",
        f"{p}/cmd/kiosk-1/checkin",
        f"{p}/cmd/kiosk-1/rejoin",
        f"{p}/cmd/kiosk-1/book",  # the 24-hour kiosk: after_hours next_opening, book, lookup
        f"{p}/cmd/kiosk-1/slots",
        f"{p}/cmd/kiosk-1/lookup",
        f"{p}/cmd/kiosk-1/help",
        f"{p}/cmd/kiosk-1/reprint",
    }  # never cmd/green: a kiosk alone cannot confirm the green channel
    assert set(ids["kiosk-2"].write) == {  # after_hours materials and lookup: no booking
        f"{p}/cmd/kiosk-2/ticket",
        f"{p}/cmd/kiosk-2/checkin",
        f"{p}/cmd/kiosk-2/rejoin",
        f"{p}/cmd/kiosk-2/lookup",
        f"{p}/cmd/kiosk-2/help",
        f"{p}/cmd/kiosk-2/reprint",
    }
    # a login publishes commands only under its own client id (the controller answers that id)
    for i in ids.values():
        assert all(t.split("/")[3] == i.user for t in i.write if "/cmd/" in t), i.user
    assert not any("cmd/window" in t or "cmd/tidal" in t for t in ids["kiosk-1"].write)
    assert ids["board-main"].write == () and ids["board-main"].readwrite == ()
    assert ids["controller"].readwrite == (f"{p}/#",)
    bridge = ids["bridge-keypads-1"].write
    assert f"{p}/cmd/bridge-keypads-1/window/1" in bridge
    assert f"{p}/cmd/bridge-keypads-1/window/12" not in bridge  # keypad 12 is on keypads-2
    text = acl_text(hall.hall, ids.values())
    block = text.split("user window-5\n")[1].split("\n\n")[0]
    assert block.count("topic write") == 5 and "readwrite" not in block
    # health: every login its own (one pattern, bound to the username), plus the devices it reports for
    assert f"pattern write {p}/health/%u" in text.splitlines()
    assert ids["window-5"].health == () and ids["manager"].health == ()
    assert ids["kiosk-1"].health == (f"{p}/health/printer-1",)
    assert ids["board-main"].health == (f"{p}/health/main",)
    assert set(ids["bridge-keypads-1"].health) == {f"{p}/health/keypads-1", f"{p}/health/evaluators-1"}
    assert f"topic write {p}/health/main" in text.split("user board-main\n")[1].split("\n\n")[0]


def test_password_hash_is_mosquittos_pbkdf2_form():
    h = hash_password("secret", salt=b"0123456789ab")
    _, alg, rounds, salt, digest = h.split("$")
    assert (alg, rounds) == ("7", "101")
    expect = hashlib.pbkdf2_hmac("sha512", b"secret", base64.b64decode(salt), 101)
    assert base64.b64decode(digest) == expect


def test_cli_writes_files_and_keeps_passwords_on_rerun(tmp_path: Path, capsys):
    assert main(["acl", "--config", str(EXAMPLE_HALL), "--out", str(tmp_path)]) == 0
    first = (tmp_path / "credentials.toml").read_text()
    assert (tmp_path / "credentials.toml").stat().st_mode & 0o077 == 0
    assert "allow_anonymous false" in (tmp_path / "mosquitto-tideq.conf").read_text()
    assert main(["acl", "--config", str(EXAMPLE_HALL), "--out", str(tmp_path)]) == 0
    assert (tmp_path / "credentials.toml").read_text() == first
    assert "identities" in capsys.readouterr().out


def test_bridge_identity_may_command_exactly_the_windows_its_bridge_polls(hall):
    """`bridge-{bus}` and `SerialCounterBridge.from_config(keypad_bus=bus)` agree on the windows
    (the example hall splits its keypads over two lines with `addresses`)."""
    from tideq.bridge.service import SerialCounterBridge

    ids = {i.user: i for i in identities(hall.hall)}
    keypad_buses = [b for b in hall.hall.devices.serial_buses if b.kind == "keypad"]
    assert len(keypad_buses) >= 2
    for bus in keypad_buses:
        bridge = SerialCounterBridge.from_config(hall.hall, None, keypad_bus=bus)  # opens no port before start()
        polled = {bridge.window_of_keypad[a] for a in bridge.keypads.addresses}
        allowed = {t.rsplit("/", 1)[1] for t in ids[f"bridge-{bus.id}"].write if "/window/" in t}
        assert polled == allowed and polled


def test_each_login_publishes_its_own_health_and_no_one_elses(secure_broker, acl_files):
    """window-5 may say how window-5 is (and so may its will), not window-6; a kiosk may speak for its
    own printer, not another kiosk's. What the ACL denies never reaches the manager."""
    pw = acl_files.passwords
    seen: list[tuple[str, str | None]] = []
    done = threading.Event()

    def on_health(topic: str, h: Health) -> None:
        device = topic.rsplit("/", 1)[1]
        if device in ("window-5", "window-6", "printer-1", "printer-2"):  # not the controller's own, retained
            seen.append((device, h.reason))
        if {r for _, r in seen} >= {"own printer", "own"}:
            done.set()

    manager = BusClient(secure_broker.url, HALL, "manager", username="manager", password=pw["manager"])
    manager.on(f"tideq/{HALL}/health/+", Health, on_health)
    manager.connect()
    w5 = BusClient(
        secure_broker.url,
        HALL,
        "window-5",
        username="window-5",
        password=pw["window-5"],
        will=presence_will(HALL, "window-5", DeviceKind.COUNTER),
    ).connect()
    kiosk = login(secure_broker, acl_files, "kiosk-1")
    try:

        def say(client: BusClient, device: str, kind: DeviceKind, reason: str) -> None:
            h = Health(ts=wall_now(), device=device, kind=kind, state=HealthState.OK, reason=reason)
            client.publish(f"tideq/{HALL}/health/{device}", h).wait_for_publish(5)

        say(w5, "window-6", DeviceKind.COUNTER, "spoof")
        say(kiosk, "printer-2", DeviceKind.PRINTER, "spoof")
        say(kiosk, "printer-1", DeviceKind.PRINTER, "own printer")  # each after its spoof, on the same connection:
        say(w5, "window-5", DeviceKind.COUNTER, "own")  # once both arrived, no spoof is still coming
        assert done.wait(5)
        assert sorted(seen) == [("printer-1", "own printer"), ("window-5", "own")]
    finally:
        for c in (w5, kiosk, manager):
            c.close()
