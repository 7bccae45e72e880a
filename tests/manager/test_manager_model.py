"""ManagerModel and its wording without a broker: a fake bus decodes contract payloads exactly as
QtBus does (`tideq.contract.decode`), and the model's picture, log, device cells and command
handling are checked directly."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QObject, Signal

from tideq.broker.acl import identities
from tideq.contract import (
    BiText,
    CrowdLevel,
    DeviceKind,
    Health,
    HealthState,
    Lang,
    Message,
    PayloadError,
    ProposalAction,
    Reply,
    TidalCommand,
    TidalKind,
    TidalMode,
    TidalState,
    Topics,
    decode,
)
from tideq.manager.model import ManagerModel, Part
from tideq.manager.state import Actor, Severity, decision_inputs
from tideq.manager.texts import key_inputs, log_line, proposal_title
from tideq.ui.outcome import Outcome

from ..conftest import TZ
from ..staff import dispose

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=TZ)
T = Topics("xian-hitech")
INPUTS = {
    "waiting": 40,
    "oldest_wait_s": 720,
    "eta_s": 2700,
    "projected_eta_s": 3600,
    "arrivals_per_h": 80.0,
    "departures_per_h": 12.0,
    "crowd": "crowded",
    "camera": "ok",
    "held_s": 125,
}


class FakeBus(QObject):
    """QtBus's signals, fed by the test: `feed` decodes with the model the topic was subscribed with."""

    message = Signal(str, object)
    cleared = Signal(str)
    connection = Signal(bool)
    answered = Signal(str, object)

    def __init__(self) -> None:
        super().__init__()
        self.topics = T
        self.models: dict[str, type[Message] | None] = {}
        self.sent: list[tuple[str, dict[str, Any], str]] = []

    @property
    def subscribed(self) -> list[str]:
        return list(self.models)

    def subscribe(self, topic: str, model: type[Message] | None = None) -> None:
        self.models[topic] = model

    def request(self, command: str, args: dict[str, Any], tag: str, *, command_id: str | None = None) -> str:
        self.sent.append((command, args, tag))
        return f"cid-{len(self.sent)}"

    def publish(self, topic: str, message: Message, *, retain: bool = False) -> None:
        raise AssertionError("the manager model publishes nothing")

    def feed(self, topic: str, payload: dict[str, Any] | bytes | str) -> None:
        pattern = next(p for p in self.models if p == topic or (p.endswith("/+") and topic.startswith(p[:-1])))
        model = self.models[pattern]
        if model is None:
            self.message.emit(topic, payload)
        elif payload == "":
            self.cleared.emit(topic)
        else:
            try:
                raw = payload if isinstance(payload, bytes) else json.dumps(payload)
                self.message.emit(topic, decode(model, raw))
            except PayloadError:
                pass  # QtBus logs and drops a payload that is not the contract's

    def answer(self, tag: str, reply: dict[str, Any]) -> None:
        self.answered.emit(tag, Reply.model_validate({"v": 1, **reply}))


@pytest.fixture
def fake() -> Iterator[tuple[FakeBus, ManagerModel, list[datetime]]]:
    bus = FakeBus()
    clock = [NOW]
    from tideq.config import EXAMPLE_HALL, load

    model = ManagerModel(bus, load(EXAMPLE_HALL).hall, now=lambda: clock[0], log_size=3)
    yield bus, model, clock
    dispose(model, bus)


def tidal_state(**kw: Any) -> dict[str, Any]:
    base = {"v": 1, "ts": NOW.isoformat(), "mode": "confirm", "alerts": [], "open": [], "proposals": [], "draining": []}
    return {**base, **kw}


def proposal(window: str = "20", service: str = "business-setup", action: str = "propose_open") -> dict[str, Any]:
    return {
        "window": window,
        "service": service,
        "action": action,
        "at": NOW.isoformat(),
        "reason": {
            "zh": f"开放{window}号窗口（潮汐）办理企业开办 · 一业一证：预计等待60分钟",
            "en": f"open Window {window} (tidal) for Business Setup · One Licence: predicted wait 60 min",
        },
        "inputs": INPUTS,
    }


def window(wid: str, status: str = "idle", **kw: Any) -> dict[str, Any]:
    return {"id": wid, "name": {"zh": f"{wid}号窗口", "en": f"Window {wid}"}, "status": status, **kw}


