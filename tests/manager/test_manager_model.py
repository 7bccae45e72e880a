"""ManagerModel and its wording without a broker: a fake bus feeds contract payloads, and the
model's picture, log, device cells and command handling are checked directly."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QObject, Signal

from tideq.contract import Topics
from tideq.broker.acl import identities
from tideq.manager.model import ManagerModel, Part, TidalAction
from tideq.manager.state import Actor, Crowd, Decided, Mode, ProposalKind, Severity, WinStatus
from tideq.manager.texts import key_inputs, log_line, proposal_title
from tideq.counter.terminal_model import Lang, Outcome

from ..conftest import TZ
from ..staff import dispose

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=TZ)
T = Topics("xian-hitech")
INPUTS = {"waiting": 40, "oldest_wait_s": 720, "eta_s": 2700, "projected_eta_s": 3600, "arrivals_per_h": 80.0,
          "departures_per_h": 12.0, "crowd": "crowded", "camera": "ok", "held_s": 125}


class FakeBus(QObject):
    message = Signal(str, object)
    connection = Signal(bool)
    reply = Signal(str, object)

    def __init__(self) -> None:
        super().__init__()
        self.topics = T
        self.subscribed: list[str] = []
        self.sent: list[tuple[str, dict[str, Any], str]] = []

    def subscribe(self, topic: str) -> None:
        self.subscribed.append(topic)

    def request(self, command: str, args: dict[str, Any], tag: str, *, command_id: str | None = None) -> str:
        self.sent.append((command, args, tag))
        return f"cid-{len(self.sent)}"


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
    return {"window": window, "service": service, "action": action, "at": NOW.isoformat(),
            "reason": {"zh": f"开放{window}号窗口（潮汐）办理企业开办 · 一业一证：预计等待60分钟",
                       "en": f"open Window {window} (tidal) for Business Setup · One Licence: predicted wait 60 min"},
            "inputs": INPUTS}


def test_subscribes_to_everything_the_console_shows(fake):
    bus, _, _ = fake
    assert set(bus.subscribed) == {T.state("services"), T.state("windows"), T.state("tidal"), T.status_controller,
                                   T.event("tidal"), T.sensor_crowd("+"), T.health("+")}


def test_services_carry_their_zone_and_the_crowd_reading_ages_on_the_wall_clock(fake):
    bus, model, clock = fake
    bus.message.emit(T.state("services"), {"v": 1, "services": [
        {"id": "business-setup", "name": {"zh": "企业开办", "en": "Business Setup"}, "open": True, "waiting": 40,
         "eta_s": 2700, "windows_open": 5, "quota_left": 260}]})
    bus.message.emit(T.sensor_crowd("zone-a"), {"v": 1, "ts": (NOW - timedelta(seconds=20)).isoformat(),
                                                 "count": 33, "level": "crowded", "camera": "cam-1"})
    assert model.services[0].zone == "zone-a" and model.services[0].quota_left == 260
    cell = model.crowd_for("business-setup")
    assert cell.reading.level is Crowd.CROWDED and cell.age_s == 20 and cell.fresh
    clock[0] = NOW + timedelta(seconds=100)
    assert not model.crowd_for("business-setup").fresh          # the policy ignores it too
    assert model.crowd_for("general-consult").zone is None        # a service without a camera zone
    bus.message.emit(T.sensor_crowd("zone-a"), "")                # retained reading cleared
    assert model.crowd_for("business-setup").reading is None


def test_tidal_state_gives_mode_proposals_open_and_draining(fake, qtbot):
    bus, model, _ = fake
    with qtbot.waitSignal(model.changed, check_params_cb=lambda p: p is Part.TIDAL, timeout=1000):
        bus.message.emit(T.state("tidal"), tidal_state(
            mode="auto", proposals=[proposal(), {"window": "9", "action": "reassign"}],
            open=[{"window": "19", "service": "tax", "since": NOW.isoformat(), "reason": "manual"}], draining=["19"],
            alerts=[{"service": "business-setup", "level": "critical", "reason": {"zh": "x", "en": "y"}}]))
    assert model.mode is Mode.AUTO
    assert [(p.window, p.kind) for p in model.proposals] == [("20", ProposalKind.OPEN)]   # unknown action skipped
    assert model.open_tidal[0].draining and model.free_pool_windows() == ["20", "21", "22"]
    bus.message.emit(T.state("windows"), {"v": 1, "windows": [{"id": "19", "status": "serving", "ticket": "B003",
                                                                "services": ["tax"], "tidal": True},
                                                               {"id": "3", "status": "on-fire"}]})
    assert model.windows[0].pool and model.windows[0].tidal and model.windows[1].status is WinStatus.UNKNOWN
    bus.message.emit(T.state("tidal"), {"v": 1, "alerts": [], "open": []})   # no mode key: keep the last known
    assert model.mode is Mode.AUTO


def test_decisions_log_is_newest_first_bounded_and_says_who_decided(fake):
    bus, model, _ = fake
    events = [
        {"kind": "tidal_propose_open", "window": "20", "service": "business-setup", "reason": proposal()["reason"],
         "inputs": INPUTS},
        {"kind": "tidal_opened", "window": "20", "service": "business-setup",
         "reason": "开放20号窗口办理企业开办：预计等待60分钟 / open Window 20 for Business Setup: predicted wait 60 min",
         "inputs": {**INPUTS, "by": "policy", "confirmed": True}},
        {"kind": "tidal_opened", "window": "21", "service": "tax", "reason": "manual"},
        {"kind": "tidal_closed", "window": "22", "service": "tax", "reason": "x / y", "inputs": {"by": "policy"}},
        {"kind": "tidal_reassigned", "window": "22"},
    ]
    for i, e in enumerate(events):
        bus.message.emit(T.event("tidal"), {"v": 1, "ts": (NOW + timedelta(seconds=i)).isoformat(), **e})
    assert [e.kind for e in model.log] == [Decided.OTHER, Decided.CLOSED, Decided.OPENED]   # bounded to 3
    assert [e.actor for e in model.log][1:] == [Actor.POLICY, Actor.MANAGER]
    assert model.log[1].reason == {"zh": "x", "en": "y"}
    model.log.clear()
    for e in events[:2]:
        bus.message.emit(T.event("tidal"), {"v": 1, "ts": NOW.isoformat(), **e})
    assert model.log[0].actor is Actor.CONFIRMED and model.log[0].reason["en"].startswith("open Window 20")
    line = log_line(model.log[1], model.names, Lang.ZH)
    assert line.startswith("10:00:00  建议开放  20号窗口 · 企业开办 — 预计等待60分钟") and "(策略)" in line


def test_device_cells_list_configured_devices_even_before_they_report(fake):
    bus, model, clock = fake
    cells = {c.device: c for c in model.device_cells()}
    assert {"printer-1", "kiosk-1", "led-1", "keypads-1", "evaluators-1", "cam-1"} <= set(cells)
    assert cells["printer-1"].severity is Severity.UNKNOWN and cells["led-1"].kind == "ledstrip"
    bus.message.emit(T.health("printer-1"), {"v": 1, "ts": NOW.isoformat(), "device": "printer-1", "kind": "printer",
                                             "state": "paper_out"})
    bus.message.emit(T.health("led-1"), {"v": 1, "ts": NOW.isoformat(), "device": "led-1", "kind": "ledstrip",
                                         "state": "ok", "strips": {"7": "offline"}})
    bus.message.emit(T.health("printer-9"), {"v": 1, "ts": NOW.isoformat(), "kind": "printer", "state": "ok"})
    cells = {c.device: c for c in model.device_cells()}
    assert cells["printer-1"].severity is Severity.BAD and cells["led-1"].health.detail == "strips 7"
    assert "printer-9" in cells                                  # not in the hall file, but it reported
    clock[0] = NOW + timedelta(minutes=10)
    assert {c.device: c for c in model.device_cells()}["led-1"].severity is Severity.WARN   # "ok", 10 min ago


def test_one_command_at_a_time_and_the_reply_becomes_a_result(fake, qtbot):
    bus, model, _ = fake
    assert model.confirm("20") and not model.decline("20")       # the second tap sends nothing
    assert bus.sent == [("tidal", {"action": "confirm", "window": "20"}, "manager")]
    bus.reply.emit("manager", {"id": "other", "ok": True})       # not ours: ignored
    assert model.pending is not None
    refusal = {"id": "cid-1", "ok": False, "error": {"code": "no_proposal",
                                                     "message": {"zh": "没有待确认的潮汐窗口建议", "en": "no tidal proposal is waiting"},
                                                     "guide": {"zh": "可直接开放", "en": "open it directly"}}}
    with qtbot.waitSignal(model.result, timeout=1000) as blocker:
        bus.reply.emit("manager", refusal)
    r = blocker.args[0]
    assert r.outcome is Outcome.REFUSED and r.command.action is TidalAction.CONFIRM and r.say(Lang.EN)[1] == "open it directly"
    assert model.open("21", "business-setup", "  rush  ")
    assert bus.sent[-1][1] == {"action": "open", "window": "21", "service": "business-setup", "reason": "rush"}
    bus.reply.emit("manager", {"id": "cid-2", "ok": True, "tidal": {"window": "21", "service": "business-setup", "open": True}})
    assert model.last.outcome is Outcome.OK and model.last.say(Lang.ZH)[0] == "已开放21号窗口办理企业开办"
    assert model.pending is None


def test_wording_of_a_proposal_and_its_inputs(fake):
    _, model, _ = fake
    from tideq.manager.state import parse_tidal

    p = parse_tidal(tidal_state(proposals=[proposal()])).proposals[0]
    assert proposal_title(p, model.names, Lang.ZH) == "开放20号窗口办理企业开办"
    assert proposal_title(p, model.names, Lang.EN) == "Open Window 20 for Business Setup"
    zh, en = key_inputs(p.inputs, Lang.ZH), key_inputs(p.inputs, Lang.EN)
    assert "排队40人" in zh and "最久已等12分钟" in zh and "摄像头：拥挤" in zh and "已持续2分钟" in zh
    assert "40 waiting" in en and "in 10 min 60 min" in en and "arrivals 80/h, served 12/h" in en
    assert "queue signals only" in key_inputs({**INPUTS, "camera": "stale"}, Lang.EN)


def test_manager_identity_reads_the_whole_hall_and_writes_only_cmd_tidal(hall):
    ids = {i.user: i for i in identities(hall.hall)}
    p = "tideq/xian-hitech"
    assert ids["manager"].write == (f"{p}/cmd/tidal",)
    assert {f"{p}/reply/manager", f"{p}/state/#", f"{p}/status/#", f"{p}/event/#", f"{p}/sensor/#",
            f"{p}/health/#"} == set(ids["manager"].read)


def test_a_move_proposal_reads_as_a_switch(hall) -> None:
    """`propose_move` (an open tidal window going straight to another service) is its own card."""
    from tideq.manager.state import parse_tidal

    view = parse_tidal({"v": 1, "ts": "2026-11-26T10:00:00+08:00", "mode": "confirm", "alerts": [], "open": [],
                        "draining": [], "proposals": [{"window": "19", "service": "tax", "action": "propose_move",
                                                        "at": "2026-11-26T10:00:00+08:00", "reason": {"zh": "z", "en": "e"},
                                                        "inputs": {}}]})
    assert view.proposals[0].kind is ProposalKind.MOVE
    from tideq.manager.texts import Names

    names = Names(hall.hall)
    assert proposal_title(view.proposals[0], names, Lang.ZH) == "19号窗口改办税务办理"
    assert proposal_title(view.proposals[0], names, Lang.EN) == "Switch Window 19 to Tax Services"
