"""Commands: what a client publishes to `cmd/{its client id}/{name}`; the controller answers on
`reply/{that client id}` (topics.py), so the reply topic is bound to the sender by the broker's ACL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StrictBool, StrictInt, field_validator, model_validator

from .common import Timestamp
from .privacy import mask_name, mask_phone
from .vocab import NOT_RATED, BookingAction, GreenReason, HelpAction, Priority, Rating, TidalCommand, WindowAction
from .wire import MAX_IMPORT_PAYLOAD, MAX_PAYLOAD, Message, Part, SafeStr, Short

CommandId = Annotated[
    str,
    Field(
        strict=True,
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_.:-]+$",
        description="chosen by the client (a UUID); the key of idempotency",
    ),
]
Identity = Annotated[
    str,
    Field(strict=True, pattern=r"^[0-9a-f]{64}$", description="hex HMAC-SHA256 of the ID number under the hall secret"),
]
AppointmentCode = Annotated[str, Field(strict=True, min_length=4, max_length=32, pattern=r"^[A-Za-z0-9-]+$")]
Reason = Annotated[SafeStr, Field(max_length=200)]
StaffId = Annotated[
    str, Field(strict=True, pattern=r"^[0-9A-Za-z]{1,16}$", description="工号: 1 to 16 letters or digits")
]
Proof = Annotated[
    str,
    Field(strict=True, pattern=r"^[0-9a-f]{64}$", description="hex HMAC-SHA256 under the hall secret (contract.staff)"),
]
RatingValue = Annotated[StrictInt, Field(ge=1, le=5, description="5 非常满意 … 1 非常不满意")]


class Command(Message):
    """The envelope every command carries."""

    id: CommandId


class TicketCmd(Command):
    """`cmd/ticket`: take a number."""

    service: Short
    source: Short = Field(description="device id of the kiosk")
    priority: Priority = Priority.NORMAL
    identity: Identity | None = None
    reason: GreenReason | None = Field(
        None, description="green only, from a window or manager login: why (a category, never a medical detail)"
    )

    @field_validator("priority")
    @classmethod
    def _walk_in(cls, v: Priority) -> Priority:
        if v is Priority.APPOINTMENT:
            raise ValueError("must be 'normal' or 'green'; appointment priority comes from cmd/checkin")
        return v


class CheckinCmd(Command):
    """`cmd/checkin`: check in an appointment by its code or the visitor's identity."""

    source: Short
    code: AppointmentCode | None = None
    identity: Identity | None = None

    @model_validator(mode="after")
    def _one_key(self) -> CheckinCmd:
        if not self.code and not self.identity:
            raise ValueError("give 'code' (the appointment code) or 'identity'")
        return self


class RejoinCmd(Command):
    """`cmd/rejoin`: a skipped ticket rejoins its queue."""

    ticket: Short
    source: Short


class WindowCmd(Command):
    """`cmd/window/{window}`: a caller action for that window."""

    action: WindowAction
    ticket: Short | None = None
    to_service: Short | None = None
    to_window: Short | None = None
    reason: Reason | None = None
    rating: RatingValue | Literal["not_rated"] | None = None
    staff: StaffId | None = Field(None, description="sign_in: the clerk's 工号")
    pin_proof: Proof | None = Field(None, description="sign_in: the PIN's keyed proof, never the PIN")
    card: Proof | None = Field(None, description="sign_in: the staff card's keyed hash, never its number")

    @model_validator(mode="after")
    def _args(self) -> WindowCmd:
        a = self.action
        if a is WindowAction.SIGN_IN and not (self.card or (self.staff and self.pin_proof)):
            raise ValueError("action 'sign_in' needs 'staff' and 'pin_proof', or 'card'")
        if a in (WindowAction.CALL, WindowAction.RATE) and not self.ticket:
            raise ValueError(f"action '{a.value}' needs 'ticket'")
        if a is WindowAction.RATE and self.rating is None:
            raise ValueError("action 'rate' needs 'rating' (1..5 or \"not_rated\")")
        if a is WindowAction.FINISH and self.rating == NOT_RATED:
            raise ValueError("finish takes 'rating' 1..5 only; send action 'rate' for not_rated")
        if a is WindowAction.TRANSFER and not (self.to_service or self.to_window):
            raise ValueError("action 'transfer' needs 'to_service' or 'to_window'")
        return self

    @property
    def rating_value(self) -> Rating | None:
        return Rating(self.rating) if isinstance(self.rating, int) else None


