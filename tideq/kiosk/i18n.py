"""Every kiosk UI string, Chinese and English, in one table.

Texts from the hall config and the controller arrive already bilingual ({zh, en}); `pick()`
chooses one. Keeping the kiosk's own texts here lets a test check both languages are complete
and lets the screenshot script show every string in both.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from tideq.contract import BiText, Lang

__all__ = ["Lang", "S", "bitext", "minutes", "other", "pick", "tr", "when"]


def other(lang: Lang) -> Lang:
    """The language the header's toggle switches to."""
    return Lang.EN if lang is Lang.ZH else Lang.ZH


S: dict[str, tuple[str, str]] = {
    # header, banner
    "header.home": ("返回首页", "Home"),
    "header.lang": ("English", "中文"),
    "header.large_on": ("长辈模式", "Large text"),
    "header.large_off": ("标准模式", "Standard"),
    "banner.offline": (
        "叫号系统暂时离线：暂停取号，办事指南仍可使用",
        "Queue system offline: no tickets for now; the guide still works",
    ),
    "banner.connecting": ("正在连接叫号系统…", "Connecting to the queue system…"),
    # attract + home
    "attract.touch": ("请触摸屏幕开始", "Touch the screen to start"),
    "attract.hint": ("取号 · 预约签到 · 办事指南", "Take a number · Check in · Service guide"),
    "home.welcome": ("您好，请选择要办理的事项", "Welcome. What would you like to do?"),
    "home.take": ("取号", "Take a number"),
    "home.take_sub": ("现场排队办理", "Queue for a service today"),
    "home.checkin": ("预约签到", "Appointment check-in"),
    "home.checkin_sub": ("输入预约码、扫码或刷身份证", "Code, QR code or ID card"),
    "home.guide": ("办事指南", "Service guide"),
    "home.guide_sub": ("材料、条件、地点", "Documents, conditions, where"),
    "home.policy": ("惠企政策", "Policy contacts"),
    "home.policy_sub": ("政策发言人联系方式", "Business policy officers"),
    "home.closed": (
        "大厅现在不办理业务，下次开放：{when}。办事指南、政策咨询和预约查询24小时可用。",
        "The hall is closed now; it opens {when}. The guide, policy contacts and check-in information work 24 hours.",
    ),
    "home.industry": ("一业一证", "One industry, one permit"),
    "home.industry_sub": ("开店所需证照和材料", "Permits to open a business"),
    # 一业一证
    "industry.title": ("一业一证：请选择行业", "One industry, one permit: choose your industry"),
    "industry.tile_sub": ("{n} 项证照", "{n} permits"),
    "industry.permits": ("需办理的证照", "Permits needed"),
    "industry.materials": ("所需材料（已合并去重）", "What to bring (combined)"),
    "industry.for": ("证照 {which}", "for {which}"),
    "industry.where": ("办理窗口", "Where"),
    "industry.online": ("网上办理：扫码进入一网通办", "Online: scan for the online service"),
    "industry.print": ("打印清单", "Print list"),
    "industry.take": ("取号：{service}", "Take a number: {service}"),
    "industry.back": ("选择其他行业", "Other industries"),
    "industry.printing": ("正在打印清单…", "Printing the list…"),
    "industry.printed": ("请取走清单", "Please take your list"),
    "industry.print_failed": (
        "清单未能打印，请拍照留存屏幕，或请工作人员协助",
        "The list could not be printed: take a photo of the screen or ask staff",
    ),
    "industry.no_printer": ("本机不能打印，请拍照留存屏幕", "This kiosk does not print: take a photo of the screen"),
    # services
    "services.title": ("请选择业务", "Choose a service"),
    "services.waiting": ("等候 {n} 人", "{n} waiting"),
    "services.eta": ("约 {m} 分钟", "~{m} min"),
    "services.eta_now": ("即到即办", "no wait"),
    "services.closed": ("{when} 开放", "Opens {when}"),
    "services.closed_unknown": ("暂停取号", "Closed now"),
    "services.quota": ("今日号已发完", "None left today"),
    "services.quota_left": ("今日余号 {n}", "{n} left today"),
    "services.identity": ("需刷身份证", "ID card needed"),
    "services.hall_closed": ("大厅现在不办理业务，下次开放：{when}", "The hall is closed; it opens {when}"),
    # identity
    "identity.title": ("请刷身份证", "Please place your ID card"),
    "identity.body": (
        "{service}需要核验身份。请将身份证放在下方感应区。\n身份证号码只用于限制每人每日取号数量，不会显示或保存。",
        "{service} needs your ID card. Place it on the reader below.\n"
        "Your ID number is only used to limit tickets per person; it is never shown or stored.",
    ),
    "identity.bad": ("未能读取身份证，请重新放置", "The card could not be read; please place it again"),
    "identity.no_reader_title": ("本机读卡器暂不可用", "The card reader here is not working"),
    "identity.no_reader_body": (
        "{service}需要核验身份证。请取综合咨询号，带上身份证到窗口，工作人员核验后为您办理；也可以请大厅引导员协助。",
        "{service} needs your ID card checked. Take a ticket for General Enquiries and bring your card "
        "to the window: staff check it there and help you. A hall guide can also help.",
    ),
    "identity.sending": ("已读取，正在取号…", "Card read, getting your number…"),
    # ticket
    "ticket.your_number": ("您的号码", "Your number"),
    "ticket.ahead": ("前面还有 {n} 人", "{n} people ahead"),
    "ticket.ahead_none": ("前面没有人，请留意叫号", "No one ahead: listen for your number"),
    "ticket.eta": ("预计等候约 {m} 分钟", "Estimated wait about {m} min"),
    "ticket.where": ("请到 {where} 等候", "Please wait at: {where}"),
    "ticket.printing": ("正在打印号票…", "Printing your ticket…"),
    "ticket.printed": ("请取走号票，留意叫号", "Please take your ticket and listen for your number"),
    "ticket.print_failed": (
        "号票未能打印。屏幕上的号码同样有效：请拍照留存，或请工作人员协助。工作人员已收到通知。",
        "The ticket could not be printed. The number on screen is valid: take a photo "
        "of it or ask staff. Staff have been told.",
    ),
    "ticket.no_printer": (
        "本机不打印号票。请拍照留存屏幕上的号码。",
        "This kiosk does not print. Please take a photo of your number.",
    ),
    "ticket.appointment": ("预约", "Appointment"),
    "ticket.green": ("绿色通道", "Green channel"),
    "ticket.qr": ("号票二维码：工作人员可扫码核验", "Ticket QR code: staff scan it to check"),
    "ticket.done": ("完成", "Done"),
    # refusal
    "refusal.retry": ("重试", "Try again"),
    "refusal.checkin": ("预约签到", "Appointment check-in"),
    "refusal.consult": ("取综合咨询号", "Ticket for General Enquiries"),
    "refusal.guide": ("查看办事指南", "Read the service guide"),
    "refusal.take": ("现场取号", "Take a walk-in number"),
    "refusal.home": ("返回首页", "Back to home"),
    "refusal.online": ("网上办理：{online}", "Online: {online}"),
    "refusal.offline_msg": (
        "暂时无法连接叫号系统，现在不能取号",
        "The queue system cannot be reached, so no ticket was issued",
    ),
    "refusal.offline_guide": (
        "请稍候点“重试”（不会重复取号），或到综合咨询窗口请工作人员协助",
        "Tap “Try again” in a moment (you will not get two tickets), or ask at the General Enquiries window",
    ),
    "refusal.unexpected_msg": (
        "叫号系统的答复无法识别，未能取号",
        "The queue system's answer could not be read, so no ticket was issued",
    ),
    "refusal.unexpected_guide": ("请到综合咨询窗口请工作人员协助", "Please ask at the General Enquiries window"),
    # check-in
    "checkin.title": ("预约签到", "Appointment check-in"),
    "checkin.enter": ("请输入预约码", "Enter your appointment code"),
    "checkin.other": ("也可以：", "Or:"),
    "checkin.scan": (
        "将预约二维码对准下方摄像头，或放在扫码口",
        "Show your booking QR code to the camera or scanner below",
    ),
    "checkin.card": ("将身份证放在感应区", "Place your ID card on the reader"),
    "checkin.ok": ("签到", "Check in"),
    "checkin.clear": ("清除", "Clear"),
    "checkin.back": ("删除", "Delete"),
    "checkin.short": ("预约码至少4位", "The code has at least 4 characters"),
    "checkin.sending": ("正在签到…", "Checking in…"),
    "checkin.late": ("已超过预约时段", "After your slot"),
    # guide
    "guide.title": ("办事指南", "Service guide"),
    "guide.search": ("搜索事项，如“社保”", "Search, e.g. “tax”"),
    "guide.all": ("全部", "All"),
    "guide.elsewhere": ("其他地方办理", "Handled elsewhere"),
    "guide.materials": ("所需材料", "What to bring"),
    "guide.conditions": ("办理条件", "Conditions"),
    "guide.where": ("办理地点", "Where"),
    "guide.contact": ("咨询", "Whom to ask"),
    "guide.online": ("网上办理", "Online"),
    "guide.none": ("无需材料", "Nothing to bring"),
    "guide.take": ("为此事项取号", "Take a number for this"),
    "guide.back": ("返回指南", "Back to the guide"),
    "guide.no_match": (
        "没有找到相关事项，请到综合咨询窗口询问",
        "Nothing found; please ask at the General Enquiries window",
    ),
    "guide.handled_at": ("办理地点：{where}", "Handled at: {where}"),
    "guide.search_kb": ("请点下方字母：拼音首字母或英文", "Tap the letters below"),
    "guide.keyboard": ("键盘查找", "Keyboard"),
    "guide.keyboard_hide": ("收起键盘", "Hide keyboard"),
    "guide.key_back": ("删除", "Delete"),
    "guide.key_clear": ("清除", "Clear"),
    "guide.kb_hint": ("按拼音首字母查找，例如：", "Type the start of an English word, for example:"),
    "guide.kb_hint_en": ("也可以输入英文，如 {word}", "Chinese mode also finds pinyin initials"),
    "guide.via": ("所需材料：{what}", "Bring: {what}"),
    "guide.no_match_q": (
        "没有找到与“{q}”相关的事项。请到综合咨询窗口询问：{where}",
        "Nothing found for {q}. Please ask at the General Enquiries window: {where}",
    ),
    "guide.no_match_elsewhere": ("以下事项不在本大厅办理：", "These matters are handled elsewhere:"),
    # policy
    "policy.title": ("惠企政策发言人", "Business policy contacts"),
    "policy.intro": (
        "企业政策问题可直接联系以下发言人（工作日办公时间）",
        "For business policy questions call these officers (office hours)",
    ),
    # voice prompts (large mode)
    "voice.home": (
        "您好，请选择取号、预约签到、办事指南或惠企政策",
        "Welcome. Choose take a number, check in, service guide, or policy contacts",
    ),
    "voice.services": ("请选择要办理的业务", "Please choose a service"),
    "voice.identity": ("请将身份证放在感应区", "Please place your ID card on the reader"),
    "voice.ticket": ("您的号码是{number}，前面还有{n}人", "Your number is {number}. {n} people ahead"),
    "voice.checkin": ("请输入预约码，或扫描预约二维码", "Enter your appointment code, or scan your booking QR code"),
    "voice.guide": ("请选择要查看的事项", "Choose a matter to read about"),
    "voice.guide_search": (
        "请按拼音首字母查找，例如公积金，请按 G J J",
        "Type the start of an English word, for example tax",
    ),
    "voice.industries": ("请选择您要开办的行业", "Choose the kind of business you want to open"),
    "voice.industry": (
        "以下是需要办理的证照和材料，可以打印清单",
        "Here are the permits and documents you need; you can print the list",
    ),
    "voice.policy": ("以下是惠企政策发言人的联系方式", "Here are the business policy contacts"),
}


