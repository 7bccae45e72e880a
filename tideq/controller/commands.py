"""Validation of command payloads (contract v1). Readers ignore unknown keys."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

CommandId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
Identity = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", description="hex HMAC-SHA256 of the ID number")]
Short = Annotated[str, Field(min_length=1, max_length=64)]


class Envelope(BaseModel):
    model_config = ConfigDict(extra="ignore")
    v: Literal[1]
    id: CommandId
    reply_to: str


class TicketCmd(Envelope):
    service: Short
    source: Short
    priority: Literal["normal", "green"] = "normal"
    identity: Identity | None = None


class CheckinCmd(Envelope):
    source: Short
    code: Annotated[str, Field(min_length=4, max_length=32, pattern=r"^[A-Za-z0-9-]+$")] | None = None
    identity: Identity | None = None

    @model_validator(mode="after")
    def _one_key(self) -> CheckinCmd:
        if not self.code and not self.identity:
            raise ValueError("give 'code' (the appointment code) or 'identity'")
        return self


class RejoinCmd(Envelope):
    ticket: Short
    source: Short


class WindowCmd(Envelope):
    action: Literal["next", "call", "recall", "skip", "finish", "rate", "transfer", "pause", "resume"]
    ticket: Short | None = None
    to_service: Short | None = None
    to_window: Short | None = None
    reason: Annotated[str, Field(max_length=200)] | None = None
    rating: Annotated[int, Field(ge=1, le=5)] | Literal["not_rated"] | None = None

    @model_validator(mode="after")
    def _args(self) -> WindowCmd:
        if self.action in ("call", "rate") and not self.ticket:
            raise ValueError(f"action '{self.action}' needs 'ticket'")
        if self.action == "rate" and self.rating is None:
            raise ValueError("action 'rate' needs 'rating' (1..5 or \"not_rated\")")
        if self.action == "finish" and self.rating == "not_rated":
            raise ValueError("finish takes 'rating' 1..5 only; send action 'rate' for not_rated")
        if self.action == "transfer" and not (self.to_service or self.to_window):
            raise ValueError("action 'transfer' needs 'to_service' or 'to_window'")
        return self


class TidalCmd(Envelope):
    action: Literal["open", "close", "confirm", "decline"]
    window: Short | None = None
    service: Short | None = None
    reason: Annotated[str, Field(max_length=200)] | None = None

    @model_validator(mode="after")
    def _args(self) -> TidalCmd:
        if not self.window:
            raise ValueError(f"action '{self.action}' needs 'window'")
        if self.action == "open" and not self.service:
            raise ValueError("action 'open' needs 'service'")
        return self


def mask_name(name: str) -> str:
    """张三丰 -> 张**; already masked names (with *) pass unchanged."""
    name = name.strip()
    return name if "*" in name or not name else name[0] + "*" * max(1, len(name) - 1)


def mask_phone(phone: str) -> str:
    """13812345678 -> 138****5678; already masked numbers pass unchanged."""
    digits = re.sub(r"\D", "", phone)
    if "*" in phone or len(digits) < 7:
        return phone.strip()
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


class AppointmentIn(BaseModel):
    """One booking from the city platform's export. Clear names and phones are masked on the
    way in, so the event log never holds them."""

    model_config = ConfigDict(extra="ignore")
    code: Annotated[str, Field(min_length=4, max_length=32, pattern=r"^[A-Za-z0-9-]+$")]
    service: Short
    start: datetime
    end: datetime
    name_masked: Annotated[str, Field(max_length=32)] = ""
    phone_masked: Annotated[str, Field(max_length=32)] = ""
    identity: Identity | None = None

    @field_validator("start", "end")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("write the time with its offset, e.g. 2026-11-26T09:30:00+08:00")
        return v

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


class AppointmentsCmd(Envelope):
    appointments: list[AppointmentIn] = Field(max_length=5000)


COMMANDS: dict[str, type[Envelope]] = {
    "ticket": TicketCmd,
    "checkin": CheckinCmd,
    "rejoin": RejoinCmd,
    "window": WindowCmd,
    "tidal": TidalCmd,
    "appointments": AppointmentsCmd,
}