def health(device: str, kind: str, state: str, **kw: Any) -> dict[str, Any]:
    return {"v": 1, "ts": NOW.isoformat(), "device": device, "kind": kind, "state": state, **kw}


def test_subscribes_to_everything_the_console_shows(fake):
    bus, _, _ = fake
    assert set(bus.subscribed) == {
        T.state("services"),
        T.state("windows"),
        T.state("tidal"),
        T.status_controller,
        T.event("tidal"),
        T.sensor_crowd("+"),
        T.health("+"),
    }
    assert bus.models[T.status_controller] is None and bus.models[T.health("+")] is Health  # plain text / typed


def test_services_carry_their_zone_and_the_crowd_reading_ages_on_the_wall_clock(fake):
    bus, model, clock = fake
    bus.feed(
        T.state("services"),
        {
            "v": 1,
            "ts": NOW.isoformat(),
            "services": [
                {
                    "id": "business-setup",
                    "name": {"zh": "企业开办", "en": "Business Setup"},
                    "prefix": "A",
                    "open": True,
                    "waiting": 40,
                    "eta_s": 2700,
                    "windows_open": 5,
                    "quota_left": 260,
                }
            ],
        },
    )
    bus.feed(
        T.sensor_crowd("zone-a"),
        {"v": 1, "ts": (NOW - timedelta(seconds=20)).isoformat(), "count": 33, "level": "crowded", "camera": "cam-1"},
    )
    assert model.services[0].quota_left == 260 and model.crowd_for("business-setup").zone == "zone-a"
    cell = model.crowd_for("business-setup")
    assert cell.reading.level is CrowdLevel.CROWDED and cell.age_s == 20 and cell.fresh
    clock[0] = NOW + timedelta(seconds=100)
    assert not model.crowd_for("business-setup").fresh  # the policy ignores it too
    assert model.crowd_for("general-consult").zone is None  # a service without a camera zone
    bus.feed(T.sensor_crowd("zone-a"), "")  # retained reading cleared
    assert model.crowd_for("business-setup").reading is None


def test_tidal_state_gives_mode_proposals_open_and_draining(fake, qtbot):
    bus, model, _ = fake
    with qtbot.waitSignal(model.changed, check_params_cb=lambda p: p is Part.TIDAL, timeout=1000):
        bus.feed(
            T.state("tidal"),
            tidal_state(
                mode="auto",
                proposals=[proposal()],
                open=[{"window": "19", "service": "tax", "since": NOW.isoformat(), "reason": "manual"}],
                draining=["19"],
                alerts=[{"service": "business-setup", "level": "critical", "reason": {"zh": "x", "en": "y"}}],
            ),
        )
    assert model.mode is TidalMode.AUTO
    assert [(p.window, p.action) for p in model.proposals] == [("20", ProposalAction.OPEN)]
    assert "19" in model.tidal.draining and model.free_pool_windows() == ["20", "21", "22"]
    # a payload that is not the contract's (an action it does not know) is dropped whole: the picture stays
    bus.feed(
        T.state("tidal"),
        tidal_state(mode="off", proposals=[{"window": "9", "action": "reassign", "at": NOW.isoformat()}]),
    )
    assert model.mode is TidalMode.AUTO and len(model.proposals) == 1
    bus.feed(
        T.state("windows"),
        {
            "v": 1,
            "ts": NOW.isoformat(),
            "windows": [window("19", "serving", ticket="B003", services=["tax"], tidal=True), window("3")],
        },
    )
    assert model.is_pool("19") and model.windows[0].tidal and not model.is_pool("3")
    bus.feed(T.state("windows"), {"v": 1, "ts": NOW.isoformat(), "windows": [window("3", "on-fire")]})
    assert [w.id for w in model.windows] == ["19", "3"]


