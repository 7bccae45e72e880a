"""Every refusal the hall can give, each with what to do instead (窗口无否决权).

One function per code, so docs/protocol.md can list them and a vendor's kiosk can rely on
the codes; the texts are for people and may be improved without breaking anything.
"""

from __future__ import annotations

from datetime import datetime

from tideq.contract import BiText, ErrorCode

from .errors import Refusal

B = BiText.of

CONSULT = B("综合咨询窗口", "the General Enquiries window")


def _hm(at: datetime | None) -> BiText:
    if at is None:
        return B("下一个工作日", "the next working day")
    return B(f"{at.month}月{at.day}日 {at:%H:%M}", f"{at:%a %d %b %H:%M}")


def bad_json(detail: str) -> Refusal:
    return Refusal(
        ErrorCode.BAD_JSON,
        B("请求不是有效的JSON", f"payload is not valid JSON: {detail}"),
        B("请发送UTF-8编码的JSON对象", "send a UTF-8 JSON object as documented in docs/protocol.md"),
    )


def bad_payload(detail: str) -> Refusal:
    return Refusal(
        ErrorCode.BAD_PAYLOAD,
        B(f"请求内容有误：{detail}", f"payload rejected: {detail}"),
        B("请按接口文档填写字段", "fix the named field as documented in docs/protocol.md"),
    )


def payload_too_large(size: int, limit: int) -> Refusal:
    return Refusal(
        ErrorCode.PAYLOAD_TOO_LARGE,
        B("请求过大", f"payload of {size} bytes exceeds {limit}"),
        B("请拆分后分批发送", f"send at most {limit} bytes; split large imports into batches"),
    )


def unsupported_version(v: object) -> Refusal:
    return Refusal(
        ErrorCode.UNSUPPORTED_VERSION,
        B("接口版本不支持", f"contract version {v!r} is not supported"),
        B("请使用 v=1", 'send "v": 1'),
    )


def unknown_command(name: str) -> Refusal:
    return Refusal(
        ErrorCode.UNKNOWN_COMMAND,
        B("未知指令", f"unknown command {name!r}"),
        B("请查看接口文档中的指令列表", "see the command list in docs/protocol.md"),
    )


def unknown_service(sid: str, known: list[str]) -> Refusal:
    return Refusal(
        ErrorCode.UNKNOWN_SERVICE,
        B("没有这项业务", f"no service {sid!r} in this hall"),
        B(f"请到{CONSULT.zh}咨询办理地点", f"ask at {CONSULT.en} where it is handled; services: {', '.join(known)}"),
    )


def unknown_window(wid: str) -> Refusal:
    return Refusal(
        ErrorCode.UNKNOWN_WINDOW,
        B("没有这个窗口", f"no window {wid!r} in this hall"),
        B("请检查窗口编号配置", "check the window id in the hall config"),
    )


def unknown_ticket(number: str) -> Refusal:
    return Refusal(
        ErrorCode.UNKNOWN_TICKET,
        B(f"今日没有{number}号", f"no ticket {number} today"),
        B("请核对号码，或请市民重新取号", "check the number, or ask the visitor to take a new ticket"),
    )


def hall_closed(next_open: datetime | None) -> Refusal:
    t = _hm(next_open)
    return Refusal(
        ErrorCode.HALL_CLOSED,
        B("大厅现在不办理业务", "the hall is closed now"),
        B(
            f"请于{t.zh}再来；办事指南和24小时自助服务仍可使用",
            f"come back at {t.en}; the service guide and 24-hour self-service stay available",
        ),
        {"next_open": next_open.isoformat() if next_open else None},
    )


def service_closed(name: BiText, next_open: datetime | None) -> Refusal:
    t = _hm(next_open)
    return Refusal(
        ErrorCode.SERVICE_CLOSED,
        B(f"{name.zh}现在不办理", f"{name.en} is not served now"),
        B(
            f"请于{t.zh}再来，或先查看办事指南准备材料",
            f"come back at {t.en}, or read the service guide to prepare your documents",
        ),
        {"next_open": next_open.isoformat() if next_open else None},
    )


def quota_reached(name: BiText, appointments: bool, online: BiText | None) -> Refusal:
    zh = [f"可预约明天的{name.zh}" if appointments else "", online.zh if online else "", f"或到{CONSULT.zh}咨询"]
    en = [
        "book an appointment for another day" if appointments else "",
        online.en if online else "",
        f"or ask at {CONSULT.en}",
    ]
    return Refusal(
        ErrorCode.QUOTA_REACHED,
        B(f"今日{name.zh}号已发完", f"today's tickets for {name.en} are all taken"),
        B("；".join(x for x in zh if x), "; ".join(x for x in en if x)),
    )