class TidalCmd(Command):
    """`cmd/tidal`: the hall manager opens, closes, confirms or declines a tidal window."""

    action: TidalCommand
    window: Short
    service: Short | None = None
    reason: Reason | None = None

    @model_validator(mode="after")
    def _args(self) -> TidalCmd:
        if self.action is TidalCommand.OPEN and not self.service:
            raise ValueError("action 'open' needs 'service'")
        return self


class AppointmentIn(Part):
    """One booking from the city platform's export. Clear names and phones are masked on the
    way in, so the event log never holds them."""

    code: AppointmentCode
    service: Short
    start: Timestamp
    end: Timestamp
    name_masked: Annotated[SafeStr, Field(max_length=32)] = ""
    phone_masked: Annotated[SafeStr, Field(max_length=32)] = ""
    identity: Identity | None = None

    @field_validator("name_masked")
    @classmethod
    def _mask_name(cls, v: str) -> str:
        return mask_name(v)

    @field_validator("phone_masked")
    @classmethod
    def _mask_phone(cls, v: str) -> str:
        return mask_phone(v)

    @model_validator(mode="after")
    def _order(self) -> AppointmentIn:
        if self.end <= self.start:
            raise ValueError(f"appointment {self.code}: end must be after start")
        return self


class AppointmentsCmd(Command):
    """`cmd/appointments`: import bookings (掌上预约), at most 5,000 a message.

    Without `per_row` a message is imported whole or refused whole (the file importer). With
    `per_row` (the booking API) each booking is imported or refused on its own and the reply's
    `results` says, in order, what happened to each (created, updated, unchanged, refused)."""

    appointments: list[AppointmentIn] = Field(max_length=5000)
    per_row: StrictBool = False


RATINGS_PAGE = 500  # ratings a `cmd/booking` `ratings` reply carries at most


class BookingCmd(Command):
    """`cmd/booking`: the booking platform cancels, reschedules or asks the status of one booking
    (`code`); action `ratings` pages through a hall day's 好差评 ratings (`day`, `offset`, `limit`)."""

    action: BookingAction
    code: AppointmentCode | None = None
    start: Timestamp | None = Field(None, description="reschedule: the new slot start")
    end: Timestamp | None = Field(None, description="reschedule: the new slot end")
    service: Short | None = Field(None, description="reschedule: another bookable service (optional)")
    reason: Reason | None = None
    day: date | None = Field(None, description="ratings: the hall day (default today)")
    offset: StrictInt = Field(0, ge=0, description="ratings: skip this many (in the order they were given)")
    limit: StrictInt = Field(RATINGS_PAGE, ge=1, le=RATINGS_PAGE, description="ratings: at most this many")

    @model_validator(mode="after")
    def _args(self) -> BookingCmd:
        a = self.action
        if a is not BookingAction.RATINGS and not self.code:
            raise ValueError(f"action '{a.value}' needs 'code' (the booking's appointment code)")
        if a is BookingAction.RESCHEDULE:
            if self.start is None or self.end is None:
                raise ValueError("action 'reschedule' needs 'start' and 'end' (the new slot)")
            if self.end <= self.start:
                raise ValueError("'end' must be after 'start'")
        return self


class BookCmd(Command):
    """`cmd/book`: a 24-hour self-service kiosk books a slot (no personal data: the appointment
    code on the printed slip is the key). Without `start`: the first slot of the service's next
    opening (a number for tomorrow morning, checked in on arrival with cmd/checkin)."""

    service: Short
    source: Short = Field(description="device id of the kiosk")
    start: Timestamp | None = Field(None, description="the slot's start (from cmd/slots); none: the next opening")
    identity: Identity | None = Field(None, description="required for services with identity_required")


class SlotsCmd(Command):
    """`cmd/slots`: a service's bookable slots of one hall day and how many places each has left."""

    service: Short
    day: date | None = Field(None, description="the hall day (default: the day of the next opening)")


