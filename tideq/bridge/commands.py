"""Key presses to window commands, and replies to keypad LCD texts (pure functions, no I/O).

The acting window never comes from the keypad's frame: the bridge passes the window bound to the
keypad's address, and a key's argument can only name a *target* (ticket, window, service).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tideq.config.schema import HallConfig
from tideq.contract import Reply
from tideq.contract.staff import PIN_PATTERN, pin_proof
from tideq.drivers.keypad import DisplayStyle, Key


class LocalRefusal(Exception):
    """The press cannot become a command; `text` is shown on the keypad instead."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


_TICKET = re.compile(r"^([A-Z]?)(\d{1,4})$")


_STAFF_ID = re.compile(r"^[0-9]{1,16}$")


def command_for(key: Key, arg: str, window: str, hall: HallConfig, secret: bytes | None = None) -> dict[str, Any]:
    """The arguments of `cmd/{login}/window/{window}` for a press (without v and id). `secret` is
    the hall secret: a PIN typed on the keypad leaves the bridge only as its keyed proof."""
    if key is Key.SIGN:
        return _sign(arg, secret)
    if key is Key.CALL:
        return {"action": "call", "ticket": _ticket_number(arg, window, hall)}
    if key is Key.TRANSFER:
        return {"action": "transfer", **_transfer_target(arg, window, hall)}
    return {"action": key.action}


def _sign(arg: str, secret: bytes | None) -> dict[str, Any]:
    """SIGN with `{工号}*{PIN}` signs in; SIGN with nothing typed signs the clerk out."""
    if not arg.strip():
        return {"action": "sign_out"}
    staff, sep, pin = arg.strip().partition("*")
    if not sep or not _STAFF_ID.match(staff) or not PIN_PATTERN.match(pin):
        raise LocalRefusal("请输入 工号*密码")
    if secret is None:
        raise LocalRefusal("未设大厅密钥 无法签到")
    return {"action": "sign_in", "staff": staff, "pin_proof": pin_proof(secret, staff, pin)}


def _ticket_number(arg: str, window: str, hall: HallConfig) -> str:
    m = _TICKET.match(arg.strip().upper())
    if not m:
        raise LocalRefusal("请输入号码 如A012")
    prefix, digits = m.groups()
    if not prefix:
        w = hall.window(window)
        services = [hall.service(s) for s in (w.services if w else [])]
        if len(services) != 1 or services[0] is None:
            raise LocalRefusal("请输入字母+号码")
        prefix = services[0].prefix
    return f"{prefix}{int(digits):03d}"


def _transfer_target(arg: str, window: str, hall: HallConfig) -> dict[str, str]:
    code = arg.strip().upper()
    if code.startswith("S") and len(code) == 2:
        service = next((s for s in hall.services if s.prefix == code[1]), None)
        if service is None:
            raise LocalRefusal(f"无业务{code[1]}")
        return {"to_service": service.id}
    target = code[1:] if code.startswith("W") else code
    if not target or hall.window(target.lower()) is None:
        raise LocalRefusal("无此窗口")
    if target.lower() == window:
        raise LocalRefusal("不能转本窗口")
    return {"to_window": target.lower()}


_DONE = {
    "next": "呼叫",
    "call": "呼叫",
    "recall": "重呼",
    "skip": "过号",
    "finish": "办结",
    "transfer": "已转",
    "pause": "暂停服务",
    "resume": "恢复服务",
    "rate": "评价",
    "sign_in": "签到",
    "sign_out": "已签退",
}


def ticket_number(reply: Reply) -> str | None:
    return reply.ticket.number if reply.ticket else None


@dataclass(frozen=True)
class Shown:
    text: str
    style: DisplayStyle


def display_for(action: str, reply: Reply | None) -> Shown:
    """What the keypad LCD says after a reply (None: no reply in time)."""
    if reply is None:
        return Shown("无应答 请重试", DisplayStyle.REFUSED)
    if not reply.ok:
        return Shown(reply.error.message.zh if reply.error else "操作未成功", DisplayStyle.REFUSED)
    if action == "sign_in" and reply.window is not None and reply.window.staff is not None:
        return Shown(f"签到 {reply.window.staff.name.zh}", DisplayStyle.OK)
    number = ticket_number(reply)
    label = _DONE.get(action, action)
    return Shown(f"{label} {number}" if number and action not in ("pause", "resume") else label, DisplayStyle.OK)