def test_decisions_log_is_newest_first_bounded_and_says_who_decided(fake):
    bus, model, _ = fake
    events = [
        {
            "kind": "tidal_propose_open",
            "window": "20",
            "service": "business-setup",
            "reason": proposal()["reason"],
            "inputs": INPUTS,
        },
        {
            "kind": "tidal_opened",
            "window": "20",
            "service": "business-setup",
            "reason": "开放20号窗口办理企业开办：预计等待60分钟 / "
            "open Window 20 for Business Setup: predicted wait 60 min",
            "inputs": {**INPUTS, "by": "policy", "confirmed": True},
        },
        {"kind": "tidal_opened", "window": "21", "service": "tax", "reason": "manual"},
        {"kind": "tidal_closed", "window": "22", "service": "tax", "reason": "x / y", "inputs": {"by": "policy"}},
        {"kind": "tidal_reassigned", "window": "22"},  # not a contract kind: dropped at the bus
    ]
    for i, e in enumerate(events):
        bus.feed(T.event("tidal"), {"v": 1, "ts": (NOW + timedelta(seconds=i)).isoformat(), **e})
    assert [e.kind for e in model.log] == [TidalKind.CLOSED, TidalKind.OPENED, TidalKind.OPENED]  # bounded to 3
    assert [e.actor for e in model.log] == [Actor.POLICY, Actor.MANAGER, Actor.CONFIRMED]
    assert model.log[0].reason == BiText(zh="x", en="y")
    model.log.clear()
    for e in events[:2]:
        bus.feed(T.event("tidal"), {"v": 1, "ts": NOW.isoformat(), **e})
    assert model.log[0].actor is Actor.CONFIRMED and model.log[0].reason.en.startswith("open Window 20")
    line = log_line(model.log[1], model.names, Lang.ZH)
    assert line.startswith("10:00:00  建议开放  20号窗口 · 企业开办 — 预计等待60分钟") and "(策略)" in line


def test_device_cells_list_configured_devices_even_before_they_report(fake):
    bus, model, clock = fake
    cells = {c.device: c for c in model.device_cells()}
    assert {"printer-1", "kiosk-1", "main", "led-1", "keypads-1", "evaluators-1", "cam-1"} <= set(cells)
    assert cells["printer-1"].severity is Severity.UNKNOWN and cells["led-1"].kind is DeviceKind.LEDSTRIP
    assert cells["main"].kind is DeviceKind.BOARD
    bus.feed(T.health("printer-1"), health("printer-1", "printer", "paper_out"))
    bus.feed(T.health("led-1"), health("led-1", "ledstrip", "ok", strips={"7": "offline"}))
    bus.feed(T.health("printer-9"), health("printer-9", "printer", "ok"))
    bus.feed(T.health("printer-8"), {"v": 1, "ts": NOW.isoformat(), "kind": "printer", "state": "ok"})  # no device
    cells = {c.device: c for c in model.device_cells()}
    assert cells["printer-1"].severity is Severity.BAD
    from tideq.manager.state import health_summary

    assert health_summary(cells["led-1"].health) == "strips 7"
    assert "printer-9" in cells and "printer-8" not in cells  # not in the hall file, but it reported
    clock[0] = NOW + timedelta(minutes=10)
    assert {c.device: c for c in model.device_cells()}["led-1"].severity is Severity.WARN  # "ok", 10 min ago
    bus.feed(T.health("printer-9"), "")  # its retained health cleared
    assert "printer-9" not in {c.device for c in model.device_cells()}


def test_staff_screens_that_are_fine_are_counted_and_one_that_went_offline_stands_out(fake):
    bus, model, _ = fake
    for device, kind in (("window-5", "counter"), ("window-6", "counter"), ("evaluator-5", "evaluator")):
        bus.feed(T.health(device), health(device, kind, "ok"))
    cells, groups = model.devices_shown()
    assert {(g.kind, g.devices) for g in groups} == {
        (DeviceKind.COUNTER, ("window-5", "window-6")),
        (DeviceKind.EVALUATOR, ("evaluator-5",)),
    }
    assert not {"window-5", "window-6", "evaluator-5"} & {c.device for c in cells}
    will = Health.last_will("window-6", DeviceKind.COUNTER, NOW - timedelta(hours=3))  # what the broker sends
    bus.feed(T.health("window-6"), will.encode())
    cells, groups = model.devices_shown()
    offline = {c.device: c for c in cells}["window-6"]
    assert offline.severity is Severity.BAD and offline.health.state is HealthState.OFFLINE
    assert model.device_state("window-6") is HealthState.OFFLINE
    assert [g.devices for g in groups if g.kind is DeviceKind.COUNTER] == [("window-5",)]