def identity_required(name: BiText) -> Refusal:
    return Refusal(
        ErrorCode.IDENTITY_REQUIRED,
        B(f"{name.zh}需要刷身份证取号", f"{name.en} needs your ID card"),
        B("请将身份证放在取号机感应区", "place your ID card on the kiosk's card reader"),
    )


def identity_limit(limit: int) -> Refusal:
    return Refusal(
        ErrorCode.IDENTITY_LIMIT,
        B(f"每人每天最多取{limit}个号", f"at most {limit} tickets per person per day"),
        B(
            f"请先办理已取的号；如有特殊情况请到{CONSULT.zh}",
            f"use the tickets you hold; for special cases ask at {CONSULT.en}",
        ),
    )


def window_paused(wid: str, reason: str | None) -> Refusal:
    return Refusal(
        ErrorCode.WINDOW_PAUSED,
        B(f"{wid}号窗口暂停中", f"window {wid} is paused"),
        B("请先恢复服务（resume）再叫号", "resume the window first, then call"),
        {"reason": reason},
    )


def window_closed(wid: str) -> Refusal:
    return Refusal(
        ErrorCode.WINDOW_CLOSED,
        B(f"{wid}号窗口未开放", f"window {wid} is closed"),
        B("潮汐窗口由大厅管理员开放", "a tidal window is opened by the hall manager (cmd/tidal open)"),
    )


def window_draining(wid: str) -> Refusal:
    return Refusal(
        ErrorCode.WINDOW_DRAINING,
        B(f"{wid}号潮汐窗口即将关闭", f"tidal window {wid} is closing"),
        B("请办完当前市民，不再叫新号", "finish the current visitor and call no one new"),
    )


def window_busy(wid: str, ticket: str) -> Refusal:
    return Refusal(
        ErrorCode.WINDOW_BUSY,
        B(f"{wid}号窗口正在办理{ticket}", f"window {wid} is serving {ticket}"),
        B(f"请先办结、转移或过号{ticket}", f"finish, transfer or skip {ticket} first"),
        {"ticket": ticket},
    )


def no_current_ticket(wid: str) -> Refusal:
    return Refusal(
        ErrorCode.NO_CURRENT_TICKET,
        B(f"{wid}号窗口当前没有在办的号", f"window {wid} is not serving a ticket"),
        B("请先叫号", "call a ticket first (next or call)"),
    )


def no_ticket_waiting(services: list[BiText]) -> Refusal:
    return Refusal(
        ErrorCode.NO_TICKET_WAITING,
        B("当前没有等候的号", "no one is waiting"),
        B(
            "请稍后再叫号；可暂停窗口或协助综合咨询",
            "call again later; you may pause the window or help at General Enquiries",
        ),
        {"services": [s.en for s in services]},
    )


def ticket_not_waiting(number: str, status: str) -> Refusal:
    return Refusal(
        ErrorCode.TICKET_NOT_WAITING,
        B(f"{number}号不在等候中", f"ticket {number} is not waiting ({status})"),
        B("过号的号可以重新排队（rejoin）一次", "a skipped ticket can rejoin the queue once (cmd/rejoin)"),
        {"status": status},
    )


def ticket_other_service(number: str, windows: list[str]) -> Refusal:
    return Refusal(
        ErrorCode.TICKET_OTHER_SERVICE,
        B(f"{number}号不属于本窗口业务", f"ticket {number} is for a service this window does not serve"),
        B(
            f"请转移该号，或请市民到{'、'.join(windows)}号窗口",
            f"transfer it, or send the visitor to window(s) {', '.join(windows)}",
        ),
    )


def rejoin_expired(number: str, minutes: int) -> Refusal:
    return Refusal(
        ErrorCode.REJOIN_EXPIRED,
        B(f"{number}号过号已超过{minutes}分钟", f"ticket {number} was skipped more than {minutes} min ago"),
        B("请重新取号", "please take a new ticket"),
    )


def already_rejoined(number: str) -> Refusal:
    return Refusal(
        ErrorCode.ALREADY_REJOINED,
        B(f"{number}号已重新排队过一次", f"ticket {number} has already rejoined once"),
        B(f"请重新取号，或到{CONSULT.zh}", f"take a new ticket, or ask at {CONSULT.en}"),
    )