def tr(key: str, lang: Lang, **kw: Any) -> str:
    zh, en = S[key]
    text = zh if lang is Lang.ZH else en
    return text.format(**kw) if kw else text


def bitext(key: str) -> BiText:
    """A kiosk string in both languages, for a message built on the kiosk (an offline refusal)."""
    zh, en = S[key]
    return BiText(zh=zh, en=en)


def pick(text: BiText | Mapping[str, str] | Any, lang: Lang) -> str:
    """One language of a bilingual text: the contract's BiText, a config Text, or a driver's
    {zh, en} guide (the printer's advice)."""
    if text is None:
        return ""
    if isinstance(text, BiText):
        return text.pick(lang)
    if isinstance(text, Mapping):
        return str(text.get(lang.value) or text.get("zh") or "")
    return str(getattr(text, lang.value))


def minutes(eta_s: int) -> int:
    """Waits are shown in whole minutes, rounded up, at least 1 (a visitor reads "0" as "now")."""
    return max(1, -(-int(eta_s) // 60))


def when(at: datetime | None, lang: Lang, now: datetime | None = None) -> str:
    """A next-opening time as a visitor says it: 今天 13:00 / 11月27日 09:00 / Fri 27 Nov 09:00."""
    if at is None:
        return "下一个工作日" if lang is Lang.ZH else "the next working day"
    if now is not None and at.date() == now.date():
        return f"今天 {at:%H:%M}" if lang is Lang.ZH else f"today {at:%H:%M}"
    if lang is Lang.ZH:
        return f"{at.month}月{at.day}日 周{'一二三四五六日'[at.weekday()]} {at:%H:%M}"
    return f"{at:%a %d %b %H:%M}"
