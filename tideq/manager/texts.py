"""Bilingual wording of the manager console: proposal titles, the policy's key inputs, log lines.

Pure (no Qt) so the sentences a manager decides on are tested without a screen. Names come from
the hall file through `Names`, falling back to ids for anything the file does not know.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tideq.config.schema import HallConfig

from .state import Actor, Crowd, Decided, LogEntry, Mode, Proposal, ProposalKind, WinStatus
from tideq.counter.terminal_model import Lang

MODE_TEXT = {Mode.AUTO: ("自动", "Auto"), Mode.CONFIRM: ("需确认", "Confirm"), Mode.OFF: ("关闭", "Off"),
             Mode.UNKNOWN: ("未知", "Unknown")}
MODE_HINT = {Mode.AUTO: ("策略自动开关潮汐窗口，可随时干预", "the policy opens and closes tidal windows; you may override"),
             Mode.CONFIRM: ("策略提出建议，由您确认或拒绝", "the policy proposes; you confirm or decline"),
             Mode.OFF: ("潮汐策略已关闭，仅手动开关", "tidal policy off: manual only"),
             Mode.UNKNOWN: ("等待控制器状态", "waiting for the controller")}
STATUS_TEXT = {WinStatus.UNKNOWN: ("未知", "Unknown"), WinStatus.IDLE: ("空闲", "Idle"),
               WinStatus.SERVING: ("办理中", "Serving"), WinStatus.PAUSED: ("暂停", "Paused"),
               WinStatus.CLOSED: ("未开放", "Closed")}
CROWD_TEXT = {Crowd.LOW: ("宽松", "low"), Crowd.BUSY: ("较忙", "busy"), Crowd.CROWDED: ("拥挤", "crowded")}
KIND_TEXT = {
    Decided.OPENED: ("开放", "Opened"), Decided.CLOSED: ("关闭", "Closed"), Decided.WARN: ("预警", "Warning"),
    Decided.CLEAR: ("解除", "Cleared"), Decided.PROPOSE_OPEN: ("建议开放", "Proposed open"),
    Decided.PROPOSE_CLOSE: ("建议关闭", "Proposed close"), Decided.PROPOSE_MOVE: ("建议改办", "Proposed switch"),
    Decided.DRAIN: ("收尾", "Draining"),
    Decided.DECLINED: ("已拒绝", "Declined"), Decided.OTHER: ("其他", "Other"),
}
ACTOR_TEXT = {Actor.POLICY: ("策略", "policy"), Actor.CONFIRMED: ("经理确认", "confirmed"), Actor.MANAGER: ("经理", "manager")}
HEALTH_TEXT = {"ok": ("正常", "ok"), "unknown": ("未知", "unknown"), "degraded": ("部分故障", "degraded"),
               "paper_near_end": ("纸将尽", "paper low"), "paper_out": ("缺纸", "paper out"),
               "cover_open": ("盖未关", "cover open"), "error": ("故障", "error"), "offline": ("离线", "offline"),
               "stale": ("画面停滞", "stale"), "missing": ("无报告", "no report")}
KIND_LABEL = {"printer": ("打印机", "Printer"), "ledstrip": ("条屏", "LED strip"), "keypad-bus": ("呼叫器", "Keypads"),
              "evaluator-bus": ("评价器", "Evaluators"), "camera": ("摄像头", "Camera"), "kiosk": ("取号机", "Kiosk")}


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
        head, found, tail = text.partition(sep)
        if found and tail:
            return tail
    return text


def proposal_title(p: Proposal, names: Names, lang: Lang) -> str:
    """开放20号窗口办理企业开办 / Open Window 20 for Business Setup."""
    w, s = names.short_window(p.window, lang), names.short_service(p.service, lang)
    if p.kind is ProposalKind.OPEN:
        return f"开放{w}办理{s}" if lang is Lang.ZH else f"Open {w} for {s}"
    if p.kind is ProposalKind.MOVE:
        return f"{w}改办{s}" if lang is Lang.ZH else f"Switch {w} to {s}"
    return f"关闭{w}（{s}）" if lang is Lang.ZH else f"Close {w} ({s})"


def key_inputs(inputs: dict[str, Any], lang: Lang) -> str:
    """The numbers behind a decision, one short line: queue, waits, flow, camera, how long held."""
    zh = lang is Lang.ZH
    parts: list[str] = []
    if isinstance(inputs.get("waiting"), int):
        parts.append(f"排队{inputs['waiting']}人" if zh else f"{inputs['waiting']} waiting")
    if "oldest_wait_s" in inputs:
        parts.append(f"最久已等{minutes(inputs['oldest_wait_s'], lang)}" if zh
                     else f"longest wait {minutes(inputs['oldest_wait_s'], lang)}")
    if "eta_s" in inputs:
        parts.append(f"预计等待{minutes(inputs['eta_s'], lang)}" if zh else f"predicted wait {minutes(inputs['eta_s'], lang)}")
    if "projected_eta_s" in inputs:
        parts.append(f"10分钟后{minutes(inputs['projected_eta_s'], lang)}" if zh
                     else f"in 10 min {minutes(inputs['projected_eta_s'], lang)}")
    if "eta_without_window_s" in inputs:
        parts.append(f"关闭后预计{minutes(inputs['eta_without_window_s'], lang)}" if zh
                     else f"without it {minutes(inputs['eta_without_window_s'], lang)}")
    if "arrivals_per_h" in inputs and "departures_per_h" in inputs:
        a, d = inputs["arrivals_per_h"], inputs["departures_per_h"]
        parts.append(f"到达{a:g}/时 办结{d:g}/时" if zh else f"arrivals {a:g}/h, served {d:g}/h")
    camera = inputs.get("camera")
    if camera == "ok" and inputs.get("crowd") in Crowd._value2member_map_:
        parts.append(("摄像头：" if zh else "camera: ") + pick(CROWD_TEXT[Crowd(inputs["crowd"])], lang))
    elif camera in ("stale", "missing"):
        parts.append("摄像头无数据，仅按排队判断" if zh else "no camera data: queue signals only")
    if isinstance(inputs.get("held_s"), int) and inputs["held_s"] > 0:
        parts.append(f"已持续{minutes(inputs['held_s'], lang)}" if zh else f"held {minutes(inputs['held_s'], lang)}")
    return " · ".join(parts)


def log_line(e: LogEntry, names: Names, lang: Lang) -> str:
    """'10:04:12  建议开放  20号窗口 · 企业开办 — 预计等待45分钟  (策略)'."""
    what = pick(KIND_TEXT[e.kind], lang) if e.kind is not Decided.OTHER else e.raw_kind
    where = " · ".join(x for x in (names.short_window(e.window, lang) if e.window else "",
                                   names.short_service(e.service, lang) if e.service else "") if x)
    reason = reason_tail(e.reason.get(lang.value) or "")
    text = f"{clock(e.at)}  {what}  {where}"
    if reason and reason != "manual":
        text += f" — {reason}"
    return f"{text}  ({pick(ACTOR_TEXT[e.actor], lang)})"