def not_rateable(number: str) -> Refusal:
    return Refusal(
        ErrorCode.NOT_RATEABLE,
        B(f"{number}号不能评价", f"ticket {number} cannot be rated now"),
        B("评价在本窗口办结后进行，每号一次", "rate once, after the ticket is finished at this window"),
    )


def appointment_unknown() -> Refusal:
    return Refusal(
        ErrorCode.APPOINTMENT_UNKNOWN,
        B("没有找到这个预约", "no appointment with this code"),
        B(
            f"请核对短信中的预约码，或到{CONSULT.zh}查询；也可直接取号",
            f"check the code in your SMS, ask at {CONSULT.en}, or take a walk-in ticket",
        ),
    )


def appointment_other_day(day: datetime) -> Refusal:
    return Refusal(
        ErrorCode.APPOINTMENT_OTHER_DAY,
        B(f"您的预约在{day.month}月{day.day}日", f"your appointment is on {day:%d %b}"),
        B("请在预约当天签到；今天也可直接取号", "check in on that day; today you can take a walk-in ticket"),
        {"start": day.isoformat()},
    )


def appointment_early(opens: datetime) -> Refusal:
    return Refusal(
        ErrorCode.APPOINTMENT_EARLY,
        B(f"还未到签到时间，请于{opens:%H:%M}后签到", f"check-in opens at {opens:%H:%M}"),
        B(
            f"请于{opens:%H:%M}后再来签到，期间可查看办事指南",
            f"come back after {opens:%H:%M}; meanwhile read the service guide",
        ),
        {"checkin_opens": opens.isoformat()},
    )


def appointment_cancelled(code: str) -> Refusal:
    return Refusal(
        ErrorCode.APPOINTMENT_CANCELLED,
        B(f"预约{code}已取消", f"appointment {code} was cancelled"),
        B(
            "请重新预约（掌上预约）或直接取号；预约平台可重新推送该预约",
            "book again on the platform or take a walk-in ticket; the platform can push the booking again",
        ),
        {"booking": code},
    )


def appointment_checked_in(code: str, ticket: str) -> Refusal:
    return Refusal(
        ErrorCode.APPOINTMENT_CHECKED_IN,
        B(f"预约{code}已签到取号（{ticket}号）", f"appointment {code} is checked in (ticket {ticket})"),
        B(
            f"该预约已在排队，无法取消或改期；如办事人不再办理，窗口叫{ticket}号未到时过号即可，其他时段请重新预约",
            f"it is in the queue now: it can no longer be cancelled or moved; if the visitor leaves, the window"
            f" skips {ticket} when it is called, and another slot is a new booking",
        ),
        {"booking": code, "ticket": ticket},
    )


def booking_unknown(code: str) -> Refusal:
    return Refusal(
        ErrorCode.APPOINTMENT_UNKNOWN,
        B(f"没有预约{code}", f"no booking {code}"),
        B(
            "请先推送该预约（POST /booking/v1/bookings）；已过去的预约日不再保留",
            "push it first (POST /booking/v1/bookings); bookings of past days are not kept",
        ),
        {"booking": code},
    )


def service_not_bookable(name: BiText) -> Refusal:
    return Refusal(
        ErrorCode.SERVICE_NOT_BOOKABLE,
        B(f"{name.zh}不支持预约", f"{name.en} takes no appointments"),
        B("请现场取号", "take a walk-in ticket"),
    )


def tidal_not_pool(wid: str) -> Refusal:
    return Refusal(
        ErrorCode.TIDAL_NOT_POOL,
        B(f"{wid}号窗口不是潮汐窗口", f"window {wid} is not in the tidal pool"),
        B("请选择潮汐窗口池中的窗口", "choose a window with tidal_pool = true"),
    )


def tidal_not_allowed(wid: str, service: str, allowed: list[str]) -> Refusal:
    return Refusal(
        ErrorCode.TIDAL_NOT_ALLOWED,
        B(f"{wid}号窗口不办理该业务", f"window {wid} may not serve {service}"),
        B(
            f"请选择可办理该业务的潮汐窗口（此窗口可办：{'、'.join(allowed)}）",
            f"choose a pool window whose pool_services include it (this one: {', '.join(allowed)})",
        ),
    )


def tidal_already_open(wid: str, service: str) -> Refusal:
    return Refusal(
        ErrorCode.TIDAL_ALREADY_OPEN,
        B(f"{wid}号窗口已临时开放", f"window {wid} is already open for {service}"),
        B("如需改为其他业务，请先关闭", "close it first to switch it to another service"),
    )


