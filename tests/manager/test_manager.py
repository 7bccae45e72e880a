"""The hall manager console against the real controller (the example hall's tidal mode: confirm)
on a real Mosquitto: a proposal with its reason, Confirm / Decline, Close and its refusal while
serving, manual open, crowd and device health, the decisions log."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

from tideq.cli import main
from tideq.contract import BusClient, Lang, TidalCommand, TidalKind, now_iso
from tideq.manager.console import SIZE, ManagerConsole
from tideq.manager.model import ManagerModel, Result
from tideq.manager.state import Actor
from tideq.ui.outcome import Outcome
from tideq.ui.qtbus import IdentityBus

from ..staff import HALL, T_MS, dispose, issue

SENSORS = ("sensor/crowd/zone-a", "health/printer-1")


def clear_retained(url: str, topics: tuple[str, ...], user: str | None = None, password: str | None = None) -> None:
    c = BusClient(url, HALL, user or f"clean-{uuid.uuid4().hex[:6]}", username=user, password=password).connect()
    try:
        for info in [c.publish(f"tideq/{HALL}/{t}", b"", retain=True) for t in topics]:
            info.wait_for_publish(5)
    finally:
        c.close()


@pytest.fixture
def fresh_broker(broker) -> Iterator[None]:
    """Drop what an earlier test left retained (its controller's state, sensors), before this test's
    controller starts and publishes its own: nothing stale may satisfy a wait."""
    clear_retained(broker.url, ("state/services", "state/windows", "state/tidal", "status/controller", *SENSORS))
    yield
    clear_retained(broker.url, SENSORS)


@pytest.fixture
def console(qtbot, fresh_broker, controller, broker, hall) -> Iterator[ManagerConsole]:
    """The console (1920x1080, offscreen) on this test's controller."""
    bus = IdentityBus(broker.url, HALL, f"manager-{uuid.uuid4().hex[:6]}")
    model = ManagerModel(bus, hall.hall)
    view = ManagerConsole(model)
    qtbot.addWidget(view)
    view.resize(*SIZE)
    view.show()
    bus.start()
    qtbot.waitUntil(lambda: len(model.services) == 8 and len(model.windows) == 22, timeout=T_MS)
    yield view
    bus.stop()
    dispose(view, model, bus)


def overload_until_proposal(qtbot, console: ManagerConsole, client: BusClient, clock) -> str:
    """~40 visitors for 企业开办, then the hall clock moves in minute steps until the policy has
    held its evidence for `sustain_s` and proposes a window (it evaluates about once a second)."""
    for _ in range(40):
        issue(client, "business-setup")
    model = console.model
    for _ in range(10):
        clock.advance(seconds=60)
        try:
            qtbot.waitUntil(lambda: bool(model.proposals), timeout=1500)
            break
        except qtbot.TimeoutError:
            continue
    assert model.proposals, "the policy proposed nothing"
    p = model.proposals[0]
    assert p.service == "business-setup"
    qtbot.waitUntil(lambda: p.window in console.alerts.cards, timeout=T_MS)
    return p.window


def tap(qtbot, button, model: ManagerModel) -> Result:
    with qtbot.waitSignal(model.result, timeout=T_MS) as blocker:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    return blocker.args[0]


def test_proposal_shows_its_reason_and_confirm_opens_the_window(qtbot, console, client, controller, clock):
    assert "需确认" in console.mode.text()
    w = overload_until_proposal(qtbot, console, client, clock)
    card = console.alerts.cards[w]
    assert card.headline.text() == f"开放{w}号窗口办理企业开办"
    assert card.reason.text().startswith("原因：预计等待") and "排队40人" in card.inputs.text()
    qtbot.waitUntil(lambda: any(e.kind is TidalKind.PROPOSE_OPEN for e in console.model.log), timeout=T_MS)

    result = tap(qtbot, card.confirm_button, console.model)
    assert result.outcome is Outcome.OK and result.command.action is TidalCommand.CONFIRM
    engine_w = controller.engine.windows[w]
    assert engine_w.tidal and engine_w.tidal_service == "business-setup"
    assert "已确认" in console.result.text()
    qtbot.waitUntil(lambda: w in console.tidal.close_buttons and w not in console.alerts.cards, timeout=T_MS)
    assert "企业开办" in console.tidal.row_labels[w].text()
    qtbot.waitUntil(lambda: console.model.log[0].kind is TidalKind.OPENED, timeout=T_MS)
    assert console.model.log[0].actor is Actor.CONFIRMED
    assert "开放" in console.log.list.item(0).text() and "经理确认" in console.log.list.item(0).text()
    qtbot.waitUntil(lambda: "潮汐" in console.windows.tiles[w].mark.text(), timeout=T_MS)


def test_decline_removes_the_proposal_and_logs_it(qtbot, console, client, controller, clock):
    w = overload_until_proposal(qtbot, console, client, clock)
    result = tap(qtbot, console.alerts.cards[w].decline_button, console.model)
    assert result.outcome is Outcome.OK and result.command.action is TidalCommand.DECLINE
    qtbot.waitUntil(lambda: console.model.log and console.model.log[0].kind is TidalKind.DECLINED, timeout=T_MS)
    qtbot.waitUntil(lambda: not console.model.proposals and not console.alerts.cards, timeout=T_MS)
    assert console.model.log[0].window == w and console.model.log[0].actor is Actor.MANAGER
    assert "已拒绝" in console.log.list.item(0).text()
    assert not any(x.tidal for x in controller.engine.windows.values())


def test_manual_open_then_close_refused_while_serving_then_closed(qtbot, console, client, controller):
    console.tidal.choose("business-setup", "21")
    result = tap(qtbot, console.tidal.open_button, console.model)
    assert result.outcome is Outcome.OK and controller.engine.windows["21"].tidal_service == "business-setup"
    qtbot.waitUntil(lambda: "21" in console.tidal.close_buttons, timeout=T_MS)
    assert console.tidal.window_box.findData("21") == -1  # no longer offered for a manual open

    number = issue(client, "business-setup")
    assert client.send("window/21", {"action": "next"}, timeout=5).ticket.number == number
    result = tap(qtbot, console.tidal.close_buttons["21"], console.model)
    assert result.outcome is Outcome.REFUSED and result.code == "window_busy"
    assert controller.engine.windows["21"].tidal
    assert f"请先办结、转移或过号{number}" in console.result.text()  # the controller's guide, shown as is

    assert client.send("window/21", {"action": "finish"}, timeout=5).ok
    result = tap(qtbot, console.tidal.close_buttons["21"], console.model)
    assert result.outcome is Outcome.OK and not controller.engine.windows["21"].tidal
    qtbot.waitUntil(lambda: "21" not in console.tidal.close_buttons, timeout=T_MS)
    qtbot.waitUntil(
        lambda: [e.kind for e in console.model.log][:2] == [TidalKind.CLOSED, TidalKind.OPENED], timeout=T_MS
    )
    assert console.model.log[0].actor is Actor.MANAGER


def test_crowd_level_and_device_health_are_shown(qtbot, console, client, broker):
    client.publish(
        f"tideq/{HALL}/sensor/crowd/zone-a",
        {"v": 1, "ts": now_iso(), "camera": "cam-1", "count": 33, "level": "crowded"},
        retain=True,
    )
    client.publish(
        f"tideq/{HALL}/health/printer-1",
        {"v": 1, "ts": now_iso(), "device": "printer-1", "kind": "printer", "state": "paper_out"},
        retain=True,
    )
    row = [s.id for s in console.model.services].index("business-setup")
    table = console.services.table
    qtbot.waitUntil(lambda: table.item(row, 5).text().startswith("拥挤 33人 · "), timeout=T_MS)
    qtbot.waitUntil(lambda: "缺纸" in console.health.chips["printer-1"].text(), timeout=T_MS)
    assert "无报告" in console.health.chips["cam-1"].text()  # configured, never reported
    console.lang_button.click()
    assert console.model.lang is Lang.EN
    assert table.item(row, 5).text().startswith("crowded 33")
    assert "paper out" in console.health.chips["printer-1"].text()
    assert "Tidal mode: Confirm" in console.mode.text()
    clear_retained(broker.url, ("health/printer-1",))  # the printer taken out of service
    qtbot.waitUntil(lambda: "no report" in console.health.chips["printer-1"].text(), timeout=T_MS)


def test_manager_cli_rejects_a_bad_config(tmp_path, capsys):
    bad = tmp_path / "hall.toml"
    bad.write_text("schema_version = 1\n[hall]\nid = 'Bad Id'\n")
    assert main(["manager", "--config", str(bad)]) == 2
    assert str(bad) in capsys.readouterr().err


def test_manager_identity_sees_sensors_and_health_and_may_command_tidal(
    qtbot, secure_broker, acl_files, secure_controller, hall
):
    """Under the generated ACL: `manager` reads crowd and health (published here by the camera's own
    login; a second `controller` session would take over the controller's, one session per login)
    and its `cmd/tidal` reaches the controller and is answered."""
    pw = acl_files.passwords
    ctl = BusClient(secure_broker.url, HALL, "camera-cam-1", username="camera-cam-1", password=pw["camera-cam-1"])
    ctl.connect()
    bus = IdentityBus(secure_broker.url, HALL, "manager", pw["manager"])
    model = ManagerModel(bus, hall.hall)
    try:
        bus.start()
        qtbot.waitUntil(lambda: bool(model.services), timeout=T_MS)
        ctl.publish(
            f"tideq/{HALL}/sensor/crowd/zone-b",
            {"v": 1, "ts": now_iso(), "camera": "cam-1", "count": 3, "level": "low"},
            retain=True,
        )
        ctl.publish(
            f"tideq/{HALL}/health/cam-1",
            {"v": 1, "ts": now_iso(), "device": "cam-1", "kind": "camera", "state": "ok"},
            retain=True,
        )
        qtbot.waitUntil(lambda: "zone-b" in model.crowd and "cam-1" in model.health, timeout=T_MS)
        with qtbot.waitSignal(model.result, timeout=T_MS) as blocker:
            model.open("22", "tax")
        assert blocker.args[0].outcome is Outcome.OK and secure_controller.engine.windows["22"].tidal_service == "tax"
    finally:
        bus.stop()
        dispose(model, bus)
        ctl.close()


def test_a_console_started_mid_day_has_the_days_decisions(qtbot, client, controller, broker, hall):
    """Openings before the console started come from state/tidal's `decisions`."""
    from tideq.manager.model import ManagerModel
    from tideq.ui.qtbus import QtBus

    assert client.send("tidal", {"action": "open", "window": "19", "service": "tax"}).ok
    assert client.send("tidal", {"action": "close", "window": "19"}).ok
    bus = QtBus(broker.url, "xian-hitech", "late-manager")
    model = ManagerModel(bus, hall.hall)
    bus.start()
    try:
        qtbot.waitUntil(lambda: len(model.log) >= 2, timeout=5000)
        kinds = [e.kind.value for e in model.log]
        assert kinds[:2] == ["tidal_closed", "tidal_opened"] and model.log[1].window == "19"
    finally:
        bus.stop()
        model.deleteLater()


def test_each_window_tile_shows_its_satisfaction_from_the_controllers_totals(qtbot, console, client):
    """满意率 per window, computed from `state/windows` `ratings` (5 非常满意 … 1 非常不满意)."""
    tile = console.windows.tiles["5"]
    assert tile.rating.text().strip() == ""  # no ratings yet: nothing to say
    for rating in (4, 1):  # 满意, then 非常不满意
        issue(client)
        assert client.send("window/5", {"action": "next"}, timeout=5).ok
        assert client.send("window/5", {"action": "finish", "rating": rating}, timeout=5).ok
    qtbot.waitUntil(lambda: tile.rating.text() == "满意率 50%·2评", timeout=T_MS)
    w5 = next(w for w in console.model.windows if w.id == "5")
    assert w5.ratings == {"4": 1, "1": 1} and (w5.satisfied, w5.rated) == (1, 2)
    console.lang_button.click()
    assert tile.rating.text() == "sat. 50% · 2"
