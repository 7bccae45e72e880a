"""Bilingual wording of the manager console: proposal titles, the policy's key inputs, log lines.

Pure (no Qt) so the sentences a manager decides on are tested without a screen. Names come from
the hall file through `Names`, falling back to ids for anything the file does not know.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tideq.config.schema import HallConfig
from tideq.contract import (
    CrowdLevel,
    DeviceKind,
    HealthState,
    Lang,
    ProposalAction,
    ProposalItem,
    TidalKind,
    TidalMode,
    WindowStatus,
)

from .state import Actor, DecisionInputs, LogEntry, decision_inputs

MODE_TEXT = {TidalMode.AUTO: ("自动", "Auto"), TidalMode.CONFIRM: ("需确认", "Confirm"), TidalMode.OFF: ("关闭", "Off")}
MODE_HINT = {
    TidalMode.AUTO: ("策略自动开关潮汐窗口，可随时干预", "the policy opens and closes tidal windows; you may override"),
    TidalMode.CONFIRM: ("策略提出建议，由您确认或拒绝", "the policy proposes; you confirm or decline"),
    TidalMode.OFF: ("潮汐策略已关闭，仅手动开关", "tidal policy off: manual only"),
}
STATUS_TEXT = {
    WindowStatus.IDLE: ("空闲", "Idle"),
    WindowStatus.SERVING: ("办理中", "Serving"),
    WindowStatus.PAUSED: ("暂停", "Paused"),
    WindowStatus.CLOSED: ("未开放", "Closed"),
}
CROWD_TEXT = {
    CrowdLevel.LOW: ("宽松", "low"),
    CrowdLevel.BUSY: ("较忙", "busy"),
    CrowdLevel.CROWDED: ("拥挤", "crowded"),
}
KIND_TEXT = {
    TidalKind.OPENED: ("开放", "Opened"),
    TidalKind.CLOSED: ("关闭", "Closed"),
    TidalKind.WARN: ("预警", "Warning"),
    TidalKind.CLEAR: ("解除", "Cleared"),
    TidalKind.PROPOSE_OPEN: ("建议开放", "Proposed open"),
    TidalKind.PROPOSE_CLOSE: ("建议关闭", "Proposed close"),
    TidalKind.PROPOSE_MOVE: ("建议改办", "Proposed switch"),
    TidalKind.DRAIN: ("收尾", "Draining"),
    TidalKind.DECLINED: ("已拒绝", "Declined"),
}
ACTOR_TEXT = {
    Actor.POLICY: ("策略", "policy"),
    Actor.CONFIRMED: ("经理确认", "confirmed"),
    Actor.MANAGER: ("经理", "manager"),
}
HEALTH_TEXT = {
    HealthState.OK: ("正常", "ok"),
    HealthState.UNKNOWN: ("未知", "unknown"),
    HealthState.ATTENTION: ("需处理", "needs staff"),
    HealthState.DEGRADED: ("部分故障", "degraded"),
    HealthState.PAPER_NEAR_END: ("纸将尽", "paper low"),
    HealthState.PAPER_OUT: ("缺纸", "paper out"),
    HealthState.COVER_OPEN: ("盖未关", "cover open"),
    HealthState.ERROR: ("故障", "error"),
    HealthState.OFFLINE: ("离线", "offline"),
    HealthState.STALE: ("画面停滞", "stale"),
}
NO_REPORT = ("无报告", "no report")
KIND_LABEL = {
    DeviceKind.PRINTER: ("打印机", "Printer"),
    DeviceKind.KIOSK: ("取号机", "Kiosk"),
    DeviceKind.BOARD: ("大屏", "Board"),
    DeviceKind.LEDSTRIP: ("条屏", "LED strip"),
    DeviceKind.KEYPAD_BUS: ("呼叫器", "Keypads"),
    DeviceKind.EVALUATOR_BUS: ("评价器", "Evaluators"),
    DeviceKind.CAMERA: ("摄像头", "Camera"),
    DeviceKind.COUNTER: ("呼叫终端", "Caller terminal"),
    DeviceKind.EVALUATOR: ("评价平板", "Rating tablet"),
    DeviceKind.MANAGER: ("大厅管理", "Manager console"),
    DeviceKind.CONTROLLER: ("控制器", "Controller"),
}


def pick(pair: tuple[str, str], lang: Lang) -> str:
    return pair[0] if lang is Lang.ZH else pair[1]


def minutes(seconds: object, lang: Lang) -> str:
    if not isinstance(seconds, (int, float)):
        return "—"
    m = round(seconds / 60)
    return f"{m}分钟" if lang is Lang.ZH else f"{m} min"


def age(seconds: float | None, lang: Lang) -> str:
    """'12 s' / '3 min' / '2 h': how old a reading is."""
    if seconds is None:
        return ""
    s = max(0, int(seconds))
    if s < 90:
        return f"{s}秒" if lang is Lang.ZH else f"{s} s"
    if s < 5400:
        return f"{round(s / 60)}分钟" if lang is Lang.ZH else f"{round(s / 60)} min"
    return f"{round(s / 3600)}小时" if lang is Lang.ZH else f"{round(s / 3600)} h"


def clock(at: datetime | None) -> str:
    return f"{at:%H:%M:%S}" if at else "--:--:--"


@dataclass(frozen=True)
class Names:
    """Service and window names from the hall file."""

    hall: HallConfig

    def service(self, sid: str | None, lang: Lang) -> str:
        svc = self.hall.service(sid or "")
        return (svc.name.zh if lang is Lang.ZH else svc.name.en) if svc else (sid or "—")

    def window(self, wid: str | None, lang: Lang) -> str:
        w = self.hall.window(wid or "")
        if w:
            return w.name.zh if lang is Lang.ZH else w.name.en
        return f"{wid}号窗口" if lang is Lang.ZH else f"Window {wid}"

    def short_window(self, wid: str | None, lang: Lang) -> str:
        """'20号窗口' / 'Window 20': the pool mark is on every tidal card already."""
        return f"{wid}号窗口" if lang is Lang.ZH else f"Window {wid}"

    def short_service(self, sid: str | None, lang: Lang) -> str:
        """The name before ' · ' (企业开办 · 一业一证 -> 企业开办), for headlines."""
        return self.service(sid, lang).split(" · ")[0]


def reason_tail(text: str) -> str:
    """The policy writes '<headline>：<why>' ('open Window 20 for X: predicted wait 45 min'); where the
    console already shows the headline, keep the why."""
    for sep in ("：", ": "):
        _, found, tail = text.partition(sep)
        if found and tail:
            return tail
    return text


def proposal_title(p: ProposalItem, names: Names, lang: Lang) -> str:
    """开放20号窗口办理企业开办 / Open Window 20 for Business Setup."""
    w, s = names.short_window(p.window, lang), names.short_service(p.service, lang)
    if p.action is ProposalAction.OPEN:
        return f"开放{w}办理{s}" if lang is Lang.ZH else f"Open {w} for {s}"
    if p.action is ProposalAction.MOVE:
        return f"{w}改办{s}" if lang is Lang.ZH else f"Switch {w} to {s}"
    return f"关闭{w}（{s}）" if lang is Lang.ZH else f"Close {w} ({s})"


def unattended_line(
    window: str, tidal: bool, away_s: float, waiting: int, services: list[str], names: Names, lang: Lang
) -> str:
    """20号潮汐窗口已开放，但14分钟无人叫号（企业开办 6人等候）/ Tidal Window 20 is open but nobody has
    called for 14 min (Business Setup: 6 waiting)."""
    zh = lang is Lang.ZH
    w = names.short_window(window, lang)
    if tidal:
        w = w.replace("号窗口", "号潮汐窗口") if zh else f"Tidal {w}"
    s = (
        "、".join(names.short_service(x, lang) for x in services)
        if zh
        else ", ".join(names.short_service(x, lang) for x in services)
    )
    if zh:
        return f"{w}已开放，但{minutes(away_s, lang)}无人叫号（{s} {waiting}人等候），请安排人员或暂停该窗口"
    return (
        f"{w} is open but nobody has called for {minutes(away_s, lang)} ({s}: {waiting} waiting); staff it or pause it"
    )


def proposal_inputs(p: ProposalItem, lang: Lang) -> str:
    return key_inputs(decision_inputs(p.inputs), lang)


def key_inputs(i: DecisionInputs, lang: Lang) -> str:
    """The numbers behind a decision, one short line: queue, waits, flow, camera, how long held."""
    zh = lang is Lang.ZH
    parts: list[str] = []
    if i.waiting is not None:
        parts.append(f"排队{i.waiting}人" if zh else f"{i.waiting} waiting")
    if i.oldest_wait_s is not None:
        parts.append(
            f"最久已等{minutes(i.oldest_wait_s, lang)}" if zh else f"longest wait {minutes(i.oldest_wait_s, lang)}"
        )
    if i.eta_s is not None:
        parts.append(f"预计等待{minutes(i.eta_s, lang)}" if zh else f"predicted wait {minutes(i.eta_s, lang)}")
    if i.projected_eta_s is not None:
        parts.append(
            f"10分钟后{minutes(i.projected_eta_s, lang)}" if zh else f"in 10 min {minutes(i.projected_eta_s, lang)}"
        )
    if i.eta_without_window_s is not None:
        parts.append(
            f"关闭后预计{minutes(i.eta_without_window_s, lang)}"
            if zh
            else f"without it {minutes(i.eta_without_window_s, lang)}"
        )
    if i.arrivals_per_h is not None and i.departures_per_h is not None:
        a, d = i.arrivals_per_h, i.departures_per_h
        parts.append(f"到达{a:g}/时 办结{d:g}/时" if zh else f"arrivals {a:g}/h, served {d:g}/h")
    if i.camera_counted and i.crowd is not None:
        parts.append(("摄像头：" if zh else "camera: ") + pick(CROWD_TEXT[i.crowd], lang))
    elif i.camera_missing:
        parts.append("摄像头无数据，仅按排队判断" if zh else "no camera data: queue signals only")
    if i.held_s:
        parts.append(f"已持续{minutes(i.held_s, lang)}" if zh else f"held {minutes(i.held_s, lang)}")
    return " · ".join(parts)


def log_line(e: LogEntry, names: Names, lang: Lang) -> str:
    """'10:04:12  建议开放  20号窗口 · 企业开办 — 预计等待45分钟  (策略)'."""
    where = " · ".join(
        x
        for x in (
            names.short_window(e.window, lang) if e.window else "",
            names.short_service(e.service, lang) if e.service else "",
        )
        if x
    )
    reason = reason_tail(e.reason.pick(lang))
    text = f"{clock(e.at)}  {pick(KIND_TEXT[e.kind], lang)}  {where}"
    if reason and reason != "manual":
        text += f" — {reason}"
    return f"{text}  ({pick(ACTOR_TEXT[e.actor], lang)})"


def satisfaction(rated: int, satisfied: int, lang: Lang) -> str:
    """A window's 满意率 today, short enough for its tile: '满意率 95%·20评' / 'sat. 95% · 20'; nothing
    before the first rating."""
    if not rated:
        return ""
    rate = f"{satisfied / rated:.0%}"
    return f"满意率 {rate}·{rated}评" if lang is Lang.ZH else f"sat. {rate} · {rated}"