def tidal_not_open(wid: str) -> Refusal:
    return Refusal(
        ErrorCode.TIDAL_NOT_OPEN,
        B(f"{wid}号窗口未作为潮汐窗口开放", f"window {wid} is not open as a tidal window"),
        B("无需关闭", "nothing to close"),
    )


def no_proposal(wid: str | None) -> Refusal:
    return Refusal(
        ErrorCode.NO_PROPOSAL,
        B("没有待确认的潮汐窗口建议", "no tidal proposal is waiting"),
        B("可直接开放（open）或关闭（close）潮汐窗口", "open or close a tidal window directly"),
        {"window": wid},
    )


def duplicate_code(code: str) -> Refusal:
    return Refusal(
        ErrorCode.BAD_PAYLOAD,
        B(f"预约码{code}重复", f"appointment code {code} appears twice"),
        B("每个预约码只能出现一次", "each code must appear once per import"),
    )


def storage_failed() -> Refusal:
    return Refusal(
        ErrorCode.STORAGE_FAILED,
        B("系统暂时无法保存", "the controller could not save this"),
        B("请稍后重试，重试不会重复取号", "retry with the same id; a retry never issues a second ticket"),
    )


def internal_error() -> Refusal:
    return Refusal(
        ErrorCode.INTERNAL_ERROR,
        B("系统内部错误", "internal error"),
        B(f"请稍后重试或到{CONSULT.zh}", f"retry, or ask at {CONSULT.en}"),
    )


def staff_unknown(staff: str | None) -> Refusal:
    who = f"工号 {staff}" if staff else "该工作证"
    who_en = f"staff id {staff}" if staff else "this staff card"
    return Refusal(
        ErrorCode.STAFF_UNKNOWN,
        B(f"{who}未登记", f"{who_en} is not in the hall's staff list"),
        B(
            "请核对工号，或请大厅管理员在大厅配置的 [[staff]] 中登记",
            "check the id, or ask the hall manager to add it under [[staff]]",
        ),
    )


def staff_bad_pin(staff: str, attempts_left: int) -> Refusal:
    return Refusal(
        ErrorCode.STAFF_BAD_PIN,
        B(f"工号 {staff} 的密码不正确", f"wrong PIN for staff id {staff}"),
        B(
            f"请重新输入密码（还可尝试 {attempts_left} 次）",
            f"type the PIN again ({attempts_left} attempts left before this window locks for a while)",
        ),
        {"attempts_left": attempts_left},
    )


def staff_locked(wid: str, retry_at: datetime) -> Refusal:
    return Refusal(
        ErrorCode.STAFF_LOCKED,
        B(f"{wid}号窗口密码错误次数过多，暂停签到", f"too many wrong PINs at window {wid}"),
        B(
            f"请于 {retry_at:%H:%M} 后再试，或刷工作证签到",
            f"try again after {retry_at:%H:%M}, or sign in with the staff card",
        ),
        {"retry_at": retry_at.isoformat()},
    )


def staff_elsewhere(staff: str, wid: str) -> Refusal:
    return Refusal(
        ErrorCode.STAFF_ELSEWHERE,
        B(f"工号 {staff} 已在{wid}号窗口签到", f"staff id {staff} is signed in at window {wid}"),
        B(f"请先在{wid}号窗口签退，再在此签到", f"sign out at window {wid} first, then sign in here"),
        {"window": wid},
    )


def staff_not_signed_in(wid: str) -> Refusal:
    return Refusal(
        ErrorCode.STAFF_NOT_SIGNED_IN,
        B(f"{wid}号窗口当前无人签到", f"nobody is signed in at window {wid}"),
        B("无需签退", "nothing to sign out"),
    )


def _slot(start: datetime | None, end: datetime | None) -> dict[str, str] | None:
    return {"start": start.isoformat(), "end": end.isoformat()} if start and end else None


def _next_free_guide(name: BiText, next_free: tuple[datetime, datetime] | None, days: int) -> BiText:
    if next_free is None:
        return B(
            f"未来{days}天的{name.zh}预约已满；请于开放时间到现场取号，或到{CONSULT.zh}咨询",
            f"every {name.en} slot of the next {days} days is booked; take a ticket at the hall when it opens,"
            f" or ask at {CONSULT.en}",
        )
    t = _hm(next_free[0])
    return B(f"最近可预约的时段是{t.zh}，可直接预约该时段", f"the next free slot is {t.en}: book that one")


