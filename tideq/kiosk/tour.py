"""Every screen of the kiosk in a representative state, driven through the model with the
contract's typed messages as the controller sends them (no broker needed). Used by
scripts/screenshots_kiosk.py and by the layout test that checks touch-target sizes and clipping
in every language and mode. The flows themselves are tested against the real controller in
tests/kiosk/."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtWidgets import QApplication

from tideq.contract import (
    BiText,
    ErrorCode,
    ErrorInfo,
    Priority,
    Reply,
    ServiceItem,
    ServicesState,
    TicketInfo,
    TicketStatus,
)

from .model import KioskModel, PrintState, Screen

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
WAITING = {
    "business-setup": 12,
    "tax": 7,
    "social-insurance": 21,
    "real-estate": 4,
    "housing-fund": 9,
    "policy-redemption": 0,
    "engineering-permit": 3,
    "general-consult": 2,
}


def services_state(
    model: KioskModel,
    *,
    closed: bool = False,
    sold_out: str | None = "policy-redemption",
    closed_one: str | None = None,
) -> ServicesState:
    tomorrow = (NOW + timedelta(days=1)).replace(hour=9, minute=0)
    out = []
    for s in model.hall.services:
        shut = closed or s.id == closed_one
        out.append(
            ServiceItem(
                id=s.id,
                name=BiText(zh=s.name.zh, en=s.name.en),
                prefix=s.prefix,
                open=not shut,
                next_open=tomorrow if shut else None,
                waiting=0 if shut else WAITING.get(s.id, 3),
                eta_s=0 if shut else WAITING.get(s.id, 3) * s.mean_service_s // 2,
                windows_open=2,
                quota_left=0 if s.id == sold_out else (s.daily_quota or None),
            )
        )
    return ServicesState(ts=NOW, services=out)


def online(model: KioskModel, **kw: Any) -> None:
    model.handle_connection(True)
    model.handle_message("tideq/x/status/controller", "online")
    model.handle_message("tideq/x/state/services", services_state(model, **kw))


def _ticket(
    model: KioskModel,
    sid: str,
    number: str,
    ahead: int,
    *,
    priority: Priority = Priority.NORMAL,
    note: BiText | None = None,
    state: PrintState = PrintState.PRINTED,
) -> None:
    if note or priority is Priority.APPOINTMENT:
        model._request("checkin", {"code": "20261126"}, None)
    else:
        model.tap_service(sid)
    cid = model.pending.cid  # type: ignore[union-attr]
    ticket = TicketInfo(
        number=number,
        service=sid,
        priority=priority,
        issued_at=NOW,
        status=TicketStatus.WAITING,
        ahead=ahead,
        eta_s=ahead * 300,
        verify=f"tideq:xian-hitech:2026-11-26:{number}:3f9a1c07e2",
    )
    model.handle_reply(cid, Reply(id=cid, ok=True, ticket=ticket, note=note))
    model.handle_print(cid, state is PrintState.PRINTED, "" if state is PrintState.PRINTED else "printer_paper_out")


def _refusal(model: KioskModel, sid: str | None, error: ErrorInfo, command: str = "ticket") -> None:
    if sid:
        model.tap_service(sid)
    else:
        model._request(command, {"code": "30001111"}, None)
    cid = model.pending.cid  # type: ignore[union-attr]
    model.handle_reply(cid, Reply(id=cid, ok=False, error=error))


def _err(code: ErrorCode, mzh: str, men: str, gzh: str, gen: str, **extra: Any) -> ErrorInfo:
    return ErrorInfo(code=code, message=BiText(zh=mzh, en=men), guide=BiText(zh=gzh, en=gen), **extra)


def _search(model: KioskModel, typed: str) -> None:
    """The guide with the on-screen keyboard open and `typed` tapped on it."""
    model.go(Screen.GUIDE)
    model.set_guide_keyboard(True)
    for ch in typed:
        model.guide_key(ch)


Action = Callable[[KioskModel], object]  # run for its effect on the model; a result is ignored
Step = tuple[str, Action]


def _then(*actions: Action) -> Action:
    """One step made of several actions, run in order."""

    def run(model: KioskModel) -> None:
        for action in actions:
            action(model)

    return run


def _no_reader(model: KioskModel) -> None:
    """This kiosk's ID card reader is missing or broken (run_step puts it back)."""
    model.has_card_reader = False


def _keys(model: KioskModel, typed: str) -> None:
    for ch in typed:
        model.key(ch)


