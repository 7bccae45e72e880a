"""Broker logins of a hall's devices: one definition of each device's user (also its MQTT client
id and the sender level of its command topics), shared by `tideq acl`, the processes that log in
and the controller that checks who sent a command."""

from __future__ import annotations

from .schema import DeviceLogin, HallConfig


def named(role: str, device_id: str) -> str:
    """`{role}-{id}`, without doubling a prefix the id already has (kiosk "kiosk-1" is user kiosk-1)."""
    return device_id if device_id.startswith(f"{role}-") else f"{role}-{device_id}"


def login_user(login: DeviceLogin | None, default: str) -> str:
    """The user a device's `login` names in the hall file, else the role's default."""
    return login.username if login is not None and login.username else default


def kiosk_user(kiosk_id: str) -> str:
    return named("kiosk", kiosk_id)


def board_user(board_id: str) -> str:
    return named("board", board_id)


def camera_user(camera_id: str) -> str:
    return named("camera", camera_id)


def ledstrip_user(bus_id: str) -> str:
    return f"ledstrip-{bus_id}"


def bridge_user(bus_id: str) -> str:
    return f"bridge-{bus_id}"


def window_user(window_id: str) -> str:
    """The caller terminal of a window (`tideq counter --window ID`)."""
    return f"window-{window_id}"


def evaluator_user(window_id: str) -> str:
    """The evaluator tablet of a window (`tideq counter --window ID --evaluator`): it only rates."""
    return f"evaluator-{window_id}"


def kiosk_logins(hall: HallConfig) -> dict[str, str]:
    """user -> kiosk id: a kiosk takes numbers only in its own name (`source` of cmd/ticket)."""
    return {login_user(k.login, kiosk_user(k.id)): k.id for k in hall.devices.kiosks}
