"""What the screens say, in Chinese and English, and which language shows when. Pure (no Qt).

Every text is the contract's `BiText`, whether it came from the controller (window and service
names) or is the board's own (labels, banners)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from tideq.contract import BiText, Lang, WindowStatus

from .hallstate import Liveness, ServiceView, WindowView

ALTERNATE_S = 8  # seconds per language in `alternate` mode: long enough to read a line twice


def bi(zh: str, en: str) -> BiText:
    """A board text in both languages. Built from the board's own strings, the hall file and
    already-validated messages, on the paint path: so it skips validation."""
    return BiText.model_construct(zh=zh, en=en)


class Languages(str, Enum):
    """How a board shows its two languages (a view setting from the hall file)."""

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


def pick(name: BiText, lang: Lang) -> str:
    return name.pick(lang)


LABELS = {
    "now_calling": bi("正在叫号", "Now calling"),
    "recent": bi("刚才叫号", "Recent calls"),
    "waiting": bi("等候", "Waiting"),
    "eta": bi("预计等候", "Est. wait"),
    "service": bi("业务", "Service"),
    "idle": bi("请留意叫号，凭号到窗口办理", "Please wait for your number to be called"),
    "recall": bi("再次呼叫", "Recall"),
    "window": bi("号窗口", "Window"),
    "go_to": bi("请到", "go to"),
    "now_serving": bi("正在办理", "Now serving"),
    "ready": bi("请稍候，即将叫号", "Ready for the next number"),
    "paused": bi("暂停服务", "Paused"),
    "closed": bi("本窗口暂未开放", "This window is closed"),
    "tidal_closed": bi("潮汐窗口 · 高峰时段开放", "Tidal window · opens at busy times"),
    "no_alternative": bi("请留意大厅综合屏叫号，或到咨询台询问", "Please watch the hall board or ask at the help desk"),
    "stopped": bi("暂停取号", "Not issuing"),
}

BANNERS = {
    Liveness.LINK_DOWN: bi("网络连接中断，正在重新连接…", "Connection lost, reconnecting…"),
    Liveness.OFFLINE: bi("叫号系统离线，请留意窗口叫号", "Queue system offline: listen for your number at the windows"),
    Liveness.WAITING: bi("正在获取叫号信息…", "Loading queue information…"),
    Liveness.STALE: bi("叫号信息更新中断，以下内容可能已过时", "Updates interrupted: information may be out of date"),
}

_WEEKDAYS_ZH = "一二三四五六日"


def date_text(now: datetime) -> BiText:
    return bi(
        f"{now.year}年{now.month}月{now.day}日 星期{_WEEKDAYS_ZH[now.weekday()]}",
        now.strftime("%a %d %b %Y").replace(" 0", " "),
    )


def eta_text(s: ServiceView) -> BiText:
    if not s.open:
        return LABELS["stopped"]
    if s.waiting == 0:
        return bi("无需等候", "No wait")
    minutes = max(1, round(s.eta_s / 60))
    return bi(f"约{minutes}分钟", f"~{minutes} min")


def tidal_notice(window: BiText, service: BiText) -> BiText:
    """e.g. 19号窗口临时开放 · 企业开办 (the tidal window's "（潮汐）" tag is dropped: the notice says it)."""
    wz = window.zh.replace("（潮汐）", "").replace("(潮汐)", "")
    we = window.en.replace(" (tidal)", "")
    return bi(f"{wz}临时开放 · {service.zh}", f"{we} now open for {service.en}")


def window_label(w: WindowView | None, wid: str) -> BiText:
    return w.name if w else bi(f"{wid}号窗口", f"Window {wid}")


PAUSE_REASONS = {
    "break": bi("工间休息", "short break"),
    "lunch": bi("午间休息", "lunch break"),
    "meeting": bi("业务培训", "staff meeting"),
    "system": bi("系统维护", "system maintenance"),
}


def status_title(w: WindowView) -> BiText:
    if w.status is WindowStatus.PAUSED:
        reason = PAUSE_REASONS.get(w.pause_reason or "")
        if reason:
            return bi(f"暂停服务（{reason.zh}）", f"Paused ({reason.en})")
        if w.pause_reason:
            return bi(f"暂停服务（{w.pause_reason}）", f"Paused ({w.pause_reason})")
        return LABELS["paused"]
    if w.status is WindowStatus.CLOSED:
        return LABELS["tidal_closed"] if w.tidal or not w.services else LABELS["closed"]
    return LABELS["now_serving"] if w.status is WindowStatus.SERVING else LABELS["ready"]


def go_instead(alts: list[WindowView], where: dict[str, BiText]) -> BiText:
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
    return bi(f"请到{zh}办理", f"Please go to {en}")