STEPS: list[Step] = [
    ("attract", lambda m: m.go(Screen.ATTRACT)),
    ("home", lambda m: m.go(Screen.HOME)),
    ("home-closed", _then(lambda m: online(m, closed=True), lambda m: m.go(Screen.HOME))),
    ("services", lambda m: m.go(Screen.SERVICES)),
    ("services-closed", _then(lambda m: online(m, closed=True), lambda m: m.go(Screen.SERVICES))),
    (
        "services-offline",
        _then(lambda m: m.handle_message("tideq/x/status/controller", "offline"), lambda m: m.go(Screen.SERVICES)),
    ),
    ("identity", _then(lambda m: m.go(Screen.SERVICES), lambda m: m.tap_service("social-insurance"))),
    (
        "identity-no-reader",
        _then(_no_reader, lambda m: m.go(Screen.SERVICES), lambda m: m.tap_service("social-insurance")),
    ),
    ("ticket", lambda m: _ticket(m, "tax", "B008", 7)),
    ("ticket-print-failed", lambda m: _ticket(m, "business-setup", "A013", 12, state=PrintState.FAILED)),
    (
        "ticket-late",
        lambda m: _ticket(
            m,
            "tax",
            "B009",
            8,
            note=BiText(
                zh="您已超过预约时段，已为您转为现场号，按到达顺序办理",
                en="You came after your slot, so this is a walk-in ticket served in arrival order",
            ),
        ),
    ),
    (
        "refusal-quota",
        lambda m: _refusal(
            m,
            "policy-redemption",
            _err(
                ErrorCode.QUOTA_REACHED,
                "今日惠企政策兑现号已发完",
                "today's tickets for Business Policy Benefits are all taken",
                "政策清单见“惠企政策”页；或到综合咨询窗口咨询",
                "See the Policy contacts page for the list; or ask at the General Enquiries window",
            ),
        ),
    ),
    (
        "refusal-closed",
        lambda m: _refusal(
            m,
            "engineering-permit",
            _err(
                ErrorCode.SERVICE_CLOSED,
                "工程建设审批现在不办理",
                "Construction Permits is not served now",
                "请于11月27日 09:00再来，或先查看办事指南准备材料",
                "come back at Fri 27 Nov 09:00, or read the service guide to prepare your documents",
                next_open=(NOW + timedelta(days=1)).replace(hour=9).isoformat(),
            ),
        ),
    ),
    (
        "refusal-identity-limit",
        lambda m: _refusal(
            m,
            "tax",
            _err(
                ErrorCode.IDENTITY_LIMIT,
                "每人每天最多取3个号",
                "at most 3 tickets per person per day",
                "请先办理已取的号；如有特殊情况请到综合咨询窗口",
                "use the tickets you hold; for special cases ask at the General Enquiries window",
            ),
        ),
    ),
    (
        "refusal-offline",
        _then(
            lambda m: m.handle_message("tideq/x/status/controller", "offline"),
            lambda m: m.go(Screen.SERVICES),
            lambda m: m.tap_service("tax"),
        ),
    ),
    ("checkin", _then(lambda m: m.go(Screen.CHECKIN), lambda m: _keys(m, "2026112"))),
    (
        "checkin-early",
        _then(
            lambda m: m.go(Screen.CHECKIN),
            lambda m: _refusal(
                m,
                None,
                _err(
                    ErrorCode.APPOINTMENT_EARLY,
                    "还未到签到时间，请于10:30后签到",
                    "check-in opens at 10:30",
                    "请于10:30后再来签到，期间可查看办事指南",
                    "come back after 10:30; meanwhile read the service guide",
                    checkin_opens=NOW.replace(minute=30).isoformat(),
                ),
                "checkin",
            ),
        ),
    ),
    (
        "checkin-unknown",
        _then(
            lambda m: m.go(Screen.CHECKIN),
            lambda m: _refusal(
                m,
                None,
                _err(
                    ErrorCode.APPOINTMENT_UNKNOWN,
                    "没有找到这个预约",
                    "no appointment with this code",
                    "请核对短信中的预约码，或到综合咨询窗口查询；也可直接取号",
                    "check the code in your SMS, ask at the General Enquiries window, or take a walk-in ticket",
                ),
                "checkin",
            ),
        ),
    ),
    ("guide", lambda m: m.go(Screen.GUIDE)),
    ("guide-elsewhere", _then(lambda m: m.go(Screen.GUIDE), lambda m: m.set_guide_group("elsewhere"))),
    ("guide-detail", _then(lambda m: m.go(Screen.GUIDE), lambda m: m.open_guide("business-setup"))),
    ("guide-search-empty", lambda m: _search(m, "")),
    ("guide-search", lambda m: _search(m, "QYKB" if m.lang.value == "zh" else "TAX")),
    ("guide-search-material", lambda m: _search(m, "YHK" if m.lang.value == "zh" else "BANK")),
    ("guide-search-none", lambda m: _search(m, "QQQ")),
    ("policy", lambda m: m.go(Screen.POLICY)),
    ("industries", lambda m: m.go(Screen.INDUSTRIES)),
    ("industry", _then(lambda m: m.go(Screen.INDUSTRIES), lambda m: m.open_industry("restaurant"))),
    ("industry-hotel", _then(lambda m: m.go(Screen.INDUSTRIES), lambda m: m.open_industry("hotel"))),
    (
        "industry-printed",
        _then(
            lambda m: m.open_industry("pharmacy"),
            lambda m: m.print_industry(),
            lambda m: m.handle_list_print(m._list_tag, True),
        ),
    ),
]


def run_step(model: KioskModel, step: Step, lang: str, large: bool) -> None:
    """Put the model in a clean state of the given language/mode, then into the step's screen."""
    model.pending = model.ticket = model.refusal = None
    model.has_card_reader = True  # tour models have every device; a step may take one away
    model.reset()
    online(model)
    if lang == "en":
        model.toggle_lang()
    if large:
        model.set_large(True)
    step[1](model)
    for _ in range(3):
        QApplication.processEvents()


def _with_night() -> None:
    """The 24-hour self-service pages (tour_night.py) join the tour."""
    from .tour_night import NIGHT_STEPS

    STEPS.extend(NIGHT_STEPS)


_with_night()