def test_one_command_at_a_time_and_the_reply_becomes_a_result(fake, qtbot):
    bus, model, _ = fake
    assert model.confirm("20") and not model.decline("20")  # the second tap sends nothing
    assert bus.sent == [("tidal", {"action": "confirm", "window": "20"}, "manager")]
    bus.answer("manager", {"id": "other", "ok": True})  # not ours: ignored
    assert model.pending is not None
    refusal = {
        "id": "cid-1",
        "ok": False,
        "error": {
            "code": "no_proposal",
            "message": {"zh": "没有待确认的潮汐窗口建议", "en": "no tidal proposal is waiting"},
            "guide": {"zh": "可直接开放", "en": "open it directly"},
        },
    }
    with qtbot.waitSignal(model.result, timeout=1000) as blocker:
        bus.answer("manager", refusal)
    r = blocker.args[0]
    assert r.outcome is Outcome.REFUSED and r.command.action is TidalCommand.CONFIRM
    assert r.say(Lang.EN)[1] == "open it directly"
    assert r.code == "no_proposal"
    assert model.open("21", "business-setup", "  rush  ")
    assert bus.sent[-1][1] == {"action": "open", "window": "21", "service": "business-setup", "reason": "rush"}
    bus.answer(
        "manager", {"id": "cid-2", "ok": True, "tidal": {"window": "21", "service": "business-setup", "open": True}}
    )
    assert model.last.outcome is Outcome.OK and model.last.say(Lang.ZH)[0] == "已开放21号窗口办理企业开办"
    assert model.pending is None


def test_wording_of_a_proposal_and_its_inputs(fake):
    _, model, _ = fake
    p = decode(TidalState, json.dumps(tidal_state(proposals=[proposal()]))).proposals[0]
    assert proposal_title(p, model.names, Lang.ZH) == "开放20号窗口办理企业开办"
    assert proposal_title(p, model.names, Lang.EN) == "Open Window 20 for Business Setup"
    inputs = decision_inputs(p.inputs)
    zh, en = key_inputs(inputs, Lang.ZH), key_inputs(inputs, Lang.EN)
    assert "排队40人" in zh and "最久已等12分钟" in zh and "摄像头：拥挤" in zh and "已持续2分钟" in zh
    assert "40 waiting" in en and "in 10 min 60 min" in en and "arrivals 80/h, served 12/h" in en
    assert "queue signals only" in key_inputs(decision_inputs({**INPUTS, "camera": "stale"}), Lang.EN)
    assert key_inputs(decision_inputs({"waiting": "many"}), Lang.EN) == ""  # wrong types: no numbers, no crash


def test_manager_identity_reads_the_whole_hall_and_writes_only_tidal_and_the_green_channel(hall):
    ids = {i.user: i for i in identities(hall.hall)}
    p = "tideq/xian-hitech"
    staff = tuple(f"{p}/cmd/manager/{c}" for c in ("ticket", "green", "help", "reprint"))  # 绿色通道, 补打
    assert ids["manager"].write == (f"{p}/cmd/manager/tidal", *staff)
    assert {
        f"{p}/reply/manager",
        f"{p}/state/#",
        f"{p}/status/#",
        f"{p}/event/#",
        f"{p}/sensor/#",
        f"{p}/health/#",
    } == set(ids["manager"].read)


def test_a_move_proposal_reads_as_a_switch(hall) -> None:
    """`propose_move` (an open tidal window going straight to another service) is its own card."""
    view = decode(
        TidalState,
        json.dumps(
            tidal_state(
                proposals=[
                    {
                        "window": "19",
                        "service": "tax",
                        "action": "propose_move",
                        "at": NOW.isoformat(),
                        "reason": {"zh": "z", "en": "e"},
                        "inputs": {},
                    }
                ]
            )
        ),
    )
    assert view.proposals[0].action is ProposalAction.MOVE
    from tideq.manager.texts import Names

    names = Names(hall.hall)
    assert proposal_title(view.proposals[0], names, Lang.ZH) == "19号窗口改办税务办理"
    assert proposal_title(view.proposals[0], names, Lang.EN) == "Switch Window 19 to Tax Services"


