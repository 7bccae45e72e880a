"""What the screens say, in Chinese and English, and which language shows when. Pure (no Qt)."""
from __future__ import annotations

from datetime import datetime
from enum import Enum

from .hallstate import Liveness, Name, ServiceView, WindowStatus, WindowView

ALTERNATE_S = 8  # seconds per language in `alternate` mode: long enough to read a line twice


class Lang(Enum):
    ZH = "zh"
    EN = "en"


class Languages(str, Enum):
    SIDE_BY_SIDE = "side-by-side"
    ALTERNATE = "alternate"
    ZH = "zh"
    EN = "en"


def shown(mode: Languages, now: datetime) -> tuple[Lang, ...]:
    """The languages to draw at `now`; `alternate` switches every ALTERNATE_S seconds."""
    if mode is Languages.SIDE_BY_SIDE:
        return (Lang.ZH, Lang.EN)
    if mode is Languages.ALTERNATE:
        return (Lang.ZH,) if int(now.timestamp()) // ALTERNATE_S % 2 == 0 else (Lang.EN,)
    return (Lang.ZH,) if mode is Languages.ZH else (Lang.EN,)


def pick(name: Name, lang: Lang) -> str:
    return name.zh if lang is Lang.ZH else name.en


LABELS = {
    "now_calling": Name("正在叫号", "Now calling"),
    "recent": Name("刚才叫号", "Recent calls"),
    "waiting": Name("等候", "Waiting"),
    "eta": Name("预计等候", "Est. wait"),
    "service": Name("业务", "Service"),
    "idle": Name("请留意叫号，凭号到窗口办理", "Please wait for your number to be called"),
    "recall": Name("再次呼叫", "Recall"),
    "window": Name("号窗口", "Window"),
    "go_to": Name("请到", "go to"),
    "now_serving": Name("正在办理", "Now serving"),
    "ready": Name("请稍候，即将叫号", "Ready for the next number"),
    "paused": Name("暂停服务", "Paused"),
    "closed": Name("本窗口暂未开放", "This window is closed"),
    "tidal_closed": Name("潮汐窗口 · 高峰时段开放", "Tidal window · opens at busy times"),
    "no_alternative": Name("请留意大厅综合屏叫号，或到咨询台询问", "Please watch the hall board or ask at the help desk"),
    "stopped": Name("暂停取号", "Not issuing"),
}

BANNERS = {
    Liveness.LINK_DOWN: Name("网络连接中断，正在重新连接…", "Connection lost, reconnecting…"),
    Liveness.OFFLINE: Name("叫号系统离线，请留意窗口叫号", "Queue system offline: listen for your number at the windows"),
    Liveness.WAITING: Name("正在获取叫号信息…", "Loading queue information…"),
    Liveness.STALE: Name("叫号信息更新中断，以下内容可能已过时", "Updates interrupted: information may be out of date"),
}

_WEEKDAYS_ZH = "一二三四五六日"


def date_text(now: datetime) -> Name:
    return Name(f"{now.year}年{now.month}月{now.day}日 星期{_WEEKDAYS_ZH[now.weekday()]}",
                now.strftime("%a %d %b %Y").replace(" 0", " "))


def eta_text(s: ServiceView) -> Name:
    if not s.open:
        return LABELS["stopped"]
    if s.waiting == 0:
        return Name("无需等候", "No wait")
    minutes = max(1, round(s.eta_s / 60))
    return Name(f"约{minutes}分钟", f"~{minutes} min")


def tidal_notice(window: Name, service: Name) -> Name:
    """e.g. 19号窗口临时开放 · 企业开办 (the tidal window's "（潮汐）" tag is dropped: the notice says it)."""
    wz = window.zh.replace("（潮汐）", "").replace("(潮汐)", "")
    we = window.en.replace(" (tidal)", "")
    return Name(f"{wz}临时开放 · {service.zh}", f"{we} now open for {service.en}")


def window_label(w: WindowView | None, wid: str) -> Name:
    return w.name if w else Name(f"{wid}号窗口", f"Window {wid}")


PAUSE_REASONS = {
    "break": Name("工间休息", "short break"),
    "lunch": Name("午间休息", "lunch break"),
    "meeting": Name("业务培训", "staff meeting"),
    "system": Name("系统维护", "system maintenance"),
}


def status_title(w: WindowView) -> Name:
    if w.status is WindowStatus.PAUSED:
        reason = PAUSE_REASONS.get(w.pause_reason or "")
        if reason:
            return Name(f"暂停服务（{reason.zh}）", f"Paused ({reason.en})")
        if w.pause_reason:
            return Name(f"暂停服务（{w.pause_reason}）", f"Paused ({w.pause_reason})")
        return LABELS["paused"]
    if w.status is WindowStatus.CLOSED:
        return LABELS["tidal_closed"] if w.tidal or not w.services else LABELS["closed"]
    return LABELS["now_serving"] if w.status is WindowStatus.SERVING else LABELS["ready"]


def go_instead(alts: list[WindowView], where: dict[str, Name]) -> Name:
    """请到5号窗口、6号窗口办理（一楼A区） — where to go when this window does not serve."""
    if not alts:
        return LABELS["no_alternative"]
    shown_ = alts[:3]
    zh = "、".join(a.name.zh for a in shown_)
    en = ", ".join(a.name.en for a in shown_)
    places = [where[a.id] for a in shown_ if a.id in where]
    if places:
        zh += f"（{places[0].zh}）"
        en += f" ({places[0].en})"
    return Name(f"请到{zh}办理", f"Please go to {en}")
