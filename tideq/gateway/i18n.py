"""The pages' texts in Chinese and English: one table, used by the server's first render and, as a
JSON data block in the page, by the script that re-renders on every update. `{n}`, `{m}`,
`{window}`, `{time}` are filled in by both."""

from __future__ import annotations

from typing import Any

LANGS = ("zh", "en")

STRINGS: dict[str, dict[str, str]] = {
    "zh": {
        "lang_name": "中文",
        "other_lang": "English",
        "ticket_title": "我的排队",
        "your_number": "您的号码",
        "ahead": "前面还有 {n} 人",
        "ahead_none": "您是下一位",
        "eta": "预计等候约 {m} 分钟",
        "eta_soon": "即将叫号",
        "updating": "正在更新排队信息…",
        "eta_unknown": "暂无窗口办理，请留意现场公告",
        "near": "快到您了！前面还有 {n} 人，请回到等候区留意叫号。",
        "near_next": "快到您了！您是下一位，请回到等候区留意叫号。",
        "called": "请到 {window} 办理",
        "called_sub": "正在叫您的号码，请尽快前往。",
        "skipped": "您的号码已过号",
        "skipped_rejoin": "请在 {time} 前到综合咨询窗口或原办理窗口，工作人员可为您重新排队一次，号码不变。",
        "skipped_late": "请到综合咨询窗口咨询。",
        "done": "本号已办理完毕或已失效",
        "done_sub": "感谢您的耐心等候。如需继续办理，请到自助取号机重新取号。",
        "alerts_on": "开启到号提醒",
        "alerts_hint": "请保持本页打开：快到您和叫到您时，本页会提示并振动（如手机支持）。",
        "alerts_enabled": "提醒已开启",
        "live": "实时更新",
        "updated": "更新于 {time}",
        "reconnecting": "连接中断，正在重新连接…",
        "stale": "叫号系统暂时没有更新，请留意现场叫号。",
        "privacy": "本页不含任何个人信息，仅凭号码凭条上的二维码查看。",
        "notify_near_title": "快到您了",
        "notify_near_body": "{number}：前面还有 {n} 人",
        "notify_called_title": "请到 {window} 办理",
        "notify_called_body": "正在叫 {number} 号",
        "hall_title": "大厅实时排队",
        "waiting": "等候 {n} 人",
        "eta_short": "约 {m} 分钟",
        "no_wait": "无需等候",
        "closed": "暂停取号",
        "opens": "{time} 开始取号",
        "hours": "办理时间",
        "no_hours": "今日不办理",
        "tidal": "潮汐窗口",
        "recent_calls": "最近叫号",
        "notices": "大厅公告",
        "not_found_title": "页面不存在或已过期",
        "not_found": "二维码只在取号当天有效。请检查凭条，或到自助取号机重新取号。",
        "busy_title": "访问过于频繁",
        "busy": "请稍候 {n} 秒再刷新。",
        "unavailable_title": "暂时无法显示",
        "unavailable": "叫号系统正在连接，请稍后刷新，或留意现场叫号。",
    },
    "en": {
        "lang_name": "English",
        "other_lang": "中文",
        "ticket_title": "My place in the queue",
        "your_number": "Your number",
        "ahead": "{n} people ahead of you",
        "ahead_one": "1 person ahead of you",
        "ahead_none": "You are next",
        "eta": "Estimated wait: about {m} min",
        "eta_soon": "You will be called soon",
        "updating": "Updating your place in the queue…",
        "eta_unknown": "No window is serving this now; please watch the hall notices",
        "near": "Almost your turn! {n} ahead of you; please return to the waiting area.",
        "near_next": "Almost your turn! You are next; please return to the waiting area.",
        "called": "Please go to {window}",
        "called_sub": "Your number is being called; please go now.",
        "skipped": "Your number was skipped",
        "skipped_rejoin": "Before {time}, go to the General Enquiry window or the window that called you: staff can "
        "put you back in the queue once, with the same number.",
        "skipped_late": "Please ask at the General Enquiry window.",
        "done": "This number is finished or no longer valid",
        "done_sub": "Thank you for waiting. For another matter, take a new number at a kiosk.",
        "alerts_on": "Alert me when it's my turn",
        "alerts_hint": "Keep this page open: it alerts you (and vibrates, where the phone allows) when you are "
        "close and when you are called.",
        "alerts_enabled": "Alerts are on",
        "live": "Live",
        "updated": "Updated {time}",
        "reconnecting": "Connection lost, reconnecting…",
        "stale": "The queue system has not updated for a while; please listen for calls in the hall.",
        "privacy": "This page holds no personal data; it opens only from the QR code on your ticket.",
        "notify_near_title": "Almost your turn",
        "notify_near_body": "{number}: {n} ahead of you",
        "notify_called_title": "Please go to {window}",
        "notify_called_body": "Calling number {number}",
        "hall_title": "Live queue",
        "waiting": "{n} waiting",
        "eta_short": "about {m} min",
        "no_wait": "no wait",
        "closed": "Not taking numbers now",
        "opens": "Opens at {time}",
        "hours": "Hours",
        "no_hours": "Not served today",
        "tidal": "Tidal window",
        "recent_calls": "Recent calls",
        "notices": "Notices",
        "not_found_title": "Page not found or expired",
        "not_found": "The QR code is valid on the day the ticket was taken. Check your ticket, or take a new "
        "number at a kiosk.",
        "busy_title": "Too many requests",
        "busy": "Please wait {n} s before refreshing.",
        "unavailable_title": "Not available right now",
        "unavailable": "The queue system is connecting; refresh in a moment, or listen for calls in the hall.",
    },
}


