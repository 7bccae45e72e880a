"""Topic names of the contract, under the prefix `tideq/{hall}`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

CONTRACT_VERSION = 1


def now_iso(at: datetime | None = None) -> str:
    """ISO 8601 with offset, to the millisecond (the contract's timestamp form)."""
    return (at or datetime.now().astimezone()).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Topics:
    hall: str

    @property
    def prefix(self) -> str:
        return f"tideq/{self.hall}"

    def t(self, suffix: str) -> str:
        return f"{self.prefix}/{suffix}"

    # retained state
    @property
    def status_controller(self) -> str:
        return self.t("status/controller")

    def state(self, name: str) -> str:
        """state/services, state/windows, state/calls, state/tidal."""
        return self.t(f"state/{name}")

    def event(self, name: str) -> str:
        return self.t(f"event/{name}")

    def health(self, device: str) -> str:
        """Retained device health (printers, strips, keypads, cameras)."""
        return self.t(f"health/{device}")

    def sensor_crowd(self, zone: str) -> str:
        return self.t(f"sensor/crowd/{zone}")

    def cmd(self, sender: str, name: str) -> str:
        """`cmd/{sender}/{name}`: cmd/kiosk-1/ticket, cmd/window-3/window/3, cmd/admin/tidal, ...

        The sender is the publisher's client id (its login under an ACL): the broker lets a login
        publish only under its own id, and the controller answers on that id's reply topic, so no
        client can make the controller answer into another's topic."""
        return self.t(f"cmd/{sender}/{name}")

    def commands(self, sender: str = "+") -> str:
        """The filter of every command (the controller's subscription), or of one sender's."""
        return self.t(f"cmd/{sender}/#")

    def split_cmd(self, topic: str) -> tuple[str, str]:
        """(sender, name) of a command topic: `.../cmd/kiosk-1/window/3` -> ("kiosk-1", "window/3");
        the sender may be anything a publisher wrote (check it with `wire.is_topic_level`)."""
        sender, _, name = topic.removeprefix(self.t("cmd/")).partition("/")
        return sender, name

    def reply_for(self, command_topic: str) -> str:
        """Where the answer to a command published on `command_topic` goes."""
        return self.reply(self.split_cmd(command_topic)[0])

    def reply(self, client_id: str) -> str:
        """Where the controller answers the commands of `client_id` (derived from the command topic)."""
        return self.t(f"reply/{client_id}")