class LookupCmd(Command):
    """`cmd/lookup`: where a ticket (number + the check digits printed under its QR, or the QR's
    whole `verify` string) or an appointment (`code`) stands."""

    source: Short
    code: AppointmentCode | None = None
    ticket: Short | None = None
    verify: Annotated[SafeStr, Field(max_length=120)] | None = None

    @model_validator(mode="after")
    def _one_key(self) -> LookupCmd:
        if not self.code and not (self.ticket and self.verify):
            raise ValueError("give 'code' (an appointment code) or 'ticket' with 'verify' (its check digits)")
        return self


HelpId = Annotated[str, Field(strict=True, pattern=r"^H[0-9]{3,6}$", description="a help request's id (H001)")]
VerifyDigits = Annotated[
    str, Field(strict=True, pattern=r"^[0-9a-fA-F]{4}$", description="the last 4 characters of the printed verify code")
]
PageToken = Annotated[str, Field(strict=True, min_length=20, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class GreenCmd(Command):
    """`cmd/green`: staff at a window or the hall manager issue a green-channel ticket (绿色通道).

    Only window and manager logins may publish it (the broker's ACL); with `help` it answers a
    kiosk's help request, and the ticket is the kiosk's to print (`cmd/help` action `collect`)."""

    service: Short
    reason: GreenReason = Field(description="why: elderly, disabled, pregnant, military, other (a category only)")
    help: HelpId | None = Field(None, description="the kiosk help request this answers (state/help)")


class HelpCmd(Command):
    """`cmd/help`: a kiosk calls staff to its 绿色通道 (request), gives up (cancel), or collects the
    green ticket staff issued for its request (collect); staff may cancel a request too."""

    action: HelpAction
    source: Short | None = Field(None, description="request: the kiosk's device id")
    service: Short | None = Field(None, description="request: the service the visitor chose, if any")
    help: HelpId | None = Field(None, description="cancel, collect: the request's id")

    @model_validator(mode="after")
    def _args(self) -> HelpCmd:
        if self.action is HelpAction.REQUEST and not self.source:
            raise ValueError("action 'request' needs 'source' (the kiosk's device id)")
        if self.action is not HelpAction.REQUEST and not self.help:
            raise ValueError(f"action '{self.action.value}' needs 'help' (the request's id, e.g. H001)")
        return self


class ReprintCmd(Command):
    """`cmd/reprint`: print a ticket again (补打). A kiosk names it by its QR code's `page` token, or
    by `ticket` plus the last 4 `verify` characters printed on it; a window or the manager by `ticket`."""

    source: Short | None = Field(None, description="a kiosk: its device id (it prints the reprint)")
    page: PageToken | None = Field(None, description="the page token the ticket's QR code carries")
    ticket: Short | None = None
    verify: VerifyDigits | None = None

    @model_validator(mode="after")
    def _args(self) -> ReprintCmd:
        if not self.page and not self.ticket:
            raise ValueError("give 'page' (scanned from the ticket's QR code) or 'ticket' (its number)")
        return self


@dataclass(frozen=True)
class CommandSpec:
    """One command topic: its model, its payload limit, and whether it takes a topic argument
    (`cmd/window/{window}`)."""

    name: str
    model: type[Command]
    max_bytes: int = MAX_PAYLOAD
    scoped: bool = False


COMMANDS: dict[str, CommandSpec] = {
    s.name: s
    for s in (
        CommandSpec("ticket", TicketCmd),
        CommandSpec("checkin", CheckinCmd),
        CommandSpec("rejoin", RejoinCmd),
        CommandSpec("window", WindowCmd, scoped=True),
        CommandSpec("tidal", TidalCmd),
        CommandSpec("appointments", AppointmentsCmd, max_bytes=MAX_IMPORT_PAYLOAD),
        CommandSpec("booking", BookingCmd),
        CommandSpec("book", BookCmd),
        CommandSpec("slots", SlotsCmd),
        CommandSpec("lookup", LookupCmd),
        CommandSpec("green", GreenCmd),
        CommandSpec("help", HelpCmd),
        CommandSpec("reprint", ReprintCmd),
    )
}