def test_an_open_window_nobody_serves_is_an_alert_in_both_languages(fake, qtbot):
    from tideq.manager.console import ManagerConsole

    bus, model, _ = fake
    service = {"name": {"zh": "企业开办", "en": "Business Setup"}, "prefix": "A", "open": True, "windows_open": 2}
    bus.feed(
        T.state("services"),
        {"v": 1, "ts": NOW.isoformat(), "services": [{"id": "business-setup", "waiting": 6, **service}]},
    )
    since = (NOW - timedelta(minutes=14)).isoformat()
    bus.feed(
        T.state("windows"),
        {
            "v": 1,
            "ts": NOW.isoformat(),
            "windows": [
                window("20", services=["business-setup"], tidal=True, unattended_since=since),
                window("1", "serving", ticket="A001", services=["business-setup"]),
            ],
        },
    )
    [u] = model.unattended()
    assert u.window.id == "20" and u.away_s == 14 * 60 and u.waiting == 6
    view = ManagerConsole(model)
    qtbot.addWidget(view)
    text = view.alerts.alerts.text()
    assert "无人服务" in text and "20号潮汐窗口已开放，但14分钟无人叫号（企业开办 6人等候）" in text
    assert "无人" in view.windows.tiles["20"].mark.text() and not view.windows.tiles["1"].mark.text()
    model.set_lang(Lang.EN)
    text = view.alerts.alerts.text()
    assert "UNSTAFFED" in text and "Tidal Window 20 is open but nobody has called for 14 min" in text
    bus.feed(  # somebody sat down and called: the alert goes
        T.state("windows"),
        {"v": 1, "ts": NOW.isoformat(), "windows": [window("20", "serving", ticket="A002", tidal=True)]},
    )
    assert model.unattended() == [] and "UNSTAFFED" not in view.alerts.alerts.text()


def decision(kind: str, window: str, at: datetime, **kw: Any) -> dict[str, Any]:
    return {"ts": at.isoformat(), "kind": kind, "window": window, "service": "tax", "reason": "r", **kw}


def test_the_log_follows_every_state_of_the_days_decisions_not_only_the_first(fake):
    """The race behind test_a_console_started_mid_day_has_the_days_decisions: a console that starts
    between a decision and the state that lists it first gets the older retained snapshot; the
    next state/tidal (with the closing) must reach the log too."""
    bus, model, _ = fake
    opened = decision("tidal_opened", "19", NOW - timedelta(minutes=5))
    closed = decision("tidal_closed", "19", NOW - timedelta(minutes=1))
    bus.feed(T.state("tidal"), tidal_state(decisions=[opened]))
    assert [e.kind for e in model.log] == [TidalKind.OPENED]
    bus.feed(T.state("tidal"), tidal_state(decisions=[closed, opened]))
    assert [(e.kind, e.window) for e in model.log] == [(TidalKind.CLOSED, "19"), (TidalKind.OPENED, "19")]


def test_a_live_decision_keeps_its_inputs_and_warnings_stay_beside_the_states_decisions(fake):
    bus, model, _ = fake
    at = NOW - timedelta(minutes=2)
    live = decision("tidal_opened", "20", at, inputs={**INPUTS, "by": "policy", "confirmed": True})
    bus.feed(
        T.event("tidal"),
        {"v": 1, "kind": "tidal_warn", "service": "tax", "ts": (at - timedelta(minutes=1)).isoformat()},
    )
    bus.feed(T.event("tidal"), {"v": 1, **live})
    bus.feed(T.state("tidal"), tidal_state(decisions=[decision("tidal_opened", "20", at, inputs={"by": "policy"})]))
    assert [e.kind for e in model.log] == [TidalKind.OPENED, TidalKind.WARN]
    assert model.log[0].actor is Actor.CONFIRMED and model.log[0].inputs.waiting == 40  # the event's, not the state's


def test_a_previous_days_decisions_leave_the_log_with_the_new_days_state(fake):
    bus, model, _ = fake
    bus.feed(
        T.state("tidal"),
        tidal_state(
            ts=(NOW - timedelta(days=1)).isoformat(),
            decisions=[decision("tidal_opened", "21", NOW - timedelta(days=1))],
        ),
    )
    assert len(model.log) == 1
    bus.feed(T.state("tidal"), tidal_state(decisions=[]))
    assert list(model.log) == []


def test_the_idle_hint_speaks_of_confirming_only_in_confirm_mode(fake, qtbot):
    from tideq.manager.console import ManagerConsole

    bus, model, _ = fake
    view = ManagerConsole(model)
    qtbot.addWidget(view)
    bus.feed(T.state("tidal"), tidal_state(mode="confirm"))
    assert "确认或拒绝" in view.result.text()
    bus.feed(T.state("tidal"), tidal_state(mode="auto"))
    assert "确认" not in view.result.text() and "自动" in view.result.text()
    view.log.refresh()
    assert view.log.list.item(0).text() == "今日暂无潮汐决策"
