"""Replies: what the controller answers on `reply/{client_id}`, the sender of the command topic."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, ClassVar

from pydantic import ConfigDict, Field

from .common import BiText, StaffRef, Timestamp
from .vocab import (
    BookingStatus,
    ErrorCode,
    GreenReason,
    HelpStatus,
    Priority,
    RatingChannel,
    RowStatus,
    TicketStatus,
    WindowStatus,
)
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
    green_reason: GreenReason | None = Field(None, description="green: why (a category)")
    reprints: Count | None = Field(None, description="times it was printed again (补打); a reprint reply: >= 1")


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
    staff: StaffRef | None = Field(None, description="the clerk signed in at the window; null: nobody")


class TidalRef(Part):
    window: Short
    service: Short | None = None
    open: bool


class ErrorInfo(Part):
    """A refusal: what happened and what to do instead (窗口无否决权), plus the code's extra
    fields (`next_open`, `ticket`, `reason`, `services`, `status`, `start`, `checkin_opens`, `detail`,
    `booking`)."""

    model_config = ConfigDict(extra="allow")
    code: ErrorCode
    message: BiText
    guide: BiText

    def extra(self, key: str) -> Any:
        return (self.model_extra or {}).get(key)


class RowResult(Part):
    """What a `per_row` import did with one booking (in the order they were sent)."""

    code: SafeStr
    status: RowStatus
    error: ErrorInfo | None = None


class BookingInfo(Part):
    """One booking as the controller knows it (`cmd/booking` cancel, reschedule, status)."""

    code: Short
    service: Short
    start: Timestamp
    end: Timestamp
    status: BookingStatus
    ticket: Short | None = None  # checked_in: the ticket it got
    ticket_status: TicketStatus | None = None  # checked_in: waiting, serving, skipped or done
    checked_in_at: Timestamp | None = None
    cancelled_at: Timestamp | None = None


class RatingRecord(Part):
    """One 好差评 rating: what `event/rated` carries and `cmd/booking` `ratings` lists.

    `rating_id` is stable (`{hall}:{day}:{ticket}`, a ticket is rated once), the key by which a
    receiver stores each rating exactly once."""

    rating_id: Short = Field(description="`{hall}:{day}:{ticket}`, stable: the key of exactly-once")
    hall: Short
    day: date = Field(description="the hall day")
    ticket: Short = Field(description="the number rated")
    service: Short = Field(description="the ticket's service when rated")
    window: Short = Field(description="the window that finished it")
    staff: Short | None = Field(
        None, description="工号 of the clerk who finished the ticket; null: nobody was signed in"
    )
    rating: Annotated[int, Field(ge=1, le=5, description="5 非常满意 … 1 非常不满意")]
    channel: RatingChannel = Field(description="where it was given, told by the sending login")
    at: Timestamp = Field(description="when it was rated")


class SlotInfo(Part):
    """One bookable slot (`cmd/slots`, and `next_free` of a `slot_full` refusal)."""

    start: Timestamp
    end: Timestamp
    free: Count = Field(description="places left")
    capacity: Count = Field(description="places in all")


class HelpRef(Part):
    """A kiosk's help request (绿色通道): who asks, for what, and the green ticket once issued."""

    id: Short
    kiosk: Short
    service: Short | None = None
    status: HelpStatus
    at: Timestamp
    ticket: Short | None = None


class Reply(Message):
    """`{"v":1,"id":..,"ok":true, <result>}` or `{"v":1,"id":..,"ok":false,"error":{..}}`.

    Result fields by command: ticket/rejoin `ticket`; checkin `ticket`, `appointment` (and `note`
    when late); window `window`, `ticket`; tidal `tidal`; appointments `imported` (and `results`
    with `per_row`); booking `booking` (cancel, reschedule, status) or `ratings`, `more`, `day` (ratings);
    book `appointment`, `booking`; slots `slots`, `day`; lookup `booking` (a code) or `ticket`.
    green `ticket` (and `help`); help `help` (and `ticket` on collect); reprint `ticket`.
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
    results: list[RowResult] | None = None
    booking: BookingInfo | None = None
    ratings: list[RatingRecord] | None = None
    day: date | None = None  # ratings: the hall day they are of (today's when the command gave none)
    more: bool | None = None  # ratings: another page follows (ask again with offset + len(ratings))
    slots: list[SlotInfo] | None = None  # slots: the day's slots of the service (with `day`)
    help: HelpRef | None = None  # help: the request as it now stands; green with `help`: the one answered

    @property
    def code(self) -> ErrorCode | None:
        return self.error.code if self.error else None
