"""Replies: what the controller answers on `reply/{client_id}`, the sender of the command topic."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import ConfigDict, Field

from .common import BiText, Timestamp
from .vocab import ErrorCode, Priority, TicketStatus, WindowStatus
from .wire import Count, Message, Part, SafeStr, Short


class TicketInfo(Part):
    """The contract's `ticket` object."""

    number: Short
    service: Short
    priority: Priority
    issued_at: Timestamp
    status: TicketStatus
    ahead: Count
    eta_s: Count | None = None
    verify: SafeStr
    window: Short | None = None
    page: SafeStr | None = Field(
        None,
        description="token of the ticket's phone page, `{[gateway] public_url}/t/{page}`: what the printed QR "
        "carries when the hall has a gateway (tideq.contract.ticket_page)",
    )


class AppointmentInfo(Part):
    code: Short
    service: Short
    start: Timestamp
    end: Timestamp
    name_masked: SafeStr = ""
    late: bool = False


class WindowRef(Part):
    id: Short
    status: WindowStatus
    ticket: Short | None = None


class TidalRef(Part):
    window: Short
    service: Short | None = None
    open: bool


class ErrorInfo(Part):
    """A refusal: what happened and what to do instead (窗口无否决权), plus the code's extra
    fields (`next_open`, `ticket`, `reason`, `services`, `status`, `start`, `checkin_opens`, `detail`)."""

    model_config = ConfigDict(extra="allow")
    code: ErrorCode
    message: BiText
    guide: BiText

    def extra(self, key: str) -> Any:
        return (self.model_extra or {}).get(key)


class Reply(Message):
    """`{"v":1,"id":..,"ok":true, <result>}` or `{"v":1,"id":..,"ok":false,"error":{..}}`.

    Result fields by command: ticket/rejoin `ticket`; checkin `ticket`, `appointment` (and `note`
    when late); window `window`, `ticket`; tidal `tidal`; appointments `imported`.
    """

    omit_none: ClassVar[bool] = True
    id: SafeStr | None
    ok: bool
    error: ErrorInfo | None = None
    ticket: TicketInfo | None = None
    appointment: AppointmentInfo | None = None
    note: BiText | None = None
    window: WindowRef | None = None
    tidal: TidalRef | None = None
    imported: Count | None = None

    @property
    def code(self) -> ErrorCode | None:
        return self.error.code if self.error else None