# The district page's texts: apart from STRINGS, whose whole table every phone page carries in its
# data block (the district page has no script that needs them).
DISTRICT_STRINGS: dict[str, dict[str, str]] = {
    "zh": {
        "district_title": "全区大厅概览",
        "district_totals": "{n} 个大厅 · 共 {w} 人等候 · {a} 条预警",
        "district_no_centre": (
            "未连接区级中心：请以 tideq gateway --district mqtts://中心地址:8883 启动（见 docs/district.md）。"
        ),
        "district_offline": "与区级中心的连接已断开，正在重连；下列数据为断开前的最新状态。",
        "district_link_up": "在线",
        "district_link_down": "链路中断",
        "district_link_unknown": "状态未知",
        "district_tidal_open": "已开潮汐窗口 {n} 个",
        "district_service": "事项",
        "district_waiting": "等候",
        "district_eta": "预计",
        "district_windows": "窗口",
        "district_devices": "设备正常 {ok}/{total}",
        "district_footer": "数据来自各大厅经桥接上报的状态，不含任何个人信息。每 10 秒刷新。",
    },
    "en": {
        "district_title": "District halls",
        "district_totals": "{n} halls · {w} waiting · {a} alerts",
        "district_no_centre": (
            "Not connected to a district centre: start tideq gateway --district mqtts://CENTRE:8883 (docs/district.md)."
        ),
        "district_offline": "Lost the link to the district centre, reconnecting; showing the last state seen.",
        "district_link_up": "online",
        "district_link_down": "link down",
        "district_link_unknown": "unknown",
        "district_tidal_open": "{n} tidal windows open",
        "district_service": "Service",
        "district_waiting": "Waiting",
        "district_eta": "Wait",
        "district_windows": "Windows",
        "district_devices": "devices ok {ok}/{total}",
        "district_footer": "From the state each hall's bridge reports; no personal data. Refreshes every 10 s.",
    },
}


def pick_lang(query: str | None, accept_language: str | None) -> str:
    """`?lang=` if it is one we have, else English for a browser that prefers it, else Chinese."""
    if query in LANGS:
        return query
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh"
        if tag.startswith("en"):
            return "en"
    return "zh"


def t(lang: str, key: str, **kw: Any) -> str:
    table = DISTRICT_STRINGS[lang] if key.startswith("district_") else STRINGS[lang]
    if key == "ahead" and lang == "en" and kw.get("n") == 1:
        key = "ahead_one"
    text = table.get(key) or (DISTRICT_STRINGS if key.startswith("district_") else STRINGS)["zh"][key]
    return text.format(**kw) if kw else text