def slot_full(name: BiText, start: datetime, next_free: tuple[datetime, datetime] | None, days: int) -> Refusal:
    t = _hm(start)
    return Refusal(
        ErrorCode.SLOT_FULL,
        B(f"{t.zh}的{name.zh}预约已满", f"the {name.en} slot at {t.en} is fully booked"),
        _next_free_guide(name, next_free, days),
        {"next_free": _slot(*next_free) if next_free else None},
    )


def slot_unavailable(
    name: BiText, start: datetime, why: BiText, next_free: tuple[datetime, datetime] | None, days: int
) -> Refusal:
    t = _hm(start)
    return Refusal(
        ErrorCode.SLOT_UNAVAILABLE,
        B(f"{t.zh}不是可预约的{name.zh}时段：{why.zh}", f"{t.en} is not a bookable {name.en} slot: {why.en}"),
        _next_free_guide(name, next_free, days),
        {"next_free": _slot(*next_free) if next_free else None},
    )


def not_bookable_here(name: BiText) -> Refusal:
    """A service no kiosk books (its slot capacity is 0): walk in, or ask."""
    return Refusal(
        ErrorCode.SERVICE_NOT_BOOKABLE,
        B(f"{name.zh}不在自助机预约", f"{name.en} takes no kiosk bookings"),
        B(
            f"请于开放时间到现场取号，或到{CONSULT.zh}咨询",
            f"take a ticket at the hall when it opens, or ask at {CONSULT.en}",
        ),
    )


def booking_limit(name: BiText, start: datetime) -> Refusal:
    """One open kiosk booking per person and service (identity services): no hoarding of slots."""
    t = _hm(start)
    return Refusal(
        ErrorCode.IDENTITY_LIMIT,
        B(f"您已预约{t.zh}的{name.zh}", f"you already hold a {name.en} booking at {t.en}"),
        B(
            f"请按该预约时间到厅签到；如需改期请到{CONSULT.zh}",
            f"check in with it at that time; to change it ask at {CONSULT.en}",
        ),
        {"start": start.isoformat()},
    )


GREEN_DESK = B("绿色通道", "the green channel (绿色通道)")


def green_needs_staff() -> Refusal:
    """cmd/ticket priority green from a kiosk login: a kiosk cannot tell who qualifies, staff can."""
    return Refusal(
        ErrorCode.GREEN_NEEDS_STAFF,
        B("绿色通道号需由工作人员确认", "a green-channel ticket is confirmed by staff"),
        B(
            f"请点击“{GREEN_DESK.zh}”呼叫工作人员，或到{GREEN_DESK.zh}/{CONSULT.zh}请工作人员为您取号",
            f"press 绿色通道 on the kiosk to call staff, or ask staff at {GREEN_DESK.en} or {CONSULT.en}; "
            "a kiosk sends cmd/help action 'request'",
        ),
    )


def green_reason_required() -> Refusal:
    return Refusal(
        ErrorCode.GREEN_REASON_REQUIRED,
        B("请选择绿色通道原因", "a green ticket needs its reason"),
        B(
            "请选择：老年人、残障人士、孕妇、军人、其他（只选类别，无需病情）",
            "send 'reason': elderly, disabled, pregnant, military or other (a category, never a medical detail)",
        ),
    )


def verify_mismatch(number: str) -> Refusal:
    return Refusal(
        ErrorCode.VERIFY_MISMATCH,
        B(f"{number} 的校验码不符", f"the verify code does not match ticket {number}"),
        B(
            "请核对票面二维码下方校验码的最后4位，或扫描票上的二维码；仍不行请到综合咨询窗口补打",
            "type the last 4 characters of the code under the ticket's QR code, or scan the QR code; "
            f"or ask at {CONSULT.en} to reprint it",
        ),
        {"ticket": number},
    )


def help_unknown(help_id: str, open_ids: list[str]) -> Refusal:
    return Refusal(
        ErrorCode.HELP_UNKNOWN,
        B(f"没有待处理的求助 {help_id}", f"no open help request {help_id}"),
        B(
            "请查看管理台或叫号终端上的求助列表（可能已被其他工作人员处理）",
            "pick one from state/help (another member of staff may have answered it)"
            + (f"; open: {', '.join(open_ids[:20])}" if open_ids else ""),
        ),
    )


def ticket_finished(number: str) -> Refusal:
    """cmd/reprint of a ticket already served: a reprint would call nobody."""
    return Refusal(
        ErrorCode.TICKET_NOT_WAITING,
        B(f"{number}号已办结，无需补打", f"ticket {number} has been served (done); there is nothing to reprint"),
        B("如需再次办理请重新取号", "take a new ticket to be served again"),
        {"status": "done"},
    )
