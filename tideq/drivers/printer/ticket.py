"""The printable ticket: what a kiosk hands the driver after the controller acknowledged it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any


class Priority(str, Enum):
    NORMAL = "normal"
    GREEN = "green"  # 绿色通道: elderly, disabled, pregnant, veterans...
    APPOINTMENT = "appointment"


DEFAULT_GUIDANCE = (
    "请留意叫号；过号请到综合咨询窗口。",
    "Please listen for your number. If you miss it, go to the General Enquiry window.",
)


@dataclass(frozen=True)
class TicketPrint:
    """Everything printed on one ticket. Immutable: a print attempt never alters the ticket."""

    hall_zh: str
    hall_en: str
    service_zh: str
    service_en: str
    number: str
    ahead: int
    eta_s: int
    issued_at: datetime
    verify: str
    priority: Priority = Priority.NORMAL
    guidance_zh: str = DEFAULT_GUIDANCE[0]
    guidance_en: str = DEFAULT_GUIDANCE[1]
    where_zh: str | None = None
    where_en: str | None = None
    qr: str | None = None  # what the QR code carries when not `verify`: the ticket page's address
    reprints: int = 0  # >0: printed again (补打), marked REPRINT so a second paper is not a second ticket

    @property
    def verify_tail(self) -> str:
        """The last characters of `verify`, printed under the QR code: what a visitor types at a
        kiosk to reprint by number (cmd/reprint `verify`)."""
        return self.verify[-4:].upper()

    @property
    def qr_data(self) -> str:
        return self.qr or self.verify

    def __post_init__(self) -> None:
        if self.issued_at.tzinfo is None or self.issued_at.utcoffset() is None:
            raise ValueError("issued_at must be timezone-aware (hall-local time with offset)")
        if not self.number or not self.verify:
            raise ValueError("a ticket needs a number and a verification string")
        if self.ahead < 0 or self.eta_s < 0 or self.reprints < 0:
            raise ValueError("ahead and eta_s cannot be negative")
        object.__setattr__(self, "priority", Priority(self.priority))

    @classmethod
    def from_controller(
        cls, ticket: Mapping[str, Any], *, hall: tuple[str, str], service: tuple[str, str], verify: str, **extra: Any
    ) -> TicketPrint:
        """Build from the controller's `ticket` object (contract v1) plus names from the config."""
        issued = ticket["issued_at"]
        if isinstance(issued, str):
            issued = datetime.fromisoformat(issued)
        return cls(
            hall_zh=hall[0],
            hall_en=hall[1],
            service_zh=service[0],
            service_en=service[1],
            number=str(ticket["number"]),
            ahead=int(ticket["ahead"]),
            eta_s=int(ticket["eta_s"]),
            issued_at=issued,
            verify=verify,
            priority=Priority(ticket.get("priority", "normal")),
            **extra,
        )


def sample_ticket(
    issued_at: datetime | None = None, *, number: str = "A012", priority: Priority = Priority.NORMAL
) -> TicketPrint:
    """The ticket `tideq printer-test` prints: Chinese with full-width punctuation, English,
    a large number and a QR code, as staff check when installing a printer."""
    from datetime import timedelta, timezone

    at = issued_at or datetime(2024, 5, 6, 9, 12, 33, tzinfo=timezone(timedelta(hours=8)))
    return TicketPrint(
        hall_zh="西安高新区政务服务中心",
        hall_en="Xi'an Hi-Tech Zone Government Service Center",
        service_zh="企业开办（设立登记）",
        service_en="Business start-up (registration)",
        number=number,
        ahead=7,
        eta_s=1260,
        issued_at=at,
        verify=f"TQ1:xian-hitech:{at:%Y%m%d}:{number}:7f3a9c2e",
        priority=priority,
        where_zh="请在二楼东区等候",
        where_en="Please wait in the east area, 2nd floor",
    )
